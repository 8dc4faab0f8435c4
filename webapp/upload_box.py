"""The upload box of the materials tab: a BOM file appended to or replacing the form's lines,
with Undo; a file not in the BOM layout goes through a column-mapping step first, with
activities suggested from its material names. Reading, merging, mapping and suggesting are
done by the plain modules :mod:`webapp.uploads` and :mod:`webapp.column_mapping`; here are the
widgets and the session keys (``upload.*``, ``map.*``)."""

from __future__ import annotations

import copy
from itertools import count

import pandas as pd
import streamlit as st

from footprint import bom_io
from footprint.errors import MAX_SHOWN_ISSUES, InputError

from . import session
from .catalog import Catalog
from .column_mapping import FIELDS, apply_mapping, guess_mapping, mapped_csv, mapping_key, needs_mapping, suggest_activities, unique_fields
from .downloads import template_csv, template_xlsx
from .state import apply_editor_state
from .texts import Texts, escape_markdown
from .uploads import MODES, has_lines, merge_upload, read_upload
from .widgets import choice

REPORT, UNDO, PENDING, MAPPINGS, MODE = "upload.report", "upload.undo", "upload.pending", "upload.mappings", "upload.mode"
SUGGESTION_ROWS = 200  # rows of a mapped file shown with suggestions (the rest: choose in the grid)
_pending_ids = count(1)


def clear(state) -> None:
    """Forget the last upload's report, its undo and a pending mapping (new study, example...)."""
    for key in (REPORT, UNDO, PENDING):
        state.pop(key, None)


def _apply(data: bytes, name: str, catalog: Catalog) -> None:
    """Read the file and put it on the form (append or replace), keeping the form for Undo."""
    state = st.session_state
    form = session.read_form(state)
    mode = (state.get(MODE) or MODES[0]) if has_lines(form) else "replace"
    result = read_upload(data, name, form, catalog)
    report = {
        "name": name,
        "lines": result.lines,
        "loaded": result.form is not None,
        "issues": [(i.row, i.line_id, i.field, i.value, i.message, i.message_zh) for i in result.issues],
        "remarks": result.remarks,
        "mode": mode,
        "existing": sum(1 for rows in form.rows.values() for row in rows if any(str(v).strip() for v in row.values())),
        "renamed": [],
    }
    if result.form is not None:
        merged, report["renamed"] = merge_upload(form, result.form, mode)
        state[UNDO] = copy.deepcopy(form)
        session.push_form(state, merged)
    state[REPORT] = report


def _on_upload(catalog: Catalog) -> None:
    state = st.session_state
    uploaded = state.get("upload.bom")
    state.pop(PENDING, None)
    if uploaded is None:
        return
    data = uploaded.getvalue()
    try:
        sheet = bom_io.read_sheet(data, uploaded.name)
    except InputError:
        sheet = None  # JSON, or unreadable: read_upload says why
    if sheet is not None and sheet.headers and needs_mapping(sheet.headers):
        state[PENDING] = {"id": next(_pending_ids), "name": uploaded.name, "sheet": sheet}
        state.pop(REPORT, None)
        return
    _apply(data, uploaded.name, catalog)


def _on_undo() -> None:
    state = st.session_state
    before = state.pop(UNDO, None)
    if before is None:
        return
    session.push_form(state, before)
    state[REPORT] = {"undone": True, "name": (state.get(REPORT) or {}).get("name", "")}


# ------------------------------------------------------------------------------ mapping


def _mapping(pending: dict) -> list[str]:
    state = st.session_state
    return unique_fields([state.get(f"map.{pending['id']}.{i}") or "ignore" for i in range(len(pending["sheet"].headers))])


def _suggestion_rows(pending: dict, catalog: Catalog) -> list[dict]:
    """Rows without an activity id, with the suggested activity (cached per mapping)."""
    mapping = _mapping(pending)
    cache = pending.setdefault("suggested", {})
    if tuple(mapping) not in cache:
        rows = apply_mapping(pending["sheet"].rows, mapping)
        found = suggest_activities(catalog.dataset, rows[:SUGGESTION_ROWS])
        cache.clear()
        cache[tuple(mapping)] = [
            {"index": index, "row": index + 1, "name": row.get("material") or row.get("description", ""), "activity_id": ids[0] if ids else None, "use": bool(ids), "others": ids[1:]}
            for index, (row, ids) in enumerate(zip(rows, found))
            if row and not row.get("activity_id")
        ]
    return cache[tuple(mapping)]


def _editor_key(pending: dict) -> str:
    return f"map.{pending['id']}.{'|'.join(_mapping(pending))}.suggestions"


def _on_map_confirm(catalog: Catalog) -> None:
    state = st.session_state
    pending = state.pop(PENDING, None)
    if pending is None:
        return
    mapping = _mapping(pending)
    sheet = pending["sheet"]
    state.setdefault(MAPPINGS, {})[mapping_key(sheet.headers)] = mapping
    suggested = _suggestion_rows(pending, catalog)
    base = [{"activity_id": row["activity_id"] or "", "use": "true" if row["use"] else "false"} for row in suggested]
    chosen = apply_editor_state(base, state.get(_editor_key(pending)), ("activity_id", "use"))
    activities = {row["index"]: pick["activity_id"] for row, pick in zip(suggested, chosen) if pick["use"] == "true" and pick["activity_id"]}
    _apply(mapped_csv(sheet, apply_mapping(sheet.rows, mapping), activities), pending["name"], catalog)


def _on_map_cancel() -> None:
    st.session_state.pop(PENDING, None)


def mapping_step(catalog: Catalog, t: Texts) -> None:
    """The column mapping of an uploaded file not in the BOM layout, while one is pending."""
    state = st.session_state
    pending = state.get(PENDING)
    if not pending:
        return
    sheet = pending["sheet"]
    st.markdown(f"#### {t('mapping.title', name=escape_markdown(pending['name']))}")
    remembered = (state.get(MAPPINGS) or {}).get(mapping_key(sheet.headers))
    st.caption(t("mapping.remembered") if remembered else t("mapping.help"))
    initial = remembered or guess_mapping(sheet.headers)
    columns = st.columns(2)
    for index, header in enumerate(sheet.headers):
        key = f"map.{pending['id']}.{index}"
        state.setdefault(key, initial[index] if index < len(initial) else "ignore")
        sample = next((row[index] for row in sheet.rows if index < len(row) and row[index].strip()), "")
        label = t("mapping.column", header=escape_markdown(header or f"#{index + 1}"))
        choice(
            columns[index % 2],
            "selectbox",
            label,
            FIELDS,
            key,
            t.language,
            format_func=lambda field: t(f"mapping.field.{field}"),
            help=t("mapping.sample", sample=escape_markdown(sample[:60])) if sample else None,
        )
    mapping = _mapping(pending)
    if "amount" not in mapping or "unit" not in mapping:
        st.warning(t("mapping.no_amount"), icon=":material/warning:")
    suggested = _suggestion_rows(pending, catalog)
    if suggested:
        st.markdown(f"**{t('mapping.suggestions')}**")
        st.caption(t("mapping.suggestions_help"))
        frame = pd.DataFrame(
            [
                {
                    "row": row["row"],
                    "name": row["name"],
                    "activity_id": row["activity_id"],
                    "use": row["use"],
                    "others": ", ".join(catalog.label(i, t.language) for i in row["others"]) or ("" if row["activity_id"] else t("mapping.none_found")),
                }
                for row in suggested
            ]
        )
        st.data_editor(
            frame,
            key=_editor_key(pending),
            hide_index=True,
            num_rows="fixed",
            width="stretch",
            disabled=["row", "name", "others"],
            column_config={
                "row": st.column_config.NumberColumn(t("mapping.col_row"), width="small"),
                "name": st.column_config.TextColumn(t("mapping.col_name")),
                "activity_id": st.column_config.SelectboxColumn(
                    t("mapping.col_activity"), options=list(catalog.options), format_func=lambda v: catalog.label(v, t.language), width="large"
                ),
                "use": st.column_config.CheckboxColumn(t("mapping.col_use"), width="small"),
                "others": st.column_config.TextColumn(t("mapping.col_others")),
            },
        )
    left, right = st.columns(2)
    left.button(t("mapping.add"), key="map.add", type="primary", on_click=_on_map_confirm, args=(catalog,), icon=":material/playlist_add:")
    right.button(t("mapping.cancel"), key="map.cancel", on_click=_on_map_cancel)


# ------------------------------------------------------------------------------ box


def _report(report: dict, t: Texts) -> None:
    name = escape_markdown(report["name"])
    if report.get("undone"):
        st.info(t("upload.undone", name=name), icon=":material/undo:")
        return
    if report["issues"]:
        lines = []
        for row, line_id, field, value, message, message_zh in report["issues"][:MAX_SHOWN_ISSUES]:
            where = " · ".join(p for p in (t("upload.file_row", row=row + 1, data_row=row) if row else escape_markdown(line_id or ""), escape_markdown(field or "")) if p)
            shown = f" ({t('issue.got')} “{escape_markdown(value)}”)" if value else ""
            lines.append(f"- {('**' + where + '**: ') if where else ''}{escape_markdown(t.pick(message, message_zh))}{shown}")
        lines = t.capped(lines, total=len(report["issues"]))
        head = t("upload.loaded_with_problems", name=name, lines=report["lines"]) if report["loaded"] else t("upload.refused", name=name)
        st.warning(head + "\n\n" + "\n".join(lines), icon=":material/error:")
    if report["loaded"]:
        mode = report.get("mode", "replace")
        if mode == "append":
            done = t("upload.appended", name=name, lines=report["lines"], existing=report["existing"])
        elif report.get("existing"):
            done = t("upload.replaced", name=name, lines=report["lines"])
        else:
            done = t("upload.loaded", name=name, lines=report["lines"])
        if report["renamed"]:
            done += " " + t("upload.renamed", pairs=", ".join(f"{escape_markdown(a)} → {escape_markdown(b)}" for a, b in report["renamed"]))
        (st.info if report["issues"] else st.success)(done)
    for remark in t.capped(report["remarks"]):
        st.caption(escape_markdown(remark))


def upload_box(catalog: Catalog, engine, t: Texts) -> None:
    state = st.session_state
    with st.container(border=True):
        st.markdown(f"**{t('upload.title')}**")
        st.caption(t("upload.help"))
        if has_lines(session.read_form(state)):
            choice(st, "radio", t("upload.mode"), MODES, MODE, t.language, format_func=lambda m: t(f"upload.mode_{m}"), horizontal=True)
        st.file_uploader(t("upload.file"), type=["csv", "xlsx", "json", "txt"], key="upload.bom", on_change=_on_upload, args=(catalog,))
        left, right = st.columns(2)
        left.download_button(t("upload.template_csv"), template_csv, file_name="bom-template.csv", mime="text/csv", icon=":material/download:", on_click="ignore")
        right.download_button(
            t("upload.template_xlsx"),
            lambda: template_xlsx(engine),
            file_name="bom-template.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/download:", on_click="ignore",
        )
        report = state.get(REPORT)
        if report:
            _report(report, t)
        if UNDO in state:
            st.button(t("upload.undo"), key="upload.undo_button", on_click=_on_undo, icon=":material/undo:")
