"""The label-readiness checklist: every rule finding that fails or needs evidence, as one thing
to do, with the form field that fixes it.

Why by check name and not by rule id: a product rule set (``extends: gba-general``) renames or
adds rules but uses the same checks, so the mapping holds for every rule set. A finding of
``report_elements`` becomes one item per missing report element. Findings the form cannot fix
(the engine's own numbers, the dataset's provenance) keep ``target=None``. Nothing here imports
Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

# Input tabs of the page, in order (webapp.main draws them in this order).
INPUT_TABS = ("product", "materials", "energy", "emissions", "details")


@dataclass(frozen=True)
class Target:
    """Where a finding is fixed: an input tab, the widget key of the field, and the expander
    (``exp.<group>``) of the details tab holding it."""

    tab: str
    field: str
    group: str | None = None


def _details(group: str, name: str) -> Target:
    return Target("details", name if name.startswith("editor.") else f"f.{name}", group)


# check name → the field that fixes it (texts: app.ready.do.<check>)
CHECK_TARGETS: dict[str, Target] = {
    "governing_rule_set": Target("product", "f.rule_set"),
    "standard_allowed": Target("product", "f.standard"),
    "product_identified": Target("product", "f.product_model"),
    "declared_unit_defined": Target("product", "f.declared_quantity"),
    "mass_per_piece": Target("product", "f.mass_kg_per_piece"),
    "reference_period": Target("product", "f.period_start"),
    "boundary_complete": _details("boundary", "boundary_diagram_ref"),
    "exclusions_justified": _details("boundary", "editor.excluded_stages"),
    "cutoff_single_flow": _details("boundary", "editor.exclusions"),
    "cutoff_total": _details("boundary", "editor.exclusions"),
    "no_significant_flow_excluded": _details("boundary", "editor.exclusions"),
    "mass_balance": Target("materials", "editor.materials"),
    "packaging_flag": Target("materials", "editor.materials"),
    "site_data_primary": Target("energy", "f.electricity_data_type"),
    "upstream_primary_data": Target("materials", "editor.materials"),
    "primary_data_share": Target("materials", "editor.materials"),
    "dqr_coverage": _details("quality", "editor.line_quality"),
    "dqr_weighted_max": _details("quality", "editor.line_quality"),
    "certificate_coverage": Target("energy", "editor.certificates"),
    "dual_reporting": Target("energy", "f.market_based"),
    "no_foreign_certificates": Target("energy", "editor.certificates"),
    "grid_life_cycle_factor": Target("energy", "f.grid"),
    "allocation_hierarchy": _details("methods", "allocation_method"),
    "allocation_sensitivity": _details("methods", "allocation_method"),
    "recycling_approach": _details("methods", "recycling_approach"),
    "biogenic_reported": _details("methods", "biogenic_mode"),
    "pact_exportable": _details("methods", "biogenic_mode"),
    "interpretation": _details("interpretation", "significant_lines"),
    "verifier_admitted": _details("verification", "verifier_name"),
    "verification_process": _details("verification", "verification_site_visit"),
    "data_management_period": _details("verification", "data_management_since"),
    "label_fields": _details("verification", "certificate_no"),
    "certificate_validity": _details("verification", "surveillance_months"),
}

# report element → the field that holds it (texts: app.ready.do.report_<element>)
REPORT_TARGETS: dict[str, Target] = {
    "standard": Target("product", "f.standard"),
    "boundary": _details("boundary", "editor.excluded_stages"),
    "boundary_diagram": _details("boundary", "boundary_diagram_ref"),
    "pcr": Target("product", "f.rule_set"),
    "data_sources": _details("quality", "editor.line_quality"),
    "data_quality": _details("quality", "editor.line_quality"),
    "exclusions": _details("boundary", "editor.excluded_stages"),
    "allocation": _details("methods", "allocation_method"),
    "limitations": _details("interpretation", "limitations"),
    "report_ref": _details("verification", "report_ref"),
}

# BOM stage → the grid where lines of that stage are typed (a boundary stage without lines is
# fixed there, not on the boundary diagram field).
STAGE_TARGETS: dict[str, Target] = {
    "manufacturing_energy": Target("energy", "editor.energy"),
    "process_emissions": Target("emissions", "editor.emissions"),
    "inbound_transport": Target("emissions", "editor.transport"),
}
BOM_GRID = Target("materials", "editor.materials")

VERDICTS = ("fail", "needs_evidence")
SEVERITY_ORDER = {"blocking": 0, "major": 1, "minor": 2, "info": 3}


@dataclass(frozen=True)
class Item:
    """One thing to do: ``what`` names its text (app.ready.do.<what>), ``message`` is the
    finding's own wording (footprint Text), the rule id is secondary detail."""

    what: str
    rule_id: str
    severity: str
    verdict: str
    message: object
    requirement: object
    target: Target | None
    stage: str | None = None  # the BOM stage an item is about (its text names it)


def _missing_elements(finding) -> list[str]:
    required = finding.threshold if isinstance(finding.threshold, list) else []
    present = set(finding.measured) if isinstance(finding.measured, list) else set()
    return [element for element in required if element not in present]


def _boundary_items(finding, verdict: str, severity: str) -> list[Item]:
    """One item per required stage without lines (at the grid where its lines are typed), one
    for the diagram reference, one for anything else the boundary check found."""
    details = getattr(finding, "details", None) or {}

    def item(what: str, target: Target, stage: str | None = None) -> Item:
        return Item(what, finding.rule_id, severity, verdict, finding.message, finding.requirement, target, stage)

    stages = [*details.get("missing_stages", []), *details.get("empty_stages", [])]
    items = [item("boundary_stage_empty", STAGE_TARGETS.get(stage, BOM_GRID), stage) for stage in stages]
    if details.get("diagram"):
        items.append(item("boundary_diagram", CHECK_TARGETS["boundary_complete"]))
    if details.get("boundary_type") or details.get("undeclared_stages") or not items:
        items.append(item("boundary_complete", CHECK_TARGETS["boundary_complete"]))
    return items


def items_for(finding) -> list[Item]:
    """The checklist items of one finding (none when it passes or does not apply)."""
    verdict, severity = finding.verdict.value, finding.severity.value
    if verdict not in VERDICTS:
        return []
    if finding.check == "boundary_complete":
        return _boundary_items(finding, verdict, severity)
    if finding.check == "report_elements":
        missing = _missing_elements(finding)
        if missing:
            return [Item(f"report_{e}", finding.rule_id, severity, verdict, finding.message, finding.requirement, REPORT_TARGETS.get(e)) for e in missing]
    return [Item(finding.check, finding.rule_id, severity, verdict, finding.message, finding.requirement, CHECK_TARGETS.get(finding.check))]


def checklist(evaluation) -> list[Item]:
    """Every item of an evaluation: what blocks the label first, then major, then the rest;
    failures before missing evidence."""
    items = [item for finding in evaluation.findings for item in items_for(finding)]
    return sorted(items, key=lambda i: (SEVERITY_ORDER.get(i.severity, 9), VERDICTS.index(i.verdict), i.rule_id))
