"""Calls into the footprint modules that the results screen shows: Monte Carlo interval,
"what would change" alternatives, label rules, label images.

Why one adapter module: these modules are written alongside the app; each call here is the one
place the app depends on their interface, and each degrades to "not available" (with a note on
screen) instead of breaking the form when its module is missing or fails. No number is computed
here.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from footprint.errors import FootprintError

log = logging.getLogger(__name__)

MC_ITERATIONS = 1000
MC_SEED = 42


@dataclass(frozen=True)
class Uncertainty:
    low: float  # 2.5th percentile, kg CO2e per declared unit
    high: float  # 97.5th percentile
    median: float | None
    iterations: int
    raw: Any = None
    basis: str = "location"  # the result simulated: "location" or "market" (the headline's lines)


@dataclass(frozen=True)
class Alternative:
    """One "what would change" suggestion of :func:`footprint.scenarios.propose_alternatives`."""

    kind: str  # "swap" (a line's activity) or "grid" (the site grid)
    line: str | None  # BOM line path of a swap
    from_id: str
    to_id: str
    lever: str  # footprint.scenarios.LEVERS: grid, green_power, recycled, supplier, material, transport
    total_kgco2e: float  # total per declared unit with the change
    change_kgco2e: float
    change_share: float | None


@dataclass(frozen=True)
class LabelImages:
    """A label and its images, each drawn when first asked for (the label tab, a download), not on
    every press of Calculate: drawing the QR code is most of a label's cost."""

    raw: Any  # footprint.label.Label
    eligible: bool
    drawable: bool = True  # footprint.label_render (segno) is installed
    notes: list[tuple[str, str]] = field(default_factory=list)

    @cached_property
    def svg(self) -> bytes | None:
        if not self.drawable:
            return None
        from footprint.label_render import render_svg

        svg = render_svg(self.raw)
        return svg.encode("utf-8") if isinstance(svg, str) else svg

    @property
    def png(self) -> Callable[[], bytes] | None:
        """What draws the PNG (a deferred download), or None."""
        if not self.drawable:
            return None
        from footprint.label_render import render_png

        return lambda: render_png(self.raw).data


def _attr(obj: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if hasattr(obj, name):
            return getattr(obj, name)
    return default


def with_form_suppliers(engine, form):
    """``engine`` knowing the form's supplier PACT footprints (the bare engine without any), as
    the study's own computations know them (:func:`footprint.study_compute.engine_for_study`),
    so that the Monte Carlo and the alternatives, which run on BOMs, compute those lines too."""
    from footprint.exchange.suppliers import with_suppliers

    from .state import supplier_registry

    return with_suppliers(engine, supplier_registry(form)[0])


def engine_for(engine, result):
    """The engine that computes ``result`` again: ``engine`` itself, or one on the same
    background with the result's characterisation method (a study under AR5 is recomputed with
    the AR5 method, and the Monte Carlo and the scenarios read the engine's method)."""
    method_id = (getattr(result, "method", None) or {}).get("id")
    return engine.with_method(method_id) if method_id in engine.background.methods else engine


def uncertainty(
    engine,
    bom,
    result,
    grid: str | None = None,
    progress: Callable[[float], None] | None = None,
    *,
    basis: str = "location",
) -> Uncertainty | None:
    """The 95 % interval from :func:`footprint.montecarlo.monte_carlo`, or None when unavailable.

    ``bom`` must be the lines of ``result`` (for a study, ``StudyComputation.headline_bom``: the
    market-based split when the headline is market-based), simulated on ``result``'s grid and
    method; ``basis`` names which result that is. A run whose deterministic footprint is not
    ``result``'s total is not shown (it would be the interval of another number).
    """
    try:
        from footprint.montecarlo import monte_carlo
    except ImportError:
        return None

    def report(done: int, total: int) -> None:
        if progress is not None and total:
            progress(done / total)

    try:
        outcome = monte_carlo(engine_for(engine, result), bom, iterations=MC_ITERATIONS, seed=MC_SEED, grid=result.grid or grid, progress=report)
    except FootprintError as error:
        log.info("Monte Carlo refused the BOM: %s", error)
        return None
    if not math.isclose(outcome.deterministic_kgco2e, result.total_kgco2e, rel_tol=1e-9, abs_tol=1e-12):
        log.warning("Monte Carlo of another footprint (%r, shown %r): interval not shown", outcome.deterministic_kgco2e, result.total_kgco2e)
        return None
    return Uncertainty(
        low=float(outcome.total["p2_5"]),
        high=float(outcome.total["p97_5"]),
        median=float(outcome.total["median"]),
        iterations=int(outcome.iterations),
        raw=outcome,
        basis=basis,
    )


def alternatives(engine, bom, result, grid: str | None = None, top_lines: int = 3, per_line: int = 2) -> list[Alternative]:
    """Lower-footprint alternatives for the hotspots and the site grid (footprint.scenarios),
    each change measured from ``result``: ``bom`` must be its lines (see :func:`uncertainty`)."""
    try:
        from footprint.scenarios import propose_alternatives
    except ImportError:
        return []
    try:
        found = propose_alternatives(engine_for(engine, result), bom, grid=result.grid or grid, top_lines=top_lines, per_line=per_line)
    except FootprintError as error:
        log.info("scenarios refused the BOM: %s", error)
        return []
    return [
        Alternative(
            kind=item.kind,
            line=item.path,
            from_id=item.from_id,
            to_id=item.to_id,
            lever=item.lever,
            total_kgco2e=item.total_kgco2e,
            change_kgco2e=item.change_kgco2e,
            change_share=item.change_share,
        )
        for item in found
    ]


@lru_cache(maxsize=1)
def rule_sets() -> dict[str, Any]:
    """The label rule sets shipped in label_rules/ (loaded once; rule sets are immutable)."""
    try:
        from footprint.rules import available_rule_sets

        return dict(available_rule_sets())
    except (ImportError, FootprintError) as error:
        log.warning("label rules unavailable: %s", error)
        return {}


def rule_set(rule_set_id: str | None):
    sets = rule_sets()
    return sets.get(rule_set_id or "") or sets.get("gba-general")


def rule_set_for_pcr(pcr_id: str) -> str | None:
    for rule_set_id, loaded in rule_sets().items():
        if loaded.pcr_id == pcr_id:
            return rule_set_id
    return None


@dataclass
class Judgement:
    study: Any  # the study with its declared results (as saved)
    computation: Any
    evaluation: Any = None
    label: Any = None  # footprint.label.Label (a preview when not eligible)
    notes: list[tuple[str, str]] = field(default_factory=list)


def computation_of(study, engine, loaded_rule_set):
    """The study recomputed under the rule set's settings (certificates, GWP set, basis), or
    with the engine's defaults when no rule set is available."""
    from footprint.study_compute import recompute

    if loaded_rule_set is None:
        return recompute(study, engine)
    from footprint.rules import make_context

    return make_context(study, loaded_rule_set, engine).computation


def judge(study, engine, loaded_rule_set, computation=None) -> Judgement:
    """Declare the study's results (``computation``, else :func:`computation_of` the study),
    apply the rules and build the label (a preview when not eligible), all with the footprint
    modules. A given ``computation`` must be of this study's lines and settings: the web form
    passes the one of the same study before its interpretation was filled in (text the
    recomputation does not read)."""
    from footprint.study_compute import declared_from

    if computation is None:
        computation = computation_of(study, engine, loaded_rule_set)
    if loaded_rule_set is None:
        declared = study.model_copy(update={"declared": declared_from(computation)})
        return Judgement(declared, computation, notes=[("The label rules are not available.", "标识规则不可用。")])
    from footprint.rules import evaluate_context, make_context
    from footprint.study import RuleSetRef

    reference = RuleSetRef(id=loaded_rule_set.id, version=loaded_rule_set.version, sha256=loaded_rule_set.sha256)
    declared = study.model_copy(update={"declared": declared_from(computation).model_copy(update={"rule_set": reference})})
    context = make_context(declared, loaded_rule_set, engine)
    evaluation = evaluate_context(context)
    judgement = Judgement(declared, context.computation, evaluation)
    try:
        from footprint.label import label_of

        judgement.label = label_of(context, evaluation)  # what build_label gives, without judging again
    except ImportError:
        judgement.notes.append(("The label module is not installed.", "未安装标识模块。"))
    except FootprintError as error:
        judgement.notes.append((f"No label: {error}", f"无法生成标识：{error}"))
    return judgement


def label_images(label) -> LabelImages | None:
    """The label as SVG and PNG, both with the QR code, from :mod:`footprint.label_render`
    (drawn when first shown or downloaded)."""
    if label is None:
        return None
    try:
        import footprint.label_render  # noqa: F401
    except ImportError:
        return LabelImages(raw=label, eligible=label.evaluation.eligible, drawable=False)
    return LabelImages(raw=label, eligible=label.evaluation.eligible)


def report_input(outcome, engine, rule_set_id: str | None = None):
    """What :mod:`footprint.reports` and :mod:`footprint.exchange` need for this outcome
    (prepared once per outcome, on the first download that needs it)."""
    if outcome.report_input is None:
        from footprint.reports.inputs import prepare_report

        uncertainty = None
        if outcome.uncertainty is not None and outcome.uncertainty.raw is not None:
            raw = outcome.uncertainty.raw
            uncertainty = {"iterations": raw.iterations, "seed": raw.seed, **raw.total, "basis": outcome.uncertainty.basis}
        subject = outcome.study if outcome.study is not None else outcome.bom
        outcome.report_input = prepare_report(
            subject,
            engine,
            evaluation=outcome.evaluation,
            evaluate_rules=False,
            rule_set=rule_set(rule_set_id) if outcome.evaluation is not None else None,
            uncertainty=uncertainty,
            grid=outcome.result.grid,
            suppliers=outcome.suppliers if outcome.study is None else None,  # a study carries its own
        )
    return outcome.report_input


def report_pdf(outcome, engine, language: str, rule_set_id: str | None = None) -> bytes:
    """The bilingual PDF report (:func:`footprint.reports.report_pdf`) in ``language``."""
    from footprint.reports import report_pdf as render

    return render(report_input(outcome, engine, rule_set_id), language)


def results_xlsx(outcome, engine, rule_set_id: str | None = None) -> bytes:
    """The results workbook of :func:`footprint.exchange.excel.results_xlsx` (bilingual)."""
    from footprint.exchange.excel import results_xlsx as workbook

    return workbook(report_input(outcome, engine, rule_set_id))


def pact_json(outcome, engine, form, rule_set_id: str | None = None) -> bytes:
    """The PACT v3 product footprint of :mod:`footprint.exchange.pact`; a BOM without a study
    takes the company and reference period from the form."""
    from footprint.exchange.pact import PactOptions
    from footprint.exchange.pact import pact_json as export

    options = None
    if outcome.study is None:
        options = PactOptions(company_name=form.applicant or None, reference_period=(form.period_start, form.period_end))
    return export(report_input(outcome, engine, rule_set_id), options)

