"""The footprints a host serves: issued certificates of the label registry, each through its
certified study, as PACT v3 ``ProductFootprint`` documents (``footprint.exchange.pact``).

Why from certificates: a footprint a supplier gives to customers should be one a certification
body checked. The registry holds the certificates but not the studies; the certified studies
(``<study>.certified.json``, written by ``certificate issue``) are found in a folder by their
SHA-256, which the certificate names. The footprint is computed with the dataset the study
declares (found by hash as ``verify`` finds it), once per study; the certificate's status is read
from the registry on every request:

=========================  =============================================================
registry status            served as
=========================  =============================================================
valid (also past expiry)   ``Active`` (the validity period tells a recipient it expired)
superseded                 ``Deprecated``; its successor names it in ``precedingPfIds``
revoked                    ``Deprecated``: the spec's status for a footprint withdrawn
                           without a successor (its lifecycle section: "If a PCF becomes
                           obsolete without being replaced", the status is set to
                           ``Deprecated``), so a recipient that holds it learns it is void
suspended                  not served (it may be reinstated, and a ``Deprecated`` footprint
                           may not become ``Active`` again); also a row that fails the
                           registry's integrity check or was signed with a revoked key
=========================  =============================================================
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..certification.registry import CertificateRecord, Registry
from ..certification.verify import VerifyOptions, engine_for, resolve_dataset
from ..errors import FootprintError
from ..study import load_study

log = logging.getLogger(__name__)
HIDDEN_STATUSES = ("suspended",)
DEPRECATED_STATUSES = ("superseded", "revoked")
MAX_STUDY_FILES = 10_000


@dataclass(frozen=True)
class _Computed:
    document: dict[str, Any] | None
    problem: str = ""


class Catalogue:
    """Thread-safe; ``footprints()`` reflects the registry at the time of the call."""

    def __init__(self, registry: Registry, studies_dir: str | Path, dataset_dir: Path | None = None, search_dirs: tuple[Path, ...] = ()) -> None:
        self.registry = registry
        self.studies_dir = Path(studies_dir)
        self._options = VerifyOptions(dataset_dir=dataset_dir, search_dirs=search_dirs)
        self._lock = threading.Lock()
        self._paths: dict[str, Path] = {}  # study sha256 → certified study file
        self._seen: dict[Path, tuple[float, int]] = {}  # file → (mtime, size) when hashed
        self._computed: dict[str, _Computed] = {}  # study sha256 → PACT document

    # ------------------------------------------------------------ certified studies

    def _scan(self) -> None:
        """Hash the study files that are new or changed since the last scan."""
        files = sorted(self.studies_dir.rglob("*.json"))[:MAX_STUDY_FILES]
        for path in files:
            try:
                info = path.stat()
            except OSError:
                continue
            if self._seen.get(path) == (info.st_mtime, info.st_size):
                continue
            self._seen[path] = (info.st_mtime, info.st_size)
            try:
                study = load_study(path)
            except FootprintError:
                continue  # a certificate, a verification report, another JSON file
            if study.certification is not None and study.certification.certificate_no:
                self._paths[study.sha256()] = path

    def _document(self, record: CertificateRecord) -> _Computed:
        sha = record.study_sha256
        with self._lock:
            if sha not in self._computed:
                if sha not in self._paths:
                    self._scan()
                path = self._paths.get(sha)
                if path is None:
                    return _Computed(None, f"no certified study with sha256 {sha[:16]}… under {self.studies_dir}")
                self._computed[sha] = self._compute(path)
            return self._computed[sha]

    def _compute(self, path: Path) -> _Computed:
        from ..exchange.pact import product_footprint
        from ..reports.inputs import prepare_report

        try:
            study = load_study(path)
            dataset, _ = resolve_dataset(study, self._options)
            return _Computed(product_footprint(prepare_report(study, engine_for(dataset))))
        except FootprintError as error:
            return _Computed(None, f"{path.name}: {error}")

    # ------------------------------------------------------------ serving

    def _served(self, record: CertificateRecord, today: Any) -> bool:
        if record.effective_status(today) in HIDDEN_STATUSES:
            return False
        check = self.registry.check_record(record)
        if not check.intact or check.key_status == "revoked":
            log.warning("certificate %s not served: %s", record.number, "; ".join(check.problems) or "signing key revoked")
            return False
        return True

    def footprints(self) -> list[dict[str, Any]]:
        """Every served footprint, in certificate issue order (stable for pagination)."""
        return [footprint for _, footprint in self.served()]

    def served(self) -> list[tuple[CertificateRecord, dict[str, Any]]]:
        """Every served footprint with its certificate, in certificate issue order."""
        today = self.registry.today()
        records = self.registry.list()
        ids: dict[str, str] = {}
        served: list[tuple[CertificateRecord, dict[str, Any]]] = []
        for record in records:
            computed = self._document(record)
            if computed.document is None:
                log.warning("certificate %s not served: %s", record.number, computed.problem)
                continue
            ids[record.number] = computed.document["id"]
            if self._served(record, today):
                served.append((record, computed.document))
        result = []
        for record, document in served:
            footprint = dict(document, status="Deprecated" if record.status in DEPRECATED_STATUSES else "Active")
            preceding = ids.get(record.supersedes or "")
            if preceding and preceding != footprint["id"]:
                footprint["precedingPfIds"] = [preceding]
            result.append((record, footprint))
        return result

    def footprint(self, footprint_id: str) -> dict[str, Any] | None:
        wanted = footprint_id.strip().lower()
        return next((f for f in self.footprints() if f["id"].lower() == wanted), None)
