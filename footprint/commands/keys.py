"""``footprint keys generate --out DIR``: a certification body's Ed25519 key pair and identity.

Writes ``signing_key.pem`` (mode 0600; encrypted when ``$GBA_SIGNING_KEY_PASSPHRASE`` — or the
variable named by ``--passphrase-env`` — is set), ``public_key.pem`` (publish it) and
``body.json`` (id, names, key id). Never prints key material. Exit 0, or 2 with a message.

The registry's keys (``--registry``, audit-logged with ``--actor``): ``register DIR`` makes a key
folder's public key its body's active key (a body's first key is also registered by its first
issue); ``rotate OLD_DIR --out NEW_DIR`` generates a new key folder for the same body, makes it the
active key and retires the old one (its certificates keep verifying; it signs nothing new);
``revoke KEY_ID --reason`` revokes a key (the public check then reports every certificate it
signed as signed by a revoked key); ``list`` shows them.
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

    from .registry import add_registry_option

    register_key = actions.add_parser("register", help="make a key folder's public key its body's active key in the registry")
    register_key.add_argument("directory")
    add_registry_option(register_key, actor=True)
    register_key.set_defaults(handler=run_register)
    rotate = actions.add_parser("rotate", help="generate a new key folder for the body, make it active, retire the old key")
    rotate.add_argument("directory", help="the current (active) key folder")
    rotate.add_argument("--out", required=True, help="folder for the new keys (created with mode 0700)")
    rotate.add_argument("--reason", default="")
    rotate.add_argument("--passphrase-env", default=None, metavar="VAR", help="environment variable holding the new key's passphrase")
    add_registry_option(rotate, actor=True)
    rotate.set_defaults(handler=run_rotate)
    revoke = actions.add_parser("revoke", help="revoke a key (compromised): its certificates are reported as signed by a revoked key")
    revoke.add_argument("key_id")
    revoke.add_argument("--reason", required=True)
    add_registry_option(revoke, actor=True)
    revoke.set_defaults(handler=run_revoke)
    listing = actions.add_parser("list", help="the registry's keys: body, status, replaced by")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    add_registry_option(listing)
    listing.set_defaults(handler=run_list)


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


def run_register(args: argparse.Namespace) -> int:
    from ..certification.body import load_body
    from ..certification.offline import load_public_key
    from .registry import actor_of, open_registry

    key = load_public_key(args.directory)
    body = load_body(args.directory, key.key_id)
    with open_registry(args) as registry:
        record = registry.register_key(key, body.id, actor_of(args))
    print(f"key {record.key_id} is the active key of {record.body_id}")
    return 0


def run_rotate(args: argparse.Namespace) -> int:
    from ..certification.body import load_body, write_body
    from ..certification.signing import PASSPHRASE_ENV, generate_key_files, load_signing_key
    from .registry import actor_of, open_registry

    old = load_signing_key(args.directory)  # proves the officer holds the current key
    body = load_body(args.directory, old.key_id)
    with open_registry(args) as registry:
        if next((k for k in registry.keys(body.id) if k.key_id == old.key_id and k.status == "active"), None) is None:
            from ..certification.errors import RegistryError

            raise RegistryError(f"key {old.key_id} is not the active key of {body.id} in the registry: nothing to rotate")
        files = generate_key_files(args.out, args.passphrase_env or PASSPHRASE_ENV)
        write_body(args.out, body, files.key_id)
        from ..certification.offline import load_public_key

        record = registry.rotate_key(old.key_id, load_public_key(args.out), actor_of(args), args.reason)
    print(f"key {record.key_id} ({files.public_key}) is now the active key of {record.body_id}")
    print(f"key {old.key_id} is retired: its certificates keep verifying; issue new ones with --key {args.out}")
    print("publish the new public key beside the old one")
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    from .registry import actor_of, open_registry

    with open_registry(args) as registry:
        record = registry.revoke_key(args.key_id, actor_of(args), args.reason)
    print(f"key {record.key_id} of {record.body_id}: revoked")
    return 0


def run_list(args: argparse.Namespace) -> int:
    import json

    from ..text_table import format_table
    from .registry import open_registry

    with open_registry(args) as registry:
        keys = registry.keys()
    if args.format == "json":
        print(json.dumps([k.to_dict() for k in keys], ensure_ascii=False, indent=2))
    else:
        rows = [[k.key_id, k.body_id, k.status, k.replaced_by or "", k.created_at.strftime("%Y-%m-%d"), k.reason] for k in keys]
        print(format_table(["key id", "body", "status", "replaced by", "since", "reason"], rows) if keys else "no keys registered")
    return 0
