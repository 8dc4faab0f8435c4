"""The workspace on screen: the sidebar's list of products and variants (add, duplicate, rename,
switch, delete, save and open the workspace file) and the "Compare variants" page.

What changes and what is computed live in :mod:`webapp.workspace` and :mod:`webapp.comparison`;
this module only draws them. Variant names are user text: shown through ``escape_markdown``.
"""

from __future__ import annotations

import streamlit as st

from footprint.errors import InputError
from footprint.reports.numbers import significant

from . import workspace
from .catalog import Catalog
from .comparison import compare_variants, line_differences, stage_rows
from .downloads import safe_filename
from .state import StudyForm
from .texts import Texts, escape_markdown

PICK = "ws.pick"
NAME = "ws.name"
CONFIRM_DELETE = "ws.confirm_delete"
UPLOAD = "ws.upload"
REPORT = "ws.report"
CHOSEN = "ws.compare.chosen"
RESULT = "ws.compare.result"


def _name(t: Texts) -> str:
    return t("ws.default_name", number=len(workspace.variants(st.session_state)) + 1)


# ------------------------------------------------------------------------------ callbacks


def _switch() -> None:
    workspace.switch(st.session_state, int(st.session_state[PICK]))
    st.session_state.pop(CONFIRM_DELETE, None)


def _add_blank(blank: StudyForm, name: str) -> None:
    if not workspace.add(st.session_state, blank, name):
        st.session_state[REPORT] = ("full", "", [])


def _duplicate(name: str) -> None:
    if not workspace.duplicate(st.session_state, name):
        st.session_state[REPORT] = ("full", "", [])


def _rename() -> None:
    state = st.session_state
    workspace.rename(state, workspace.current(state), state.get(NAME) or "")


def _delete() -> None:
    workspace.delete(st.session_state, workspace.current(st.session_state))
    st.session_state.pop(CONFIRM_DELETE, None)


def _ask_delete() -> None:
    st.session_state[CONFIRM_DELETE] = True


def _cancel_delete() -> None:
    st.session_state.pop(CONFIRM_DELETE, None)


def _open(catalog: Catalog, blank: StudyForm) -> None:
    state = st.session_state
    uploaded = state.get(UPLOAD)
    if uploaded is None:
        return
    try:
        loaded = workspace.load_workspace(uploaded.getvalue(), catalog, blank)
    except InputError as error:
        state[REPORT] = ("error", uploaded.name, [(i.field, i.message, i.message_zh) for i in error.issues])
        return
    workspace.replace_all(state, loaded)
    state[REPORT] = ("ok", uploaded.name, [])


# ------------------------------------------------------------------------------ sidebar


def sidebar(engine, catalog: Catalog, t: Texts, blank: StudyForm) -> None:
    """The products and variants of this session; the current one is what the form edits."""
    state = st.session_state
    workspace.ensure(state, _name(t))
    items = workspace.variants(state)
    index = workspace.current(state)
    state[PICK] = index
    state[NAME] = items[index].name
    with st.sidebar:
        st.markdown(f"### {t('ws.title')}")
        st.selectbox(t("ws.current"), list(range(len(items))), key=PICK, format_func=lambda i: items[i].name, on_change=_switch)
        st.text_input(t("ws.rename"), key=NAME, on_change=_rename, max_chars=workspace.MAX_NAME_CHARS)
        left, right = st.columns(2)
        left.button(t("ws.add"), key="ws.btn.add", on_click=_add_blank, args=(blank, _name(t)), width="stretch", icon=":material/add:")
        right.button(t("ws.duplicate"), key="ws.btn.duplicate", on_click=_duplicate, args=(_name(t),), width="stretch", icon=":material/content_copy:")
        if len(items) > 1:
            if state.get(CONFIRM_DELETE):
                st.warning(t("ws.confirm_delete", name=escape_markdown(items[index].name)), icon=":material/warning:")
                yes, no = st.columns(2)
                yes.button(t("ws.delete_yes"), key="ws.btn.delete_yes", on_click=_delete, type="primary", width="stretch")
                no.button(t("ws.delete_no"), key="ws.btn.delete_no", on_click=_cancel_delete, width="stretch")
            else:
                st.button(t("ws.delete"), key="ws.btn.delete", on_click=_ask_delete, width="stretch", icon=":material/delete:")
        st.download_button(
            t("ws.save"),
            workspace.workspace_json(workspace.sync(state), engine.dataset),
            file_name=f"{safe_filename(items[0].name, 'workspace')}.workspace.json",
            mime="application/json",
            key="ws.dl",
            icon=":material/save:",
            on_click="ignore",
            width="stretch",
        )
        st.file_uploader(t("ws.open"), type=["json"], key=UPLOAD, on_change=_open, args=(catalog, blank), help=t("ws.open_help"))
        _report(t)


def _report(t: Texts) -> None:
    report = st.session_state.get(REPORT)
    if not report:
        return
    status, filename, problems = report
    if status == "ok":
        st.success(t("ws.opened", name=escape_markdown(filename)))
    elif status == "full":
        st.warning(t("ws.full", count=workspace.MAX_VARIANTS))
    else:
        lines = t.capped([f"- {escape_markdown(f or '')} {escape_markdown(t.pick(m, mz))}" for f, m, mz in problems])
        st.error(t("ws.open_failed", name=escape_markdown(filename)) + "\n\n" + "\n".join(lines))


# ------------------------------------------------------------------------------ compare page


def _number(value: float | None) -> str:
    return "—" if value is None else significant(value, 3)


def compare_page(engine, t: Texts) -> None:
    import pandas as pd

    state = st.session_state
    st.title(t("ws.compare_title"))
    st.caption(t("ws.compare_intro"))
    workspace.ensure(state, _name(t))
    items = workspace.sync(state)
    if len(items) < 2:
        st.info(t("ws.compare_need_two"), icon=":material/info:")
        return
    options = list(range(len(items)))
    chosen = [i for i in state.get(CHOSEN, options) if i in options]
    state[CHOSEN] = chosen if len(chosen) >= 2 else options
    st.multiselect(t("ws.compare_choose"), options, key=CHOSEN, format_func=lambda i: items[i].name, placeholder=t("ws.compare_placeholder"))
    if st.button(t("ws.compare_run"), key="ws.btn.compare", type="primary", icon=":material/compare_arrows:"):
        if len(state[CHOSEN]) < 2:
            st.warning(t("ws.compare_need_two"))
        else:
            state[RESULT] = compare_variants([items[i] for i in state[CHOSEN]], engine)
    comparison = state.get(RESULT)
    if comparison is None:
        return
    for entry in comparison.variants:
        if entry.result is None:
            st.warning(t("ws.not_computed", name=escape_markdown(entry.name), count=len(entry.issues)), icon=":material/error:")
    computed = comparison.computed
    if len(computed) < 2:
        return
    a = computed[0]
    unit = t.declared_unit(a.result.declared_unit)
    columns = st.columns(len(computed))
    for column, entry in zip(columns, computed):
        delta = None if entry is a else f"{_number(entry.result.total_kgco2e - a.result.total_kgco2e)} kg CO2e"
        column.metric(escape_markdown(entry.name), f"{_number(entry.result.total_kgco2e)} kg CO2e", delta=delta, delta_color="inverse")
    st.caption(t("ws.per_unit", unit=escape_markdown(unit), a=escape_markdown(a.name)))
    for entry in computed[1:]:
        _difference_note(entry, a, t)

    st.subheader(t("ws.by_stage"))
    rows = []
    for stage, values, differences in stage_rows(comparison):
        row = {t("ws.col.stage"): t.stage(stage)}
        row.update({f"{entry.name}": value for entry, value in zip(computed, values)})
        row.update({t("ws.col.difference", b=entry.name, a=a.name): d for entry, d in zip(computed[1:], differences)})
        rows.append(row)
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

    for entry in computed[1:]:
        st.subheader(t("ws.by_line", b=escape_markdown(entry.name), a=escape_markdown(a.name)))
        lines = [
            {
                t("ws.col.line"): line.path,
                t("ws.col.activity"): t.pick(line.activity_name, line.activity_name_zh),
                t("ws.col.a"): line.a,
                t("ws.col.b"): line.b,
                t("ws.col.line_difference"): line.difference,
            }
            for line in line_differences(a.result, entry.result)
        ]
        st.dataframe(pd.DataFrame(lines), hide_index=True, width="stretch")


def _difference_note(entry, a, t: Texts) -> None:
    names = {"b": escape_markdown(entry.name), "a": escape_markdown(a.name)}
    if entry.difference is None:
        st.caption(t(f"ws.no_interval_{entry.note or 'failed'}", **names))
        return
    d = entry.difference
    st.caption(
        t(
            "ws.difference",
            low=_number(d.difference["p2_5"]),
            high=_number(d.difference["p97_5"]),
            lower=f"{d.b_lower_share:.0%}",
            iterations=d.a.iterations,
            **names,
        )
    )
