"""Errors of the certification workflow; all are :class:`~footprint.errors.FootprintError`.

Why typed: the command line prints any ``FootprintError`` as one message and exits 2, while the
batch verifier and the web page need to tell *why* something was refused (another dataset, a bad
signature, a forbidden status change) without parsing text.
"""

from __future__ import annotations

from ..errors import FootprintError


class CertificationError(FootprintError):
    """Base class: something a certification body did or asked for cannot be done."""


class DatasetMismatchError(CertificationError):
    """The study was computed with another dataset than the one available for recomputation."""


class RuleSetMismatchError(CertificationError):
    """The study names a rule-set version (or content) other than the one available."""


class KeyFileError(CertificationError):
    """A key file is missing, unreadable, too open, or its passphrase is wrong."""


class SignatureError(CertificationError):
    """A certificate or QR payload whose signature does not verify (tampered, or another key)."""


class RegistryError(CertificationError):
    """The label registry refused an operation (unknown certificate, database problem)."""


class RegistryBusyError(RegistryError):
    """Another transaction held a lock longer than the registry's lock timeout; nothing changed."""


class NotFoundError(RegistryError):
    """No certificate with that number."""


class TransitionError(RegistryError):
    """A status change the lifecycle forbids (e.g. reinstating a revoked certificate)."""


class NotEligibleError(CertificationError):
    """A certificate was requested for a study whose verification did not pass."""


class OutputFileError(CertificationError):
    """A file could not be written (full disk, no permission); nothing was left half-written."""
