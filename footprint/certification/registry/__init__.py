"""The label registry: issued certificates, their lifecycle, and an append-only audit log."""

from .store import AuditEntry, CertificateRecord, RecalculationOutcome, Registry, registry_url

__all__ = ["AuditEntry", "CertificateRecord", "RecalculationOutcome", "Registry", "registry_url"]
