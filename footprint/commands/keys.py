"""``footprint keys generate --out DIR``: a certification body's Ed25519 key pair and identity.

Writes ``signing_key.pem`` (mode 0600; encrypted when ``$GBA_SIGNING_KEY_PASSPHRASE`` — or the
variable named by ``--passphrase-env`` — is set), ``public_key.pem`` (publish it) and
``body.json`` (id, names, key id). Never prints key material. Exit 0, or 2 with a message.
"""

from __future__ import annotations

import argparse


def register(subcommands) -> None:
    parser = subcommands.add_parser("keys", help="certification-body signing keys")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    generate = actions.add_parser("generate", help="generate an Ed25519 key pair for a certification body")
    generate.add_argument("--out", required=True, help="folder for the keys (created with mode 0700)")
    generate.add_argument("--body-id", required=True, help="short body id used in certificate numbers, e.g. HKQAA")
    generate.add_argument("--body-name", required=True, help="body name shown on certificates")
    generate.add_argument("--body-name-zh", default="", help="body name in Chinese")
    generate.add_argument("--passphrase-env", default=None, metavar="VAR", help="environment variable holding the passphrase (default GBA_SIGNING_KEY_PASSPHRASE)")
    generate.set_defaults(handler=run_generate)
    show = actions.add_parser("show", help="key id and body of a key folder (public facts only)")
    show.add_argument("directory")
    show.set_defaults(handler=run_show)


def run_generate(args: argparse.Namespace) -> int:
    from ..certification.body import write_body
    from ..certification.document import BodyFacts
    from ..certification.numbering import normalise_body_id
    from ..certification.signing import PASSPHRASE_ENV, generate_key_files

    body = BodyFacts(id=normalise_body_id(args.body_id), name=args.body_name, name_zh=args.body_name_zh)
    files = generate_key_files(args.out, args.passphrase_env or PASSPHRASE_ENV)
    write_body(args.out, body, files.key_id)
    print(f"key id      {files.key_id}")
    print(f"body        {body.id} {body.name}")
    print(f"private key {files.private_key} (mode 0600{', encrypted' if files.encrypted else ', NOT encrypted: set ' + (args.passphrase_env or PASSPHRASE_ENV) + ' to encrypt'})")
    print(f"public key  {files.public_key} (publish it: anyone can check certificates with it)")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from ..certification.body import load_body
    from ..certification.signing import load_verify_key

    key = load_verify_key(args.directory)
    body = load_body(args.directory, key.key_id)
    print(f"key id {key.key_id}\nbody   {body.id} {body.name} {body.name_zh}".rstrip())
    return 0
