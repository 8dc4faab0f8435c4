"""The host's HTTP API in process (FastAPI TestClient): every body checked against the PACT v3
OpenAPI file, the spec's error codes, authentication failures, filters and Link pagination."""

from __future__ import annotations

import copy
import json
import uuid

import pytest

from ..pact_schema import PACT_DIR
from .conftest import HOST_URL, SECRET, assert_schema, token_for

LIST_BODY = "/paths/~13~1footprints/get/responses/200/content/application~1json/schema"
GET_BODY = "/paths/~13~1footprints~1%7Bid%7D/get/responses/200/content/application~1json/schema"


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert_schema("Error", response.json())


def test_list_and_get_the_certified_footprint(host, certified_setup):
    client, _ = host
    headers = bearer(token_for(client))
    listed = client.get("/3/footprints", headers=headers)
    assert listed.status_code == 200 and "link" not in listed.headers
    assert_schema(LIST_BODY, listed.json())
    (footprint,) = listed.json()["data"]
    assert footprint["status"] == "Active" and footprint["validityPeriodEnd"].startswith("2027-03-31")
    certificate = footprint["extensions"][0]["data"]["certificate"]
    assert certificate["number"] == certified_setup[2]
    got = client.get(f"/3/footprints/{footprint['id']}", headers=headers)
    assert got.status_code == 200
    assert_schema(GET_BODY, got.json())
    assert got.json()["data"] == footprint


def test_error_codes_of_the_spec(host):
    client, _ = host
    headers = bearer(token_for(client))
    assert_error(client.get(f"/3/footprints/{uuid.uuid4()}", headers=headers), 404, "NotFound")
    assert_error(client.get("/3/footprints/non-existent-id", headers=headers), 404, "NotFound")
    assert_error(client.get("/3/footprints?status=Gone", headers=headers), 400, "BadRequest")
    assert_error(client.get("/3/footprints?validOn=yesterday", headers=headers), 400, "BadRequest")
    assert_error(client.get("/3/footprints?limit=-1", headers=headers), 400, "BadRequest")
    assert_error(client.get("/3/footprints?colour=red", headers=headers), 400, "BadRequest")
    assert_error(client.get("/3/footprints?x-atq-invoice-id=1", headers=headers), 501, "NotImplemented")
    lister = bearer(token_for(client, "lister"))
    assert client.get("/3/footprints", headers=lister).status_code == 200
    assert_error(client.get(f"/3/footprints/{uuid.uuid4()}", headers=lister), 403, "AccessDenied")
    bad_event = client.post("/3/events", content=b'{"type": "org.wbcsd.pact.ProductFootprint.Nope.3"}', headers=headers)
    assert_error(bad_event, 400, "BadRequest")
    assert_error(client.post("/3/events", content=b"{not json", headers=headers), 400, "BadRequest")


def test_auth_failures(host, host_clock):
    client, _ = host
    assert_error(client.get("/3/footprints"), 400, "BadRequest")  # no token
    assert_error(client.get("/3/footprints", headers=bearer("invalid-access-token")), 400, "BadRequest")
    refused = client.post("/auth/token", data={"grant_type": "client_credentials"}, auth=("buyer", "wrong"))
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    unknown = client.post("/auth/token", data={"grant_type": "client_credentials"}, auth=("nobody", SECRET))
    assert unknown.status_code == 401
    grant = client.post("/auth/token", data={"grant_type": "password"}, auth=("buyer", SECRET))
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    by_form = client.post("/auth/token", data={"grant_type": "client_credentials", "client_id": "buyer", "client_secret": SECRET})
    assert by_form.status_code == 200 and by_form.json()["token_type"] == "bearer" and by_form.json()["expires_in"] == 600
    token = by_form.json()["access_token"]
    host_clock.advance(seconds=599)
    assert client.get("/3/footprints", headers=bearer(token)).status_code == 200
    host_clock.advance(seconds=1)
    expired = client.get("/3/footprints", headers=bearer(token))
    assert_error(expired, 401, "TokenExpired")
    assert expired.headers["www-authenticate"] == "Bearer"


class ListCatalogue:
    """A catalogue double: the two reference examples and variants of them."""

    def __init__(self, footprints):
        self._footprints = footprints

    def footprints(self):
        return [copy.deepcopy(f) for f in self._footprints]

    def footprint(self, footprint_id):
        return next((f for f in self.footprints() if f["id"] == footprint_id), None)


@pytest.fixture
def examples_host(host):
    client, state = host
    examples = [json.loads((PACT_DIR / f"example-{i}.json").read_text(encoding="utf-8")) for i in (1, 2)]
    footprints = []
    for index in range(5):
        footprint = copy.deepcopy(examples[index % 2])
        footprint["id"] = str(uuid.UUID(int=index + 1))
        footprints.append(footprint)
    state.catalogue = ListCatalogue(footprints)
    return client, footprints


def test_pagination_link_is_absolute_on_the_request_host(examples_host):
    client, footprints = examples_host
    headers = bearer(token_for(client))
    seen, url, pages = [], "/3/footprints?limit=2", 0
    while url:
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        assert_schema(LIST_BODY, response.json())
        assert len(response.json()["data"]) <= 2
        seen += [f["id"] for f in response.json()["data"]]
        pages += 1
        link = response.headers.get("link")
        if link:
            assert link.startswith(f"<{HOST_URL}/3/footprints?") and link.endswith('>; rel="next"')
        url = response.links.get("next", {}).get("url")
    assert pages == 3 and seen == [f["id"] for f in footprints]
    again = client.get("/3/footprints?limit=2&offset=2", headers=headers)  # a link may be called twice
    assert [f["id"] for f in again.json()["data"]] == seen[2:4]


def test_filters_or_within_and_across(examples_host):
    client, footprints = examples_host
    headers = bearer(token_for(client))

    def ids(query: str) -> list[str]:
        response = client.get(f"/3/footprints?{query}", headers=headers)
        assert response.status_code == 200, response.text
        return [f["id"] for f in response.json()["data"]]

    first, second = footprints[0], footprints[1]
    p1, p2 = first["productIds"][0], second["productIds"][0]
    assert ids(f"productId={p1}") == [f["id"] for f in footprints[0::2]]
    assert ids(f"productid={p1.upper()}&productId={p2}") == [f["id"] for f in footprints]  # OR, any case
    geography = first["pcf"].get("geographyCountry") or first["pcf"].get("geographyRegionOrSubregion")
    assert ids(f"productId={p2}&geography={geography}") == [f["id"] for f in footprints if f["productIds"] == second["productIds"] and f["pcf"].get("geographyCountry", f["pcf"].get("geographyRegionOrSubregion")) == geography]
    assert ids("status=deprecated") == [f["id"] for f in footprints if f["status"] == "Deprecated"]
    assert ids("validOn=1990-01-01T00:00:00Z") == []


def test_a_client_sees_only_the_footprints_its_access_names(examples_host):
    """gtin-only: example 2's product (odd positions); company1-or-gtin: example 1's company or
    example 2's product (all five). Hidden footprints are absent from lists and pages, 404 by id."""
    client, footprints = examples_host
    odd = [f["id"] for f in footprints[1::2]]

    def listed(who: str, query: str = "") -> list[str]:
        headers, seen, url = bearer(token_for(client, who)), [], f"/3/footprints?limit=1{query}"
        while url:
            response = client.get(url, headers=headers)
            assert response.status_code == 200, response.text
            seen += [f["id"] for f in response.json()["data"]]
            url = response.links.get("next", {}).get("url")
        return seen

    assert listed("gtin-only") == odd
    assert listed("gtin-only", f"&productId={footprints[0]['productIds'][0]}") == []
    assert listed("company1-or-gtin") == [f["id"] for f in footprints]
    headers = bearer(token_for(client, "gtin-only"))
    assert_error(client.get(f"/3/footprints/{footprints[0]['id']}", headers=headers), 404, "NotFound")
    assert client.get(f"/3/footprints/{footprints[1]['id']}", headers=headers).json()["data"]["id"] == footprints[1]["id"]
