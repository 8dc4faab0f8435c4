"""One press of Calculate (``webapp.compute.calculate``) does each piece of work once and only
what the screen needs: the outcome must equal what the footprint modules give when asked
afresh, piece by piece (declared study, findings, label, images, alternatives)."""

from __future__ import annotations

import pytest

from footprint.label import build_label
from footprint.label_render import render_png, render_svg
from webapp import integrations
from webapp.compute import calculate
from webapp.state import StudyForm, build_bom, build_study

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def example(catalog):
    """The example study with its interpretation left blank (as a user's own study starts)."""
    from webapp.main import example_form

    blank = {"significant_lines": [], "uncertainty_method": "", "uncertainty_result": "", "sensitivity": ""}
    return StudyForm.from_dict({**example_form(catalog).to_dict(), **blank})


def _fresh_judgement(form: StudyForm, engine):
    """The filled study judged from scratch: recomputed, declared, rules, label built anew."""
    rules = integrations.rule_set(form.rule_set)
    study = build_study(form, build_bom(form, engine.dataset)[0], rules.pcr_id)[0]
    return integrations.judge(study, engine, rules), rules


def test_the_filled_study_is_judged_once_with_the_same_results_as_afresh(example, engine):
    """The interpretation is blank: Calculate fills it and judges the filled study,
    declaring the results of the computation it made before the fill. A fresh judgement of the
    filled form gives the same study JSON, findings and label payload."""
    outcome = calculate(example, engine)
    assert outcome.form_update, "the example's interpretation is filled from the results"
    filled = StudyForm.from_dict({**example.to_dict(), **outcome.form_update})
    fresh, rules = _fresh_judgement(filled, engine)
    assert outcome.study.to_json() == fresh.study.to_json()
    assert outcome.evaluation.model_dump_json() == fresh.evaluation.model_dump_json()
    assert outcome.label.raw == fresh.label
    assert outcome.label.raw == build_label(fresh.study, engine, rules, require_eligible=False)
    assert outcome.computation.headline.total_kgco2e == fresh.computation.headline.total_kgco2e


def test_label_images_and_alternatives_are_made_when_first_read(example, engine):
    """Calculate draws no label image and no "what would change" case when the sensitivity is
    typed; each appears when read, equal to the footprint modules' own."""
    typed = StudyForm.from_dict({**example.to_dict(), "sensitivity": "typed by the applicant"})
    outcome = calculate(typed, engine)
    assert "sensitivity" not in outcome.form_update
    assert "svg" not in vars(outcome.label) and outcome._alternatives is None
    assert outcome.label.svg == render_svg(outcome.label.raw).encode("utf-8")
    assert outcome.label.png() == render_png(outcome.label.raw).data
    computation = outcome.computation
    lines = computation.headline_bom if computation.headline_bom is not None else outcome.bom
    expected = integrations.alternatives(engine, lines, outcome.result, typed.grid or None)
    assert expected and outcome.alternatives == expected
    assert outcome._alternatives is outcome.alternatives  # computed once


def test_a_blank_sensitivity_is_filled_from_the_alternatives(example, engine):
    outcome = calculate(example, engine)
    first = outcome.alternatives[0]
    assert first.to_id in outcome.form_update["sensitivity"]
