"""The study facts a label needs beyond the BOM: boundary, exclusions, data quality per line,
biogenic carbon, recycling, allocation, interpretation, report and verification.

Why a module of its own: these fields are plain data on the form (:class:`LabelDetails`, a base
of ``webapp.state.StudyForm``), mapped one way into the study JSON (:func:`study_part`) and back
(:func:`details_from_study`), so they round-trip through the study download and the draft.
Defaults follow what the standards allow: the boundary is the BOM's cradle-to-gate stages,
recycling is cut-off, no allocation, and data-quality ratings come from the line's data type
(primary better than secondary). What the app computed (hotspots, Monte Carlo, scenarios) is
suggested for the interpretation by :func:`interpretation_suggestion`. Nothing here imports
Streamlit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from footprint.bom import GATE_STAGES
from footprint.dataset import STAGES
from footprint.units import format_number



def _state():
    """webapp.state (imported when used: StudyForm there is built on LabelDetails)."""
    from . import state

    return state


def clean_row(row, columns):
    return _state().clean_row(row, columns)


def cell_text(value):
    return _state().cell_text(value)


def apply_editor_state(base, edits, columns):
    return _state().apply_editor_state(base, edits, columns)

RECYCLING_APPROACHES = ("cut_off", "recycled_content", "CFF", "PCR_defined")
ALLOCATION_METHODS = ("none", "physical", "economic")
BIOGENIC_MODES = ("", "none", "content")  # not stated · no biogenic carbon · a content in kg C
RATINGS = ("technological", "temporal", "geographical")
# Ratings on the rule set's default scale 1-3 (1 best): measured lines are better than database ones.
DEFAULT_RATINGS = {"primary": 1.0, "secondary": 2.0}
DQR_SCALE = (1, 3)
SIGNIFICANCE_PCT = 5.0

# Editable tables of the details tab: columns of each (all cells text, like the BOM grids).
TABLES: dict[str, tuple[str, ...]] = {
    "excluded_stages": ("stage", "reason"),
    "exclusions": ("id", "description", "activity_id", "amount", "unit", "stage", "kgco2e", "reason"),
    "line_quality": ("line", *RATINGS, "source"),
}
TABLE_KEYS = {"excluded_stages": "stage", "line_quality": "line"}  # tables with one row per key
DATE_FIELDS = ("verification_site_visit", "data_management_since", "certificate_issue_date")


@dataclass
class LabelDetails:
    """The form's label details (a base of StudyForm: every field has a default)."""

    boundary_diagram_ref: str = ""
    excluded_stages: list[dict[str, str]] = field(default_factory=list)
    exclusions: list[dict[str, str]] = field(default_factory=list)
    line_quality: list[dict[str, str]] = field(default_factory=list)
    biogenic_mode: str = ""
    biogenic_kgc: float | None = None
    recycling_approach: str = "cut_off"
    allocation_method: str = "none"
    allocation_process: str = ""
    allocation_basis: str = ""
    allocation_justification: str = ""
    significant_lines: list[str] = field(default_factory=list)
    uncertainty_method: str = ""
    uncertainty_result: str = ""
    sensitivity: str = ""  # one case per line
    limitations: str = ""
    report_ref: str = ""
    verifier_name: str = ""
    verifier_ref: str = ""
    verification_site_visit: date | None = None
    verification_statement: str = ""
    surveillance_plan: str = ""
    surveillance_months: int | None = None
    data_management_since: date | None = None
    certificate_no: str = ""
    certificate_issue_date: date | None = None


DETAIL_FIELDS = tuple(f.name for f in fields(LabelDetails))


def clean_details(values: dict[str, Any]) -> dict[str, Any]:
    """Details read from a file or a draft: tables as text rows, dates as dates."""
    values = dict(values)
    for table, columns in TABLES.items():
        if table in values:
            values[table] = [clean_row(r, columns) for r in values.get(table) or [] if isinstance(r, dict)]
    for name in DATE_FIELDS:
        if isinstance(values.get(name), str):
            values[name] = date.fromisoformat(values[name]) if values[name] else None
    if "significant_lines" in values:
        values["significant_lines"] = [str(v) for v in values.get("significant_lines") or []]
    return values


# ------------------------------------------------------------------------------ defaults


def bom_stages(bom) -> list[str]:
    """The stages holding lines of the BOM, in the standard's order."""
    present = {line.stage.value for _, line, _ in bom.flat_lines() if line.stage is not None}
    return [stage for stage in STAGES if stage in present]


def leaf_data_types(bom) -> dict[str, str]:
    """Leaf line path → "primary" / "secondary"."""
    return {path: (line.data_type.value if line.data_type is not None else "secondary") for path, line, _ in bom.flat_lines()}


def default_quality(data_type: str) -> dict[str, str]:
    rating = format_number(DEFAULT_RATINGS.get(data_type, DEFAULT_RATINGS["secondary"]))
    return {name: rating for name in RATINGS} | {"source": ""}


def keyed_rows(rows: list[dict[str, str]], table: str, keys: list[str], default) -> list[dict[str, str]]:
    """One row per key, in ``keys`` order: the stored row, else ``default(key)``."""
    key_column = TABLE_KEYS[table]
    stored = {row.get(key_column, ""): row for row in rows}
    return [clean_row(stored.get(key) or {key_column: key, **default(key)}, TABLES[table]) for key in keys]


def supplier_sources(form: LabelDetails, bom) -> dict[str, str]:
    """Leaf line path → the data source of a line drawing a supplier's PACT footprint (the
    footprint's id, company and product), the default of its data-quality row."""
    documents = {entry["activity_id"]: entry["pact"] for entry in getattr(form, "suppliers", None) or []}
    sources = {}
    for path, line, _ in bom.flat_lines():
        pact = documents.get(line.activity_id or "")
        if pact is not None:
            named = ", ".join(str(pact[key]) for key in ("companyName", "productNameCompany") if pact.get(key))
            sources[path] = f"PACT {pact.get('id', '')}" + (f" ({named})" if named else "")
    return sources


def quality_rows(form: LabelDetails, bom) -> list[dict[str, str]]:
    types, sources = leaf_data_types(bom), supplier_sources(form, bom)
    return keyed_rows(form.line_quality, "line_quality", list(types), lambda path: default_quality(types[path]) | {"source": sources.get(path, "")})


def stage_rows(form: LabelDetails, bom, inside: list[str] | None = None) -> list[dict[str, str]]:
    """One row (stage, reason) per cradle-to-gate stage outside the boundary (default: the BOM's
    stages); the optional stages after the gate need no reason when left out."""
    inside = set(bom_stages(bom) if inside is None else inside)
    return keyed_rows(form.excluded_stages, "excluded_stages", [s for s in GATE_STAGES if s not in inside], lambda stage: {"reason": ""})


# ------------------------------------------------------------------------------ form → study


def _number(text: str) -> float | None:
    try:
        return float(str(text).replace(",", "").strip()) if str(text).strip() else None
    except ValueError:
        return None


def _exclusion(row: dict[str, str], known: Mapping[str, Any]) -> dict[str, Any]:
    entry = dict(known.get(row["id"]) or {})
    entry.update(id=row["id"], description=row["description"], reason=row["reason"])
    if row["activity_id"].strip():
        line = dict(entry.get("line") or {})
        line.update(
            id=row["id"],
            activity_id=row["activity_id"].strip(),
            amount=_number(row["amount"]) if _number(row["amount"]) is not None else row["amount"],
            unit=row["unit"].strip(),
            stage=row["stage"].strip() or None,
        )
        entry.update(line=line, estimated_kgco2e=None)
    else:
        entry.update(line=None, estimated_kgco2e=_number(row["kgco2e"]) if _number(row["kgco2e"]) is not None else row["kgco2e"] or None)
    return entry


def study_part(form: LabelDetails, bom, extra: Mapping[str, Any], stages: list[str] | None = None) -> dict[str, Any]:
    """The study fields the details set, to lay over the study's other fields (``extra``);
    ``stages`` are the boundary's (default: the BOM's)."""
    excluded = [{"stage": r["stage"], "reason": r["reason"]} for r in stage_rows(form, bom, stages)]
    known = {e.get("id"): e for e in extra.get("exclusions") or [] if isinstance(e, dict)}
    exclusions = [_exclusion(clean_row(r, TABLES["exclusions"]), known) for r in form.exclusions if r.get("id", "").strip()]
    lines = {}
    for row in quality_rows(form, bom):
        lines[row["line"]] = {name: _number(row[name]) for name in RATINGS} | {"source": row["source"]}
    allocation = []
    if form.allocation_method in ("physical", "economic"):
        entry = {
            "process": form.allocation_process or "multi-output process",
            "method": form.allocation_method,
            "basis": form.allocation_basis,
            "justification": form.allocation_justification,
            "sensitivity_delta_pct": None,
        }
        if form.allocation_method == "economic":
            entry["physical_not_suitable"] = form.allocation_justification
        old = next((a for a in extra.get("allocation") or [] if isinstance(a, dict)), {})
        allocation.append({**old, **entry, "sensitivity_delta_pct": old.get("sensitivity_delta_pct")})
    biogenic = dict(extra.get("biogenic") or {})
    if form.biogenic_mode == "none":
        biogenic.update(carbon_content_kgc=0.0, removals_kgco2e=0.0)
    elif form.biogenic_mode == "content":
        biogenic.update(carbon_content_kgc=form.biogenic_kgc, removals_kgco2e=biogenic.get("removals_kgco2e") or 0.0)
    else:
        biogenic.update(carbon_content_kgc=None)
    verification = extra.get("verification") or {}
    return {
        "boundary": {"diagram_ref": form.boundary_diagram_ref, "excluded": excluded},
        "exclusions": exclusions,
        "lines": lines,
        "dqr_scale": list(DQR_SCALE),
        "method": {"recycling_approach": form.recycling_approach},
        "allocation": allocation,
        "biogenic": biogenic,
        "interpretation": {
            "significant_lines": list(form.significant_lines),
            "uncertainty_method": form.uncertainty_method,
            "uncertainty_result": form.uncertainty_result,
            "sensitivity": [s.strip() for s in form.sensitivity.splitlines() if s.strip()],
            "limitations": form.limitations,
        },
        "report": {"ref": form.report_ref},
        "applicant": {"data_management_since": _iso(form.data_management_since)},
        "verification": {
            "body": {"name": form.verifier_name, "accreditation_ref": form.verifier_ref},
            "site_visit_date": _iso(form.verification_site_visit),
            "statement_ref": form.verification_statement,
            "surveillance_plan": form.surveillance_plan,
            "surveillance_interval_months": form.surveillance_months or verification.get("surveillance_interval_months"),
        },
        "certification": {"certificate_no": form.certificate_no, "issue_date": _iso(form.certificate_issue_date)},
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


# ------------------------------------------------------------------------------ study → form


def details_from_study(study) -> dict[str, Any]:
    """The details of a loaded study, as form values."""
    exclusions = []
    for e in study.exclusions:
        line = e.line
        exclusions.append(
            {
                "id": e.id,
                "description": e.description,
                "activity_id": line.activity_id if line else "",
                "amount": cell_text(line.amount) if line else "",
                "unit": line.unit if line else "",
                "stage": e.stage,
                "kgco2e": cell_text(e.estimated_kgco2e),
                "reason": e.reason,
            }
        )
    quality = [
        {"line": path, **{name: cell_text(getattr(facts, name)) for name in RATINGS}, "source": facts.source}
        for path, facts in study.lines.items()
        if any(getattr(facts, name) is not None for name in RATINGS) or facts.source
    ]
    allocation = study.allocation[0] if study.allocation else None
    biogenic = study.biogenic.carbon_content_kgc
    verification, body = study.verification, study.verification.body
    return clean_details(
        {
            "boundary_diagram_ref": study.boundary.diagram_ref,
            "excluded_stages": [{"stage": x.stage, "reason": x.reason} for x in study.boundary.excluded],
            "exclusions": exclusions,
            "line_quality": quality,
            "biogenic_mode": "" if biogenic is None else ("none" if biogenic == 0 else "content"),
            "biogenic_kgc": biogenic or None,
            "recycling_approach": study.method.recycling_approach or "cut_off",
            "allocation_method": allocation.method if allocation and allocation.method in ALLOCATION_METHODS else "none",
            "allocation_process": allocation.process if allocation else "",
            "allocation_basis": allocation.basis if allocation else "",
            "allocation_justification": allocation.justification if allocation else "",
            "significant_lines": list(study.interpretation.significant_lines),
            "uncertainty_method": study.interpretation.uncertainty_method,
            "uncertainty_result": study.interpretation.uncertainty_result,
            "sensitivity": "\n".join(study.interpretation.sensitivity),
            "limitations": study.interpretation.limitations,
            "report_ref": study.report.ref,
            "verifier_name": body.name,
            "verifier_ref": body.accreditation_ref,
            "verification_site_visit": verification.site_visit_date,
            "verification_statement": verification.statement_ref,
            "surveillance_plan": verification.surveillance_plan,
            "surveillance_months": verification.surveillance_interval_months,
            "data_management_since": study.applicant.data_management_since,
            "certificate_no": study.certification.certificate_no,
            "certificate_issue_date": study.certification.issue_date,
        }
    )


# ------------------------------------------------------------------------------ computed


def interpretation_suggestion(outcome, texts, significance_pct: float = SIGNIFICANCE_PCT, *, cases: bool = True) -> dict[str, Any]:
    """What the app computed, as interpretation fields: the hotspots at or above the
    significance share, the Monte Carlo method and interval, and (unless ``cases`` is False:
    they are computed on demand) the "what would change" cases."""
    result = outcome.result
    total = result.total_kgco2e
    shares: dict[str, float] = {}
    for line in result.lines:
        path = line.path.split("@", 1)[0]
        shares[path] = shares.get(path, 0.0) + line.kgco2e
    significant = [path for path, value in sorted(shares.items(), key=lambda kv: -kv[1]) if total and 100.0 * value / total >= significance_pct]
    suggestion: dict[str, Any] = {"significant_lines": significant}
    u = outcome.uncertainty
    if u is not None:
        suggestion["uncertainty_method"] = texts("details.auto_uncertainty_method", iterations=u.iterations)
        suggestion["uncertainty_result"] = texts("details.auto_uncertainty_result", low=format_number(round(u.low, 4)), high=format_number(round(u.high, 4)), unit=result.declared_unit)
    lines = []
    for alt in outcome.alternatives[:5] if cases else []:
        what = texts("details.auto_grid", to=alt.to_id) if alt.kind == "grid" else texts("details.auto_swap", line=alt.line, before=alt.from_id, to=alt.to_id)
        lines.append(f"{what}: {format_number(round(alt.total_kgco2e, 4))} kg CO2e ({alt.change_share:+.1%})" if alt.change_share is not None else what)
    if lines:
        suggestion["sensitivity"] = "\n".join(lines)
    return suggestion


def fill_interpretation(form: LabelDetails, suggestion: dict[str, Any]) -> dict[str, Any]:
    """The fields the suggestion fills on ``form``: missing hotspots are added, blank texts set;
    what the user typed is never replaced."""
    changes: dict[str, Any] = {}
    missing = [path for path in suggestion.get("significant_lines", []) if path not in form.significant_lines]
    if missing:
        changes["significant_lines"] = [*form.significant_lines, *missing]
    for name in ("uncertainty_method", "uncertainty_result", "sensitivity"):
        if suggestion.get(name) and not str(getattr(form, name)).strip():
            changes[name] = suggestion[name]
    return changes


# ------------------------------------------------------------------------------ session tables


def table_key(state: Mapping[str, Any], table: str) -> str:
    """The widget key of a details table's editor: it changes when its base rows change (a
    loaded study, a changed BOM), so stale edits never land on other rows."""
    base = state.get(f"f.{table}") or []
    digest = hashlib.sha256(json.dumps(base, sort_keys=True, default=str).encode()).hexdigest()[:10]
    return f"editor.{table}.{digest}"


def current_table(state: Mapping[str, Any], table: str) -> list[dict[str, str]]:
    """A details table as the user sees it now (stored rows with the editor's edits)."""
    return apply_editor_state(state.get(f"f.{table}") or [], state.get(table_key(state, table)), TABLES[table])


def read_tables(state: Mapping[str, Any]) -> dict[str, list[dict[str, str]]]:
    return {table: current_table(state, table) for table in TABLES}
