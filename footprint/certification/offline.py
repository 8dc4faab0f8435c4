"""The offline check of a certificate file: one code path for ``certificate verify`` and
``verify STUDY --certificate CERT``.

Why one function: a check that exists in two copies drifts; ``verify --certificate`` used to
read the certificate's hashes without checking its signature, so a forged certificate naming a
tampered study passed. Both commands now call :func:`check_certificate_file`, which loads the
public key the way :func:`load_public_key` trusts it and checks the signature and the dates.

What "trusting a key folder" means here: the public key file and its folder are not writable by
every user (anyone could have put their own key there), and when the folder holds ``body.json``
(every folder ``footprint keys generate`` writes does) its ``key_id`` must be the id of the key
beside it (a folder whose key was swapped, or a ``body.json`` copied from another body, is
refused).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from .body import BODY_FILE, load_body
from .document import OfflineCheck, load_certificate, verify_certificate
from .signing import PUBLIC_KEY_FILE, VerifyKey, load_verify_key


def load_public_key(path: str | Path) -> VerifyKey:
    """A body's public key from a PEM file or a key folder, checked as described above."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    key = load_verify_key(path if not path.is_dir() else path / PUBLIC_KEY_FILE)
    if path.is_dir() or (folder / BODY_FILE).exists():
        load_body(folder, key.key_id)  # KeyFileError when body.json names another key
    return key


def check_certificate_file(certificate: str | Path, public_key: str | Path, on: date) -> OfflineCheck:
    """Signature (by the key at ``public_key``) and validity on ``on`` of a certificate file."""
    return verify_certificate(load_certificate(certificate), load_public_key(public_key), on)
