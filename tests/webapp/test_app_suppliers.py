"""The "Supplier footprint (PACT)" panel driven through AppTest: a PACT file and the real PACT
host (uvicorn on 127.0.0.1, tests/webapp/pact_servers.py; reached because these tests allow
127.0.0.1/32 as a deployment would) → preview → "Add as BOM line" → Calculate, and the footprint
kept in the study, the workspace and every download; an internal address refused in the panel.

Hand check: the example LED lamp study gives ``rest`` (computed by the same Calculate before the
line is added); a supplier line of ``amount`` units adds ``amount × PCF per unit``, so the total
must be ``rest + amount × PCF`` to float rounding (relative tolerance 1e-9): 50 g of the coated
reflector at 12 kg CO2e per 2 kg adds 0.05 × 6 = 0.3; 2 lamps from the host at 5.91949 (the
certified lamp's market-based total, tests/study_fixtures.py) add 11.83898.
"""

from __future__ import annotations

import json

import pytest

from .helpers import bound, calculate, new_app, outcome, texts
from ..study_fixtures import SUPPLIER_FOOTPRINT as COATING
from ..study_fixtures import SUPPLIER_PER_KG as COATING_PER_KG
from ..study_fixtures import supplier_footprint as coating
from .pact_servers import CLIENT_ID, LAMP_PCF, SECRET, certified_setup, local_hosts_allowed, no_networks_allowed, pact_host_url, study_dataset, study_engine  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
TOL = 1e-9


def _example(language: str):
    """The complete example study, calculated: (AppTest, its total without a supplier line)."""
    at = new_app(language)
    at.button(key="btn.example").click().run()
    calculate(at)
    assert outcome(at).ok and outcome(at).study is not None
    return at, outcome(at).result.total_kgco2e


def _upload(at, document, name: str = "supplier.pact.json") -> None:
    data = document if isinstance(document, bytes) else json.dumps(document).encode()
    at.file_uploader(key="pact.file").set_value((name, data, "application/json")).run()
    assert not at.exception, at.exception


def _add(at, amount: str, unit: str | None = None) -> None:
    at.text_input(key="pact.amount").input(amount)
    if unit is not None:
        at.selectbox(key=bound(at, "pact.unit")).select(unit)
    at.run()
    at.button(key="pact.add").click().run()
    assert not at.exception, at.exception


def _fetch(at, host: str, secret: str = SECRET, **filters: str) -> None:
    if at.session_state["pact.source"] != "host":
        at.radio(key=bound(at, "pact.source")).set_value("host").run()
    at.text_input(key="pact.host").input(host)
    at.text_input(key="pact.client_id").input(CLIENT_ID)
    at.text_input(key="pact.secret").input(secret)
    for name, value in filters.items():
        at.text_input(key=f"pact.{name}").input(value)
    at.button(key="pact.fetch").click().run()
    assert not at.exception, at.exception


def _secret_nowhere(at) -> None:
    """Not in any value of the session: user keys, widget values, and Streamlit's own records of
    widget states (its SessionState's maps) after the run."""
    for key, value in at.session_state.items():
        assert SECRET not in repr(value), key
    raw = at.session_state._state._state  # streamlit.runtime.state.SessionState
    for part in (raw._old_state, raw._new_session_state, raw._new_widget_state):
        assert SECRET not in repr(part)


def _plain_state(at) -> dict:
    return dict(at.session_state.to_dict())


def test_a_pact_file_becomes_a_primary_line_kept_by_the_study_workspace_and_downloads(engine, catalog):
    from webapp import integrations, workspace
    from webapp.downloads import study_json

    from ..reports.test_pdf_report import extract_text

    at, rest = _example("en")
    _upload(at, COATING)
    preview = texts(at.markdown)
    assert "Coated reflector" in preview and "6 kg CO2e per kg" in preview
    _add(at, "50", unit="g")
    assert "Line S1 added" in texts(at.success)
    row = at.session_state["base.materials"][-1]
    assert (row["activity_id"], row["amount"], row["unit"], row["data_type"]) == ("PACT-5c0a7e11", "50", "g", "primary")
    calculate(at)
    result = outcome(at).result
    assert result.total_kgco2e == pytest.approx(rest + 0.050 * COATING_PER_KG, rel=TOL)
    (line,) = [line for line in result.lines if line.id == "S1"]
    assert line.data_type == "primary" and line.kgco2e == pytest.approx(0.3, rel=TOL)
    assert any("Coated reflector (Coating Supplier Ltd.)" in frame.value.to_string() for frame in at.dataframe)

    saved, kind = study_json(None, outcome(at).study)
    assert kind == "study" and json.loads(saved)["suppliers"] == [{"activity_id": "PACT-5c0a7e11", "pact": COATING}]
    again = new_app("zh-Hans")
    again.file_uploader(key="upload.study").set_value(("kit.study.json", saved, "application/json")).run()
    assert again.session_state["f.suppliers"] == [{"activity_id": "PACT-5c0a7e11", "pact": COATING}]
    calculate(again)
    assert outcome(again).result.total_kgco2e == pytest.approx(result.total_kgco2e, rel=1e-12)
    assert outcome(again).study.sha256() == outcome(at).study.sha256()

    items = workspace.sync(_plain_state(at))
    (variant,) = workspace.load_workspace(workspace.workspace_json(items, engine.dataset), catalog)
    assert variant.form.suppliers == [{"activity_id": "PACT-5c0a7e11", "pact": COATING}]

    report = outcome(at)
    assert "Coatedreflector" in extract_text(integrations.report_pdf(report, engine, "en"))
    assert b"PACT-5c0a7e11" in integrations.results_xlsx(report, engine) or _xlsx_has(integrations.results_xlsx(report, engine), "PACT-5c0a7e11")
    exported = json.loads(integrations.pact_json(report, engine, None))
    assert float(exported["pcf"]["pcfExcludingBiogenicUptake"]) == pytest.approx(result.total_kgco2e, rel=1e-6)


def _xlsx_has(data: bytes, text: str) -> bool:
    import io

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    return any(text in str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None)


def test_fetched_from_the_pact_host_the_secret_is_gone_and_the_total_adds_up(pact_host_url, local_hosts_allowed, engine):
    from webapp import workspace
    from webapp.downloads import study_json

    at, rest = _example("zh-Hans")
    _fetch(at, pact_host_url, geography="CN")
    assert at.text_input(key="pact.secret").value == ""
    _secret_nowhere(at)
    found = at.session_state["pact.found"]
    assert found["origin"] == "host" and len(found["footprints"]) == 1
    assert "LED downlight 12 W" in at.dataframe[0].value.to_string()
    assert "从 " in texts(at.caption)  # "{count} footprint(s) from {host}" in Chinese
    _add(at, "2")
    calculate(at)
    assert outcome(at).result.total_kgco2e == pytest.approx(rest + 2 * LAMP_PCF, rel=TOL)
    _secret_nowhere(at)
    saved, _ = study_json(None, outcome(at).study)
    assert SECRET.encode() not in saved and b"LED downlight 12 W" in saved
    assert SECRET.encode() not in workspace.workspace_json(workspace.sync(_plain_state(at)), engine.dataset)


def test_host_failures_are_explained_and_nothing_typed_is_lost(pact_host_url, local_hosts_allowed):
    at = new_app("zh-Hans")
    _fetch(at, pact_host_url)
    assert len(at.session_state["pact.found"]["footprints"]) == 1
    _fetch(at, pact_host_url, secret="wrong-secret")
    shown = texts(at.error)
    assert "拒绝了客户端编号“buyer”" in shown and "密钥未保存" in shown
    assert at.text_input(key="pact.host").value == pact_host_url and at.text_input(key="pact.client_id").value == CLIENT_ID
    assert at.text_input(key="pact.secret").value == ""
    assert len(at.session_state["pact.found"]["footprints"]) == 1  # the earlier list stays
    _fetch(at, "http://pact.supplier.example")
    assert "要求使用 HTTPS" in texts(at.error)
    at.radio(key="lang").set_value("en").run()
    _fetch(at, pact_host_url + "/no/such/path")
    assert "HTTP 404" in texts(at.error) and "base address" in texts(at.error)


def test_an_internal_address_is_refused_in_the_panel_and_what_was_typed_stays(pact_host_url, no_networks_allowed):
    """Without the setting the real host on 127.0.0.1 is refused like the metadata address: the
    reason in the page's language, the address and client id kept, the secret emptied."""
    at = new_app("zh-Hans")
    _fetch(at, pact_host_url)
    shown = texts(at.error).replace("\\", "")  # as read on the page (markdown escapes removed)
    assert "**host**: 127.0.0.1 是环回地址（即本机）：本服务器只连接公网地址" in shown and "GBA_PACT_ALLOWED_NETWORKS" in shown
    assert at.text_input(key="pact.host").value == pact_host_url and at.text_input(key="pact.client_id").value == CLIENT_ID
    assert at.text_input(key="pact.secret").value == "" and "pact.found" not in at.session_state
    at.radio(key="lang").set_value("en").run()
    _fetch(at, "https://169.254.169.254/latest/meta-data")
    shown = texts(at.error).replace("\\", "")
    assert "**host**: 169.254.169.254 is a link-local address (where cloud metadata services answer" in shown and "only to public addresses" in shown
    assert at.text_input(key="pact.host").value == "https://169.254.169.254/latest/meta-data"


def test_deprecated_malformed_and_mistyped_entries_are_refused_in_both_languages():
    at = new_app("en")
    _upload(at, coating(status="Deprecated"), "old.json")
    assert "cannot be used as a BOM line" in texts(at.error) and "Deprecated" in texts(at.error)
    assert not [b for b in at.button if b.key == "pact.add"]
    _upload(at, COATING, "good.json")
    _upload(at, b'{"pcf": {}, "pcf": {}}', "twice.json")
    assert "twice\\.json cannot be used" in texts(at.error) and "appears twice" in texts(at.error)
    assert at.session_state["pact.found"]["name"] == "good.json"  # the good file stays chosen
    _add(at, "2,5")
    assert "The line was not added" in texts(at.error) and at.text_input(key="pact.amount").value == "2,5"
    at.radio(key="lang").set_value("zh-Hans").run()
    _add(at, "-1")
    assert "未添加该行" in texts(at.error) and "须大于 0" in texts(at.error)
    _upload(at, coating(status="Deprecated"), "old.json")
    assert "已被弃用" in texts(at.error)
    assert at.session_state["base.materials"] == []  # nothing was added by any refusal


def test_the_added_confirmation_outlives_other_reruns_and_goes_with_the_next_panel_action():
    """"Line S1 added" is not taken away by a rerun started elsewhere (a Calculate here; in a
    browser, any grid edit); it goes when the panel is used again, or when another study without
    that line is shown."""
    at, _ = _example("en")
    _upload(at, COATING)
    _add(at, "50", unit="g")
    assert "Line S1 added" in texts(at.success)
    calculate(at)
    at.run()
    assert "Line S1 added" in texts(at.success)
    _upload(at, COATING, name="again.pact.json")
    assert "Line S1 added" not in texts(at.success)

    _add(at, "20", unit="g")
    assert "Line S2 added" in texts(at.success)
    saved = at.session_state["base.materials"]
    at.button(key="btn.example").click().run()
    assert not any(row["id"] == "S2" for row in at.session_state["base.materials"]) and len(saved) > len(at.session_state["base.materials"])
    assert "Line S2 added" not in texts(at.success)
