"""Host → client → BOM line computed by the engine: the client fetches the certified footprint,
it becomes a supplier line, and the engine's result for that line is amount x footprint."""

from __future__ import annotations

import json

import pytest

from .conftest import HOST_URL, SECRET


@pytest.fixture
def pact_client(host):
    from footprint.pact_host.client import PactClient

    client, _ = host
    return PactClient(HOST_URL, "buyer", SECRET, http=client)


def test_round_trip_to_a_bom_line(pact_client, study_engine):
    from footprint.bom import bom_from_data
    from footprint.exchange.pact import add_supplier_line, supplier_activity_from_pact, supplier_line
    from footprint.exchange.suppliers import SupplierAwareEngine

    (listed,) = pact_client.list_footprints({"productId": ["URN:PACT:GBA-FOOTPRINT:PRODUCT-MODEL:DL-12W-A"]}, limit=1)
    footprint = pact_client.get_footprint(listed["id"])
    activity = supplier_activity_from_pact(footprint, "LAMP-SUPPLIED")
    assert activity.pact_id == footprint["id"] and activity.unit == "piece"
    bom = bom_from_data({"product": "Lighting kit", "declared_unit": {"quantity": 1, "unit": "piece", "mass_kg_per_piece": 1.2}, "lines": [{"id": "H", "activity_id": "HOUSING", "amount": 0.1, "unit": "kg", "stage": "raw_materials"}]})
    kit = add_supplier_line(bom, supplier_line(activity, "LAMPS", 3))
    result = SupplierAwareEngine(study_engine, [activity]).calculate(kit)
    (line,) = [l for l in result.lines if l.id == "LAMPS"]
    assert line.kgco2e == pytest.approx(3 * float(footprint["pcf"]["pcfExcludingBiogenicUptake"]), rel=1e-12)
    assert line.data_type == "primary"


def test_client_errors_are_typed(pact_client):
    from footprint.pact_host.client import PactClient
    from footprint.pact_host.errors import RemoteHostError

    with pytest.raises(RemoteHostError) as caught:
        pact_client.get_footprint("0b1d4c1e-1111-4a4a-9b9b-123456789abc")
    assert caught.value.status == 404 and caught.value.code == "NotFound"
    wrong = PactClient(HOST_URL, "buyer", "wrong", http=pact_client._http)
    with pytest.raises(RemoteHostError, match="refused the credentials") as refused:
        wrong.list_footprints()
    assert refused.value.code == "invalid_client"


def test_cli_fetch_adds_the_supplier_line(host, tmp_path, monkeypatch, study_engine):
    """``footprint pact-client fetch --add-to``, with the client's HTTP going to the test app."""
    import footprint.pact_host.client as client_module
    from footprint.bom_io import read_bom
    from footprint.cli import main

    client, _ = host
    monkeypatch.setattr(client_module.httpx, "Client", lambda **_: client)
    monkeypatch.setenv("GBA_PACT_CLIENT_SECRET", SECRET)
    bom_file = tmp_path / "kit.json"
    bom_file.write_text(json.dumps({"product": "Kit", "declared_unit": {"quantity": 1, "unit": "piece", "mass_kg_per_piece": 1.2}, "lines": [{"id": "H", "activity_id": "HOUSING", "amount": 0.1, "unit": "kg", "stage": "raw_materials"}]}), encoding="utf-8")
    out, bom_out = tmp_path / "supplier.pact.json", tmp_path / "kit-with-lamps.json"
    code = main(["pact-client", "fetch", "--host", HOST_URL, "--client-id", "buyer", "--geography", "CN", "-o", str(out),
                 "--add-to", str(bom_file), "--line-id", "LAMPS", "--amount", "2", "--bom-out", str(bom_out)])
    assert code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["productNameCompany"] == "LED downlight 12 W"
    lines = {l.id: l for l in read_bom(bom_out).lines}
    assert lines["LAMPS"].amount == 2 and lines["LAMPS"].activity_id.startswith("PACT-")


@pytest.mark.parametrize(
    "status, body, delivered",
    [(200, b"OK", True), (202, b"", True), (204, b"", True), (302, b"", False), (400, b'{"code": "BadRequest"}', False)],
)
def test_an_event_counts_as_received_on_any_2xx_whatever_its_body(status, body, delivered):
    """A receiver's answer body is not read for events: a plain-text "OK" is a delivery, and a
    redirect or a refusal is not (the outbox retries or stops on the status)."""
    import httpx

    from footprint.pact_host.client import PactClient
    from footprint.pact_host.errors import RemoteHostError

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/token":
            return httpx.Response(200, json={"access_token": "t", "token_type": "bearer", "expires_in": 3600})
        return httpx.Response(status, content=body, headers={"location": "https://elsewhere.example/3/events"} if status == 302 else {})

    client = PactClient("https://receiver.example", "me", "secret", http=httpx.Client(transport=httpx.MockTransport(answer)))
    event = {"type": "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3", "id": "e-1"}
    if delivered:
        client.post_event(event)
    else:
        with pytest.raises(RemoteHostError) as raised:
            client.post_event(event)
        assert raised.value.status == status
