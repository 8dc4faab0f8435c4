"""Verify a folder of studies: one row per file, one summary (CSV and JSON), never stop early.

Why it continues past bad files: a certification body receives dozens of studies at once (a
product family, a year's surveillance). One unreadable or mismatched file must not hide the
results of the others; it gets a row with status ``error`` and the reason, and the summary lists
it under ``bad_files``. Progress goes to stderr (tqdm) so stdout and the summary files stay clean.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import FootprintError
from ..exchange.safe import csv_bytes
from ..output_files import make_folder, write_file
from .clock import Clock
from .verify import VerificationReport, VerifyOptions, verify_study

BATCH_FORMAT = "gba-cfp-verification-batch/1"
CSV_COLUMNS = (
    "file",
    "study_id",
    "status",
    "misstatement_pct",
    "material",
    "declared_total_kgco2e",
    "recomputed_total_kgco2e",
    "dataset",
    "rule_set",
    "rules_status",
    "study_sha256",
    "findings",
    "reason",
)
STATUSES = ("passed", "passed_with_findings", "failed", "error")


@dataclass
class BatchResult:
    folder: str
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = Counter(row["status"] for row in self.rows)
        return {status: counts.get(status, 0) for status in STATUSES}

    @property
    def bad_files(self) -> list[dict[str, str]]:
        return [{"file": row["file"], "reason": row["reason"]} for row in self.rows if row["status"] == "error"]

    @property
    def all_passed(self) -> bool:
        return bool(self.rows) and all(row["status"] in ("passed", "passed_with_findings") for row in self.rows)

    def to_dict(self) -> dict[str, Any]:
        return {"format": BATCH_FORMAT, "folder": self.folder, "counts": self.counts, "studies": self.rows, "bad_files": self.bad_files}


def _row(path: Path, folder: Path, report: VerificationReport) -> dict[str, Any]:
    data = report.data
    miss = data["misstatement"]
    blocking = [f["message"] for f in data["findings"] if f["severity"] == "blocking"]
    return {
        "file": path.relative_to(folder).as_posix(),
        "study_id": data["study"]["id"],
        "status": data["status"],
        "misstatement_pct": miss.get("misstatement_pct"),
        "material": miss.get("material"),
        "declared_total_kgco2e": miss.get("declared_total_kgco2e"),
        "recomputed_total_kgco2e": data["recomputed"]["total_kgco2e"],
        "dataset": f"{data['dataset']['used']['id']} {data['dataset']['used']['version']}",
        "rule_set": f"{data['rule_set']['id']} {data['rule_set']['version']}",
        "rules_status": data["rules"]["status"],
        "study_sha256": data["study"]["sha256"],
        "findings": len(data["findings"]),
        "reason": "; ".join(blocking[:3]),
    }


def _error_row(path: Path, folder: Path, error: BaseException) -> dict[str, Any]:
    message = " ".join(str(error).split()) or type(error).__name__
    if not isinstance(error, FootprintError):
        message = f"internal error ({type(error).__name__}): {message}"
    row: dict[str, Any] = {column: None for column in CSV_COLUMNS}
    row.update(file=path.relative_to(folder).as_posix(), status="error", findings=0, reason=message)
    return row


# What ``certificate issue`` and ``verify-batch`` write next to studies: not studies themselves.
OWN_OUTPUTS = (".verification.json", ".certificate.json")


def study_files(folder: Path, recursive: bool = False) -> list[Path]:
    """The ``*.json`` files of a folder, except verification reports, certificates and summaries."""
    pattern = "**/*.json" if recursive else "*.json"
    return sorted(
        p for p in folder.glob(pattern) if p.is_file() and not p.name.endswith(OWN_OUTPUTS) and p.name != "summary.json"
    )


def verify_folder(
    folder: str | Path,
    options: VerifyOptions | None = None,
    *,
    recursive: bool = False,
    progress: bool = True,
    reports_dir: str | Path | None = None,
    clock: Clock | None = None,
) -> BatchResult:
    """Verify every ``*.json`` study in ``folder`` (sorted by name); bad files become error rows."""
    from tqdm import tqdm

    folder = Path(folder)
    if not folder.is_dir():
        raise FootprintError(f"{folder}: not a folder")
    files = study_files(folder, recursive)
    if reports_dir is not None:
        reports_dir = make_folder(reports_dir)
        skip = reports_dir.resolve()
        files = [p for p in files if skip not in p.resolve().parents]
    result = BatchResult(folder=str(folder))
    bar = tqdm(files, desc="verifying", unit="study", file=sys.stderr, disable=not progress, dynamic_ncols=True)
    for path in bar:
        bar.set_postfix_str(path.name[-30:], refresh=False)
        try:
            report = verify_study(path, options, clock)
        except Exception as error:  # noqa: BLE001 - one bad file must not stop the batch
            result.rows.append(_error_row(path, folder, error))
            continue
        result.rows.append(_row(path, folder, report))
        if reports_dir is not None:
            name = path.relative_to(folder).as_posix().replace("/", "__")
            write_file(reports_dir / f"{Path(name).stem}.verification.json", report.to_json() + "\n")
    bar.close()
    return result


def write_summary(result: BatchResult, out_dir: str | Path) -> tuple[Path, Path]:
    """``summary.csv`` (one row per file, UTF-8 with BOM so Excel shows Chinese) and ``summary.json``.

    File names, study ids and reasons come from the studies: the CSV goes through
    :func:`footprint.exchange.safe.csv_bytes`, so none of them reaches a spreadsheet as a formula.
    """
    out_dir = make_folder(out_dir)
    csv_path = write_file(out_dir / "summary.csv", csv_bytes(CSV_COLUMNS, ([row.get(k) for k in CSV_COLUMNS] for row in result.rows)))
    json_path = write_file(out_dir / "summary.json", json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
    return csv_path, json_path
