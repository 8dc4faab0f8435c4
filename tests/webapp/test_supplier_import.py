"""webapp.supplier_import without Streamlit: the address rule, fetching from a real PACT host
and from hosts that answer badly (each failure named in both languages), internal addresses
refused unless the deployment allows their network, reading files, and adding a footprint to a
form as a BOM line."""

from __future__ import annotations

import json
import re

import pytest

from footprint.errors import InputError

from ..pact_host.conftest import FakeResolver
from ..study_fixtures import SUPPLIER_FOOTPRINT as COATING
from ..study_fixtures import supplier_footprint as coating
from .pact_servers import (  # noqa: F401
    CLIENT_ID,
    LAMP_PCF,
    SECRET,
    broken_host_url,
    certified_setup,
    local_hosts_allowed,
    no_networks_allowed,
    pact_host_url,
    study_dataset,
    study_engine,
)


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
        ("https://0251.0376.0251.0376", None),  # four dotted parts: read as a plain IPv4 address, and 0376 is not one
        ("https://999.1.1.1", None),
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


def test_fetch_lists_the_certified_footprint_of_the_real_host(pact_host_url, local_hosts_allowed):
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


def test_each_failure_of_a_host_is_named_in_both_languages(pact_host_url, broken_host_url, local_hosts_allowed, monkeypatch):
    import webapp.supplier_import as module
    from webapp.supplier_import import fetch_footprints

    def refusal(host, secret=SECRET):
        return _refusal(lambda: fetch_footprints(host, CLIENT_ID, secret))

    field, message, message_zh = refusal(pact_host_url, "wrong-secret")
    assert field == "client_id" and "refused client id “buyer”" in message and "401" in message and "拒绝" in message_zh
    field, message, message_zh = refusal(f"http://127.0.0.1:{_closed_port()}")
    assert field == "host" and message.startswith("cannot reach") and "无法连接" in message_zh
    assert refusal("https://pact.invalid")[1].startswith("cannot reach")  # a name that never resolves (RFC 2606)
    assert refusal("https://xn--")[1].startswith("not a web address")  # parsed, but no name can be made of it
    assert "HTTP 404" in refusal(broken_host_url + "/missing")[1]
    assert "did not answer with JSON" in refusal(broken_host_url + "/html")[1]
    assert "did not answer with JSON" in refusal(broken_host_url + "/badjson")[1]
    for way in ("/notpact", "/list"):
        field, message, message_zh = refusal(broken_host_url + way)
        assert ("PACT" in message and "PACT" in message_zh), way
    field, message, message_zh = refusal(broken_host_url + "/redirect")  # the token request sent to the metadata address
    assert field == "host" and "redirect (HTTP 307)" in message and "does not follow" in message and "不会跟随重定向" in message_zh
    field, message, message_zh = refusal(broken_host_url + "/foreign")  # a next page on 10.0.0.5
    assert field == "host" and "next page to another host" in message and "另一台主机" in message_zh
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


# ------------------------------------------------------------------------------ internal addresses


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254 is a link-local address"),
        ("https://10.0.0.5", "10.0.0.5 is a private address"),
        ("https://172.20.1.1:8443/pact", "172.20.1.1 is a private address"),
        ("https://192.168.1.10", "192.168.1.10 is a private address"),
        ("http://127.0.0.1:8000", "127.0.0.1 is a loopback address"),
        ("http://localhost:8000", "localhost resolves to 127.0.0.1, a loopback address"),
        ("http://[::1]:8000", "::1 is a loopback address"),
        ("https://[fd00:ab::1]", "fd00:ab::1 is a private address"),
        ("https://[fe80::1]", "fe80::1 is a link-local address"),
        ("https://[::ffff:127.0.0.1]", "::ffff:127.0.0.1 is the IPv6 form of 127.0.0.1, a loopback address"),
        ("https://0.0.0.0", "0.0.0.0 is the unspecified address"),
        ("https://2130706433", "2130706433 resolves to 127.0.0.1, a loopback address"),
        ("https://0x7f.1", "0x7f.1 resolves to 127.0.0.1, a loopback address"),
        ("https://0251.0376.0251", "0251.0376.0251 resolves to 169.254.0.169, a link-local address"),  # octal, three parts
        ("https://0xa9.0xfe.0xa9.0xfe", "0xa9.0xfe.0xa9.0xfe resolves to 169.254.169.254, a link-local address"),
    ],
)
def test_internal_addresses_are_refused_naming_the_host_field_and_why(typed, why, no_networks_allowed):
    from footprint.pact_host.address_guard import ALLOWED_NETWORKS_ENV
    from webapp.supplier_import import fetch_footprints

    with pytest.raises(InputError) as caught:
        fetch_footprints(typed, CLIENT_ID, SECRET)
    (issue,) = caught.value.issues
    assert (issue.field, issue.value) == ("host", typed)
    assert issue.message.startswith(why) and ": this server connects only to public addresses" in issue.message and ALLOWED_NETWORKS_ENV in issue.message
    assert "本服务器只连接公网地址" in issue.message_zh and ALLOWED_NETWORKS_ENV in issue.message_zh


def test_a_public_name_that_resolves_to_a_private_address_is_refused(monkeypatch, no_networks_allowed):
    from webapp.supplier_import import fetch_footprints

    answers = FakeResolver(monkeypatch)
    answers.update({"pact.supplier.example": [["10.0.0.5"]], "dual.supplier.example": [["93.184.215.14", "fd00::5"]]})
    field, message, message_zh = _refusal(lambda: fetch_footprints("https://pact.supplier.example", CLIENT_ID, SECRET))
    assert field == "host" and message.startswith("pact.supplier.example resolves to 10.0.0.5, a private address:")
    assert message_zh.startswith("pact.supplier.example 解析为 10.0.0.5，这是私有地址：")
    assert _refusal(lambda: fetch_footprints("https://dual.supplier.example", CLIENT_ID, SECRET))[1].startswith("dual.supplier.example resolves to fd00::5")


def test_the_real_host_is_reached_only_once_its_network_is_allowed_and_stays_pinned(pact_host_url, monkeypatch, no_networks_allowed):
    """End to end with the real host on 127.0.0.1: refused without the setting, listed with it;
    ``localhost`` answering 127.0.0.1 and then 10.0.0.5 (rebinding) is listed from the address
    that was checked, and refused at the next fetch, which looks the name up again."""
    from footprint.pact_host.address_guard import ALLOWED_NETWORKS_ENV
    from webapp.supplier_import import fetch_footprints

    assert _refusal(lambda: fetch_footprints(pact_host_url, CLIENT_ID, SECRET))[1].startswith("127.0.0.1 is a loopback address")
    monkeypatch.setenv(ALLOWED_NETWORKS_ENV, "10.9.0.0/16, 127.0.0.1")
    (document,) = fetch_footprints(pact_host_url, CLIENT_ID, SECRET).footprints
    assert float(document["pcf"]["pcfExcludingBiogenicUptake"]) == pytest.approx(LAMP_PCF, rel=1e-9)
    port = pact_host_url.rsplit(":", 1)[1]
    answers = FakeResolver(monkeypatch)
    answers["localhost"] = [["127.0.0.1"], ["10.0.0.5"]]
    assert len(fetch_footprints(f"http://localhost:{port}", CLIENT_ID, SECRET).footprints) == 1
    assert answers.asked == ["localhost"]  # one look-up: token and list went to the checked 127.0.0.1
    assert _refusal(lambda: fetch_footprints(f"http://localhost:{port}", CLIENT_ID, SECRET))[1].startswith("localhost resolves to 10.0.0.5, a private address")


def test_a_malformed_allowed_networks_setting_is_named(monkeypatch):
    from footprint.pact_host.address_guard import ALLOWED_NETWORKS_ENV
    from webapp.supplier_import import fetch_footprints

    monkeypatch.setenv(ALLOWED_NETWORKS_ENV, "127.0.0.1/33")
    field, message, message_zh = _refusal(lambda: fetch_footprints("https://pact.supplier.example", CLIENT_ID, SECRET))
    assert field == ALLOWED_NETWORKS_ENV and "'127.0.0.1/33' is not an IP address or network" in message and "网段" in message_zh
