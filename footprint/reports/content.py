"""What the footprint report says, element by element, in one language.

The sections follow the report elements of GB/T 24067-2024 clause 8 / ISO 14067:2018 clause 7.3:
product and declared unit, standard and rule set, system boundary (with a diagram), reference
period, data sources and quality, GHGs and GWP set, cut-off and exclusions, allocation,
electricity, results by stage, line and gas, separately reported items (biogenic CO2, land-use
change, aircraft), uncertainty, rule findings, limitations, dataset version and hashes, and the
label. Why every section is always present: a reader (or a verifier) must see "not stated"
rather than guess whether an element was forgotten.

Text comes from ``footprint/locales/<language>/report.yaml``; data (activity names, stage
labels) comes in the report's language from the dataset. Numbers go through
:mod:`footprint.reports.numbers`, so the total reads the same everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..data_quality import weighted_ratings
from ..bom import GATE_STAGES
from ..dataset import STAGES
from ..i18n import normalise_language, translator
from .charts import BoundaryBox, bar_chart_png, boundary_diagram_png
from .document import Block, Document, Heading, Highlight, Image, KeyValues, LabelBlock, Paragraph, Table, Title
from .inputs import ReportInput
from .labels import qr_png
from .numbers import percent, significant

MAX_LINE_ROWS = 60
DEFAULT_STANDARD = "GB/T 24067-2024"


def software_version() -> str:
    """``gba-footprint <version>`` from the installed metadata ("dev" when run from a checkout)."""
    from importlib import metadata

    try:
        return f"gba-footprint {metadata.version('gba-footprint')}"
    except metadata.PackageNotFoundError:
        return "gba-footprint dev"


class _Writer:
    """Shared state of one report build: language, translator, formatting helpers."""

    def __init__(self, source: ReportInput, language: str) -> None:
        self.src = source
        self.language = normalise_language(language)
        self.zh = self.language != "en"
        self.t: Callable[..., str] = translator(self.language)
        self.result = source.result
        self.total = source.result.total_kgco2e

    # ---------------------------------------------------------------- helpers

    def kg(self, value: float) -> str:
        return significant(value, 4)

    def share(self, value: float) -> str:
        return percent(value / self.total) if self.total else "–"

    def or_missing(self, value: Any) -> str:
        text = "" if value is None else str(value).strip()
        return text or self.t("report.not_given")

    def stage(self, stage_id: str) -> str:
        try:
            return self.t(f"common.stage.{stage_id}")
        except KeyError:
            return stage_id

    def gas(self, code: str) -> str:
        try:
            return self.t(f"report.gas.{code}")
        except KeyError:
            return code

    def activity_name(self, activity_id: str, fallback_en: str = "", fallback_zh: str = "") -> str:
        dataset = self.src.dataset
        if dataset is not None and dataset.has_activity(activity_id):
            activity = dataset.activity(activity_id)
            return activity.name_zh if self.zh and activity.name_zh else activity.name_en
        return (fallback_zh if self.zh and fallback_zh else fallback_en) or activity_id

    def bilingual(self, en: str, zh: str) -> str:
        return (zh or en) if self.zh else (en or zh)

    def text_of(self, text_obj: Any) -> str:
        """A rules ``Text`` (en/zh) in the report's language."""
        if text_obj is None:
            return ""
        return self.bilingual(getattr(text_obj, "en", ""), getattr(text_obj, "zh", ""))

    def unit_text(self) -> str:
        return self.t("common.unit_text", declared_unit=self.result.declared_unit)

    def join(self, items: list[str]) -> str:
        """A list in running text: "a; b; c" in English (names hold commas), "a、b、c" in Chinese."""
        return ("、" if self.zh else "; ").join(items)

    def yes_no(self, value: bool) -> str:
        return self.t("report.answer_yes") if value else self.t("report.answer_no")


# ---------------------------------------------------------------- sections


def _title(w: _Writer) -> list[Block]:
    study = w.src.study
    product = w.src.product_name
    if study is not None:
        name = w.bilingual(study.product.name, study.product.name_zh)
        subtitle = f"{name} {study.product.model}".strip()
        meta = [
            (w.t("report.meta.applicant"), w.bilingual(study.applicant.name, study.applicant.name_zh)),
            (w.t("report.meta.site"), w.or_missing(w.bilingual(study.site.name, study.site.name_zh) + (f", {study.site.city}" if study.site.city else ""))),
            (w.t("report.meta.report_ref"), w.or_missing(study.report.ref)),
            (w.t("report.meta.report_date"), w.or_missing(w.src.report_date())),
            (w.t("report.meta.study_id"), study.study_id),
        ]
        title = w.t("report.title")
    else:
        subtitle, meta, title = product, [], w.t("report.title_bom")
    method = w.result.method.get("name", w.result.method.get("id", ""))
    note = w.t(
        "report.headline_note",
        boundary=w.t("common.boundary.cradle-to-gate"),
        method=method,
        dataset=w.result.dataset.get("id", ""),
        version=w.result.dataset.get("version", ""),
        grid=w.result.grid,
    )
    blocks: list[Block] = [Title(title, subtitle, tuple(meta))]
    computation = w.src.computation
    if computation is not None and computation.market is not None and computation.headline is computation.market:
        note += "\n" + w.t("report.headline_market", value=w.kg(computation.location.total_kgco2e))
    mass = _mass_per_declared_unit(w.src)
    if mass:
        note += "\n" + w.t("report.per_kg", value=w.kg(w.total / mass))
    blocks.append(Highlight(w.t("report.headline"), w.kg(w.total), w.unit_text(), note))
    if w.src.label is not None:
        blocks.append(_label_block(w))
    return blocks


def _mass_per_declared_unit(source: ReportInput) -> float | None:
    """kg of product per declared unit, from the declared unit itself or the study."""
    from .. import units

    declared = source.bom.declared_unit
    if declared.unit == "piece" and declared.mass_kg_per_piece:
        return declared.quantity * declared.mass_kg_per_piece
    if units.dimension_of(declared.unit) == "mass":
        return units.convert(declared.quantity, declared.unit, "kg")
    study = source.study
    if study is not None and study.product.mass_kg_per_unit:
        return float(study.product.mass_kg_per_unit)
    return None


def _product(w: _Writer) -> list[Block]:
    study, bom = w.src.study, w.src.bom
    rows = [(w.t("report.product.name"), w.src.product_name)]
    if study is not None:
        if study.product.name_zh:
            rows.append((w.t("report.product.name_zh"), study.product.name_zh))
        rows += [
            (w.t("report.product.model"), w.or_missing(study.product.model)),
            (w.t("report.product.category"), w.or_missing(study.product.category)),
            (w.t("report.product.code"), w.or_missing(study.product.code)),
        ]
        if study.product.family_models:
            rows.append((w.t("report.product.family"), ", ".join(study.product.family_models)))
    rows.append((w.t("report.product.declared_unit"), str(bom.declared_unit)))
    mass = _mass_per_declared_unit(w.src)
    rows.append((w.t("report.product.mass"), f"{significant(mass, 6)} kg" if mass else w.t("report.not_given")))
    if bom.declared_unit.description:
        rows.append((w.t("report.product.function"), bom.declared_unit.description))
    if study is not None and study.product.description:
        rows.append((w.t("report.product.description"), study.product.description))
    return [Heading(w.t("report.section.product")), KeyValues(tuple(rows))]


def _standard(w: _Writer) -> list[Block]:
    study = w.src.study
    standard = (study.method.standard if study is not None else "") or w.t("report.standard.default_standard")
    rows = [(w.t("report.standard.standard"), standard)]
    evaluation, rule_set = w.src.evaluation, w.src.rule_set
    pcr = (study.method.pcr_id if study is not None else "") or (rule_set.pcr_id if rule_set is not None else "")
    rows.append((w.t("report.standard.pcr"), w.or_missing(pcr)))
    if rule_set is not None:
        rows.append((w.t("report.standard.rule_set"), f"{w.text_of(rule_set.title)} ({rule_set.id} {rule_set.version})"))
    elif evaluation is not None:
        rows.append((w.t("report.standard.rule_set"), f"{evaluation.rule_set.get('id', '')} {evaluation.rule_set.get('version', '')}"))
    gwp = study.method.gwp_set if study is not None else ""
    rows.append((w.t("report.standard.gwp_set"), gwp or w.result.method.get("name", "")))
    if study is not None and study.method.recycling_approach:
        rows.append((w.t("report.standard.recycling"), _recycling_text(w, study.method.recycling_approach)))
    blocks: list[Block] = [Heading(w.t("report.section.standard")), KeyValues(tuple(rows))]
    if evaluation is None and rule_set is None:
        blocks.append(Paragraph(w.t("report.standard.no_rule_set"), "note"))
    return blocks


def _recycling_text(w: _Writer, approach: str) -> str:
    """The study's recycling approach, and how the number was computed when the name alone could
    mislead (only the CFF changes the computation)."""
    if w.result.recycling_approach == "CFF":
        return w.t("report.cff.computed_as_cff")
    if approach == "cut_off":
        return approach
    return w.t("report.cff.computed_as_cut_off", approach=approach)


def _included_stages(w: _Writer) -> tuple[list[str], list[tuple[str, str]]]:
    """Stages in the boundary and the excluded ones with their reasons."""
    study = w.src.study
    excluded: list[tuple[str, str]] = []
    if study is not None:
        excluded = [(e.stage, e.reason) for e in study.boundary.excluded]
        declared = list(study.boundary.stages)
    else:
        declared = []
    excluded_ids = {stage for stage, _ in excluded}
    present = [stage for stage in STAGES if stage in w.result.by_stage]
    included = [s for s in STAGES if (s in declared or s in present) and s not in excluded_ids]
    if not declared:  # no stated boundary (a BOM): the gate stages, and any stage after the gate the BOM holds
        included = [s for s in STAGES if s not in excluded_ids and (s in GATE_STAGES or s in present)]
    return included, excluded


def _boundary(w: _Writer) -> list[Block]:
    study = w.src.study
    included, excluded = _included_stages(w)
    after_gate = [s for s in included if s not in GATE_STAGES]
    rows = [
        (w.t("report.boundary.type"), " + ".join([w.t("report.boundary.cradle_to_gate"), *[w.stage(s) for s in after_gate]])),
        (w.t("report.boundary.stages_included"), w.join([w.stage(s) for s in included]) or w.t("report.none")),
    ]
    if excluded:
        rows.append(
            (
                w.t("report.boundary.stages_excluded"),
                "; ".join(w.t("report.boundary.excluded_reason", stage=w.stage(s), reason=w.or_missing(r)) for s, r in excluded),
            )
        )
    if study is not None and study.boundary.description:
        rows.append((w.t("report.boundary.description"), study.boundary.description))
    boxes = []
    excluded_ids = {s for s, _ in excluded}
    # the diagram draws inputs into the site: the gate stages (stages after the gate are listed above)
    for stage in GATE_STAGES:
        value = w.result.by_stage.get(stage, 0.0)
        is_in = stage in included and stage not in excluded_ids
        value_text = f"{w.kg(value)} kg CO2e ({w.share(value)})" if is_in else ""
        boxes.append(BoundaryBox(w.stage(stage), value_text, is_in))
    png = boundary_diagram_png(
        boxes,
        gate_label=w.t("report.boundary.gate"),
        site_label=w.t("report.boundary.site"),
        outside_label=w.t("report.boundary.outside") if not after_gate else w.t("report.boundary.after_gate", stages=w.join([w.stage(s) for s in after_gate])),
        boundary_label=w.t("report.boundary.frame"),
        language=w.language,
    )
    return [
        Heading(w.t("report.section.boundary")),
        KeyValues(tuple(rows)),
        Image(png, 128, w.t("report.boundary.diagram_caption")),
    ]


def _period(w: _Writer) -> list[Block]:
    study = w.src.study
    if study is None:
        return [Heading(w.t("report.section.period")), Paragraph(w.t("report.period.missing"), "warning")]
    period = study.reference_period
    rows = [(w.t("report.period.start"), period.start.isoformat()), (w.t("report.period.end"), period.end.isoformat())]
    if period.production_volume:
        rows.append((w.t("report.period.volume"), w.t("report.period.volume_value", value=significant(period.production_volume, 6))))
    return [Heading(w.t("report.section.period")), KeyValues(tuple(rows))]


def _dqr(w: _Writer) -> str | None:
    """Emission-weighted data-quality ratings over the lines the study rates."""
    ratings = weighted_ratings(w.src.study, w.result.lines)
    if ratings is None:
        return None
    values = {key: (f"{value:.2f}" if value is not None else "–") for key, value in ratings.averages.items()}
    low, high = w.src.study.dqr_scale
    return w.t("report.data.dqr", low=low, high=high) + ": " + w.t("report.data.dqr_value", coverage=w.share(ratings.rated_kgco2e), **values)


def _data(w: _Writer) -> list[Block]:
    dataset = w.src.dataset
    meta = w.result.dataset
    title = ""
    if dataset is not None:
        title = dataset.title_zh if w.zh and dataset.title_zh else dataset.title
    rows = [
        (w.t("report.data.dataset"), w.t("report.data.dataset_value", title=title or meta.get("id", ""), id=meta.get("id", ""), version=meta.get("version", ""))),
    ]
    primary = math.fsum(line.kgco2e for line in w.result.lines if line.data_type == "primary")
    rows.append((w.t("report.data.primary_share"), w.share(primary)))
    blocks: list[Block] = [Heading(w.t("report.section.data")), KeyValues(tuple(rows))]
    dqr = _dqr(w)
    if dqr:
        blocks.append(Paragraph(dqr))
    if dataset is not None:
        sources = {s.source_id: s for s in dataset.sources}
        table_rows = []
        seen: set[str] = set()
        for line in w.result.lines:
            if line.activity_id in seen or not dataset.has_activity(line.activity_id):
                continue
            seen.add(line.activity_id)
            exchanges = dataset.exchanges_of(line.activity_id)
            source_ids = sorted({e.source_id for e in exchanges})
            citations = "; ".join(_short(sources[s].citation if s in sources else s, 90) for s in source_ids)
            years = sorted({str(e.ref_year) for e in exchanges})
            tags = "".join(sorted({e.tag for e in exchanges}))
            table_rows.append((line.activity_id, w.activity_name(line.activity_id), citations, _year_span(years), tags))
        if table_rows:
            blocks.append(Paragraph(w.t("report.data.sources_intro"), "note"))
            blocks.append(
                Table(
                    (w.t("report.data.col_activity"), "", w.t("report.data.col_source"), w.t("report.data.col_year"), w.t("report.data.col_tags")),
                    tuple(table_rows),
                    (2.7, 2.6, 4.7, 1.1, 0.7),
                    ("L", "L", "L", "C", "C"),
                    font_size=7,
                )
            )
    if w.src.suppliers:
        blocks.append(Paragraph(w.t("report.data.supplier_intro"), "note"))
        blocks.append(
            Table(
                (w.t("report.data.col_activity"), w.t("report.data.col_supplier"), w.t("report.data.col_product"), w.t("report.data.col_pcf")),
                tuple((a.id, a.supplier, w.bilingual(a.name, a.name_zh), f"{w.kg(a.kgco2e_per_unit)} / {a.unit}") for a in w.src.suppliers),
                (3, 3, 4, 2),
                ("L", "L", "L", "R"),
                font_size=7.5,
            )
        )
    return blocks


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _year_span(years: list[str]) -> str:
    if not years:
        return ""
    return years[0] if len(years) == 1 else f"{years[0]}–{years[-1]}"


def _ghg(w: _Writer) -> list[Block]:
    method = w.result.method
    gases = w.join([w.gas(code) for code in w.result.by_gas])
    return [
        Heading(w.t("report.section.ghg")),
        KeyValues(((w.t("report.ghg.method"), f"{method.get('name', '')} ({method.get('id', '')})"), (w.t("report.ghg.gases"), gases or w.t("report.none")))),
        Paragraph(w.t("report.ghg.note"), "note"),
    ]


def _cutoff(w: _Writer) -> list[Block]:
    blocks: list[Block] = [Heading(w.t("report.section.cutoff"))]
    rule_set = w.src.rule_set
    if rule_set is not None:
        config = rule_set.config
        criteria = w.t(
            "report.cutoff.criteria_value",
            single=significant(float(config.get("cutoff_single_flow_pct", 1.0)), 3),
            total=significant(float(config.get("cutoff_total_pct", 5.0)), 3),
        )
    else:
        criteria = w.t("report.cutoff.criteria_default")
    blocks.append(KeyValues(((w.t("report.cutoff.criteria"), criteria),)))
    study, computation = w.src.study, w.src.computation
    if study is None or not study.exclusions:
        blocks.append(Paragraph(w.t("report.cutoff.none")))
        return blocks
    computed = {e.id: e for e in computation.exclusions} if computation is not None else {}
    rows = []
    for exclusion in study.exclusions:
        result = computed.get(exclusion.id)
        kg = result.kgco2e if result is not None else exclusion.estimated_kgco2e
        basis = w.t("report.cutoff.computed") if result is not None and result.source == "computed" else w.t("report.cutoff.estimate")
        rows.append((exclusion.id, w.or_missing(exclusion.description), w.or_missing(exclusion.reason), "–" if kg is None else w.kg(kg), basis))
    blocks.append(
        Table(
            (w.t("report.cutoff.col_id"), w.t("report.cutoff.col_description"), w.t("report.cutoff.col_reason"), w.t("report.cutoff.col_kg"), w.t("report.cutoff.col_basis")),
            tuple(rows),
            (1.4, 3.2, 3.6, 1.4, 1.8),
            ("L", "L", "L", "R", "L"),
            font_size=7.5,
        )
    )
    if computation is not None:
        excluded = computation.excluded_kgco2e
        complete = computation.complete_kgco2e
        blocks.append(Paragraph(w.t("report.cutoff.total", kg=w.kg(excluded), share=percent(excluded / complete) if complete else "–")))
    return blocks


def _allocation(w: _Writer) -> list[Block]:
    study = w.src.study
    blocks: list[Block] = [Heading(w.t("report.section.allocation"))]
    if study is None or not study.allocation:
        blocks.append(Paragraph(w.t("report.allocation.none")))
        return blocks
    blocks.append(
        Table(
            (w.t("report.allocation.col_process"), w.t("report.allocation.col_method"), w.t("report.allocation.col_basis"), w.t("report.allocation.col_justification")),
            tuple((a.process, w.or_missing(a.method), w.or_missing(a.basis), w.or_missing(a.justification)) for a in study.allocation),
            (2.5, 2, 2.5, 5),
            font_size=7.5,
        )
    )
    return blocks


def _electricity(w: _Writer) -> list[Block]:
    study, computation = w.src.study, w.src.computation
    market = study is not None and study.electricity.method == "market"
    grid_name = w.activity_name(w.result.grid)
    rows = [
        (w.t("report.electricity.method"), w.t("report.electricity.market") if market else w.t("report.electricity.location")),
        (w.t("report.electricity.grid"), f"{grid_name} ({w.result.grid})"),
    ]
    if w.src.grid_factor_kgco2e_per_kwh is not None:
        rows.append((w.t("report.electricity.grid_factor"), w.t("report.electricity.grid_factor_value", value=significant(w.src.grid_factor_kgco2e_per_kwh, 4))))
    if computation is not None:
        rows.append((w.t("report.electricity.location_total"), f"{w.kg(computation.location.total_kgco2e)} kg CO2e"))
        if computation.market is not None:
            rows.append((w.t("report.electricity.market_total"), f"{w.kg(computation.market.total_kgco2e)} kg CO2e"))
        if computation.coverage is not None:
            rows.append((w.t("report.electricity.coverage"), percent(computation.coverage.covered_share)))
    blocks: list[Block] = [Heading(w.t("report.section.electricity")), KeyValues(tuple(rows))]
    if study is not None and study.electricity.certificates:
        valid = {c.id: c.valid for c in computation.coverage.certificates} if computation is not None and computation.coverage else {}
        blocks.append(
            Table(
                (w.t("report.electricity.col_id"), w.t("report.electricity.col_type"), w.t("report.electricity.col_quantity"), w.t("report.electricity.col_period"), w.t("report.electricity.col_valid")),
                tuple(
                    (
                        c.id,
                        c.type,
                        significant(c.quantity, 6),
                        f"{c.generation_start} – {c.generation_end}",
                        w.yes_no(valid[c.id]) if c.id in valid else "–",
                    )
                    for c in study.electricity.certificates
                ),
                (3, 1.5, 1.5, 3.5, 1.5),
                ("L", "L", "R", "L", "C"),
                font_size=7.5,
            )
        )
    return blocks


def _amount_cell(w: _Writer, line: Any) -> str:
    """The amount the line's kg CO2e is for (per declared unit), then as entered when that differs."""
    if line.is_cff:
        return "–"
    computed = f"{significant(line.activity_amount, 4)} {line.activity_unit}"
    if line.entered_per_declared_unit:
        return computed
    entered = f"{significant(line.amount, 4)} {line.unit}"
    if line.parent:
        return computed + "\n" + w.t("report.results.entered_per", amount=entered, parent=line.parent)
    return computed + "\n" + w.t("report.results.entered", amount=entered)


def _results(w: _Writer) -> list[Block]:
    result = w.result
    stage_rows = tuple((w.stage(s), w.kg(v), w.share(v)) for s, v in _ordered_stages(result.by_stage))
    total_row = (w.t("report.results.total"), w.kg(w.total), percent(1.0) if w.total else "–")
    chart = bar_chart_png(
        {w.stage(s): v for s, v in sorted(result.by_stage.items(), key=lambda item: -item[1])},
        axis_label=w.unit_text(),
        language=w.language,
    )
    blocks: list[Block] = [
        Heading(w.t("report.section.results")),
        Paragraph(w.t("report.results.unit_note", declared_unit=result.declared_unit), "note"),
        Heading(w.t("report.results.by_stage"), 2),
        Table((w.t("report.results.col_stage"), w.t("report.results.col_kg"), w.t("report.results.col_share")), stage_rows, (5, 2, 1.5), ("L", "R", "R"), total_row),
        Image(chart, 150, w.t("report.results.chart_caption")),
        Heading(w.t("report.results.by_line"), 2),
    ]
    ordered = sorted(result.lines, key=lambda line: (-line.kgco2e, line.path))
    shown, rest = ordered[:MAX_LINE_ROWS], ordered[MAX_LINE_ROWS:]
    line_rows = [
        (
            line.path,
            w.bilingual(line.activity_name, line.activity_name_zh) if line.is_cff else w.activity_name(line.activity_id, line.activity_name, line.activity_name_zh),
            w.stage(line.stage),
            _amount_cell(w, line),
            w.t(f"report.data_type.{line.data_type}") if line.data_type in ("primary", "secondary") else line.data_type,
            w.kg(line.kgco2e),
            w.share(line.kgco2e),
        )
        for line in shown
    ]
    if rest:
        rest_kg = math.fsum(line.kgco2e for line in rest)
        line_rows.append((w.t("report.results.other_lines", count=len(rest)), "", "", "", "", w.kg(rest_kg), w.share(rest_kg)))
    blocks.append(
        Table(
            (
                w.t("report.results.col_line"),
                w.t("report.results.col_activity"),
                w.t("report.results.col_stage"),
                w.t("report.results.col_amount"),
                w.t("report.results.col_type"),
                w.t("report.results.col_kg"),
                w.t("report.results.col_share"),
            ),
            tuple(line_rows),
            (1.8, 3.4, 2.0, 2.2, 1.3, 1.4, 1.2),
            ("L", "L", "L", "R", "C", "R", "R"),
            ("", w.t("report.results.total"), "", "", "", w.kg(w.total), percent(1.0) if w.total else "–"),
            font_size=7.5,
        )
    )
    blocks += _circular(w)
    gas_rows = tuple((w.gas(code), w.kg(value), w.share(value)) for code, value in sorted(result.by_gas.items(), key=lambda item: -item[1]))
    origin_rows = tuple((w.t(f"common.origin.{origin}"), w.kg(value), w.share(value)) for origin, value in result.by_origin.items())
    blocks += [
        Heading(w.t("report.results.by_gas"), 2),
        Table((w.t("report.results.col_gas"), w.t("report.results.col_kg"), w.t("report.results.col_share")), gas_rows, (5, 2, 1.5), ("L", "R", "R"), total_row),
        Heading(w.t("report.results.by_origin"), 2),
        Table((w.t("report.results.col_origin"), w.t("report.results.col_kg"), w.t("report.results.col_share")), origin_rows, (5, 2, 1.5), ("L", "R", "R"), total_row),
        _origin_coverage_note(w),
    ]
    return blocks


# Below this share of gas-resolved emissions the origin split is flagged as a convention.
ORIGIN_COVERAGE_FLAG = 0.5


def _origin_coverage_note(w: _Writer) -> Paragraph:
    """How much of the origin split is data: flagged when most of the total is unspecified."""
    coverage = w.result.origin_coverage
    style = "warning" if coverage < ORIGIN_COVERAGE_FLAG else "note"
    key = "report.results.origin_flag" if coverage < ORIGIN_COVERAGE_FLAG else "report.results.origin_coverage"
    return Paragraph(w.t(key, share=percent(coverage), unspecified=percent(1.0 - coverage)), style)


def _ordered_stages(by_stage: dict[str, float]) -> list[tuple[str, float]]:
    known = [(s, by_stage[s]) for s in STAGES if s in by_stage]
    return known + [(s, v) for s, v in by_stage.items() if s not in STAGES]


def _separate(w: _Writer) -> list[Block]:
    result, study = w.result, w.src.study
    rows = [
        (w.t("report.separate.biogenic_emissions"), w.t("report.separate.kg_co2", value=w.kg(result.biogenic_co2_kg))),
    ]
    if study is not None and study.biogenic.carbon_content_kgc is not None:
        rows.append((w.t("report.separate.biogenic_content"), w.t("report.separate.kg_c", value=w.kg(study.biogenic.carbon_content_kgc))))
    if study is not None and study.biogenic.removals_kgco2e is not None:
        rows.append((w.t("report.separate.biogenic_removals"), w.t("report.separate.kg_co2e", value=w.kg(-study.biogenic.removals_kgco2e))))
    rows += [
        (w.t("report.separate.luc"), w.t("report.separate.kg_co2e", value=w.kg(result.by_origin.get("land_use_change", 0.0)))),
        (w.t("report.separate.aircraft"), w.t("report.separate.kg_co2e", value=w.kg(result.aircraft_kgco2e))),
        (w.t("report.separate.packaging"), w.t("report.separate.kg_co2e", value=w.kg(result.by_stage.get("packaging", 0.0)))),
    ]
    if study is not None and study.offsets_kgco2e:
        rows.append((w.t("report.separate.offsets"), w.t("report.separate.kg_co2e", value=w.kg(study.offsets_kgco2e))))
    return [Heading(w.t("report.section.separate")), KeyValues(tuple(rows))]


def _uncertainty(w: _Writer) -> list[Block]:
    blocks: list[Block] = [Heading(w.t("report.section.uncertainty"))]
    summary = w.src.uncertainty
    if summary is None:
        blocks.append(Paragraph(w.t("report.uncertainty.none")))
    else:
        rows = [
            (w.t("report.uncertainty.method"), w.t("report.uncertainty.monte_carlo", iterations=f"{summary.iterations:,}", seed="–" if summary.seed is None else summary.seed)),
            (w.t("report.uncertainty.mean"), f"{w.kg(summary.mean)} kg CO2e"),
            (w.t("report.uncertainty.median"), f"{w.kg(summary.median)} kg CO2e"),
            (w.t("report.uncertainty.interval"), w.t("report.uncertainty.interval_value", low=w.kg(summary.low), high=w.kg(summary.high))),
        ]
        if summary.std is not None and summary.mean:
            rows.append((w.t("report.uncertainty.cv"), percent(summary.std / summary.mean)))
        blocks.append(KeyValues(tuple(rows)))
        computation = w.src.computation
        market_headline = computation is not None and computation.market is not None and computation.headline is computation.market
        if market_headline and summary.basis != "market":  # simulated on the location-based lines
            blocks.append(Paragraph(w.t("report.uncertainty.location_note", value=w.kg(computation.location.total_kgco2e)), "note"))
    study = w.src.study
    if study is not None and (study.interpretation.uncertainty_method or study.interpretation.uncertainty_result):
        stated = "; ".join(t for t in (study.interpretation.uncertainty_method, study.interpretation.uncertainty_result) if t)
        blocks.append(Paragraph(w.t("report.uncertainty.stated", text=stated), "note"))
    return blocks


def _findings(w: _Writer) -> list[Block]:
    evaluation = w.src.evaluation
    blocks: list[Block] = [Heading(w.t("report.section.findings"))]
    if evaluation is None:
        blocks.append(Paragraph(w.t("report.findings.none")))
        return blocks
    status = _key_text(w, "report.findings.status_", evaluation.status)
    counts = ", ".join(f"{_key_text(w, 'report.findings.verdict_', k)} {v}" for k, v in evaluation.counts.items() if not k.endswith("_fail"))
    rule_set = evaluation.rule_set
    blocks.append(
        KeyValues(
            (
                (w.t("report.findings.status"), status),
                (w.t("report.findings.rule_set"), f"{rule_set.get('id', '')} {rule_set.get('version', '')}"),
                (w.t("report.findings.evaluated_on"), evaluation.evaluation_date),
                (w.t("report.findings.counts"), counts),
            )
        )
    )
    for reason in evaluation.reasons:
        blocks.append(Paragraph(w.text_of(reason), "warning" if not evaluation.eligible else "note"))
    order = {"fail": 0, "needs_evidence": 1, "pass": 2, "not_applicable": 3}
    findings = sorted(evaluation.findings, key=lambda f: (order.get(f.verdict.value, 9), f.rule_id))
    blocks.append(
        Table(
            (w.t("report.findings.col_rule"), w.t("report.findings.col_severity"), w.t("report.findings.col_verdict"), w.t("report.findings.col_message")),
            tuple(
                (
                    f.rule_id,
                    _key_text(w, "report.findings.severity_", f.severity.value),
                    _key_text(w, "report.findings.verdict_", f.verdict.value),
                    w.text_of(f.message),
                )
                for f in findings
            ),
            (2.4, 1.3, 1.5, 7.3),
            ("L", "L", "L", "L"),
            font_size=7,
        )
    )
    return blocks


def _key_text(w: _Writer, prefix: str, value: str) -> str:
    try:
        return w.t(prefix + value)
    except KeyError:
        return value


def _limitations(w: _Writer) -> list[Block]:
    blocks: list[Block] = [Heading(w.t("report.section.limitations")), Paragraph(w.t("report.limitations.standard"))]
    study = w.src.study
    if study is not None and study.interpretation.limitations:
        blocks.append(Paragraph(w.t("report.limitations.study", text=study.interpretation.limitations)))
    return blocks


def _hashes(w: _Writer) -> list[Block]:
    dataset, method = w.result.dataset, w.result.method
    rows = [
        (w.t("report.dataset.dataset"), f"{dataset.get('id', '')} {dataset.get('version', '')}"),
        (w.t("report.dataset.sha256"), dataset.get("sha256", "")),
        (w.t("report.dataset.method"), method.get("id", "")),
        (w.t("report.dataset.method_sha256"), method.get("sha256", "") or "–"),
    ]
    if w.src.study is not None:
        rows.append((w.t("report.dataset.study_sha256"), w.src.study.sha256()))
    rule_set = w.src.evaluation.rule_set if w.src.evaluation is not None else (w.src.rule_set.describe() if w.src.rule_set is not None else None)
    if rule_set:
        rows.append((w.t("report.dataset.rule_set_sha256"), rule_set.get("sha256", "")))
    rows.append((w.t("report.dataset.software"), software_version()))
    return [Heading(w.t("report.section.dataset")), KeyValues(tuple(rows))]


def _battery(w: _Writer) -> list[Block]:
    """The EU battery declaration (per kWh over the service life), for studies under the battery rules."""
    from ..battery_declaration import battery_declaration, is_battery_rule_set
    from ..errors import InputError

    study, rule_set = w.src.study, w.src.rule_set
    if study is None or w.src.computation is None or not is_battery_rule_set(rule_set):
        return []
    blocks: list[Block] = [Heading(w.t("report.section.battery"))]
    try:
        document = battery_declaration(study, rule_set=rule_set, computation=w.src.computation)
    except InputError as error:
        reasons = w.join([w.bilingual(i.message, i.message_zh) for i in error.issues])
        return blocks + [Paragraph(w.t("report.battery.unavailable", reasons=reasons))]
    blocks.append(
        Paragraph(
            w.t(
                "report.battery.intro",
                life=significant(document["service_life_energy_kwh"], 6),
                units=significant(document["declared_units_per_battery"], 6),
                declared_unit=document["declared_unit"],
                basis=w.t(f"report.battery.basis_{document['basis']}"),
            )
        )
    )
    rows = []
    for stage in document["stages"]:
        name = w.bilingual(stage["label"]["en"], stage["label"]["zh"])
        if not stage["in_boundary"]:
            name += " " + w.t("report.battery.not_in_boundary", reason=w.or_missing(stage["excluded_reason"]))
        rows.append((name, significant(stage["kgco2e_per_kwh"], 4), w.kg(stage["kgco2e_per_battery"])))
    blocks.append(
        Table(
            (w.t("report.battery.col_stage"), w.t("report.battery.col_per_kwh"), w.t("report.battery.col_per_battery")),
            tuple(rows),
            (6, 2.5, 2.5),
            ("L", "R", "R"),
            footer=(w.t("report.battery.total"), significant(document["total_kgco2e_per_kwh"], 4), w.kg(document["total_kgco2e_per_battery"])),
        )
    )
    for left in document["excluded_stages"]:
        blocks.append(Paragraph(w.t("report.battery.excluded", stage=w.stage(left["bom_stage"]), reason=w.bilingual(left["reason"]["en"], left["reason"]["zh"]), value=w.kg(left["kgco2e_per_battery"])), "note"))
    blocks.append(Paragraph(w.t("report.battery.hashes", mapping=document["stage_mapping"]["sha256"]), "note"))
    return blocks


def _label_block(w: _Writer) -> LabelBlock:
    label = w.src.label
    assert label is not None
    lines = []
    if label.certified:
        lines.append(f"{w.t('report.label.certificate')}: {label.certificate_no}")
    else:
        lines.append(w.t("report.label.preview"))
    body = w.bilingual(label.body, label.body_zh)
    if body:
        lines.append(f"{w.t('report.label.body')}: {body}")
    if label.issued:
        lines.append(f"{w.t('report.label.issued')}: {label.issued.isoformat()}")
    if label.expires:
        lines.append(f"{w.t('report.label.expires')}: {label.expires.isoformat()}")
    return LabelBlock(
        title=w.t("report.label.title"),
        value=label.value_text,
        unit=label.unit_text,
        lines=tuple(lines),
        qr_png=qr_png(label.qr_payload) if label.qr_payload else None,
        qr_caption=w.t("report.label.scan"),
    )


def _label(w: _Writer) -> list[Block]:
    blocks: list[Block] = [Heading(w.t("report.section.label"))]
    label = w.src.label
    if label is None:
        blocks.append(Paragraph(w.t("report.label.not_certified")))
        return blocks
    if not label.certified:
        blocks.append(Paragraph(w.t("report.label.not_certified"), "warning"))
    if label.png:
        blocks.append(Image(label.png, 120, w.t("report.label.image_caption")))
    else:
        blocks.append(_label_block(w))
    rows = [
        (w.t("report.label.value"), f"{label.value_text} {label.unit_text}"),
        (w.t("report.label.certificate"), label.certificate_no or w.t("report.label.preview")),
    ]
    body = w.bilingual(label.body, label.body_zh)
    if body:
        rows.append((w.t("report.label.body"), body))
    if label.issued:
        rows.append((w.t("report.label.issued"), label.issued.isoformat()))
    if label.expires:
        rows.append((w.t("report.label.expires"), label.expires.isoformat()))
    blocks.append(KeyValues(tuple(rows)))
    if label.qr_payload:
        blocks.append(Paragraph(w.t("report.label.payload", payload=label.qr_payload), "note"))
    return blocks


def _circular(w: _Writer) -> list[Block]:
    """The CFF rows with their material, mass and parameters (where each came from), for a
    result computed with the Circular Footprint Formula; nothing for a cut-off result."""
    result = w.result
    if not result.recycling:
        return []
    parameters = result.recycling.get("parameters", {})
    rows = []
    for line in result.lines:
        if not line.is_cff:
            continue
        for material, values in line.cff.get("materials", {}).items():
            shown = []
            for name in ("R1", "A", "Qsin_Qp", "Qsout_Qp"):
                value = values.get(name)
                if isinstance(value, dict):
                    origin = value.get("tag") or w.t("report.cff.from_line" if value.get("from") == "line" else "report.cff.from_dataset")
                    shown.append(f"{name.replace('_', '/')} {significant(value['value'], 3)} ({origin})")
            rows.append((line.path, material, significant(values.get("mass_kg", 0.0), 4), "; ".join(shown), w.t(f"report.cff.{line.cff['kind']}"), w.kg(line.kgco2e)))
    blocks: list[Block] = [
        Heading(w.t("report.cff.heading"), 2),
        Paragraph(w.t("report.cff.intro", file=parameters.get("file", ""), sha256=str(parameters.get("sha256", ""))[:12] + "…"), "note"),
    ]
    if rows:
        blocks.append(
            Table(
                (w.t("report.cff.col_row"), w.t("report.cff.col_material"), w.t("report.cff.col_mass"), w.t("report.cff.col_parameters"), w.t("report.cff.col_kind"), w.t("report.results.col_kg")),
                tuple(rows),
                (2.6, 1.4, 1.3, 4.6, 1.2, 1.4),
                ("L", "L", "R", "L", "C", "R"),
                font_size=7,
            )
        )
    blocks.append(Paragraph(w.t("report.cff.limits"), "note"))
    return blocks


SECTIONS: tuple[Callable[[_Writer], list[Block]], ...] = (
    _title,
    _product,
    _standard,
    _boundary,
    _period,
    _data,
    _ghg,
    _cutoff,
    _allocation,
    _electricity,
    _results,
    _separate,
    _uncertainty,
    _findings,
    _limitations,
    _hashes,
    _label,
    _battery,
)


def build_document(source: ReportInput, language: str = "en") -> Document:
    """The report for ``source`` in ``language`` ("en", "zh", "zh-Hans"; "zh-Hant" converts the
    interface text to Traditional characters) as a :class:`Document`."""
    w = _Writer(source, language)
    blocks: list[Block] = []
    for section in SECTIONS:
        blocks.extend(section(w))
    created = source.report_date()
    study = source.study
    standard = (study.method.standard if study is not None else "") or DEFAULT_STANDARD
    return Document(
        language=w.language,
        title=w.t("report.title") if study is not None else w.t("report.title_bom"),
        subject=f"{source.product_name}: {w.kg(w.total)} {w.unit_text()}",
        author=(w.bilingual(study.applicant.name, study.applicant.name_zh) if study is not None else "") or software_version(),
        keywords=f"PCF; GB/T 24067; ISO 14067; {source.result.dataset.get('id', '')} {source.result.dataset.get('version', '')}",
        created=created.isoformat() if created else "",
        footer=w.t(
            "report.footer",
            product=_short(source.product_name, 40),
            standard=standard,
            dataset=source.result.dataset.get("id", ""),
            version=source.result.dataset.get("version", ""),
            page="{page}",
            pages="{pages}",
        ),
        blocks=tuple(blocks),
    )
