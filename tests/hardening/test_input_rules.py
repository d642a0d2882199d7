"""The input rules of README "Input rules" (issue 14, item 10): each odd input the fuzzer found accepted quietly
is now decided, and each decision has its test here (money and rates: tests/funding/test_money_bounds.py)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from litestar import Litestar

from igf_hub.auth.principal import Role
from tests.support.auth import TokenFactory

Client = httpx.AsyncClient


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    return body


async def test_options_lists_every_method_of_every_documented_path(client: Client) -> None:
    """Allow on OPTIONS omitted the methods a second controller added to a path (53 paths), and guarded
    controllers answered OPTIONS with a 401 and no Allow at all."""
    document = (await client.get("/schema/openapi.json")).json()
    missing = {}
    for path, item in document["paths"].items():
        methods = {m.upper() for m in item if m in ("get", "post", "put", "patch", "delete")}
        url = path
        for name in [
            p["name"] for op in item.values() for p in op.get("parameters", []) if p["in"] == "path"
        ]:
            kind = (
                "2024"
                if name in ("year", "number", "tree_size", "version")
                else "ke-igf"
                if name == "slug"
                else None
            )
            url = url.replace(f"{{{name}}}", kind or "00000000-0000-0000-0000-000000000001")
        response = await client.options(url)  # anonymously
        allow = {m.strip() for m in response.headers.get("allow", "").split(",") if m.strip()}
        if response.status_code != 204 or not methods | {"OPTIONS"} <= allow:
            missing[path] = (response.status_code, sorted(methods - allow))
    assert missing == {}


async def test_json_sent_as_another_media_type_is_415(client: Client, tokens: TokenFactory) -> None:
    """Litestar read a JSON body whatever its Content-Type said (text/plain, a form); now only JSON is JSON.
    A request without a Content-Type is still read as JSON."""
    secretariat = await tokens.user(Role.secretariat)
    body = json.dumps({"name": "Ada Lovelace"}).encode()
    for media in ("text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded", "text/csv"):
        refused = await client.post(
            "/v1/mag/people", content=body, headers={**secretariat.headers, "content-type": media}
        )
        detail = assert_problem(refused, 415)["detail"]
        assert "application/json" in detail and media.split(";")[0] in detail
    for accepted in (
        "application/json",
        "application/json; charset=utf-8",
        "application/merge-patch+json",
        None,
    ):
        headers = secretariat.headers | ({"content-type": accepted} if accepted else {})
        created = await client.post("/v1/mag/people", content=body, headers=headers)
        assert created.status_code == 201, (accepted, created.text)


async def test_dates_and_times_outside_1990_to_2100_are_422_not_infinity(
    client: Client, tokens: TokenFactory
) -> None:
    """A MAG cycle for 2099 ran to 9999-12-31 (stored as infinity); 0001-01-01T00:00:00Z came back as
    0001-01-01T00:00:00 with no time zone (stored as -infinity)."""
    secretariat = await tokens.user(Role.secretariat)
    far = {"year": 2099, "starts_on": "2099-01-01", "ends_on": "9999-12-31"}
    body = assert_problem(await client.post("/v1/mag/cycles", json=far, headers=secretariat.headers), 422)
    assert [e["pointer"] for e in body["errors"]] == ["/ends_on"]
    assert "2100-12-31" in body["errors"][0]["detail"]
    near = {"year": 2099, "starts_on": "2099-01-01", "ends_on": "2100-12-31"}
    assert (await client.post("/v1/mag/cycles", json=near, headers=secretariat.headers)).status_code == 201

    for when in ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2024-01-01T00:00:00"):
        user = {
            "email": f"u{abs(hash(when))}@example.org",
            "grants": [{"role": "funder", "valid_from": when}],
        }
        refused = await client.post("/v1/users", json=user, headers=secretariat.headers)
        assert [e["pointer"] for e in assert_problem(refused, 422)["errors"]] == ["/grants/0/valid_from"], (
            when
        )


def test_the_contract_documents_every_refusal(app: Litestar) -> None:
    """The fuzzer got 404/422 from the exports (their filters are read by a dependency, so they were not
    documented as validating input) and 400 from /oauth/token (RFC 6749 errors, not problem+json)."""
    document = app.openapi_schema.to_schema()
    for path, item in document["paths"].items():
        if "/exports/" in path:
            assert "4XX" in item["get"]["responses"], path
    token = document["paths"]["/oauth/token"]["post"]["responses"]
    assert {"400", "401"} <= set(token)
    error = token["400"]["content"]["application/json"]["schema"]
    assert error["$ref"].endswith("/OAuthError")
    assert document["components"]["schemas"]["OAuthError"]["required"] == ["error"]
