"""The "Supplier footprint (PACT)" panel of the materials tab: a supplier's PACT v3 footprint
from a file or from the supplier's PACT host, previewed, then added as a BOM line.

Widgets and session keys (``pact.*``) only; reading, fetching, checking and adding are
:mod:`webapp.supplier_import`. The host is asked only in the callback of the *Fetch* button
(never while the page is drawn). The client secret is typed into a password field inside a
form, so it reaches the server only with that press; the callback takes it out of the session
before asking the host and it is never put in the form, a study, a workspace or a log.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from footprint.dataset import STAGES
from footprint.errors import InputError
from footprint.units import format_number

from . import session
from .supplier_import import (
    DEFAULT_STAGE,
    MAX_LISTED,
    add_line,
    amount_units,
    fetch_footprints,
    fresh_line_id,
    inspect,
    parent_choices,
    read_file,
    remove_supplier,
    summary,
    used_by,
)
from .texts import Texts, escape_markdown
from .widgets import choice

SOURCES = ("file", "host")
SOURCE, FILE, FETCH_FORM = "pact.source", "pact.file", "pact.fetch_form"
HOST, CLIENT, SECRET, PRODUCT, GEOGRAPHY = "pact.host", "pact.client_id", "pact.secret", "pact.product_id", "pact.geography"
FOUND, REPORT, CHOSEN = "pact.found", "pact.report", "pact.chosen"
LINE_ID, PARENT, AMOUNT, UNIT, STAGE, ADD = "pact.line_id", "pact.parent", "pact.amount", "pact.unit", "pact.stage", "pact.add"
LINE_REPORT, ADDED = "pact.line_report", "pact.added"
SUPPLIERS = session.field_key("suppliers")


def _problems(error: InputError) -> list[tuple[str | None, str, str]]:
    return [(i.field, i.message, i.message_zh) for i in error.issues]


# ------------------------------------------------------------------------------ callbacks


def _found(state, origin: str, name: str, footprints: list, more: bool = False) -> None:
    state[FOUND] = {"origin": origin, "name": name, "footprints": footprints, "more": more}
    state[CHOSEN] = 0
    for key in (REPORT, LINE_REPORT, ADDED):
        state.pop(key, None)


def _read_file() -> None:
    state = st.session_state
    uploaded = state.get(FILE)
    if uploaded is None:
        return
    try:
        document = read_file(uploaded.getvalue(), uploaded.name)
    except InputError as error:  # what was found before stays
        state[REPORT] = {"origin": "file", "name": uploaded.name, "issues": _problems(error)}
        return
    _found(state, "file", uploaded.name, [document])


def _fetch() -> None:
    """The Fetch button: the secret leaves the session first, then the host is asked."""
    state = st.session_state
    secret = state.get(SECRET) or ""
    if SECRET in state:
        del state[SECRET]  # also drops Streamlit's record of the value this press sent
    state[SECRET] = ""  # and empties the field in the browser
    host = state.get(HOST) or ""
    try:
        listing = fetch_footprints(host, state.get(CLIENT) or "", secret, product_id=state.get(PRODUCT) or "", geography=state.get(GEOGRAPHY) or "")
    except InputError as error:  # address, id and filters stay as typed
        state[REPORT] = {"origin": "host", "name": host, "issues": _problems(error)}
        return
    _found(state, "host", listing.host, list(listing.footprints), listing.more)


def _add(dataset) -> None:
    state = st.session_state
    found = state.get(FOUND) or {}
    footprints = found.get("footprints") or []
    index = state.get(CHOSEN) or 0
    if not 0 <= index < len(footprints):
        return
    form = session.read_form(state)
    added, problems = add_line(
        form,
        footprints[index],
        dataset,
        line_id=state.get(LINE_ID) or "",
        parent=state.get(PARENT) or "",
        amount=state.get(AMOUNT) or "",
        unit=state.get(UNIT) or "",
        stage=state.get(STAGE) or DEFAULT_STAGE,
    )
    if added is None:  # everything typed stays in the fields
        state[LINE_REPORT] = [(i.field, i.value, i.message, i.message_zh) for i in problems]
        state.pop(ADDED, None)
        return
    session.set_rows(state, "materials", added.rows["materials"])
    state[SUPPLIERS] = added.suppliers
    state[ADDED] = (form.study_id, added.rows["materials"][-1]["id"])
    state.pop(LINE_REPORT, None)
    state[LINE_ID] = ""
    state[AMOUNT] = ""


def _remove(activity_id: str) -> None:
    state = st.session_state
    state[SUPPLIERS] = remove_supplier(session.read_form(state), activity_id).suppliers
    state.pop(ADDED, None)


# ------------------------------------------------------------------------------ drawing


def _issue_lines(t: Texts, issues) -> str:
    lines = []
    for field, message, message_zh in issues:
        head = f"**{escape_markdown(field)}**: " if field else ""
        lines.append(f"- {head}{escape_markdown(t.pick(message, message_zh))}")
    return "\n".join(t.capped(lines))


def _source(t: Texts) -> None:
    state = st.session_state
    choice(st, "radio", t("pact.source"), SOURCES, SOURCE, t.language, format_func=lambda s: t(f"pact.source_{s}"), horizontal=True)
    if state.get(SOURCE) == "host":
        with st.form(FETCH_FORM, border=False):
            left, right = st.columns(2)
            left.text_input(t("pact.host"), key=HOST, placeholder="https://pact.supplier.example", help=t("pact.host_help"))
            right.text_input(t("pact.client_id"), key=CLIENT)
            left.text_input(t("pact.secret"), key=SECRET, type="password", help=t("pact.secret_help"))
            right.text_input(t("pact.product_id"), key=PRODUCT, placeholder="urn:gtin:…", help=t("pact.filter_help"))
            left.text_input(t("pact.geography"), key=GEOGRAPHY, placeholder="CN, CN-GD, HK", help=t("pact.filter_help"))
            st.form_submit_button(t("pact.fetch"), key="pact.fetch", on_click=_fetch, icon=":material/cloud_download:")
    else:
        st.file_uploader(t("pact.file"), type=["json"], key=FILE, on_change=_read_file, help=t("pact.file_help"))
    report = state.get(REPORT)
    if report and report["origin"] == state.get(SOURCE, SOURCES[0]):
        heading = t("pact.file_refused", name=escape_markdown(report["name"])) if report["origin"] == "file" else t("pact.fetch_failed")
        st.error(heading + "\n\n" + _issue_lines(t, report["issues"]), icon=":material/error:")


def _listing(t: Texts, found: dict) -> None:
    footprints = found["footprints"]
    if found["origin"] == "host":
        st.caption(t("pact.fetched", count=len(footprints), host=escape_markdown(found["name"])))
        if found["more"]:
            st.warning(t("pact.more", count=MAX_LISTED))
    if not footprints:
        st.info(t("pact.none_found"))
        return
    rows = []
    for document in footprints:
        info = summary(document)
        rows.append(
            {
                t("pact.col_product"): info["product"],
                t("pact.col_company"): info["company"],
                t("pact.col_declared_unit"): info["declared_unit"],
                t("pact.col_pcf"): info["pcf"],
                t("pact.col_status"): info["status"],
                t("pact.col_validity"): info["validity"],
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _preview(t: Texts, document: dict, activity) -> None:
    info = summary(document)
    cells = [
        (t("pact.col_product"), info["product"]),
        (t("pact.col_company"), info["company"]),
        (t("pact.col_id"), info["id"]),
        (t("pact.col_status"), info["status"]),
        (t("pact.col_declared_unit"), info["declared_unit"]),
        (t("pact.col_pcf"), info["pcf"]),
        (t("pact.col_reference_period"), info["reference_period"]),
        (t("pact.col_validity"), info["validity"] or "—"),
        (t("pact.col_spec"), info["spec_version"]),
    ]
    if activity is not None:
        per_unit = t(
            "pact.per_unit",
            value=format_number(activity.kgco2e_per_unit),
            unit=t.unit(activity.unit),
            fossil=format_number(activity.fossil),
            luc=format_number(activity.land_use_change_kgco2e),
            biogenic=format_number(activity.biogenic_kgco2e),
        )
        cells.append((t("pact.col_per_unit"), per_unit))
    table = [f"| {t('pact.col_field')} | {t('pact.col_value')} |", "| --- | --- |"]
    table += [f"| {escape_markdown(name)} | {escape_markdown(value)} |" for name, value in cells]
    st.markdown("\n".join(table))
    end = str(document.get("validityPeriodEnd") or "")[:10]
    try:
        expired = bool(end) and date.fromisoformat(end) < date.today()
    except ValueError:
        expired = False
    if expired:
        st.warning(t("pact.expired", end=end), icon=":material/event_busy:")


def _line_inputs(t: Texts, dataset, activity, form) -> None:
    state = st.session_state
    state.setdefault(STAGE, DEFAULT_STAGE)
    parents = ["", *parent_choices(form)]
    if state.get(PARENT) not in parents:
        state[PARENT] = ""
    cols = st.columns([1, 1, 1, 1, 1.4])
    cols[0].text_input(t("pact.line_id"), key=LINE_ID, placeholder=fresh_line_id(form), help=t("pact.line_id_help"))
    cols[1].selectbox(t("pact.parent"), parents, key=PARENT, format_func=lambda p: p or t("pact.top_level"))
    cols[2].text_input(t("pact.amount"), key=AMOUNT, help=t("pact.amount_help", unit=t.unit(activity.unit)))
    choice(cols[3], "selectbox", t("pact.unit"), amount_units(activity), UNIT, t.language, format_func=t.unit)
    choice(cols[4], "selectbox", t("pact.stage"), list(STAGES), STAGE, t.language, format_func=t.stage)
    st.button(t("pact.add"), key=ADD, on_click=_add, args=(dataset,), type="primary", icon=":material/add:")
    problems = state.get(LINE_REPORT)
    if problems:
        st.error(t("pact.add_failed") + "\n\n" + _issue_lines(t, [(field, message, message_zh) for field, _, message, message_zh in problems]), icon=":material/error:")


def _chooser(t: Texts, dataset) -> None:
    state = st.session_state
    found = state.get(FOUND)
    if not found:
        return
    _listing(t, found)
    footprints = found["footprints"]
    if not footprints:
        return
    if not 0 <= (state.get(CHOSEN) or 0) < len(footprints):
        state[CHOSEN] = 0
    labels = [summary(d) for d in footprints]
    st.selectbox(
        t("pact.choose"),
        list(range(len(footprints))),
        key=CHOSEN,
        format_func=lambda i: " · ".join(part for part in (labels[i]["product"], labels[i]["company"], labels[i]["status"]) if part),
    )
    document = footprints[state.get(CHOSEN) or 0]
    activity, problems = inspect(document)
    _preview(t, document, activity)
    if activity is None:
        st.error(t("pact.unusable") + "\n\n" + _issue_lines(t, [(i.field, i.message, i.message_zh) for i in problems]), icon=":material/block:")
        return
    _line_inputs(t, dataset, activity, session.read_form(state))


def _imported(t: Texts, issues) -> None:
    state = st.session_state
    form = session.read_form(state)
    study_id, added = state.get(ADDED) or ("", "")
    # The confirmation stays until the next action in this panel (a rerun started elsewhere, such
    # as a grid edit, must not take it away before it is read), and only while that line exists
    # in the same study.
    if added and study_id == form.study_id and any(row.get("id") == added for row in form.rows.get("materials", [])):
        st.success(t("pact.added", line=escape_markdown(added)), icon=":material/check_circle:")
    if not form.suppliers:
        return
    st.markdown(f"**{t('pact.imported')}**")
    usage = used_by(form)
    for entry in form.suppliers:
        info = summary(entry["pact"])
        activity, _ = inspect(entry["pact"], entry["activity_id"])
        value = t("pact.per_unit_short", value=format_number(activity.kgco2e_per_unit), unit=t.unit(activity.unit)) if activity is not None else "—"
        lines = usage.get(entry["activity_id"]) or []
        used = t("pact.used_by", lines=", ".join(lines)) if lines else t("pact.unused")
        left, right = st.columns([5, 1])
        left.markdown(f"- **{escape_markdown(info['product'])}** ({escape_markdown(info['company'])}) `{escape_markdown(entry['activity_id'])}` — {escape_markdown(value)} · {escape_markdown(used)}")
        if not lines:
            right.button(t("pact.remove"), key=f"pact.remove.{entry['activity_id']}", on_click=_remove, args=(entry["activity_id"],))
    own = [(i.field, i.message, i.message_zh) for i in issues if i.section == "suppliers"]
    if own:
        st.error(_issue_lines(t, own), icon=":material/error:")


def panel(engine, t: Texts, issues) -> None:
    """The panel, in an expander that opens once something was found, refused or imported."""
    state = st.session_state
    busy = any(state.get(key) for key in (FOUND, REPORT, LINE_REPORT, ADDED, SUPPLIERS))
    with st.expander(t("pact.title"), expanded=busy, icon=":material/local_shipping:"):
        st.caption(t("pact.help"))
        _source(t)
        _chooser(t, engine.dataset)
        _imported(t, issues)
