"""Who the certification body is: ``body.json`` next to its keys.

Why a file: a body issues under one identity (id in certificate numbers, names on the
certificate) with one key. Keeping the identity beside the key (public facts only, no secret)
means ``footprint certificate issue --key DIR`` cannot sign with one body's key under another
body's name: the file also names the key id, and loading checks it against the key.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import InputError
from ..output_files import write_file
from ..user_json import read_json
from .document import BodyFacts
from .errors import KeyFileError
from .numbering import normalise_body_id
from .signing import refuse_world_writable

BODY_FILE = "body.json"


def write_body(directory: str | Path, body: BodyFacts, key_id: str) -> Path:
    path = Path(directory) / BODY_FILE
    data = {**body.model_copy(update={"id": normalise_body_id(body.id)}).model_dump(), "key_id": key_id}
    write_file(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return path


def load_body(directory: str | Path, key_id: str | None = None) -> BodyFacts:
    """The body of a key folder; ``key_id`` (of the key being used) must match the file's."""
    directory = Path(directory)
    directory = directory if directory.is_dir() else directory.parent
    path = directory / BODY_FILE
    refuse_world_writable(path)
    try:
        data = read_json(path.read_bytes(), str(path))
    except FileNotFoundError:
        raise KeyFileError(f"{path} missing: create keys with 'footprint keys generate --body-id ID --body-name NAME'") from None
    except OSError as error:
        raise KeyFileError(f"cannot read {path}: {error.strerror}") from None
    except InputError as error:
        raise KeyFileError(str(error)) from None
    if not isinstance(data, dict):
        raise KeyFileError(f"{path}: not a JSON object")
    stored = data.pop("key_id", None)
    if key_id is not None and stored != key_id:
        raise KeyFileError(f"{path} belongs to key {stored}, not to the key being used ({key_id})")
    try:
        return BodyFacts.model_validate(data)
    except ValueError as error:
        raise KeyFileError(f"{path}: {error}") from None
