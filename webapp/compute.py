"""One calculation for one form: validate, compute with the engine, judge, in that order.

Why a plain function: the "Calculate" button, the tests and the benchmark all run exactly this,
without Streamlit. Every number comes from the footprint package (engine, study recomputation,
Monte Carlo, scenarios, label rules, label); this module only sequences the calls and collects
what each one returned or the problems it reported.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from footprint.errors import FootprintError, InputError

from . import integrations
from .label_details import fill_interpretation, interpretation_suggestion
from .state import FormIssue, StudyForm, build_bom, build_study
from .texts import Texts

Progress = Callable[[float, str], None]


@dataclass
class Outcome:
    """What one press of "Calculate" produced (kept in the session until the next one)."""

    fingerprint: str
    issues: list[FormIssue] = field(default_factory=list)
    study_issues: list[FormIssue] = field(default_factory=list)
    bom: Any = None
    study: Any = None
    computation: Any = None  # footprint.study_compute.StudyComputation
    result: Any = None  # the headline FootprintResult
    location: Any = None  # the location-based FootprintResult
    uncertainty: Any = None  # integrations.Uncertainty
    alternatives_source: Callable[[], list] | None = None  # what computes the alternatives, on first read
    basis: str = "location"  # the result that the interval and the alternatives are for (the headline's)
    evaluation: Any = None  # footprint.rules Evaluation
    label: Any = None  # integrations.LabelImages
    notes: list[tuple[str, str]] = field(default_factory=list)  # (English, Chinese) remarks
    report_input: Any = None  # footprint.reports.inputs.ReportInput, prepared on first download
    suppliers: Any = None  # the form's supplier footprints (footprint.exchange.suppliers.SupplierRegistry)
    form_update: dict[str, Any] = field(default_factory=dict)  # interpretation fields filled from the results
    seconds: float = 0.0

    _alternatives: list | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.result is not None

    @property
    def alternatives(self) -> list:
        """The "what would change" cases (integrations.Alternative), computed when first read:
        by the hotspots tab, or to fill a blank sensitivity text; not on every Calculate."""
        if self._alternatives is None:
            self._alternatives = self.alternatives_source() if self.alternatives_source is not None else []
        return self._alternatives


def fingerprint(form: StudyForm, grid_default: str = "") -> str:
    """A hash of the entries, to tell whether a shown result is still up to date."""
    payload = json.dumps(form.to_dict(), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{grid_default}|{payload}".encode()).hexdigest()[:16]


def _issue_from_error(error: FootprintError, section: str) -> list[FormIssue]:
    if isinstance(error, InputError):
        return [FormIssue(section, None, i.field, i.value, i.message, i.message_zh) for i in error.issues]
    return [FormIssue(section, None, None, None, str(error), str(error))]


def _judge(outcome: Outcome, form: StudyForm, study, engine, loaded_rules, language: str) -> None:
    """Put what was computed (hotspots, interval, what would change) into the study's
    interpretation where the form leaves it blank, then judge that study, once: declared
    results from the computation already made (the interpretation is text the recomputation
    does not read), the rules, the label."""
    significance = loaded_rules.config.get("significance_threshold_pct") if loaded_rules is not None else None
    # the "what would change" cases are only read for a blank sensitivity: typed text is kept
    cases = not str(form.sensitivity).strip()
    suggestion = interpretation_suggestion(outcome, Texts(language), *([float(significance)] if significance else []), cases=cases)
    changes = fill_interpretation(form, suggestion)
    if changes:
        filled = StudyForm.from_dict({**form.to_dict(), **changes})
        filled_study, _ = build_study(filled, outcome.bom, loaded_rules.pcr_id if loaded_rules is not None else None)
        if filled_study is not None:
            study = filled_study
            outcome.form_update = changes
            outcome.fingerprint = fingerprint(filled)
    judgement = integrations.judge(study, engine, loaded_rules, outcome.computation)
    outcome.study, outcome.evaluation = judgement.study, judgement.evaluation
    outcome.notes.extend(judgement.notes)
    outcome.label = integrations.label_images(judgement.label) if judgement.label is not None else None


def _refused(form: StudyForm, outcome: Outcome, error: FootprintError, started: float) -> Outcome:
    """What a computation the footprint modules refused shows: the problem, no result."""
    refused = Outcome(fingerprint=fingerprint(form), study_issues=outcome.study_issues, bom=outcome.bom)
    refused.issues = _issue_from_error(error, "bom")
    refused.seconds = time.perf_counter() - started
    return refused


def calculate(
    form: StudyForm,
    engine,
    *,
    uncertainty: bool = True,
    rules: bool = True,
    progress: Progress | None = None,
    language: str = "en",
) -> Outcome:
    """Validate the form and compute everything the results screen shows."""
    started = time.perf_counter()
    report = progress or (lambda fraction, what: None)
    outcome = Outcome(fingerprint=fingerprint(form))
    bom, _, issues = build_bom(form, engine.dataset)
    outcome.issues = issues
    if bom is None:
        outcome.seconds = time.perf_counter() - started
        return outcome
    outcome.bom = bom
    engine = integrations.with_form_suppliers(engine, form)  # lines drawing a supplier's PACT footprint
    outcome.suppliers = engine.suppliers
    report(0.1, "footprint")
    loaded_rules = integrations.rule_set(form.rule_set) if rules else None
    study, study_issues = build_study(form, bom, loaded_rules.pcr_id if loaded_rules is not None else None)
    outcome.study_issues = study_issues
    try:
        if study is not None:
            outcome.computation = integrations.computation_of(study, engine, loaded_rules)
            outcome.result = outcome.computation.headline
            outcome.location = outcome.computation.location
        else:
            outcome.result = outcome.location = engine.calculate(bom, grid=form.grid or None)
    except FootprintError as error:
        return _refused(form, outcome, error, started)
    if uncertainty:
        # Interval and alternatives describe the headline: for a market-based headline, the
        # market-based lines (certified kWh on the certificates' generation activities).
        lines, outcome.basis = bom, "location"
        computation = outcome.computation
        if computation is not None and computation.headline_bom is not None:
            lines, outcome.basis = computation.headline_bom, computation.headline_basis
        report(0.4, "uncertainty")
        outcome.uncertainty = integrations.uncertainty(
            engine, lines, outcome.result, form.grid or None, progress=lambda f: report(0.4 + 0.5 * f, "uncertainty"), basis=outcome.basis
        )
        outcome.alternatives_source = partial(integrations.alternatives, engine, lines, outcome.result, form.grid or None)
    if study is not None:
        try:
            _judge(outcome, form, study, engine, loaded_rules, language)
        except FootprintError as error:
            return _refused(form, outcome, error, started)
    report(1.0, "done")
    outcome.seconds = time.perf_counter() - started
    return outcome
