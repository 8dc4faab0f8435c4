"""webapp.supplier_import without Streamlit: the address rule, fetching from a real PACT host
and from hosts that answer badly (each failure named in both languages), reading files, and
adding a footprint to a form as a BOM line."""

from __future__ import annotations

import json
import re

import pytest

from footprint.errors import InputError

from ..study_fixtures import SUPPLIER_FOOTPRINT as COATING
from ..study_fixtures import supplier_footprint as coating
from .pact_servers import CLIENT_ID, LAMP_PCF, SECRET, broken_host_url, certified_setup, pact_host_url, study_dataset, study_engine  # noqa: F401


def _refusal(call) -> tuple[str | None, str, str]:
    with pytest.raises(InputError) as caught:
        call()
    (issue,) = caught.value.issues
    return issue.field, issue.message, issue.message_zh


@pytest.mark.parametrize(
    ("address", "accepted"),
    [
        ("https://pact.supplier.example", "https://pact.supplier.example"),
        ("  https://pact.supplier.example/api/  ", "https://pact.supplier.example/api"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("http://127.0.0.5:8000/", "http://127.0.0.5:8000"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("http://pact.supplier.example", None),  # the secret would travel in clear
        ("http://10.0.0.7", None),
        ("ftp://pact.supplier.example", None),
        ("pact.supplier.example", None),
        ("https://user:pw@pact.supplier.example", None),
        ("https://pact.supplier.example/?x=1", None),
        ("https://pact.supplier.example:port", None),
        ("", None),
    ],
)
def test_only_https_addresses_or_this_computer_over_http(address, accepted):
    from webapp.supplier_import import host_url

    if accepted is not None:
        assert host_url(address) == accepted
    else:
        field, message, message_zh = _refusal(lambda: host_url(address))
        assert field == "host" and message and message_zh and message != message_zh


def test_fetch_lists_the_certified_footprint_of_the_real_host(pact_host_url):
    from webapp.supplier_import import fetch_footprints, inspect, summary

    listing = fetch_footprints(pact_host_url + "/", CLIENT_ID, SECRET, geography="CN-GD")
    assert listing.host == pact_host_url and not listing.more
    (document,) = listing.footprints
    info = summary(document)
    assert (info["product"], info["status"], info["declared_unit"]) == ("LED downlight 12 W", "Active", "1 piece")
    assert float(info["pcf"]) == pytest.approx(LAMP_PCF, rel=1e-9)
    activity, problems = inspect(document)
    assert problems == [] and activity.unit == "piece" and activity.kgco2e_per_unit == pytest.approx(LAMP_PCF, rel=1e-9)
    assert fetch_footprints(pact_host_url, CLIENT_ID, SECRET, product_id="urn:gtin:00000000").footprints == ()


def test_each_failure_of_a_host_is_named_in_both_languages(pact_host_url, broken_host_url, monkeypatch):
    import webapp.supplier_import as module
    from webapp.supplier_import import fetch_footprints

    def refusal(host, secret=SECRET):
        return _refusal(lambda: fetch_footprints(host, CLIENT_ID, secret))

    field, message, message_zh = refusal(pact_host_url, "wrong-secret")
    assert field == "client_id" and "refused client id “buyer”" in message and "401" in message and "拒绝" in message_zh
    field, message, message_zh = refusal(f"http://127.0.0.1:{_closed_port()}")
    assert field == "host" and message.startswith("cannot reach") and "无法连接" in message_zh
    assert refusal("https://pact.invalid")[1].startswith("cannot reach")  # a name that never resolves (RFC 2606)
    assert "HTTP 404" in refusal(broken_host_url + "/missing")[1]
    assert "did not answer with JSON" in refusal(broken_host_url + "/html")[1]
    assert "did not answer with JSON" in refusal(broken_host_url + "/badjson")[1]
    for way in ("/notpact", "/list"):
        field, message, message_zh = refusal(broken_host_url + way)
        assert ("PACT" in message and "PACT" in message_zh), way
    monkeypatch.setattr(module, "TIMEOUT_S", 0.5)
    message, message_zh = refusal(broken_host_url + "/slow")[1:]
    assert "did not answer within 0.5 s" in message and "0.5 秒内没有应答" in message_zh
    monkeypatch.setattr(module, "MAX_RESPONSE_BYTES", 100_000)
    assert "narrow the filters" in refusal(broken_host_url + "/big")[1]
    assert refusal(pact_host_url, "")[0] == "secret"
    assert _refusal(lambda: fetch_footprints(pact_host_url, " ", SECRET))[0] == "client_id"


def _closed_port() -> int:
    from ..pact_host.conftest import free_port

    return free_port()  # bound and released: nothing listens there


def test_reading_files_refuses_what_is_not_one_usable_footprint():
    from webapp.supplier_import import MAX_FILE_BYTES, inspect, read_file

    assert read_file(json.dumps(COATING).encode(), "c.json") == COATING
    assert read_file(json.dumps({"data": [COATING]}).encode(), "c.json") == COATING
    assert "not valid JSON" in _refusal(lambda: read_file(b'{"pcf": ', "c.json"))[1]
    assert "appears twice" in _refusal(lambda: read_file(b'{"pcf": {}, "pcf": {}}', "c.json"))[1]
    assert "no 'pcf' object" in _refusal(lambda: read_file(b'{"product": "x"}', "c.json"))[1]
    assert "larger than" in _refusal(lambda: read_file(b" " * (MAX_FILE_BYTES + 1), "c.json"))[1]
    _, problems = inspect(coating(status="Deprecated"))
    assert [(p.field, "Deprecated" in p.message, "弃用" in p.message_zh) for p in problems] == [("status", True, True)]


def test_adding_a_line_checks_id_parent_amount_and_unit_and_keeps_the_document(engine, catalog):
    from footprint.exchange.pact import supplier_activity_from_pact
    from webapp.state import StudyForm, build_bom, draft_json, load_saved
    from webapp.supplier_import import add_line, amount_units, used_by

    form = StudyForm(product_name="Lamp", mass_kg_per_piece=0.5, rows={"materials": [{"id": "M1", "activity_id": "AL-EXTR-GBA", "amount": "0.3", "unit": "kg"}], "energy": [], "emissions": [], "transport": []})
    add = dict(line_id="", parent="", amount="50", unit="g", stage="purchased_parts")
    added, problems = add_line(form, COATING, engine.dataset, **add)
    assert problems == []
    row = added.rows["materials"][-1]
    assert (row["id"], row["activity_id"], row["amount"], row["unit"], row["data_type"], row["stage"]) == ("S1", "PACT-5c0a7e11", "50", "g", "primary", "purchased_parts")
    assert added.suppliers == [{"activity_id": "PACT-5c0a7e11", "pact": COATING}] and used_by(added) == {"PACT-5c0a7e11": ["S1"]}
    bom, _, issues = build_bom(added, engine.dataset)
    assert issues == [] and bom.lines[-1].activity_id == "PACT-5c0a7e11"
    assert amount_units(supplier_activity_from_pact(COATING))[:2] == ["kg", "g"]
    assert load_saved(draft_json(added).encode(), catalog).suppliers == added.suppliers  # a draft keeps it too
    damaged = json.loads(draft_json(added))
    del damaged["form"]["suppliers"][0]["pact"]
    assert "damaged" in _refusal(lambda: load_saved(json.dumps(damaged).encode(), catalog))[1]
    again, _ = add_line(added, COATING, engine.dataset, **add)
    assert again.rows["materials"][-1]["id"] == "S2" and len(again.suppliers) == 1  # one document, two lines

    def refused(**changes):
        result, problems = add_line(form, COATING, engine.dataset, **{**add, **changes})
        assert result is None
        (issue,) = problems
        return issue.field, issue.message, issue.message_zh

    assert refused(amount="2,5")[0] == "amount"  # ambiguous decimal comma: footprint.units refuses it
    assert refused(amount="-1")[0] == "amount"
    assert refused(amount="")[0] == "amount"
    assert refused(line_id="M1")[0] == "id"
    assert refused(parent="NOPE")[0] == "parent"
    assert refused(unit="kWh")[0] == "unit"
    _, problems = add_line(form, coating(status="Deprecated"), engine.dataset, **add)
    assert [p.field for p in problems] == ["status"]
    odd = coating(id="[x](http://evil.example)")  # not a PACT id: the activity id comes from the document's hash
    added, _ = add_line(form, odd, engine.dataset, **add)
    assert re.fullmatch(r"PACT-[0-9a-f]{8}", added.suppliers[0]["activity_id"])


def test_variants_with_supplier_lines_are_compared_with_correlated_draws(engine):
    from webapp.comparison import compare_variants
    from webapp.state import StudyForm
    from webapp.supplier_import import add_line
    from webapp.workspace import Variant

    form = StudyForm(product_name="Lamp", mass_kg_per_piece=0.5, rows={"materials": [{"id": "M1", "activity_id": "AL-EXTR-GBA", "amount": "0.3", "unit": "kg"}], "energy": [], "emissions": [], "transport": []})
    a, _ = add_line(form, COATING, engine.dataset, line_id="", parent="", amount="50", unit="g", stage="purchased_parts")
    b, _ = add_line(form, COATING, engine.dataset, line_id="", parent="", amount="80", unit="g", stage="purchased_parts")
    comparison = compare_variants([Variant("A", a), Variant("B", b)], engine, iterations=200)
    first, second = comparison.variants
    assert second.result.total_kgco2e - first.result.total_kgco2e == pytest.approx(0.030 * 6.0, rel=1e-9)
    assert second.note == "" and second.difference.b_lower_share == 0.0  # the same draws: B (more coating) is never lower
    other = coating(pcf={**COATING["pcf"], "pcfExcludingBiogenicUptake": "14", "pcfIncludingBiogenicUptake": "14", "fossilGhgEmissions": "13.5"})
    c, _ = add_line(form, other, engine.dataset, line_id="", parent="", amount="50", unit="g", stage="purchased_parts")
    clash = compare_variants([Variant("A", a), Variant("C", c)], engine, iterations=200).variants[1]
    assert clash.result is not None and clash.note == "failed"  # one activity id, two footprints: no joint sample


def test_a_supplier_line_names_its_footprint_as_data_source(engine):
    """The readiness checklist asks a data source per measured line: a supplier line has one."""
    from webapp.label_details import quality_rows
    from webapp.state import StudyForm, build_bom
    from webapp.supplier_import import add_line

    form = StudyForm(product_name="Lamp", mass_kg_per_piece=0.5, rows={"materials": [{"id": "M1", "activity_id": "AL-EXTR-GBA", "amount": "0.3", "unit": "kg"}], "energy": [], "emissions": [], "transport": []})
    added, _ = add_line(form, COATING, engine.dataset, line_id="", parent="", amount="50", unit="g", stage="purchased_parts")
    rows = {row["line"]: row for row in quality_rows(added, build_bom(added, engine.dataset)[0])}
    assert rows["S1"]["source"] == f"PACT {COATING['id']} (Coating Supplier Ltd., Coated reflector)"
    assert rows["S1"]["technological"] == "1" and rows["M1"]["source"] == ""
