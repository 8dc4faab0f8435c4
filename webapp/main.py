"""The page: sidebar (language, mode, study file, dataset), input tabs, Calculate, results; or,
in the "check a certificate" mode, the public certificate check (``webapp.check_page``).

Everything a user enters is kept per session in ``st.session_state``; the engine, the activity
catalogue and the certificate registry are shared read-only through ``st.cache_resource``. No
Brightway project is switched and nothing is written to its database (or to the registry) from
here. The check mode needs neither the engine nor the dataset.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import streamlit as st

from footprint.bom_io import read_bom
from footprint.errors import FootprintError, InputError

from . import (
    bom_editor,
    check_page,
    config,
    details_view,
    results_view,
    session,
    upload_box,
    widgets,
    workspace,
    workspace_view,
)
from .catalog import Catalog
from .readiness import INPUT_TABS
from .compute import calculate, fingerprint
from .downloads import safe_filename, study_json, template_bom
from .state import StudyForm, build_bom, form_with_bom, load_saved
from .session import PARKED_FORM
from .texts import LANGUAGE_CHOICES, Texts, escape_markdown

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE_BOM = EXAMPLES / "led-lamp-bom.csv"
EXAMPLE_STUDY = EXAMPLES / "led-lamp-study.json"
MODES = ("form", "compare", "check")  # assess a product · compare variants · check a certificate


@st.cache_resource(show_spinner=False)
def load_engine(directory: str | None):
    return config.engine_for(directory)


@st.cache_resource(show_spinner=False)
def load_catalog(directory: str | None) -> Catalog:
    return Catalog(load_engine(directory))


def new_form(catalog: Catalog) -> StudyForm:
    return StudyForm(grid=catalog.default_grid)


def example_form(catalog: Catalog) -> StudyForm:
    """The LED lamp of examples/: the complete study when it is there (with its certificates,
    exclusions and verification), else its BOM (or the template BOM) with study details filled in."""
    if EXAMPLE_STUDY.exists():
        try:
            return load_saved(EXAMPLE_STUDY.read_bytes(), catalog, new_form(catalog))
        except FootprintError:
            pass
    try:
        bom = read_bom(EXAMPLE_BOM) if EXAMPLE_BOM.exists() else template_bom()
    except FootprintError:
        bom = template_bom()
    year = date.today().year - 1
    base = StudyForm(
        grid=bom.grid or catalog.default_grid,
        product_name_zh="A60 LED 球泡灯 9W E27",
        product_model="A60-9W-E27",
        applicant="Example Lighting (Shenzhen) Co., Ltd.",
        site_name="Bao'an plant",
        site_address="Bao'an District, Shenzhen",
        site_region="CN-GD",
        period_start=date(year, 1, 1),
        period_end=date(year, 12, 31),
        production_volume=500000.0,
    )
    return form_with_bom(base, bom, catalog)


# ------------------------------------------------------------------------------ callbacks


CONFIRM_NEW = "confirm.new"


def _reset(catalog: Catalog) -> None:
    session.push_form(st.session_state, new_form(catalog))
    st.session_state.pop("outcome", None)
    upload_box.clear(st.session_state)
    st.session_state.pop(CONFIRM_NEW, None)


def _ask_new(catalog: Catalog) -> None:
    """"New study" wipes everything typed: ask first, unless there is nothing to lose."""
    typed = session.read_form(st.session_state).to_dict()
    blank = new_form(catalog).to_dict()
    if {k: v for k, v in typed.items() if k != "study_id"} == {k: v for k, v in blank.items() if k != "study_id"}:
        _reset(catalog)
    else:
        st.session_state[CONFIRM_NEW] = True


def _cancel_new() -> None:
    st.session_state.pop(CONFIRM_NEW, None)


def _load_example(catalog: Catalog) -> None:
    session.push_form(st.session_state, example_form(catalog))
    st.session_state.pop("outcome", None)
    upload_box.clear(st.session_state)


def _load_study(catalog: Catalog) -> None:
    state = st.session_state
    uploaded = state.get("upload.study")
    if uploaded is None:
        return
    try:
        form = load_saved(uploaded.getvalue(), catalog, new_form(catalog))
    except InputError as error:
        state["study.report"] = ("error", uploaded.name, [(i.field, i.message, i.message_zh) for i in error.issues])
        return
    session.push_form(state, form)
    state.pop("outcome", None)
    state["study.report"] = ("ok", uploaded.name, [])


def _switch_mode() -> None:
    """Streamlit drops the state of widgets a run does not draw, so the form is parked in a plain
    key while the check page is shown and put back on return (with the grids' pending edits)."""
    state = st.session_state
    if state.get("mode") != "form":
        if state.get("form_ready") and PARKED_FORM not in state:
            state[PARKED_FORM] = session.read_form(state)
    elif PARKED_FORM in state:
        session.push_form(state, state.pop(PARKED_FORM))


# ------------------------------------------------------------------------------ page parts


def sidebar_top(t: Texts) -> str:
    """Language and mode, the sidebar's first two choices on both pages; returns the mode."""
    with st.sidebar:
        st.radio("语言 · Language", LANGUAGE_CHOICES, key="lang", format_func=Texts.language_name, horizontal=True)
        t = Texts(st.session_state["lang"])
        widgets.choice(
            st, "radio", t("mode.label"), MODES, "mode", t.language, format_func=lambda mode: t(f"mode.{mode}"), on_change=_switch_mode
        )
    return st.session_state.get("mode") or MODES[0]


def sidebar(engine, catalog: Catalog, t: Texts, form: StudyForm, study) -> None:
    """The study part of the sidebar; ``study`` is the form's study (None: a draft is saved)."""
    with st.sidebar:
        st.markdown(f"### {t('sidebar.study')}")
        left, right = st.columns(2)
        left.button(t("sidebar.new"), key="btn.new", on_click=_ask_new, args=(catalog,), width="stretch")
        right.button(t("sidebar.example"), key="btn.example", on_click=_load_example, args=(catalog,), width="stretch")
        if st.session_state.get(CONFIRM_NEW):
            st.warning(t("sidebar.confirm_new"), icon=":material/warning:")
            yes, no = st.columns(2)
            yes.button(t("sidebar.confirm_new_yes"), key="btn.new_confirm", on_click=_reset, args=(catalog,), type="primary", width="stretch")
            no.button(t("sidebar.confirm_new_no"), key="btn.new_cancel", on_click=_cancel_new, width="stretch")
        kind = "study" if study is not None else "draft"
        name = safe_filename(form.product_name or form.product_name_zh or form.study_id)
        box = session.latest(st.session_state)
        st.download_button(
            t("sidebar.save" if kind == "study" else "sidebar.save_draft"),
            lambda: saved_study(form, study, box.outcome),
            file_name=f"{name}.study.json",
            mime="application/json",
            key="dl.sidebar_study",
            icon=":material/save:", on_click="ignore",
            width="stretch",
        )
        if kind == "draft":
            st.caption(t("sidebar.draft_note"))
        st.file_uploader(t("sidebar.load"), type=["json"], key="upload.study", on_change=_load_study, args=(catalog,))
        report = st.session_state.get("study.report")
        if report:
            status, filename, problems = report
            if status == "ok":
                st.success(t("sidebar.loaded", name=escape_markdown(filename)))
            else:
                lines = t.capped([f"- {escape_markdown(f or '')} {escape_markdown(t.pick(m, mz))}" for f, m, mz in problems])
                st.error(t("sidebar.load_failed", name=escape_markdown(filename)) + "\n\n" + "\n".join(lines))
        st.markdown(f"### {t('sidebar.dataset')}")
        dataset = engine.dataset
        st.markdown(f"**{dataset.title_zh or dataset.title}**  \n{dataset.title}")
        st.caption(
            t(
                "sidebar.dataset_facts",
                id=dataset.id,
                version=dataset.version,
                activities=len(dataset.activities),
                sha=dataset.sha256[:12],
                method=engine.background.methods[engine.method_id].name,
            )
        )
        st.caption(t("sidebar.privacy"))


def issue_summary(t: Texts, issues) -> None:
    counts: dict[str, int] = {}
    for issue in issues:
        counts[issue.section] = counts.get(issue.section, 0) + 1
    parts = [f"{t(f'section.{section}')}: {count}" for section, count in counts.items()]
    st.error(t("issue.summary", count=len(issues), where="; ".join(parts)), icon=":material/error:")
    general = [i for i in issues if i.section == "bom"]
    lines = [f"- {escape_markdown(i.field or '')} {escape_markdown(t.pick(i.message, i.message_zh))}" for i in general]
    if lines:
        st.markdown("\n".join(t.capped(lines)))


def input_tabs(t: Texts):
    """The input tabs, tracked (webapp.widgets.tracked_tabs): the one the user is on stays open
    through an upload or a rerun that adds a problem list above the tabs."""
    return widgets.tracked_tabs(details_view.TABS_KEY, INPUT_TABS, list(details_view.tab_labels(t).values()), t.language)


def main() -> None:
    st.set_page_config(page_title="GBA 产品碳足迹 · Product Carbon Footprint", page_icon=":material/eco:", layout="wide")
    state = st.session_state
    state.pop(session.REDRAW_PAGE, None)  # this run draws the whole page
    state.setdefault("lang", "zh-Hans")
    if "mode.from_address" not in state:  # a scanned label opens …/?mode=check&p=… (footprint.check_url)
        state["mode.from_address"] = st.query_params.get("mode")
        if state["mode.from_address"] in MODES:
            state["mode"] = state["mode.from_address"]
    if sidebar_top(Texts(state["lang"])) == "check":
        check_page.page(Texts(state["lang"]))
        return
    directory = config.dataset_dir()
    try:
        with st.spinner("Loading the GBA dataset · 正在加载大湾区数据集…"):
            engine = load_engine(directory)
            catalog = load_catalog(directory)
    except FootprintError as error:  # a broken dataset folder: say which file and row, no traceback
        st.error(f"The background dataset cannot be used · 背景数据库无法使用:\n\n{error}")
        st.stop()
    if not state.get("form_ready"):
        session.push_form(state, new_form(catalog))
    details_view.apply_pending(state)
    t = Texts(state["lang"])
    if state.get("mode") == "compare":
        workspace_view.compare_page(engine, t)
        return

    workspace_view.sidebar(engine, catalog, t, new_form(catalog))
    form = session.read_form(state)
    bom, _, live_issues = build_bom(form, engine.dataset)
    sidebar(engine, catalog, t, form, workspace.study_of(form, engine.dataset)[1] if bom is not None else None)
    t = Texts(state["lang"])

    st.title(t("title"))
    st.caption(t("subtitle"))
    shown_issues = [i for i in live_issues if i.section != "bom"]
    if shown_issues:
        issue_summary(t, shown_issues)
    tabs = input_tabs(t)
    with tabs[0]:
        bom_editor.product_tab(t, live_issues)
    with tabs[1]:
        bom_editor.materials_tab(catalog, engine, t, live_issues)
    with tabs[2]:
        bom_editor.energy_tab(catalog, t, live_issues)
    with tabs[3]:
        bom_editor.emissions_tab(catalog, t, live_issues)
    with tabs[4]:
        details_view.details_tab(catalog, t, bom)

    st.divider()
    calculate_and_results(engine, catalog)


def saved_study(form: StudyForm, study, outcome) -> bytes:
    """What "Save study" writes, made when it is clicked: the study as calculated (with its
    declared results) when the last outcome is of this form, else the form's study or draft."""
    if outcome is not None and outcome.study is not None and outcome.fingerprint == fingerprint(form):
        study = outcome.study
    return study_json(form, study)[0]


@st.fragment
def calculate_and_results(engine, catalog: Catalog) -> None:
    """The Calculate button and the results, rerun on their own: pressing Calculate, a results
    tab, the chart kind or the findings toggle neither reruns the form, its grids and the sidebar
    on the server nor has the browser draw them again. The whole page is rerun when the press
    changes the form: an interpretation filled in from the results, a readiness "Open" button."""
    state = st.session_state
    if state.pop(session.REDRAW_PAGE, False):  # only seen in a run of this part: main() drops it
        st.rerun(scope="app")
    t = Texts(state["lang"])
    form = session.read_form(state)
    if st.button(t("calculate"), key="btn.calculate", type="primary", icon=":material/calculate:"):
        bar = st.progress(0.0, text=t("progress.start"))

        def progress(fraction: float, what: str) -> None:
            bar.progress(min(1.0, max(0.0, fraction)), text=t(f"progress.{what}"))

        state[session.OUTCOME] = calculate(form, engine, progress=progress, language=t.language)
        session.latest(state)  # for the sidebar's "Save study", not redrawn by this run
        bar.empty()
        if state[session.OUTCOME].form_update:  # the interpretation it filled in goes into the form
            state[details_view.PENDING_KEY] = state[session.OUTCOME].form_update
            st.rerun(scope="app")
    outcome = state.get(session.OUTCOME)
    if outcome is None:
        st.info(t("results.empty"), icon=":material/arrow_upward:")
        return
    if not outcome.ok:
        issue_summary(t, outcome.issues)
        return
    results_view.results(outcome, form, catalog, engine, t, stale=outcome.fingerprint != fingerprint(form))
