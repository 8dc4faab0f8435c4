"""What a report is made from: the BOM, the engine's result and, when there is one, the study.

Why one input object: the PDF, the results workbook and the PACT export all describe the same
footprint, and must never disagree. :func:`prepare_report` computes the result once (through
:func:`footprint.study_compute.recompute` for a study, so the headline is the market-based
number whenever certificates back it, exactly as the label rules see it) and every exporter
reads it from here. Optional parts (rule findings, a label, a Monte Carlo summary, supplier
footprints) simply stay ``None`` when not given; the report then says so instead of inventing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from ..bom import Bom
from ..errors import FootprintError, InputError, RowIssue
from ..results import FootprintResult
from ..user_json import read_json


@dataclass(frozen=True)
class LabelInfo:
    """The carbon footprint label as printed: rounded value, certificate, QR payload.

    Built from :class:`footprint.label.Label` (the label rules' own rounding and payload) by
    :func:`footprint.reports.labels.label_info`. ``certified`` is False for a preview (no
    certificate number, or a study the rules do not find eligible): the report then says the
    label is a preview, never a claim. ``png`` is the label as rendered for print
    (:func:`footprint.label_render.render_png`), when available.
    """

    value_text: str
    unit_text: str
    certificate_no: str = ""
    body: str = ""
    body_zh: str = ""
    issued: date | None = None
    expires: date | None = None
    qr_payload: str = ""
    certified: bool = False
    png: bytes | None = None


@dataclass(frozen=True)
class UncertaintySummary:
    """A Monte Carlo result reduced to what a report prints (kg CO2e per declared unit)."""

    iterations: int
    seed: int | None
    mean: float
    median: float
    low: float  # 2.5th percentile
    high: float  # 97.5th percentile
    std: float | None = None
    basis: str | None = None  # the result simulated, "location" or "market" (None: not stated, a BOM's)


@dataclass(frozen=True)
class ReportInput:
    """Everything the report, workbook and PACT exporters read; see the module docstring."""

    bom: Bom
    result: FootprintResult
    study: Any | None = None  # footprint.study.Study
    computation: Any | None = None  # footprint.study_compute.StudyComputation
    evaluation: Any | None = None  # footprint.rules.model.Evaluation
    rule_set: Any | None = None  # footprint.rules.model.RuleSet
    label: LabelInfo | None = None
    uncertainty: UncertaintySummary | None = None
    dataset: Any | None = None  # footprint.dataset.Dataset
    grid_factor_kgco2e_per_kwh: float | None = None
    suppliers: tuple[Any, ...] = field(default_factory=tuple)  # footprint.exchange.suppliers.SupplierActivity

    @property
    def product_name(self) -> str:
        return self.result.product or self.bom.product

    def report_date(self) -> date | None:
        """The date the report carries: fixed by the study (issue date, else the end of the
        reference period), never today, so the same inputs give the same bytes."""
        study = self.study
        if study is None:
            return None
        certification = getattr(study, "certification", None)
        if certification is not None and certification.issue_date:
            return certification.issue_date
        return study.reference_period.end


def uncertainty_from(summary: Any) -> UncertaintySummary | None:
    """Read a Monte Carlo summary given as our dataclass, a mapping or an object with attributes.

    Accepted names: ``iterations``/``n``/``runs``, ``seed``, ``mean``, ``median``,
    ``p2_5``/``p025``/``low`` and ``p97_5``/``p975``/``high`` (or ``percentiles`` {2.5, 97.5}),
    ``std``, ``basis`` (``"market"`` when the lines simulated are the market-based ones). Why so
    lenient: the Monte Carlo module is written separately and its summary may be a dataclass or
    its JSON form.
    """
    if summary is None or isinstance(summary, UncertaintySummary):
        return summary
    if hasattr(summary, "to_dict") and callable(summary.to_dict):
        summary = summary.to_dict()
    if isinstance(summary, Mapping):
        # footprint.montecarlo's JSON: run settings under "monte_carlo", statistics under "total"
        for nested in ("monte_carlo", "total"):
            if isinstance(summary.get(nested), Mapping):
                summary = {**summary, **summary[nested]}
    get = summary.get if isinstance(summary, Mapping) else (lambda key, default=None: getattr(summary, key, default))

    def first(*names: str) -> Any:
        for name in names:
            value = get(name, None)
            if value is not None:
                return value
        return None

    percentiles = first("percentiles") or {}
    if isinstance(percentiles, Mapping):
        percentiles = {float(k): v for k, v in percentiles.items()}
    low = first("p2_5", "p025", "p2.5", "low", "lower")
    high = first("p97_5", "p975", "p97.5", "high", "upper")
    low = low if low is not None else percentiles.get(2.5)
    high = high if high is not None else percentiles.get(97.5)
    mean, median = first("mean"), first("median", "p50")
    iterations = first("iterations", "n", "runs", "samples")
    if None in (low, high, mean, iterations):
        raise FootprintError("the Monte Carlo summary needs iterations, mean and a 2.5 / 97.5 percentile interval")
    seed = first("seed")
    std = first("std", "stdev", "standard_deviation")
    basis = first("basis")
    return UncertaintySummary(
        iterations=int(iterations),
        seed=None if seed is None else int(seed),
        mean=float(mean),
        median=float(median if median is not None else mean),
        low=float(low),
        high=float(high),
        std=None if std is None else float(std),
        basis=basis if basis in ("location", "market") else None,
    )


def load_subject(path: str | Path) -> tuple[Any | None, Bom]:
    """A study JSON or a BOM file (CSV, xlsx, JSON) → (study or None, BOM).

    A JSON object with ``study_id`` or ``applicant`` is a study; anything else goes through the
    BOM reader (:func:`footprint.bom_io.read_bom`), which gives located errors.
    """
    from ..bom_io import read_bom

    path = Path(path)
    if path.suffix.lower() == ".json":
        try:
            head = read_json(path.read_bytes())
        except (OSError, InputError):
            head = None  # the BOM reader words the problem
        if isinstance(head, dict) and ("study_id" in head or "applicant" in head):
            from ..study import load_study

            study = load_study(path)
            return study, study.bom
    return None, read_bom(path)


def prepare_report(
    subject: Any,
    engine: Any = None,
    *,
    evaluate_rules: bool = True,
    rule_set: Any = None,
    evaluation: Any = None,
    evaluation_date: date | None = None,
    uncertainty: Any = None,  # a Monte Carlo summary, or an int: run that many iterations
    suppliers: Any = None,
    grid: str | None = None,
) -> ReportInput:
    """Compute everything a report needs for a study or a BOM (path, Study or Bom).

    For a study: the results, findings and label exactly as the label rules compute them
    (``rule_set``, default: the general GBA rules), evaluated on ``evaluation_date`` (default: the
    study's report date, so the same study always gives the same report); ``evaluate_rules=False``
    skips rules and label; a study's supplier PACT footprints are its own (``Study.suppliers``).
    For a BOM: the engine's result; ``suppliers`` (a
    :class:`~footprint.exchange.suppliers.SupplierRegistry` or supplier activities) adds
    supplier PACT footprints. ``uncertainty`` is a Monte Carlo summary, or a number of iterations
    to run with :mod:`footprint.montecarlo`.
    """
    if engine is None:
        from ..engine import default_engine

        engine = default_engine()
    study = None
    if isinstance(subject, (str, Path)):
        study, bom = load_subject(subject)
    elif isinstance(subject, Bom):
        bom = subject
    elif hasattr(subject, "bom") and hasattr(subject, "study_id"):
        study, bom = subject, subject.bom
    else:
        raise TypeError(f"prepare_report needs a study, a BOM or a path, not {type(subject).__name__}")

    from ..exchange.suppliers import SupplierRegistry, with_suppliers

    if study is None:
        registry = suppliers if isinstance(suppliers, SupplierRegistry) else SupplierRegistry(suppliers or ())
        computing = with_suppliers(engine, registry)
        result = computing.calculate(bom, grid=grid)
        computation = None
        evaluation_result = evaluation
        rule_set_obj = rule_set if not isinstance(rule_set, str) else None
        label = None
    else:
        if suppliers:
            raise InputError(
                issues=[
                    RowIssue(
                        "a study carries its supplier PACT footprints itself (its 'suppliers', with the lines that draw them): add them to the study, not to the command",
                        "研究自带其供应商 PACT 碳足迹（suppliers 字段及引用它们的物料清单行）：请加到研究中，而不是命令参数中",
                    )
                ]
            )
        registry = SupplierRegistry(study.supplier_activities())
        computing = with_suppliers(engine, registry)
        computation, evaluation_result, rule_set_obj, label = _study_parts(
            study, engine, evaluate_rules=evaluate_rules, rule_set=rule_set, evaluation=evaluation, when=evaluation_date or _study_date(study)
        )
        result = computation.headline
    supplier_list = registry.used_by(bom)
    dataset = engine.dataset
    grid_factor = None
    if dataset.has_activity(result.grid):
        grid_factor = engine.activity_footprint(result.grid, result.grid)
    if uncertainty is not None and not isinstance(uncertainty, UncertaintySummary) and isinstance(uncertainty, int) and not isinstance(uncertainty, bool):
        if computation is not None and computation.headline_bom is not None:
            # a study: simulate the headline's own lines (the market-based split when the label
            # shows the market-based value) with the study's GWP method
            uncertainty = run_monte_carlo(
                computing.with_method(computation.method_id), computation.headline_bom, iterations=uncertainty, grid=result.grid, basis=computation.headline_basis
            )
        else:
            uncertainty = run_monte_carlo(computing, bom, iterations=uncertainty, grid=result.grid)
    return ReportInput(
        bom=bom,
        result=result,
        study=study,
        computation=computation,
        evaluation=evaluation_result,
        rule_set=rule_set_obj,
        uncertainty=uncertainty_from(uncertainty),
        dataset=dataset,
        grid_factor_kgco2e_per_kwh=grid_factor,
        suppliers=supplier_list,
        label=label,
    )


def _study_parts(study: Any, engine: Any, *, evaluate_rules: bool, rule_set: Any, evaluation: Any, when: date) -> tuple[Any, Any, Any, LabelInfo | None]:
    """(computation, evaluation, rule set, label) of a study, as the label rules see it.

    The computation comes from the rule context (so certificate acceptance and GWP set follow
    the rule set's configuration), the label from :func:`footprint.label.build_label` (its
    rounding and QR payload), as a preview when the study is not eligible.
    """
    from ..rules.evaluator import evaluate_context, make_context
    from ..rules.loader import load_rule_set, rule_set_for_study

    if not evaluate_rules:
        from ..study_compute import recompute

        rule_set_obj = rule_set if rule_set is not None and not isinstance(rule_set, str) else None
        return recompute(study, engine), evaluation, rule_set_obj, None
    if rule_set is None:  # the rule set the study follows (footprint.rules.loader.rule_set_for_study)
        rule_set = rule_set_for_study(study)
    rule_set_obj = rule_set if not isinstance(rule_set, str) else load_rule_set(rule_set)
    ctx = make_context(study, rule_set_obj, engine, when)
    evaluation_result = evaluation if evaluation is not None else evaluate_context(ctx)
    from .labels import label_info

    return ctx.computation, evaluation_result, rule_set_obj, label_info(study, engine, rule_set_obj, when, evaluation_result)


def run_monte_carlo(engine: Any, bom: Any, *, iterations: int, seed: int = 0, grid: str | None = None, basis: str | None = None) -> UncertaintySummary | None:
    """A Monte Carlo summary from :mod:`footprint.montecarlo` (None when that module is absent);
    ``basis`` says which result ``bom`` is the lines of ("location" or "market")."""
    try:
        from ..montecarlo import monte_carlo
    except ImportError:
        return None
    summary = uncertainty_from(monte_carlo(engine, bom, iterations=iterations, seed=seed, grid=grid))
    return replace(summary, basis=basis) if summary is not None and basis is not None else summary


def _study_date(study: Any) -> date:
    certification = getattr(study, "certification", None)
    if certification is not None and certification.issue_date:
        return certification.issue_date
    return study.reference_period.end


def supplier_paths(values: Sequence[str] | None) -> list[tuple[str | None, Path]]:
    """CLI ``--supplier [ID=]FILE.json`` values → (activity id or None, path)."""
    parsed = []
    for value in values or ():
        if "=" in value and not Path(value).exists():
            activity_id, _, path = value.partition("=")
            parsed.append((activity_id.strip() or None, Path(path)))
        else:
            parsed.append((None, Path(value)))
    return parsed
