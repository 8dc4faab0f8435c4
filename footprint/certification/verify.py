"""Reproducible verification: recompute a study independently and compare it with what it declares.

Why a certification body needs this and not just the rule engine: the rules judge whether a
study *satisfies the scheme*; a verifier must also establish that the numbers the applicant
declares are the numbers the named data and method give. So :func:`verify_study`:

1. reads the study and hashes its canonical JSON (a certificate names that hash; any change to
   any byte of meaning gives another hash, see ``expected_sha256``);
2. finds the dataset the study names (id, version, **sha256**) — the installed one, a folder
   given with ``dataset_dir``, or an archived copy under ``search_dirs`` — and *refuses*
   (:class:`DatasetMismatchError`) when none has that hash, unless told to recompute with another
   one (``allow_dataset_mismatch``; the report then fails): numbers from other data are not a
   verification. A Circular Footprint Formula study also names the CFF parameter file (its
   sha256; the file sits next to the dataset folder, outside the dataset's hash): a recomputation
   with another file, or a CFF study that does not name one, fails the report the same way
   (``cff_parameters_mismatch``, ``cff_parameters_not_named``);
3. recomputes the study with the engine on that dataset (location-based, market-based,
   exclusions: :func:`footprint.study_compute.recompute`), never reading a declared number;
4. compares every declared number (total, location/market totals, stages, origins, aircraft,
   packaging, biogenic, excluded, primary share, each line) with the recomputation, and states
   the misstatement — the larger of the total's relative error and the sum of absolute line
   errors over the total — against the rule set's ``materiality_pct``;
5. re-runs the rule set (the one the study follows, by ``pcr_id``, or the one given), as the
   study would stand once certified (an empty certificate number and dates are filled in
   provisionally, since only the certificate supplies them);
6. returns a :class:`VerificationReport`: canonical JSON (same inputs, same bytes; its sha256 goes
   into the certificate) and a readable table.

Outcome: ``failed`` on any blocking finding (material misstatement, hash or dataset mismatch, no
declared results, rules not eligible); ``passed_with_findings`` when declared numbers differ from
the recomputation by an immaterial amount (every difference is listed: nothing is silently
accepted; ``strict`` turns these into failures); else ``passed``.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..dataset import Dataset, content_sha256, datasets_root, load_dataset
from ..errors import DatasetError
from ..i18n import text
from ..study import Certification, DatasetRef, Study, load_study
from ..text_table import fmt_number, format_table
from .clock import Clock, SystemClock, expiry_for, today
from .errors import DatasetMismatchError, RuleSetMismatchError

REPORT_FORMAT = "gba-cfp-verification/1"
REPRODUCE_REL = 1e-9  # differences below this share of the total are float noise, not misstatements
PROVISIONAL_NUMBER = "GBA-CFP-PROVISIONAL"


@dataclass(frozen=True)
class VerifyOptions:
    """How to verify. Every field has the safe default (installed data, strict dataset match)."""

    dataset_dir: Path | None = None
    search_dirs: tuple[Path, ...] = ()
    allow_dataset_mismatch: bool = False
    rule_set: str | Path | None = None
    rules_directory: Path | None = None
    expected_sha256: tuple[str, ...] = ()  # acceptable study hashes (e.g. from a certificate)
    expected_rule_set: dict | None = None  # {"id", "version", "sha256"?} named by a certificate
    certificate_problems: tuple[str, ...] = ()  # why that certificate's signature failed (offline.check_certificate_file)
    verification_date: date | None = None
    strict: bool = False


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # "blocking" (fails the verification) or "immaterial" (listed, does not fail)
    message: str
    message_zh: str
    field: str = ""

    def to_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "field": self.field, "message": self.message, "message_zh": self.message_zh}


@dataclass
class VerificationReport:
    """The verification: ``data`` is the JSON report; the rest is kept for issuing a certificate."""

    data: dict[str, Any]
    study: Study
    computation: Any = field(repr=False, default=None)
    rule_set: Any = field(repr=False, default=None)
    evaluation: Any = field(repr=False, default=None)

    @property
    def status(self) -> str:
        return self.data["status"]

    @property
    def passed(self) -> bool:
        return self.data["status"] != "failed"

    @property
    def findings(self) -> list[dict]:
        return self.data["findings"]

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.data, ensure_ascii=False, indent=indent, allow_nan=False)

    def sha256(self) -> str:
        canonical = json.dumps(self.data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def render(self, language: str = "en") -> str:
        return render_report(self.data, language)


# ------------------------------------------------------------------ dataset resolution


def _short(sha: str) -> str:
    return (sha or "?")[:12] + "…"


def _describe(ref: dict | DatasetRef) -> str:
    if isinstance(ref, DatasetRef):
        ref = ref.model_dump()
    return f"{ref['id']} {ref['version']} (sha256 {_short(ref['sha256'])})"


def _candidate_dirs(search_dirs: tuple[Path, ...]) -> list[Path]:
    """Dataset folders (with a dataset.yaml) under the search dirs and the datasets root."""
    roots = [*search_dirs, datasets_root()]
    found: list[Path] = []
    for root in roots:
        root = Path(root)
        if (root / "dataset.yaml").exists():
            found.append(root)
            continue
        for depth in ("*", "*/*"):
            found.extend(p.parent for p in sorted(root.glob(f"{depth}/dataset.yaml")))
    unique: list[Path] = []
    for path in found:
        if path.resolve() not in {u.resolve() for u in unique}:
            unique.append(path)
    return unique


def resolve_dataset(study: Study, options: VerifyOptions) -> tuple[Dataset, dict[str, Any]]:
    """The dataset to recompute with, and how it was chosen; refuses a different dataset."""
    declared = study.declared.dataset if study.declared else None
    if options.dataset_dir is not None:
        dataset = load_dataset(options.dataset_dir)
        source = "given"
    else:
        try:
            dataset: Dataset | None = load_dataset()
        except DatasetError:
            dataset = None  # no usable installed dataset: an archived copy may still match
        source = "installed"
        if declared is not None and (dataset is None or dataset.sha256 != declared.sha256):
            for folder in _candidate_dirs(options.search_dirs):
                try:
                    if content_sha256(folder) == declared.sha256:
                        dataset, source = load_dataset(folder), "archive"
                        break
                except (OSError, UnicodeDecodeError, DatasetError):
                    continue
        if dataset is None:
            dataset = load_dataset()  # raises the installed dataset's own error
    info = {
        "declared": declared.model_dump() if declared else None,
        "used": dataset.describe(),
        "source": source,
        "matches": declared is not None and dataset.sha256 == declared.sha256,
    }
    if declared is not None and not info["matches"] and not options.allow_dataset_mismatch:
        where = f"the dataset in {options.dataset_dir}" if options.dataset_dir else "the installed dataset"
        raise DatasetMismatchError(
            f"study {study.study_id!r} was computed with dataset {_describe(declared)}, but {where} is "
            f"{_describe(dataset.describe())}. A verification must recompute with the same data: give that "
            f"dataset's folder with --dataset DIR (or put it under {datasets_root()}), or use "
            "--allow-dataset-mismatch to recompute with this one (the report then fails)."
        )
    return dataset, info


_ENGINES: dict[tuple[str, str], Any] = {}
_ENGINES_LOCK = threading.Lock()


def engine_for(dataset: Dataset):
    """One engine per dataset content and CFF parameter file (engines are thread-safe and
    expensive to build; the parameter file is outside the dataset's hash, so two folders with the
    same dataset can hold different files, and an engine reads its file once)."""
    from ..cff import parameters_path
    from ..engine import engine_for_dataset

    cff_file = parameters_path(dataset)
    key = (dataset.sha256, hashlib.sha256(cff_file.read_bytes()).hexdigest() if cff_file.exists() else "")
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = _ENGINES[key] = engine_for_dataset(dataset)
        return engine


# ------------------------------------------------------------------ rule set


def select_rule_set(study: Study, options: VerifyOptions):
    """The rule set to re-run: the one given; else the version the certificate or the study names
    (refused, like a dataset, when the installed copy differs); else the one whose ``pcr_id`` the
    study follows (a product rule set for the study's category first); else the general rules."""
    from ..rules import available_rule_sets, load_rule_set
    from ..rules.loader import rule_set_following_pcr

    if options.rule_set is not None:
        return load_rule_set(options.rule_set, options.rules_directory)
    catalogue = available_rule_sets(options.rules_directory)
    named = options.expected_rule_set or (study.declared.rule_set.model_dump() if study.declared and study.declared.rule_set else None)
    if named:
        wanted = catalogue.get(named.get("id", ""))
        if wanted is None:
            raise RuleSetMismatchError(
                f"study {study.study_id!r} names rule set {named.get('id')} {named.get('version')}, which is not installed; "
                "give its file with --rules PATH"
            )
        same_version = wanted.version == named.get("version")
        same_content = not named.get("sha256") or wanted.sha256 == named["sha256"]
        if (not same_version or not same_content) and not options.expected_rule_set:
            raise RuleSetMismatchError(
                f"study {study.study_id!r} was checked against rule set {named.get('id')} {named.get('version')} "
                f"(sha256 {_short(named.get('sha256', '')) or '-'}), but the installed one is {wanted.id} {wanted.version} "
                f"(sha256 {_short(wanted.sha256)}). Give that version's file with --rules PATH to verify with it."
            )
        return wanted
    chosen = rule_set_following_pcr(study, catalogue) or catalogue.get("gba-general")
    return chosen if chosen is not None else load_rule_set(None, options.rules_directory)


def _provisional(study: Study, verified_on: date, validity_years: int) -> tuple[Study, bool]:
    """The study as it will stand once certified, for rules that need the certificate's fields."""
    current = study.certification
    if current.certificate_no.strip() and current.issue_date is not None:
        return study, False
    issue = current.issue_date or verified_on
    filled = Certification(
        certificate_no=current.certificate_no.strip() or PROVISIONAL_NUMBER,
        issue_date=issue,
        expiry_date=current.expiry_date or expiry_for(issue, validity_years),
    )
    return study.model_copy(update={"certification": filled}), True


# ------------------------------------------------------------------ CFF parameter file


def cff_parameters_info(study: Study, computation) -> dict[str, Any] | None:
    """The CFF parameter file the study declares and the one the recomputation used (both
    ``{file, sha256}`` or None), as ``resolve_dataset`` reports the dataset; None when neither
    side is a CFF result (a cut-off study's report is unchanged)."""
    declared = study.declared.cff_parameters if study.declared else None
    recycling = computation.headline.recycling
    used = dict(recycling["parameters"]) if recycling else None
    if declared is None and used is None:
        return None
    declared_ref = declared.model_dump() if declared is not None else None
    return {
        "declared": declared_ref,
        "used": used,
        "matches": declared_ref is not None and used is not None and declared_ref["sha256"] == used["sha256"],
    }


def _cff_findings(info: dict | None, study_declares_results: bool) -> list[Finding]:
    if info is None or info["matches"] or not study_declares_results:
        return []
    if info["declared"] is None:
        return [
            Finding(
                "cff_parameters_not_named",
                "blocking",
                text("cert.verify.cff_parameters_not_named", "en", used_file=info["used"]["file"], used_sha=_short(info["used"]["sha256"])),
                text("cert.verify.cff_parameters_not_named", "zh-Hans", used_file=info["used"]["file"], used_sha=_short(info["used"]["sha256"])),
                field="declared.cff_parameters",
            )
        ]
    used = info["used"] or {"file": "(none: the recomputation is cut-off)", "sha256": ""}
    values = dict(
        study_file=info["declared"]["file"],
        study_sha=_short(info["declared"]["sha256"]),
        used_file=used["file"],
        used_sha=_short(used["sha256"]) if used["sha256"] else "-",
    )
    return [
        Finding(
            "cff_parameters_mismatch",
            "blocking",
            text("cert.verify.cff_parameters_mismatch", "en", **values),
            text("cert.verify.cff_parameters_mismatch", "zh-Hans", **values),
            field="declared.cff_parameters",
        )
    ]


# ------------------------------------------------------------------ comparison


def _close(declared: float, recomputed: float, scale: float) -> bool:
    return abs(declared - recomputed) <= REPRODUCE_REL * max(abs(scale), abs(recomputed), 1e-300)


def _compare_numbers(study: Study, computation) -> tuple[list[dict], list[dict], str]:
    """(field comparisons, line comparisons, basis compared)."""
    declared = study.declared
    assert declared is not None
    market = computation.market
    basis = declared.basis if (declared.basis == "location" or market is not None) else "location"
    headline = market if basis == "market" and market is not None else computation.location
    total = headline.total_kgco2e
    fields: list[tuple[str, float | None, float | None, float]] = [
        ("total_kgco2e", declared.total_kgco2e, total, total),
        ("location_based_kgco2e", declared.location_based_kgco2e, computation.location.total_kgco2e, total),
    ]
    if declared.market_based_kgco2e is not None or market is not None:
        fields.append(("market_based_kgco2e", declared.market_based_kgco2e, market.total_kgco2e if market else None, total))
    for name, values in (("by_stage", headline.by_stage), ("by_origin", headline.by_origin)):
        given = getattr(declared, name)
        for key in sorted(set(given) | {k for k, v in values.items() if v}):
            fields.append((f"{name}.{key}", given.get(key), values.get(key, 0.0), total))
    optional = {
        "aircraft_kgco2e": (headline.aircraft_kgco2e, total),
        "packaging_kgco2e": (headline.by_stage.get("packaging", 0.0), total),
        "biogenic_co2_kg": (headline.biogenic_co2_kg, max(abs(headline.biogenic_co2_kg), total)),
        "primary_data_share_pct": (computation.primary_data_share_pct(), computation.primary_data_share_pct()),
    }
    for name, (value, scale) in optional.items():
        given = getattr(declared, name)
        if given is not None:
            fields.append((name, given, value, scale))
    fields.append(("excluded_kgco2e", declared.excluded_kgco2e, computation.excluded_kgco2e, total))

    comparisons = []
    for name, given, value, scale in fields:
        ok = given is not None and value is not None and _close(given, value, scale)
        comparisons.append(
            {
                "field": name,
                "declared": given,
                "recomputed": value,
                "difference": None if given is None or value is None else given - value,
                "ok": ok,
            }
        )

    recomputed_lines = {line.path: line.kgco2e for line in computation.location.lines}
    location_total = computation.location.total_kgco2e
    lines = []
    for path in list(recomputed_lines) + sorted(set(declared.lines) - set(recomputed_lines)):
        given, value = declared.lines.get(path), recomputed_lines.get(path)
        status = "ok"
        if given is None:
            status = "missing"
        elif value is None:
            status = "extra"
        elif not _close(given, value, location_total):
            status = "differs"
        difference = (given or 0.0) - (value or 0.0)
        lines.append(
            {
                "path": path,
                "declared": given,
                "recomputed": value,
                "difference": difference,
                "pct_of_total": 100.0 * difference / location_total if location_total else 0.0,
                "status": status,
            }
        )
    return comparisons, lines, basis


def _pct(value: float) -> str:
    return f"{value:.4g}"


def _study_findings(
    study: Study,
    sha256: str,
    options: VerifyOptions,
    dataset_info: dict,
    comparisons: list[dict],
    lines: list[dict],
    misstatement: dict,
    rule_set,
    evaluation,
) -> list[Finding]:
    findings: list[Finding] = []
    for problem in options.certificate_problems:
        findings.append(
            Finding("certificate_not_genuine", "blocking", f"the certificate is not genuine: {problem}", f"证书不是真实的：{problem}")
        )
    expected = tuple(h.strip().lower() for h in options.expected_sha256 if h.strip())
    if expected and sha256 not in expected:
        values = dict(actual=_short(sha256), expected=" / ".join(_short(h) for h in expected))
        findings.append(
            Finding("hash_mismatch", "blocking", text("cert.verify.hash_mismatch", "en", **values), text("cert.verify.hash_mismatch", "zh-Hans", **values))
        )
    if dataset_info["declared"] is None:
        findings.append(
            Finding(
                "dataset_not_named",
                "blocking",
                "the study does not name the dataset (id, version, sha256) it was computed with; it cannot be reproduced",
                "研究未说明所用数据集（编号、版本、sha256），无法复现",
            )
        )
    elif not dataset_info["matches"]:
        values = dict(
            study_dataset=f"{dataset_info['declared']['id']} {dataset_info['declared']['version']}",
            study_sha=_short(dataset_info["declared"]["sha256"]),
            used_dataset=f"{dataset_info['used']['id']} {dataset_info['used']['version']}",
            used_sha=_short(dataset_info["used"]["sha256"]),
        )
        findings.append(
            Finding("dataset_mismatch", "blocking", text("cert.verify.dataset_mismatch", "en", **values), text("cert.verify.dataset_mismatch", "zh-Hans", **values))
        )
    expected_rules = options.expected_rule_set or {}
    if expected_rules and (expected_rules.get("id"), expected_rules.get("version")) != (rule_set.id, rule_set.version):
        findings.append(
            Finding(
                "rule_set_mismatch",
                "blocking",
                f"the certificate names rule set {expected_rules.get('id')} {expected_rules.get('version')}, but {rule_set.id} {rule_set.version} was used",
                f"证书所列规则集为 {expected_rules.get('id')} {expected_rules.get('version')}，但核查使用的是 {rule_set.id} {rule_set.version}",
            )
        )
    elif expected_rules.get("sha256") and expected_rules["sha256"] != rule_set.sha256:
        findings.append(
            Finding(
                "rule_set_changed",
                "blocking",
                f"rule set {rule_set.id} {rule_set.version} differs from the one certified (sha256 {_short(rule_set.sha256)} vs {_short(expected_rules['sha256'])}) although its version is the same",
                f"规则集 {rule_set.id} {rule_set.version} 的内容与认证时不同（版本号相同）",
            )
        )
    if study.declared is None:
        findings.append(Finding("no_declared_results", "blocking", text("cert.verify.no_declared", "en"), text("cert.verify.no_declared", "zh-Hans")))
    else:
        materiality = misstatement["materiality_pct"]
        if misstatement["material"]:
            values = dict(pct=_pct(misstatement["misstatement_pct"]), materiality=_pct(materiality))
            findings.append(Finding("material_misstatement", "blocking", text("cert.verify.material", "en", **values), text("cert.verify.material", "zh-Hans", **values)))
        level = "blocking" if options.strict or misstatement["material"] else "immaterial"
        for item in comparisons:
            if not item["ok"]:
                shown = "n/a" if item["declared"] is None else fmt_number(item["declared"], 9)
                findings.append(
                    Finding(
                        "declared_differs",
                        level,
                        f"{item['field']}: declared {shown}, recomputed {fmt_number(item['recomputed'] or 0.0, 9)}",
                        f"{item['field']}：声明 {shown}，复算 {fmt_number(item['recomputed'] or 0.0, 9)}",
                        field=item["field"],
                    )
                )
        for line in lines:
            if line["status"] != "ok":
                values = dict(
                    line=line["path"],
                    declared="n/a" if line["declared"] is None else fmt_number(line["declared"], 9),
                    recomputed="n/a" if line["recomputed"] is None else fmt_number(line["recomputed"], 9),
                )
                findings.append(
                    Finding(
                        f"line_{line['status']}",
                        level,
                        text("cert.verify.line_mismatch", "en", **values),
                        text("cert.verify.line_mismatch", "zh-Hans", **values),
                        field=f"lines.{line['path']}",
                    )
                )
        if study.declared.method_id and study.declared.method_id != misstatement["method_id"]:
            findings.append(
                Finding(
                    "method_differs",
                    level,
                    f"declared method {study.declared.method_id}, recomputed with {misstatement['method_id']}",
                    f"声明方法 {study.declared.method_id}，复算方法 {misstatement['method_id']}",
                    field="method_id",
                )
            )
        if study.declared.grid and study.declared.grid != misstatement["grid"]:
            findings.append(
                Finding(
                    "grid_differs",
                    level,
                    f"declared grid {study.declared.grid}, recomputed with {misstatement['grid']}",
                    f"声明电网 {study.declared.grid}，复算电网 {misstatement['grid']}",
                    field="grid",
                )
            )
    if evaluation is not None and not evaluation.eligible:
        reasons = "; ".join(r.en for r in evaluation.reasons)
        reasons_zh = "；".join(r.zh for r in evaluation.reasons)
        label = f"{rule_set.id} {rule_set.version}"
        findings.append(
            Finding(
                "rules_not_eligible",
                "blocking",
                f"{text('cert.verify.rules_not_eligible', 'en', rule_set=label)} ({evaluation.status}: {reasons})",
                f"{text('cert.verify.rules_not_eligible', 'zh-Hans', rule_set=label)}（{reasons_zh}）",
            )
        )
    return findings


def _misstatement(comparisons: list[dict], lines: list[dict], materiality: float, headline) -> dict:
    total_item = next(c for c in comparisons if c["field"] == "total_kgco2e")
    recomputed = total_item["recomputed"]
    total_pct = 100.0 * (total_item["declared"] - recomputed) / recomputed if recomputed else 0.0
    location_total = math.fsum((l["recomputed"] or 0.0) for l in lines)
    wrong = math.fsum(abs(l["difference"]) for l in lines if l["status"] != "ok")
    line_pct = 100.0 * wrong / location_total if location_total else 0.0
    worst = max(abs(total_pct), line_pct)
    return {
        "materiality_pct": materiality,
        "declared_total_kgco2e": total_item["declared"],
        "recomputed_total_kgco2e": recomputed,
        "total_misstatement_pct": total_pct,
        "line_misstatement_pct": line_pct,
        "misstatement_pct": worst,
        "material": worst > materiality,
        "method_id": headline.method["id"],
        "grid": headline.grid,
    }


# ------------------------------------------------------------------ entry point


def verify_study(source: str | Path | Study, options: VerifyOptions | None = None, clock: Clock | None = None) -> VerificationReport:
    """Verify one study file (or loaded study). Raises FootprintError when it cannot be verified
    at all (unreadable file, dataset mismatch); otherwise the report says passed or failed."""
    from ..rules import evaluate_context, make_context
    from ..rules.config import config_value

    options = options or VerifyOptions()
    study = source if isinstance(source, Study) else load_study(source)
    file_name = "" if isinstance(source, Study) else Path(source).name
    sha256 = study.sha256()
    verified_on = options.verification_date or today(clock or SystemClock())
    dataset, dataset_info = resolve_dataset(study, options)
    engine = engine_for(dataset)
    rule_set = select_rule_set(study, options)
    validity = int(config_value(rule_set.config, "certificate_validity_years"))
    materiality = float(config_value(rule_set.config, "materiality_pct"))
    judged, provisional = _provisional(study, verified_on, validity)
    ctx = make_context(judged, rule_set, engine, verified_on, options.rules_directory)
    evaluation = evaluate_context(ctx)
    computation = ctx.computation

    comparisons: list[dict] = []
    lines: list[dict] = []
    basis = computation.basis
    misstatement: dict[str, Any] = {"materiality_pct": materiality, "material": False, "misstatement_pct": None}
    if study.declared is not None:
        comparisons, lines, basis = _compare_numbers(study, computation)
        headline = computation.market if basis == "market" and computation.market is not None else computation.location
        misstatement = _misstatement(comparisons, lines, materiality, headline)
    cff_info = cff_parameters_info(study, computation)
    findings = _study_findings(study, sha256, options, dataset_info, comparisons, lines, misstatement, rule_set, evaluation)
    findings += _cff_findings(cff_info, study.declared is not None)
    blocking = any(f.severity == "blocking" for f in findings)
    status = "failed" if blocking else "passed_with_findings" if findings else "passed"
    headline = computation.headline
    data = {
        "format": REPORT_FORMAT,
        "status": status,
        "passed": status != "failed",
        "study": {
            "id": study.study_id,
            "file": file_name,
            "sha256": sha256,
            "expected_sha256": list(options.expected_sha256),
            "product": study.product.name,
            "model": study.product.model,
            "applicant": study.applicant.name,
            "declared_unit": study.declared_unit_text,
        },
        "verified_on": verified_on.isoformat(),
        "dataset": dataset_info,
        **({"cff_parameters": cff_info} if cff_info is not None else {}),
        "rule_set": rule_set.describe(),
        "method_id": headline.method["id"],
        "grid": headline.grid,
        "basis": basis,
        "recomputed": {
            "total_kgco2e": headline.total_kgco2e,
            "location_based_kgco2e": computation.location.total_kgco2e,
            "market_based_kgco2e": computation.market.total_kgco2e if computation.market is not None else None,
            "excluded_kgco2e": computation.excluded_kgco2e,
        },
        "misstatement": misstatement,
        "comparisons": comparisons,
        "lines": lines,
        "rules": {
            "status": evaluation.status,
            "eligible": evaluation.eligible,
            "provisional_certification_fields": provisional,
            "counts": evaluation.counts,
            "reasons": [r.model_dump() for r in evaluation.reasons],
            "findings": [
                {"rule_id": f.rule_id, "severity": f.severity.value, "verdict": f.verdict.value, "message": f.message.en, "message_zh": f.message.zh}
                for f in evaluation.findings
            ],
        },
        "findings": [f.to_dict() for f in findings],
    }
    return VerificationReport(data=data, study=study, computation=computation, rule_set=rule_set, evaluation=evaluation)


# ------------------------------------------------------------------ readable form


def _cff_head(info: dict | None) -> list[str]:
    if info is None:
        return []
    used = info["used"] or {"file": "none (cut-off)", "sha256": ""}
    verdict = "matches the study" if info["matches"] else "DIFFERS from the study" if info["declared"] else "NOT NAMED by the study"
    return [f"CFF parameters {used['file']} sha256 {_short(used['sha256']) if used['sha256'] else '-'} [{verdict}]"]


def render_report(data: dict, language: str = "en") -> str:
    """A terminal-friendly report: verdict, provenance, misstatement, line table, findings."""
    zh = language.startswith("zh")
    t = (lambda key, **v: text(f"cert.verify.{key}", "zh-Hans" if zh else "en", **v))
    study, dataset, rules, miss = data["study"], data["dataset"], data["rule_set"], data["misstatement"]
    head = [
        f"{t('title', study_id=study['id'])} — {data['status'].upper()}",
        f"study sha256 {study['sha256']}" + (f" (expected {' or '.join(study['expected_sha256'])})" if study.get("expected_sha256") else ""),
        f"product {study['product']} {study['model']}  ({study['declared_unit']})",
        f"dataset {dataset['used']['id']} {dataset['used']['version']} sha256 {_short(dataset['used']['sha256'])} "
        f"[{dataset['source']}{', matches the study' if dataset['matches'] else ', DIFFERS from the study'}]",
        *_cff_head(data.get("cff_parameters")),
        f"rule set {rules['id']} {rules['version']} → {data['rules']['status']}; method {data['method_id']}; grid {data['grid']}; basis {data['basis']}",
        f"verified on {data['verified_on']}",
    ]
    if miss.get("misstatement_pct") is not None:
        head.append(t("misstatement", pct=_pct(miss["misstatement_pct"]), materiality=_pct(miss["materiality_pct"]))
                    + f"  (total {_pct(miss['total_misstatement_pct'])}%, lines {_pct(miss['line_misstatement_pct'])}%)")
    table = ""
    if data["lines"]:
        table = format_table(
            ["line (location-based)", "declared", "recomputed", "difference", "% of total", "check"],
            [
                [
                    l["path"],
                    "—" if l["declared"] is None else fmt_number(l["declared"], 6),
                    "—" if l["recomputed"] is None else fmt_number(l["recomputed"], 6),
                    fmt_number(l["difference"], 3),
                    f"{l['pct_of_total']:.3g}",
                    "ok" if l["status"] == "ok" else l["status"].upper(),
                ]
                for l in data["lines"]
            ],
            align_right={1, 2, 3, 4},
        )
        totals = [c for c in data["comparisons"] if c["field"] in ("total_kgco2e", "location_based_kgco2e", "market_based_kgco2e")]
        table += "\n" + "\n".join(
            f"{c['field']}: declared {'—' if c['declared'] is None else fmt_number(c['declared'], 9)}, recomputed "
            f"{'—' if c['recomputed'] is None else fmt_number(c['recomputed'], 9)}{'' if c['ok'] else '  DIFFERS'}"
            for c in totals
        )
    findings = data["findings"]
    tail = [t("passed", materiality=_pct(miss["materiality_pct"])) if not findings else t("failed", count=len(findings)) if not data["passed"] else f"{len(findings)} finding(s), none material"]
    for f in findings:
        tail.append(f"  - [{f['severity']}] {f['message_zh'] if zh else f['message']}")
    return "\n".join(head + ([""] + [table] if table else []) + [""] + tail)

