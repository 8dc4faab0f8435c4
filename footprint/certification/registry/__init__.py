"""The label registry: issued certificates, their lifecycle, and an append-only audit log."""

from .store import AuditCheck, AuditEntry, CertificateRecord, RecalculationOutcome, Registry, registry_url

__all__ = ["AuditCheck", "AuditEntry", "CertificateRecord", "RecalculationOutcome", "Registry", "registry_url"]
