"""Calls into the footprint modules that the results screen shows: Monte Carlo interval,
"what would change" alternatives, label rules, label images.

Why one adapter module: these modules are written alongside the app; each call here is the one
place the app depends on their interface, and each degrades to "not available" (with a note on
screen) instead of breaking the form when its module is missing or fails. No number is computed
here.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any, Callable

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


@dataclass(frozen=True)
class Alternative:
    line: str  # BOM line path
    activity_id: str
    alternative_id: str
    label_en: str
    label_zh: str
    kgco2e_before: float
    kgco2e_after: float  # total per declared unit with the switch
    change_kgco2e: float
    raw: Any = None


@dataclass(frozen=True)
class LabelImages:
    svg: bytes | None
    png: Any  # bytes, or a callable that draws them (deferred download)
    eligible: bool
    raw: Any = None
    notes: list[tuple[str, str]] = field(default_factory=list)


def _attr(obj: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if hasattr(obj, name):
            return getattr(obj, name)
    return default


def uncertainty(engine, bom, result, grid: str | None, progress: Callable[[float], None] | None = None) -> Uncertainty | None:
    """The 95 % interval from :func:`footprint.montecarlo.monte_carlo`, or None when unavailable."""
    try:
        from footprint.montecarlo import monte_carlo
    except ImportError:
        return None

    def report(done: int, total: int) -> None:
        if progress is not None and total:
            progress(done / total)

    try:
        outcome = monte_carlo(engine, bom, iterations=MC_ITERATIONS, seed=MC_SEED, grid=grid, progress=report)
    except FootprintError as error:
        log.info("Monte Carlo refused the BOM: %s", error)
        return None
    return Uncertainty(
        low=float(outcome.total["p2_5"]),
        high=float(outcome.total["p97_5"]),
        median=float(outcome.total["median"]),
        iterations=int(outcome.iterations),
        raw=outcome,
    )


def alternatives(engine, bom, result, grid: str | None, limit: int = 5) -> list[Alternative]:
    """Switches of hotspot lines to alternative activities, from :mod:`footprint.scenarios`."""
    try:
        from footprint import scenarios  # type: ignore[attr-defined]
    except ImportError:
        return []
    find = getattr(scenarios, "what_would_change", None) or getattr(scenarios, "alternatives", None)
    if find is None:
        return []
    try:
        found = find(engine, bom, grid=grid, limit=limit)
    except FootprintError as error:
        log.info("scenarios refused the BOM: %s", error)
        return []
    items = []
    for item in found or []:
        after = float(_attr(item, "total_kgco2e", "kgco2e_after", "total_after", default=result.total_kgco2e))
        items.append(
            Alternative(
                line=str(_attr(item, "line", "path", "line_path", default="")),
                activity_id=str(_attr(item, "activity_id", "from_activity", default="")),
                alternative_id=str(_attr(item, "alternative_id", "to_activity", "alternative", default="")),
                label_en=str(_attr(item, "label_en", "description", "label", default="")),
                label_zh=str(_attr(item, "label_zh", "description_zh", default="")),
                kgco2e_before=result.total_kgco2e,
                kgco2e_after=after,
                change_kgco2e=after - result.total_kgco2e,
                raw=item,
            )
        )
    return items


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


def judge(study, engine, loaded_rule_set) -> Judgement:
    """Recompute the study under the rule set's settings, declare the results, apply the rules
    and build the label (a preview when not eligible), all with the footprint modules."""
    from footprint.study_compute import declared_from, recompute

    if loaded_rule_set is None:
        computation = recompute(study, engine)
        declared = study.model_copy(update={"declared": declared_from(computation)})
        return Judgement(declared, computation, notes=[("The label rules are not available.", "标识规则不可用。")])
    from footprint.rules import evaluate_context, make_context

    first = make_context(study, loaded_rule_set, engine)
    computation = first.computation
    declared = study.model_copy(update={"declared": declared_from(computation)})
    context = make_context(declared, loaded_rule_set, engine)
    evaluation = evaluate_context(context)
    judgement = Judgement(declared, context.computation, evaluation)
    try:
        from footprint.label import build_label

        judgement.label = build_label(declared, engine, loaded_rule_set, require_eligible=False)
    except ImportError:
        judgement.notes.append(("The label module is not installed.", "未安装标识模块。"))
    except FootprintError as error:
        judgement.notes.append((f"No label: {error}", f"无法生成标识：{error}"))
    return judgement


def label_images(label) -> LabelImages | None:
    """The label as SVG (drawn now, for the preview) and PNG (drawn when downloaded), both with
    the QR code, from :mod:`footprint.label_render`."""
    if label is None:
        return None
    try:
        from footprint.label_render import render_png, render_svg
    except ImportError:
        return LabelImages(svg=None, png=None, eligible=label.evaluation.eligible, raw=label)
    svg = render_svg(label)
    return LabelImages(
        svg=svg.encode("utf-8") if isinstance(svg, str) else svg,
        png=lambda: render_png(label).data,
        eligible=label.evaluation.eligible,
        raw=label,
    )


def report_pdf(outcome, engine, language: str) -> bytes:
    """The bilingual PDF report of :mod:`footprint.reports` for this outcome (its study when the
    form makes one, else its BOM), with the findings and interval already computed."""
    from footprint.reports import report_pdf as render
    from footprint.reports.inputs import prepare_report

    uncertainty = None
    if outcome.uncertainty is not None and outcome.uncertainty.raw is not None:
        raw = outcome.uncertainty.raw
        uncertainty = {"iterations": raw.iterations, "seed": raw.seed, **raw.total}
    subject = outcome.study if outcome.study is not None else outcome.bom
    prepared = prepare_report(subject, engine, evaluation=outcome.evaluation, evaluate_rules=outcome.evaluation is not None, uncertainty=uncertainty)
    return render(prepared, language)


def pact_json(outcome, engine) -> bytes | None:
    """The PACT product footprint of :mod:`footprint.exchange` when that exporter is installed."""
    try:
        from footprint.exchange import pact  # type: ignore[attr-defined]
    except ImportError:
        return None
    export = getattr(pact, "export_json", None) or getattr(pact, "to_pact_json", None)
    if export is None:
        return None
    data = export(outcome.study if outcome.study is not None else outcome.bom, engine)
    return data.encode("utf-8") if isinstance(data, str) else data


def has_pact() -> bool:
    try:
        from footprint.exchange import pact  # type: ignore[attr-defined]  # noqa: F401
    except ImportError:
        return False
    return True
