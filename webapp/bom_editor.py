"""Input screens: product details, the BOM grids with the activity picker and upload, factory
energy with grid choice and green certificates, process emissions and inbound transport."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from footprint.dataset import STAGES
from footprint.errors import MAX_SHOWN_ISSUES
from footprint.units import canonical_units

from . import integrations, session, supplier_view, upload_box
from .catalog import Catalog
from .state import DECLARED_UNITS, DEFAULT_RULE_SET, REGIONS, STANDARDS, FormIssue
from .supplier_import import grid_label
from .texts import Texts, escape_markdown
from .widgets import choice

# Secondary first: a new line is secondary (a background factor) until the user says the amount
# was measured at the site; a first option of "primary" made typed studies claim 100 % primary data.
DATA_TYPES = ("secondary", "primary")
CERTIFICATE_TYPES = ("GEC", "green_power", "IREC")


# ------------------------------------------------------------------------------ product


def product_tab(t: Texts, issues: list[FormIssue]) -> None:
    k = session.field_key
    left, right = st.columns(2)
    with left:
        st.text_input(t("product.name"), key=k("product_name"), placeholder=t("product.name_placeholder"))
        st.text_input(t("product.name_zh"), key=k("product_name_zh"))
        st.text_input(t("product.model"), key=k("product_model"))
        st.text_input(t("product.applicant"), key=k("applicant"), help=t("product.applicant_help"))
        st.text_input(t("product.site"), key=k("site_name"))
        st.text_input(t("product.address"), key=k("site_address"))
        choice(st, "selectbox", t("product.region"), REGIONS, k("site_region"), t.language, format_func=lambda code: t(f"region.{code}"))
    with right:
        quantity, unit = st.columns(2)
        quantity.number_input(t("product.declared_quantity"), min_value=0.0, step=1.0, key=k("declared_quantity"), format="%g")
        choice(unit, "selectbox", t("product.declared_unit"), DECLARED_UNITS, k("declared_unit"), t.language, format_func=lambda u: t(f"unit.{u}"))
        if st.session_state.get(k("declared_unit")) == "piece":
            st.number_input(t("product.mass_kg_per_piece"), min_value=0.0, value=None, step=0.01, format="%g", key=k("mass_kg_per_piece"), help=t("product.mass_help"))
        st.selectbox(t("product.standard"), STANDARDS, key=k("standard"))
        sets = integrations.rule_sets()
        if sets:
            if st.session_state.get(k("rule_set")) not in sets:
                st.session_state[k("rule_set")] = DEFAULT_RULE_SET if DEFAULT_RULE_SET in sets else next(iter(sets))
            choice(
                st,
                "selectbox",
                t("product.rule_set"),
                list(sets),
                k("rule_set"),
                t.language,
                format_func=lambda rid: t.pick(sets[rid].title.en, sets[rid].title.zh),
                help=t("product.rule_set_help"),
            )
        start, end = st.columns(2)
        start.date_input(t("product.period_start"), key=k("period_start"), min_value=date(2000, 1, 1))
        end.date_input(t("product.period_end"), key=k("period_end"), min_value=date(2000, 1, 1))
        st.number_input(t("product.production_volume"), min_value=0.0, value=None, step=1.0, format="%g", key=k("production_volume"), help=t("product.volume_help"))
    show_issues(t, [i for i in issues if i.section in ("product", "study")], None, ())


# ------------------------------------------------------------------------------ grids


def _column_config(grid: str, catalog: Catalog, t: Texts) -> dict:
    config: dict = {}
    for column in session.GRIDS[grid]:
        label = t(f"col.{column}")
        if column == "activity_id":
            ids = catalog.ids_for(None if grid == "materials" else grid)
            if grid == "certificates":
                ids = catalog.generation_ids()
            suppliers = {e["activity_id"]: grid_label(e) for e in st.session_state.get(session.field_key("suppliers")) or []} if grid == "materials" else {}
            config[column] = st.column_config.SelectboxColumn(
                label, options=[*ids, *suppliers], format_func=lambda v: suppliers.get(v) or catalog.label(v, t.language), width=340, help=t("col.activity_help")
            )
        elif column == "generation_activity_id":
            config[column] = st.column_config.SelectboxColumn(label, options=catalog.generation_ids(), format_func=lambda v: catalog.label(v, t.language), width="large")
        elif column == "unit":
            config[column] = st.column_config.SelectboxColumn(label, options=list(canonical_units()), format_func=t.unit, width="small")
        elif column == "stage":
            config[column] = st.column_config.SelectboxColumn(label, options=list(STAGES), format_func=t.stage, width="medium")
        elif column == "data_type":
            config[column] = st.column_config.SelectboxColumn(label, options=list(DATA_TYPES), format_func=lambda v: t(f"data_type.{v}"), width="small")
        elif column == "type":
            config[column] = st.column_config.SelectboxColumn(label, options=list(CERTIFICATE_TYPES), format_func=lambda v: t(f"cert_type.{v}"), width="small")
        elif column in ("amount", "quantity", "distance_km", "mass_kg_per_piece"):
            config[column] = st.column_config.TextColumn(label, width="small", help=t(f"col.{column}_help"))
        elif column == "description":
            config[column] = st.column_config.TextColumn(label, width="medium")
        else:
            config[column] = st.column_config.TextColumn(label, width="small", help=t(f"col.{column}_help") if column in ("id", "parent") else None)
    return config


ROW_HEIGHT = 35  # st.data_editor's row height in pixels
MAX_GRID_HEIGHT = 600
CHOICE_COLUMNS = frozenset({"activity_id", "generation_activity_id", "unit", "stage", "data_type", "type"})


def grid_frame(rows: list[dict[str, str]], columns: tuple[str, ...]) -> pd.DataFrame:
    """Rows as a text DataFrame (empty drop-down cells as None, empty text cells as "")."""
    records = [{c: (row.get(c) or (None if c in CHOICE_COLUMNS else "")) for c in columns} for row in rows]
    return pd.DataFrame(records, columns=list(columns), dtype=object)


def grid(grid_name: str, catalog: Catalog, t: Texts, issues: list[FormIssue]) -> None:
    """One editable grid; its edits live in the session (see webapp.session)."""
    state = st.session_state
    signature = t.language
    if state.get(f"sig.{grid_name}") not in (None, signature):
        session.rebase(state, grid_name)  # new labels make a new editor: keep the edits
    state[f"sig.{grid_name}"] = signature
    columns = session.GRIDS[grid_name]
    base = state.get(f"base.{grid_name}", [])
    st.data_editor(
        grid_frame(base, columns),
        key=session.editor_key(state, grid_name),
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config=_column_config(grid_name, catalog, t),
        column_order=[c for c in columns if c != "id" or grid_name in ("materials", "certificates")],
        height=min(ROW_HEIGHT * (len(base) + 2) + 3, MAX_GRID_HEIGHT),
        placeholder="",
    )
    show_issues(t, [i for i in issues if i.section == grid_name], session.current_rows(state, grid_name), columns)


def show_issues(t: Texts, issues: list[FormIssue], rows: list[dict[str, str]] | None, columns: tuple[str, ...]) -> None:
    """The problems of one part of the form, and the offending rows with the bad cells marked."""
    if not issues:
        return
    lines = []
    for issue in issues[:MAX_SHOWN_ISSUES]:
        where = t("issue.row", row=issue.row + 1) if issue.row is not None else ""
        field = t(f"col.{issue.field}") if issue.field and f"app.col.{issue.field}" in _keys() else escape_markdown(issue.field or "")
        value = f" ({t('issue.got')} “{escape_markdown(issue.value)}”)" if issue.value not in (None, "") else ""
        head = " · ".join(part for part in (where, field) if part)
        message = escape_markdown(t.pick(issue.message, issue.message_zh))
        lines.append(f"- **{head}**: {message}{value}" if head else f"- {message}{value}")
    lines = t.capped(lines, total=len(issues))
    st.error(t("issue.heading", count=len(issues)) + "\n\n" + "\n".join(lines), icon=":material/error:")
    if rows is None:
        return
    bad = sorted({issue.row for issue in issues if issue.row is not None and issue.row < len(rows)})
    if not bad:
        return
    frame = pd.DataFrame([{c: rows[i].get(c, "") for c in columns} for i in bad], columns=list(columns))
    frame.index = [t("issue.row", row=i + 1) for i in bad]
    marked = {(t("issue.row", row=i.row + 1), i.field) for i in issues if i.row is not None}

    def highlight(row):
        return ["background-color: #ffd6d6; color: #8b0000; font-weight: 600" if (row.name, column) in marked else "background-color: #fff3f3" for column in row.index]

    st.dataframe(frame.style.apply(highlight, axis=1), width="stretch")


def _keys() -> set[str]:
    from footprint.i18n import catalogue

    return set(catalogue("en"))


# ------------------------------------------------------------------------------ picker


def _on_pick_activity(catalog: Catalog) -> None:
    state = st.session_state
    option = catalog.options.get(state.get("pick.activity") or "")
    if option is not None:
        state["pick.unit"] = option.unit if option.unit != "tkm" else "kg"
        state["pick.stage"] = option.default_stage if option.default_stage in STAGES else "raw_materials"


def _on_add(catalog: Catalog) -> None:
    state = st.session_state
    activity_id = state.get("pick.activity")
    option = catalog.options.get(activity_id or "")
    if option is None:
        return
    section = catalog.section_of(activity_id)
    amount = state.get("pick.amount")
    unit = state.get("pick.unit") or option.unit
    row = {
        "activity_id": activity_id,
        "amount": "" if amount is None else _number_text(amount),
        "unit": unit,
        "data_type": state.get("pick.data_type") or "secondary",
    }
    if section == "transport":
        distance = state.get("pick.distance")
        if unit != "tkm" and distance:
            row["distance_km"] = _number_text(distance)
    stage = state.get("pick.stage") or option.default_stage
    if section != "materials" and stage not in (None, "", _section_stage(section)):
        section = "materials"
    if section == "materials":
        row["stage"] = stage
    session.append_row(state, section, row)
    state["pick.added"] = (activity_id, section)


def _section_stage(section: str) -> str:
    from .catalog import SECTION_STAGE

    return SECTION_STAGE.get(section, "")


def _number_text(value: float) -> str:
    from footprint.units import format_number

    return format_number(float(value))


def picker(catalog: Catalog, t: Texts) -> None:
    """Search the dataset by Chinese or English name and add a line to the right grid."""
    state = st.session_state
    with st.container(border=True):
        st.markdown(f"**{t('picker.title')}**")
        query = st.text_input(t("picker.search"), key="pick.query", placeholder=t("picker.search_placeholder"))
        found = catalog.search(query)
        if not found:
            st.info(t("picker.nothing", query=query))
            return
        if state.get("pick.activity") not in found:
            state["pick.activity"] = None
        choice(
            st,
            "selectbox",
            t("picker.activity", count=len(found)),
            found,
            "pick.activity",
            t.language,
            index=None,
            placeholder=t("picker.choose"),
            format_func=lambda v: catalog.picker_label(v, t.language),
            on_change=_on_pick_activity,
            args=(catalog,),
        )
        chosen = catalog.options.get(state.get("pick.activity") or "")
        is_freight = chosen is not None and catalog.section_of(chosen.id) == "transport"
        cols = st.columns([1, 1, 1.4, 1.1] + ([1] if is_freight else []))
        cols[0].number_input(t("picker.amount"), min_value=0.0, value=None, format="%g", key="pick.amount")
        cols[1].selectbox(t("picker.unit"), list(canonical_units()), key="pick.unit", format_func=t.unit)
        choice(cols[2], "selectbox", t("picker.stage"), list(STAGES), "pick.stage", t.language, format_func=t.stage)
        choice(cols[3], "selectbox", t("picker.data_type"), list(DATA_TYPES), "pick.data_type", t.language, format_func=lambda v: t(f"data_type.{v}"))
        if is_freight:
            cols[4].number_input(t("picker.distance"), min_value=0.0, value=None, format="%g", key="pick.distance", help=t("picker.distance_help"))
        st.button(t("picker.add"), key="pick.add", on_click=_on_add, args=(catalog,), type="secondary", icon=":material/add:", disabled=chosen is None)
        added = state.pop("pick.added", None)
        if added:
            st.success(t("picker.added", name=catalog.name(added[0], t.language), section=t(f"section.{added[1]}")))


# ------------------------------------------------------------------------------ energy


def energy_tab(catalog: Catalog, t: Texts, issues: list[FormIssue]) -> None:
    k = session.field_key
    state = st.session_state
    st.markdown(f"#### {t('energy.electricity')}")
    left, right = st.columns([1.3, 1])
    with left:
        choice(
            st,
            "selectbox",
            t("energy.grid"),
            catalog.grid_ids,
            k("grid"),
            t.language,
            format_func=lambda g: f"{catalog.name(g, t.language)} — {catalog.options[g].kgco2e_per_unit:.3f} kg CO2e/kWh",
            help=t("energy.grid_help"),
        )
        grid_id = state.get(k("grid"))
        if grid_id in catalog.options:
            st.caption(f"{catalog.other_name(grid_id, t.language)} [{grid_id}]")
    with right:
        choice(st, "radio", t("energy.basis"), ("per_unit", "period"), k("electricity_basis"), t.language, format_func=lambda b: t(f"energy.basis_{b}"), horizontal=True)
        amount, unit = st.columns([2, 1])
        amount.number_input(t("energy.amount"), min_value=0.0, step=0.1, format="%g", key=k("electricity_amount"))
        unit.selectbox(t("energy.unit"), ("kWh", "MWh", "Wh"), key=k("electricity_unit"))
        choice(st, "selectbox", t("picker.data_type"), DATA_TYPES, k("electricity_data_type"), t.language, format_func=lambda v: t(f"data_type.{v}"))
        if state.get(k("electricity_basis")) == "period":
            st.caption(t("energy.period_note"))
    show_issues(t, [i for i in issues if i.section == "electricity"], None, ())

    st.markdown(f"#### {t('energy.green')}")
    st.toggle(t("energy.market_based"), key=k("market_based"), help=t("energy.market_help"), on_change=_keep_certificates)
    if state.get(k("market_based")):
        st.caption(t("energy.certificates_help"))
        grid("certificates", catalog, t, issues)
        show_issues(t, [i for i in issues if i.section == "certificates"], None, ())

    st.markdown(f"#### {t('energy.fuels')}")
    st.caption(t("energy.fuels_help"))
    grid("energy", catalog, t, issues)


def _keep_certificates() -> None:
    """The certificate grid is only drawn while the claim is on: fold its edits into its rows
    before it disappears, so switching the claim off and on loses nothing."""
    session.rebase(st.session_state, "certificates")


def emissions_tab(catalog: Catalog, t: Texts, issues: list[FormIssue]) -> None:
    st.markdown(f"#### {t('section.emissions')}")
    st.caption(t("emissions.help"))
    grid("emissions", catalog, t, issues)
    st.markdown(f"#### {t('section.transport')}")
    st.caption(t("transport.help"))
    grid("transport", catalog, t, issues)


def materials_tab(catalog: Catalog, engine, t: Texts, issues: list[FormIssue]) -> None:
    left, right = st.columns([1.6, 1])
    with left:
        picker(catalog, t)
    with right:
        upload_box.upload_box(catalog, engine, t)
    upload_box.mapping_step(catalog, t)
    supplier_view.panel(engine, t, issues)
    st.markdown(f"#### {t('section.materials')}")
    st.caption(t("materials.help"))
    grid("materials", catalog, t, issues)


def issues_by_section(issues: list[FormIssue]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for issue in issues:
        counts[issue.section] = counts.get(issue.section, 0) + 1
    return counts

