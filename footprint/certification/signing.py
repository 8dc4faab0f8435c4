"""Ed25519 keys of a certification body: generate, store, load, sign, verify.

Why Ed25519 (through ``cryptography``): small keys and signatures (a signature fits in a QR
code), deterministic signing (the same certificate signs to the same bytes, so tests and
re-issues are reproducible), and no parameters to get wrong.

Storage rules, enforced here rather than documented only:

* the private key is a PKCS#8 PEM file created with mode 0600 (never world- or group-readable,
  never overwritten); loading refuses a key file that others can read, as ssh does;
* it is encrypted when a passphrase is given through an environment variable (default
  ``GBA_SIGNING_KEY_PASSPHRASE``), never through a command-line argument (visible in ``ps``);
* a :class:`SigningKey` never shows its secret: ``repr`` names the key id only, and it refuses
  to be pickled or serialised, so it cannot end up in a study, a certificate or a log by accident.

The public key is a plain PEM file that a body publishes; the key id (``ed25519:`` and the first
16 hex digits of the SHA-256 of the raw public key) names it inside certificates.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..output_files import make_folder
from .errors import KeyFileError

PASSPHRASE_ENV = "GBA_SIGNING_KEY_PASSPHRASE"
PRIVATE_KEY_FILE = "signing_key.pem"
PUBLIC_KEY_FILE = "public_key.pem"
ALGORITHM = "Ed25519"


def key_id_of(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]


def b64encode(data: bytes) -> str:
    """URL-safe base64 without padding (fits QR codes and URLs)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class VerifyKey:
    """A body's public key: checks signatures offline."""

    def __init__(self, public_key: Ed25519PublicKey) -> None:
        self._public_key = public_key
        self.key_id = key_id_of(public_key)

    def verify(self, data: bytes, signature: bytes) -> bool:
        try:
            self._public_key.verify(signature, data)
        except InvalidSignature:
            return False
        return True

    def pem(self) -> bytes:
        return self._public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def __repr__(self) -> str:
        return f"VerifyKey({self.key_id})"


class SigningKey:
    """A body's private key. Signs; never reveals itself (see the module docstring)."""

    __slots__ = ("_private_key", "key_id", "verify_key")

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private_key = private_key
        self.verify_key = VerifyKey(private_key.public_key())
        self.key_id = self.verify_key.key_id

    @classmethod
    def generate(cls) -> "SigningKey":
        return cls(Ed25519PrivateKey.generate())

    def sign(self, data: bytes) -> bytes:
        return self._private_key.sign(data)

    def __repr__(self) -> str:
        return f"SigningKey({self.key_id}, private part hidden)"

    __str__ = __repr__

    def __reduce__(self):  # pickle, copy, multiprocessing: refuse rather than leak
        raise TypeError("a SigningKey cannot be pickled or copied; load it from its file where it is needed")

    def private_pem(self, passphrase: bytes | None) -> bytes:
        """The PKCS#8 PEM form, for writing the key file only."""
        encryption = (
            serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
        )
        return self._private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


@dataclass(frozen=True)
class KeyFiles:
    private_key: Path
    public_key: Path
    key_id: str
    encrypted: bool


def passphrase_from_env(variable: str = PASSPHRASE_ENV) -> bytes | None:
    value = os.environ.get(variable)
    return value.encode("utf-8") if value else None


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` with ``mode`` from the first byte (no window where it is readable)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise KeyFileError(f"{path} already exists; refusing to overwrite a key (move it away first)") from None
    except OSError as error:
        raise KeyFileError(f"{path}: cannot write the key ({error.strerror})") from None
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.chmod(path, mode)  # the umask may have removed bits from a public key


def generate_key_files(directory: str | Path, passphrase_env: str = PASSPHRASE_ENV) -> KeyFiles:
    """Generate a key pair into ``directory`` (created with mode 0700 if missing).

    The private key is encrypted when the environment variable ``passphrase_env`` is set.
    """
    directory = make_folder(directory, mode=0o700)
    private_path, public_path = directory / PRIVATE_KEY_FILE, directory / PUBLIC_KEY_FILE
    for path in (private_path, public_path):
        if path.exists():
            raise KeyFileError(f"{path} already exists; refusing to overwrite a key (move it away first)")
    key = SigningKey.generate()
    passphrase = passphrase_from_env(passphrase_env)
    _write_new(private_path, key.private_pem(passphrase), 0o600)
    _write_new(public_path, key.verify_key.pem(), 0o644)
    return KeyFiles(private_path, public_path, key.key_id, passphrase is not None)


def _resolve(path: str | Path, file_name: str) -> Path:
    path = Path(path)
    return path / file_name if path.is_dir() else path


def refuse_world_writable(path: Path) -> None:
    """Refuse a key file, or the folder holding it, that every user may write: anyone could have
    replaced the key (or ``body.json``) with their own, and certificates would check against it."""
    if os.name != "posix":
        return
    for target in (path.parent, path):
        try:
            mode = target.stat().st_mode
        except OSError:
            continue  # a missing file is reported by the reader, with its own message
        if mode & stat.S_IWOTH:
            kind = "key folder" if target is not path else "key file"
            raise KeyFileError(
                f"{kind} {target} is writable by every user (mode {stat.S_IMODE(mode):04o}): anyone could have "
                f"replaced the key; run: chmod o-w {target}"
            )


def load_signing_key(path: str | Path, passphrase_env: str = PASSPHRASE_ENV) -> SigningKey:
    """Load a private key file (or the ``signing_key.pem`` in a folder).

    Refuses a file that group or others may read, an encrypted key without its passphrase, and
    a wrong passphrase, each with a message that says what to do. Never includes key material
    in a message.
    """
    path = _resolve(path, PRIVATE_KEY_FILE)
    refuse_world_writable(path)
    try:
        info = path.stat()
        data = path.read_bytes()
    except OSError as error:
        raise KeyFileError(f"cannot read the signing key {path}: {error.strerror}") from None
    if os.name == "posix" and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"signing key {path} is accessible by other users (mode {stat.S_IMODE(info.st_mode):04o}); run: chmod 600 {path}"
        )
    passphrase = passphrase_from_env(passphrase_env)
    try:
        key = serialization.load_pem_private_key(data, password=passphrase)
    except TypeError:
        if passphrase is None:
            raise KeyFileError(f"signing key {path} is encrypted; set {passphrase_env} to its passphrase") from None
        raise KeyFileError(f"signing key {path} is not encrypted, but {passphrase_env} is set; unset it") from None
    except ValueError:
        if passphrase is not None:
            raise KeyFileError(f"cannot decrypt signing key {path}: wrong passphrase in {passphrase_env}?") from None
        raise KeyFileError(f"{path} is not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} is not an Ed25519 key")
    return SigningKey(key)


def load_verify_key(path: str | Path) -> VerifyKey:
    """Load a public key file (or the ``public_key.pem`` in a folder); refuses a world-writable
    file or folder. :func:`..offline.load_public_key` also checks the folder's ``body.json``."""
    path = _resolve(path, PUBLIC_KEY_FILE)
    refuse_world_writable(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise KeyFileError(f"cannot read the public key {path}: {error.strerror}") from None
    return load_public_pem(data, str(path))


def load_public_pem(data: bytes | str, source: str = "public key") -> VerifyKey:
    """A public key from its PEM text (a file's bytes, or the registry's ``signing_keys`` row)."""
    try:
        key = serialization.load_pem_public_key(data.encode("ascii") if isinstance(data, str) else data)
    except (ValueError, UnicodeEncodeError):
        raise KeyFileError(f"{source} is not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"{source} is not an Ed25519 public key")
    return VerifyKey(key)
