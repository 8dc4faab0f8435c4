"""Results screens: total with its 95 % interval, contributions (charts), hotspots and what
would change, data quality, label-rule findings, the label preview, and the downloads."""

from __future__ import annotations

import base64

import pandas as pd
import streamlit as st

from footprint.bom import POST_GATE_STAGES
from footprint.dataset import STAGES
from footprint.reports.numbers import significant

from . import charts, details_view, downloads, integrations, widgets
from .readiness_view import readiness_section
from .catalog import Catalog
from .compute import Outcome
from .state import StudyForm
from .texts import Texts, escape_markdown
from .widgets import choice

RESULTS_TAB = "results.tab"  # the results tab shown, by id, kept across reruns (webapp.widgets.tracked_tabs)
RESULT_TABS = ("stages", "lines", "sankey", "hotspots", "quality", "findings", "readiness", "label")

VERDICT_ICONS = {"pass": "✓", "fail": "✗", "not_applicable": "–", "needs_evidence": "…"}
VERDICT_ORDER = {"fail": 0, "needs_evidence": 1, "pass": 2, "not_applicable": 3}
SEVERITY_ORDER = {"blocking": 0, "major": 1, "minor": 2, "info": 3}
VERDICT_STYLES = {
    "fail": "background-color: #fde2e2; color: #9b1c1c; font-weight: 600",
    "needs_evidence": "background-color: #fff4d6; color: #8a5a00",
    "pass": "color: #1f7a5c",
}


def fmt(value: float | None, digits: int = 4) -> str:
    """Plain decimal with ``digits`` significant figures, as the report writes numbers."""
    if value is None:
        return "—"
    return significant(value, digits)


def line_name(catalog: Catalog, t: Texts):
    return lambda line: catalog.line_names(line, t.language)[0]


def headline(outcome: Outcome, catalog: Catalog, t: Texts) -> None:
    result = outcome.result
    unit_text = t.common("unit_text", declared_unit=t.declared_unit(result.declared_unit))
    cols = st.columns(3)
    cols[0].metric(t("results.total"), f"{fmt(result.total_kgco2e)}", help=unit_text, border=True)
    cols[0].caption(unit_text)
    if outcome.uncertainty is not None:
        u = outcome.uncertainty
        cols[1].metric(t("results.interval"), f"{fmt(u.low, 3)} – {fmt(u.high, 3)}", border=True)
        if outcome.computation is not None and outcome.computation.market is not None:  # two results: say which one
            cols[1].caption(t("results.interval_note_basis", iterations=u.iterations, basis=t(f"results.basis_{u.basis}")))
        else:
            cols[1].caption(t("results.interval_note", iterations=u.iterations))
    else:
        cols[1].metric(t("results.interval"), "—", border=True)
        cols[1].caption(t("results.interval_unavailable"))
    computation = outcome.computation
    if computation is not None and computation.market is not None:
        cols[2].metric(t("results.location_based"), fmt(computation.location.total_kgco2e), border=True)
        cols[2].caption(t("results.market_note", market=fmt(computation.market.total_kgco2e), basis=t(f"results.basis_{computation.basis}")))
    else:
        grid = catalog.options.get(result.grid)
        cols[2].metric(t("results.grid"), f"{grid.kgco2e_per_unit:.3f}" if grid else result.grid, border=True, help=t("results.grid_help"))
        cols[2].caption(f"{catalog.name(result.grid, t.language)} · {result.method.get('name', '')}")


def stage_section(outcome: Outcome, t: Texts) -> None:
    """The stages: bars with their values and shares (HTML, drawn at once: the first thing a
    press of Calculate shows), or the plotly waterfall with the same numbers as a table."""
    result = outcome.result
    kind = choice(st, "radio", t("chart.kind"), ("bar", "waterfall"), "chart.kind", t.language, horizontal=True, format_func=lambda v: t(f"chart.kind_{v}"), label_visibility="collapsed")
    if kind == "bar":
        st.html(charts.stage_bars(result, t.stage, t))
        return
    st.plotly_chart(charts.stage_waterfall(result, t.stage, t), width="stretch", key="chart.stages.waterfall")
    total = result.total_kgco2e
    frame = pd.DataFrame(
        [
            {t("table.stage"): t.stage(stage), "kg CO2e": result.by_stage[stage], t("table.share"): result.by_stage[stage] / total if total else 0.0}
            for stage in STAGES
            if stage in result.by_stage
        ]
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={"kg CO2e": st.column_config.NumberColumn(format="%.4g"), t("table.share"): st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)},
    )


def _amounts(line, t: Texts) -> dict[str, str]:
    """As entered (per its parent line, if any), and per declared unit, which the kg CO2e is for."""
    if line.is_cff:  # a CFF row has no amount of its own
        return {t("table.amount"): "–", t("table.per_declared_unit"): "–"}
    entered = f"{fmt(line.amount)} {t.unit(line.unit)}"
    return {
        t("table.amount"): f"{entered} · {t('table.per_parent', parent=line.parent)}" if line.parent else entered,
        t("table.per_declared_unit"): f"{fmt(line.activity_amount)} {t.unit(line.activity_unit)}",
    }


def lines_table(outcome: Outcome, catalog: Catalog, t: Texts) -> pd.DataFrame:
    rows = []
    for line in outcome.result.lines:
        rows.append(
            {
                t("table.line"): line.path,
                t("table.name"): catalog.line_names(line, t.language)[0],
                t("table.other_name"): catalog.line_names(line, t.language)[1],
                t("table.stage"): t.stage(line.stage),
                **_amounts(line, t),
                t("table.data_type"): t(f"data_type.{line.data_type}"),
                "kg CO2e": line.kgco2e,
                t("table.share"): line.share,
            }
        )
    return pd.DataFrame(rows)


def lines_section(outcome: Outcome, catalog: Catalog, t: Texts) -> None:
    st.plotly_chart(charts.line_treemap(outcome.result, t.stage, line_name(catalog, t), t), width="stretch", key="chart.treemap")
    st.dataframe(
        lines_table(outcome, catalog, t),
        hide_index=True,
        width="stretch",
        column_config={"kg CO2e": st.column_config.NumberColumn(format="%.4g"), t("table.share"): st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)},
    )


def hotspots_section(outcome: Outcome, catalog: Catalog, t: Texts) -> None:
    result = outcome.result
    st.markdown(f"##### {t('hotspots.top')}")
    for rank, line in enumerate(result.hotspots(5), start=1):
        st.markdown(
            f"**{rank}. {escape_markdown(catalog.line_names(line, t.language)[0])}** ({escape_markdown(line.path)}) — "
            f"{fmt(line.kgco2e)} kg CO2e · {line.share:.0%}"
        )
    st.markdown(f"##### {t('hotspots.what_if')}")
    if outcome.computation is not None and outcome.computation.market is not None:  # two results: say which one
        st.caption(t(f"hotspots.{outcome.basis}_note"))
    if not outcome.alternatives:
        st.info(t("hotspots.no_alternatives"))
        return
    rows = []
    for alt in outcome.alternatives:
        if alt.kind == "grid":
            switch = t("hotspots.switch_grid", to=catalog.name(alt.to_id, t.language))
        else:
            switch = t("hotspots.switch_line", line=alt.line, before=catalog.name(alt.from_id, t.language), to=catalog.name(alt.to_id, t.language))
        rows.append(
            {
                t("hotspots.lever"): t(f"hotspots.lever_{alt.lever}"),
                t("hotspots.switch"): switch,
                t("hotspots.new_total"): alt.total_kgco2e,
                t("hotspots.change"): alt.change_kgco2e,
                t("hotspots.change_pct"): alt.change_share if alt.change_share is not None else 0.0,
            }
        )
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={
            t("hotspots.switch"): st.column_config.TextColumn(width="large"),
            t("hotspots.new_total"): st.column_config.NumberColumn(format="%.4g"),
            t("hotspots.change"): st.column_config.NumberColumn(format="%+.4g"),
            t("hotspots.change_pct"): st.column_config.NumberColumn(format="percent"),
        },
    )
    st.caption(t("hotspots.note"))


def data_quality_section(outcome: Outcome, catalog: Catalog, t: Texts) -> None:
    result = outcome.result
    total = result.total_kgco2e
    primary = sum(line.kgco2e for line in result.lines if line.data_type == "primary")
    share = outcome.computation.primary_data_share_pct() / 100 if outcome.computation is not None else (primary / total if total else 0.0)
    cols = st.columns(3)
    cols[0].metric(t("dq.primary_share"), f"{share:.0%}", border=True)
    cols[1].metric(t("dq.lines"), t("dq.lines_value", primary=sum(1 for l in result.lines if l.data_type == "primary"), total=len(result.lines)), border=True)
    cols[2].metric(t("dq.biogenic"), f"{fmt(result.biogenic_co2_kg, 3)} kg", help=t("dq.biogenic_help"), border=True)
    dataset = catalog.dataset
    rows = []
    for line in sorted(result.lines, key=lambda l: -abs(l.kgco2e)):
        tags = sorted({e.tag for e in dataset.exchanges_of(line.activity_id)}) if dataset.has_activity(line.activity_id) else []
        rows.append(
            {
                t("table.line"): line.path,
                t("table.name"): catalog.line_names(line, t.language)[0],
                t("table.data_type"): t(f"data_type.{line.data_type}"),
                t("dq.tags"): " ".join(t(f"dq.tag_{tag}") for tag in tags),
                t("table.share"): line.share,
            }
        )
    st.caption(t("dq.tags_help"))
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config={t("table.share"): st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)})


def findings_section(outcome: Outcome, t: Texts) -> None:
    evaluation = outcome.evaluation
    if evaluation is None:
        if outcome.study_issues:
            st.warning(t("findings.need_study"), icon=":material/edit_note:")
            lines = [f"- {escape_markdown(i.field or '')} {escape_markdown(t.pick(i.message, i.message_zh))}" for i in outcome.study_issues]
            st.markdown("\n".join(t.capped(lines)))
        for english, chinese in outcome.notes:
            st.info(escape_markdown(t.pick(english, chinese)))
        return
    status = evaluation.status
    message = t(f"findings.status_{status}")
    (st.success if evaluation.eligible else st.warning if status == "pending_evidence" else st.error)(message)
    for reason in evaluation.reasons:
        st.markdown(f"- {escape_markdown(t.pick(reason.en, reason.zh))}")
    counts = evaluation.counts
    st.caption(t("findings.counts", passed=counts.get("pass", 0), failed=counts.get("fail", 0), evidence=counts.get("needs_evidence", 0), na=counts.get("not_applicable", 0)))
    show_all = st.toggle(t("findings.show_na"), key=SHOW_NOT_APPLICABLE)
    rows = []
    verdicts = []
    for finding in sorted(evaluation.findings, key=lambda f: (VERDICT_ORDER.get(f.verdict.value, 9), SEVERITY_ORDER.get(f.severity.value, 9))):
        if finding.verdict.value == "not_applicable" and not show_all:
            continue
        rows.append(
            {
                "": VERDICT_ICONS.get(finding.verdict.value, ""),
                t("findings.rule"): finding.rule_id,
                t("findings.severity"): t(f"findings.severity_{finding.severity.value}"),
                t("findings.verdict"): t(f"findings.verdict_{finding.verdict.value}"),
                t("findings.requirement"): t.pick(finding.requirement.en, finding.requirement.zh),
                t("findings.message"): t.pick(finding.message.en, finding.message.zh),
            }
        )
        verdicts.append(finding.verdict.value)
    frame = pd.DataFrame(rows)
    verdict_column = t("findings.verdict")

    def colour(column):
        if column.name not in ("", verdict_column):
            return [""] * len(column)
        return [VERDICT_STYLES.get(verdict, "") for verdict in verdicts]

    st.dataframe(frame.style.apply(colour), hide_index=True, width="stretch")


def label_section(outcome: Outcome, t: Texts) -> None:
    label = outcome.label
    if outcome.evaluation is None:
        st.info(t("label.need_rules"))
        return
    if label is None:
        st.info(t("label.unavailable"))
        return
    if not label.eligible:
        st.warning(t("label.not_eligible"))
    if label.svg:
        encoded = base64.b64encode(label.svg).decode("ascii")
        st.markdown(f'<img src="data:image/svg+xml;base64,{encoded}" style="max-width:560px;width:100%" alt="label"/>', unsafe_allow_html=True)
    elif label.png:
        st.image(label.png() if callable(label.png) else label.png, width=420)
    for english, chinese in label.notes:
        st.caption(t.pick(english, chinese))


def downloads_section(outcome: Outcome, form: StudyForm, engine, t: Texts) -> None:
    """Study JSON now; the workbook, PNG and PDF are drawn when their button is pressed."""
    name = downloads.safe_filename(form.product_name or form.product_name_zh or form.study_id)
    data, kind = downloads.study_json(form, outcome.study)
    cols = st.columns(3)
    cols[0].download_button(t("downloads.study" if kind == "study" else "downloads.draft"), data, file_name=f"{name}.study.json", mime="application/json", icon=":material/save:", key="dl.study", on_click="ignore", width="stretch")
    cols[1].download_button(
        t("downloads.excel"),
        lambda: integrations.results_xlsx(outcome, engine, form.rule_set),
        file_name=f"{name}-results.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/table:",
        key="dl.xlsx", on_click="ignore",
        width="stretch",
    )
    cols[2].download_button(
        t("downloads.pdf"),
        lambda: integrations.report_pdf(outcome, engine, t.language, form.rule_set),
        file_name=f"{name}-report-{t.language}.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        key="dl.pdf", on_click="ignore",
        width="stretch",
    )
    label = outcome.label
    more = st.columns(3)
    if label is not None and label.drawable:  # both images drawn on the click (the QR code is most of it)
        more[0].download_button(t("downloads.label_svg"), lambda: label.svg, file_name=f"{name}-label.svg", mime="image/svg+xml", icon=":material/label:", key="dl.svg", on_click="ignore", width="stretch")
    if label is not None and label.drawable:
        more[1].download_button(t("downloads.label_png"), label.png, file_name=f"{name}-label.png", mime="image/png", icon=":material/image:", key="dl.png", on_click="ignore", width="stretch")
    after_gate = [stage for stage in POST_GATE_STAGES if stage in outcome.result.by_stage]
    if after_gate:  # PACT v3 is cradle-to-gate: the export refuses these results
        more[2].caption(t("downloads.pact_after_gate", stages=", ".join(t.stage(s) for s in after_gate)))
    elif outcome.study is not None or form.applicant:
        more[2].download_button(
            t("downloads.pact"),
            lambda: integrations.pact_json(outcome, engine, form, form.rule_set),
            file_name=f"{name}-pact.json",
            mime="application/json",
            icon=":material/share:",
            key="dl.pact", on_click="ignore",
            width="stretch",
        )


SHOW_NOT_APPLICABLE = "findings.show_na"  # the findings tab's toggle, kept while another tab is shown


def results(outcome: Outcome, form: StudyForm, catalog: Catalog, engine, t: Texts, stale: bool) -> None:
    """The results screen. Only the results tab shown is drawn: a hidden tab's charts and tables
    are drawn by the browser all the same, and sent by the server on every rerun (a click on
    another tab reruns and draws that one, webapp.widgets.tracked_tabs)."""
    if stale:
        st.info(t("results.stale"), icon=":material/refresh:")
    headline(outcome, catalog, t)
    labels = [t("tab.stages"), t("tab.lines"), t("tab.sankey"), t("tab.hotspots"), t("tab.quality"), t("tab.findings"), t("ready.tab"), t("tab.label")]
    tabs = widgets.tracked_tabs(RESULTS_TAB, RESULT_TABS, labels, t.language)
    sections = {
        "stages": lambda: stage_section(outcome, t),
        "lines": lambda: lines_section(outcome, catalog, t),
        "sankey": lambda: st.plotly_chart(charts.supply_chain_sankey(outcome.result, t.stage, line_name(catalog, t), t), width="stretch", key="chart.sankey"),
        "hotspots": lambda: hotspots_section(outcome, catalog, t),
        "quality": lambda: data_quality_section(outcome, catalog, t),
        "findings": lambda: findings_section(outcome, t),
        "readiness": lambda: readiness_section(outcome, t),
        "label": lambda: label_section(outcome, t),
    }
    widgets.keep(SHOW_NOT_APPLICABLE)
    for tab, tab_id in zip(tabs, RESULT_TABS):
        if tab.open:
            with tab:
                sections[tab_id]()
    details_view.focus_script()
    st.divider()
    st.markdown(f"#### {t('downloads.title')}")
    downloads_section(outcome, form, engine, t)
