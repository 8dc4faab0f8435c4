"""The "Label details" tab (boundary, exclusions, data quality, methods, interpretation,
report and verification) and the jump from a readiness item to its field.

Scalar fields are widgets on ``f.<name>`` like the rest of the form; the three tables keep their
rows in ``f.<table>`` and their edits in the editor's state (``label_details.current_table``).
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from footprint.dataset import STAGES

from . import label_details as ld
from .readiness import INPUT_TABS, Target
from .session import REDRAW_PAGE
from .session import field_key as k
from .texts import Texts
from .widgets import choice

TABS_KEY = "tab"  # the input tab shown, by id (readiness.INPUT_TABS); webapp.main.input_tabs draws it
FOCUS_KEY = "focus.field"
PENDING_KEY = "details.pending"
GROUPS = ("boundary", "quality", "methods", "interpretation", "verification")


def apply_pending(state) -> None:
    """Values computed by the last calculation (interpretation) go into their widgets before
    the widgets are drawn."""
    for name, value in (state.pop(PENDING_KEY, None) or {}).items():
        state[k(name)] = value


def go_to(target: Target) -> None:
    """Button callback: switch to the field's tab, open its expander, remember what to focus."""
    state = st.session_state
    state[TABS_KEY] = target.tab
    state[REDRAW_PAGE] = True  # pressed in the results, which rerun on their own: the form is drawn again
    if target.group:
        state[f"exp.{target.group}"] = True
    state[FOCUS_KEY] = target.field


def focus_script() -> None:
    """Scroll to (and focus) the field a readiness button named, once."""
    field = st.session_state.pop(FOCUS_KEY, None)
    if not field:
        return
    script = """<script>
const key = %s, doc = window.parent.document;
const norm = (s) => s.replace(/[^a-zA-Z0-9_-]/g, "-");
function find() {
  for (const el of doc.querySelectorAll('[class*="st-key-"]')) {
    for (const c of el.classList) {
      if (c.startsWith("st-key-" + key) || c.startsWith("st-key-" + norm(key))) return el;
    }
  }
  return null;
}
let tries = 0;
const timer = setInterval(() => {
  const el = find();
  if (el || ++tries > 40) {
    clearInterval(timer);
    if (el) {
      el.scrollIntoView({behavior: "smooth", block: "center"});
      const input = el.querySelector("input, textarea, [tabindex]");
      if (input) input.focus({preventScroll: true});
    }
  }
}, 100);
</script>""" % json.dumps(field)
    components.html(script, height=0)


def _expander(t: Texts, group: str):
    st.session_state.setdefault(f"exp.{group}", False)
    return st.expander(t(f"details.group_{group}"), key=f"exp.{group}", on_change="rerun")


def _table(table: str, rows: list[dict[str, str]], column_config: dict, **kwargs) -> None:
    """A details table on its stored rows (``f.<table>``), normalised to ``rows`` first."""
    state = st.session_state
    if ld.current_table(state, table) != rows:
        state[k(table)] = rows  # new key rows (a changed BOM) or folded edits: a fresh editor
    frame = pd.DataFrame(rows, columns=list(ld.TABLES[table]))
    st.data_editor(frame, key=ld.table_key(state, table), column_config=column_config, hide_index=True, width="stretch", **kwargs)


def _ratings_config(t: Texts) -> dict:
    return {name: st.column_config.SelectboxColumn(t(f"details.{name}"), options=["1", "2", "3"], width="small") for name in ld.RATINGS}


def details_tab(catalog, t: Texts, bom) -> None:
    state = st.session_state
    form_rows = ld.LabelDetails(**{name: state.get(k(name), getattr(ld.LabelDetails(), name)) for name in ("line_quality", "excluded_stages")})
    st.caption(t("details.intro"))
    with _expander(t, "boundary"):
        if bom is not None:
            st.markdown(t("details.boundary_stages", stages=", ".join(t.stage(s) for s in ld.bom_stages(bom)) or "—"))
        st.text_input(t("details.diagram_ref"), key=k("boundary_diagram_ref"), placeholder=t("details.diagram_placeholder"))
        st.markdown(f"**{t('details.excluded_stages')}**")
        stage_rows = ld.stage_rows(form_rows, bom) if bom is not None else ld.current_table(state, "excluded_stages")
        _table(
            "excluded_stages",
            stage_rows,
            {"stage": st.column_config.SelectboxColumn(t("col.stage"), options=list(STAGES), format_func=t.stage, disabled=True), "reason": st.column_config.TextColumn(t("details.reason"), width="large")},
            num_rows="fixed",
        )
        st.markdown(f"**{t('details.exclusions')}**")
        st.caption(t("details.exclusions_help"))
        _table(
            "exclusions",
            ld.current_table(state, "exclusions"),
            {
                "id": st.column_config.TextColumn(t("col.id"), width="small"),
                "description": st.column_config.TextColumn(t("col.description")),
                "activity_id": st.column_config.SelectboxColumn(t("col.activity_id"), options=list(catalog.options), format_func=lambda v: catalog.label(v, t.language)),
                "amount": st.column_config.TextColumn(t("col.amount"), width="small"),
                "unit": st.column_config.TextColumn(t("col.unit"), width="small"),
                "stage": st.column_config.SelectboxColumn(t("col.stage"), options=list(STAGES), format_func=t.stage),
                "kgco2e": st.column_config.TextColumn(t("details.estimate"), width="small"),
                "reason": st.column_config.TextColumn(t("details.reason"), width="large"),
            },
            num_rows="dynamic",
        )
    with _expander(t, "quality"):
        st.caption(t("details.quality_help"))
        if bom is not None:
            config = _ratings_config(t) | {
                "line": st.column_config.TextColumn(t("table.line"), disabled=True),
                "source": st.column_config.TextColumn(t("details.source"), width="large"),
            }
            _table("line_quality", ld.quality_rows(form_rows, bom), config, num_rows="fixed")
        else:
            st.info(t("details.need_bom"))
    with _expander(t, "methods"):
        choice(st, "radio", t("details.biogenic"), ld.BIOGENIC_MODES, k("biogenic_mode"), t.language, format_func=lambda m: t(f"details.biogenic_{m or 'unset'}"), horizontal=True)
        if state.get(k("biogenic_mode")) == "content":
            st.number_input(t("details.biogenic_kgc"), min_value=0.0, value=None, format="%g", key=k("biogenic_kgc"))
        choice(st, "selectbox", t("details.recycling"), ld.RECYCLING_APPROACHES, k("recycling_approach"), t.language, format_func=lambda a: t(f"details.recycling_{a}"))
        choice(st, "radio", t("details.allocation"), ld.ALLOCATION_METHODS, k("allocation_method"), t.language, format_func=lambda m: t(f"details.allocation_{m}"), horizontal=True)
        if state.get(k("allocation_method")) in ("physical", "economic"):
            st.text_input(t("details.allocation_process"), key=k("allocation_process"))
            st.text_input(t("details.allocation_basis"), key=k("allocation_basis"))
            st.text_area(t("details.allocation_justification"), key=k("allocation_justification"), height=80)
    with _expander(t, "interpretation"):
        st.caption(t("details.interpretation_help"))
        paths = [path for path, _, _ in bom.flat_lines()] if bom is not None else []
        chosen = [p for p in state.get(k("significant_lines")) or [] if p in paths] if paths else state.get(k("significant_lines")) or []
        if chosen != (state.get(k("significant_lines")) or []):
            state[k("significant_lines")] = chosen
        st.multiselect(t("details.significant_lines"), paths or chosen, key=k("significant_lines"))
        st.text_input(t("details.uncertainty_method"), key=k("uncertainty_method"))
        st.text_input(t("details.uncertainty_result"), key=k("uncertainty_result"))
        st.text_area(t("details.sensitivity"), key=k("sensitivity"), height=100)
        st.text_area(t("details.limitations"), key=k("limitations"), height=80, placeholder=t("details.limitations_placeholder"))
    with _expander(t, "verification"):
        st.caption(t("details.verification_help"))
        left, right = st.columns(2)
        left.text_input(t("details.report_ref"), key=k("report_ref"))
        left.date_input(t("details.data_management_since"), value=None, key=k("data_management_since"))
        left.text_input(t("details.verifier_name"), key=k("verifier_name"))
        left.text_input(t("details.verifier_ref"), key=k("verifier_ref"))
        left.date_input(t("details.site_visit"), value=None, key=k("verification_site_visit"))
        right.text_input(t("details.statement"), key=k("verification_statement"))
        right.text_input(t("details.surveillance_plan"), key=k("surveillance_plan"))
        right.number_input(t("details.surveillance_months"), min_value=1, max_value=60, value=None, step=1, key=k("surveillance_months"))
        right.text_input(t("details.certificate_no"), key=k("certificate_no"))
        right.date_input(t("details.certificate_issue_date"), value=None, key=k("certificate_issue_date"))


def tab_labels(t: Texts) -> dict[str, str]:
    """The input tabs' labels in the current language, by tab id (readiness.INPUT_TABS)."""
    return {tab: t("details.tab") if tab == "details" else t(f"tab.{tab}") for tab in INPUT_TABS}

