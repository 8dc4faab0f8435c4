"""Studies in the web form: open a complete study, see it judged eligible with its label, claim
green certificates, save and reopen without losing anything the form does not show.

Runs on the hand-checkable study dataset (tests/data/study) through GBA_FOOTPRINT_DATASET, the
app's switch for another dataset folder.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from tests.study_fixtures import (
    LOCATION_TOTAL,
    MARKET_TOTAL,
    STUDY_DATASET,
    lamp_study_data,
    market_study_data,
)

from .helpers import calculate, new_app, outcome, show_results, texts

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(autouse=True)
def study_dataset_env(monkeypatch):
    monkeypatch.setenv("GBA_FOOTPRINT_DATASET", str(STUDY_DATASET))


def current(data: dict) -> dict:
    """The compliant lamp study moved to dates that are valid today (the app judges studies on
    the day it runs, as an applicant would)."""
    today = date.today()
    year = today.year - 1
    data["reference_period"].update(start=f"{year}-01-01", end=f"{year}-12-31")
    data["applicant"]["data_management_since"] = (today - timedelta(days=700)).isoformat()
    data["verification"]["site_visit_date"] = (today - timedelta(days=40)).isoformat()
    data["certification"]["issue_date"] = (today - timedelta(days=30)).isoformat()
    for certificate in (data.get("electricity") or {}).get("certificates") or []:
        certificate.update(generation_start=f"{year}-01-01", generation_end=f"{year}-12-31", retired_on=f"{today.year}-01-15")
    return data


def open_study(at, data: dict, name: str = "lamp.study.json"):
    at.file_uploader(key="upload.study").set_value((name, json.dumps(data).encode("utf-8"), "application/json")).run()
    assert not at.exception, at.exception
    return at


def test_complete_study_is_eligible_and_shows_its_label():
    at = open_study(new_app("en"), current(lamp_study_data()))
    assert at.session_state["study.report"][0] == "ok"
    assert at.text_input(key="f.applicant").value == "Test Lighting Co., Ltd."
    calculate(at)
    result = outcome(at)
    assert result.result.total_kgco2e == pytest.approx(LOCATION_TOTAL, rel=1e-9)
    assert result.evaluation.eligible, [r.en for r in result.evaluation.reasons]
    show_results(at, "findings")
    assert "Eligible for the GBA carbon footprint label" in texts(at.success)
    assert result.label is not None and result.label.eligible
    svg = result.label.svg.decode("utf-8")
    assert "label-qr" in svg and "6.82" in svg  # rounded up to 3 significant figures
    show_results(at, "label")
    assert any("data:image/svg+xml;base64," in str(m.value) for m in at.markdown)
    png = result.label.png()
    assert png.startswith(b"\x89PNG")
    assert result.uncertainty is not None and result.uncertainty.low < LOCATION_TOTAL < result.uncertainty.high
    assert "95 % interval" in [m.label for m in at.metric]


def test_green_certificates_give_the_market_based_total():
    data = current(market_study_data())
    at = open_study(new_app("en"), data)
    assert at.toggle(key="f.market_based").value is True
    calculate(at)
    result = outcome(at)
    assert result.result.total_kgco2e == pytest.approx(MARKET_TOTAL, rel=1e-9)
    assert result.computation.location.total_kgco2e == pytest.approx(LOCATION_TOTAL, rel=1e-9)
    assert result.evaluation.eligible
    # the claim is switched off on the form: back to the location-based total
    at.toggle(key="f.market_based").set_value(False).run()
    calculate(at)
    assert outcome(at).result.total_kgco2e == pytest.approx(LOCATION_TOTAL, rel=1e-9)


def test_certificates_entered_on_the_form(monkeypatch):
    from .helpers import edit_grid

    data = current(lamp_study_data())
    at = open_study(new_app("en"), data)
    at.toggle(key="f.market_based").set_value(True).run()
    year = date.today().year - 1
    edit_grid(
        at,
        "certificates",
        added=[{"id": "GEC-1", "type": "GEC", "quantity": "200", "generation_activity_id": "PV-GEN", "generation_start": f"{year}-01-01", "generation_end": f"{year}-12-31"}],
    )
    calculate(at)
    assert outcome(at).result.total_kgco2e == pytest.approx(MARKET_TOTAL, rel=1e-9)
    certificate = outcome(at).study.electricity.certificates[0]
    assert certificate.retired_for == "Test Lighting Co., Ltd."  # the applicant, filled in by the form


def test_save_study_in_the_sidebar_writes_the_results_as_calculated():
    """Calculate reruns only the results, so the sidebar's "Save study" (drawn before) makes its
    file when clicked, from the session's last outcome: the declared results once calculated,
    none once the form has changed since."""
    from webapp import session
    from webapp.main import saved_study
    from webapp.workspace import study_of

    at = open_study(new_app("en"), current(lamp_study_data()))
    box = at.session_state[session.LATEST]
    form = session.read_form({key: at.session_state[key] for key in at.session_state})
    assert box.outcome is None and json.loads(saved_study(form, study_of(form, outcome_dataset())[1], box.outcome))["declared"] is None
    calculate(at)
    assert box.outcome is outcome(at)
    saved = json.loads(saved_study(form, None, box.outcome))
    assert saved["declared"]["total_kgco2e"] == pytest.approx(LOCATION_TOTAL, rel=1e-9)
    at.text_input(key="f.product_model").input("changed").run()
    changed = session.read_form({key: at.session_state[key] for key in at.session_state})
    assert json.loads(saved_study(changed, study_of(changed, outcome_dataset())[1], box.outcome))["declared"] is None


def outcome_dataset():
    from webapp import config

    return config.engine_for(config.dataset_dir()).dataset


def test_save_and_reopen_keeps_what_the_form_does_not_show():
    from webapp.downloads import study_json

    data = current(lamp_study_data())
    at = open_study(new_app("zh-Hans"), data)
    calculate(at)
    saved, kind = study_json(None, outcome(at).study)
    assert kind == "study"
    content = json.loads(saved)
    assert {k: v for k, v in content["verification"].items() if v is not None} == data["verification"]
    assert content["exclusions"][0]["id"] == "SCREWS"
    assert content["lines"]["HOUSING"]["source"] == "supplier data sheet"
    assert content["declared"]["total_kgco2e"] == pytest.approx(LOCATION_TOTAL, rel=1e-9)
    again = open_study(new_app("en"), content, "saved.study.json")
    calculate(again)
    assert outcome(again).study.sha256() == outcome(at).study.sha256()
    assert outcome(again).evaluation.eligible


def test_a_broken_study_file_is_refused_with_its_problems():
    data = lamp_study_data()
    data["bom"]["lines"][0]["amount"] = -1
    data["reference_period"]["end"] = "2020-01-01"
    at = open_study(new_app("en"), data, "broken.json")
    status, name, _ = at.session_state["study.report"]
    assert status == "error" and name == "broken.json"
    shown = texts(at.sidebar.error)
    assert "bom\\.amount" in shown and "negative" in shown  # markdown source: user text is escaped
    assert "reference period ends" in shown
    at.file_uploader(key="upload.study").set_value(("x.json", b"{not json", "application/json")).run()
    assert "not valid JSON" in texts(at.sidebar.error)
