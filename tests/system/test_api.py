from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import msgspec
from litestar import Litestar

from igf_hub.auth.principal import Role
from tests.support.auth import TokenFactory

Client = httpx.AsyncClient


def assert_problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"] == f"/problems/{slug}"
    return body


async def test_healthz_and_readyz_answer(client: Client) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"postgres": "ok", "redis": "ok"}


async def test_readyz_reports_a_dead_dependency(client: Client, app: Litestar) -> None:
    await app.state.pool.close()  # PostgreSQL unreachable from this process
    ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["postgres"].startswith("down")
    assert ready.json()["checks"]["redis"] == "ok"


async def test_every_response_carries_a_request_id(client: Client) -> None:
    mine = await client.get("/healthz", headers={"X-Request-Id": "abc-123"})
    assert mine.headers["x-request-id"] == "abc-123"
    generated = await client.get("/no-such-route")
    assert len(generated.headers["x-request-id"]) == 32


async def test_unknown_route_and_wrong_method_are_problems(client: Client) -> None:
    assert_problem(await client.get("/v1/no-such-thing"), 404, "not-found")
    assert_problem(await client.delete("/healthz"), 405, "method-not-allowed")


async def test_malformed_json_is_400_with_a_problem(client: Client, tokens: TokenFactory) -> None:
    admin = await tokens.user(Role.secretariat)
    response = await client.post(
        "/v1/users",
        content=b'{"email": "a@b.org",',
        headers={**admin.headers, "content-type": "application/json"},
    )
    assert_problem(response, 400, "malformed-body")


async def test_constraint_violation_is_422_with_a_pointer(client: Client, tokens: TokenFactory) -> None:
    admin = await tokens.user(Role.secretariat)
    response = await client.post(
        "/v1/users", json={"email": "a@b.org", "grants": [{"role": "emperor"}]}, headers=admin.headers
    )
    body = assert_problem(response, 422, "validation-failed")
    assert body["errors"][0]["pointer"] == "/grants/0/role"

    unknown = await client.post(
        "/v1/users", json={"email": "a@b.org", "shoe_size": 44}, headers=admin.headers
    )
    assert assert_problem(unknown, 422, "validation-failed")["errors"][0]["pointer"] == "/shoe_size"

    cross_field = await client.post(
        "/v1/users",
        json={"email": "a@b.org", "grants": [{"role": "funder", "is_chair": True}]},
        headers=admin.headers,
    )
    assert "is_chair" in assert_problem(cross_field, 422, "validation-failed")["detail"]


async def test_vocabularies_are_served(client: Client) -> None:
    names = (await client.get("/v1/vocab/")).json()
    assert {"stakeholder-groups", "regional-groups", "wsis-action-lines", "sdgs", "gdc-objectives"} <= set(
        names
    )
    sdgs = (await client.get("/v1/vocab/sdgs")).json()
    assert len(sdgs["terms"]) == 17 and sdgs["terms"][16]["label"] == "Partnerships for the Goals"
    lines = {t["code"] for t in (await client.get("/v1/vocab/wsis-action-lines")).json()["terms"]}
    assert {"C1", "C7.8", "C11"} <= lines
    assert len((await client.get("/v1/vocab/gdc-objectives")).json()["terms"]) == 5
    assert_problem(await client.get("/v1/vocab/colours"), 404, "not-found")


async def test_openapi_and_docs_page(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    assert schema["openapi"].startswith("3.1")
    assert "/oauth/token" in schema["paths"]
    docs = await client.get("/schema")
    assert docs.status_code == 200 and "swagger-ui" in docs.text
    assert (await client.get("/schema-assets/swagger-ui-bundle.js")).status_code == 200


async def test_audit_is_for_the_secretariat_and_filters(
    client: Client, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    admin = await tokens.user(Role.secretariat)
    funder = await tokens.user(Role.funder)
    assert_problem(await client.get("/v1/audit"), 401, "unauthorized")
    assert_problem(await client.get("/v1/audit", headers=funder.headers), 403, "forbidden")

    for i in range(3):
        made = await client.post("/v1/users", json={"email": f"p{i}@example.org"}, headers=admin.headers)
        assert made.status_code == 201, made.text
    page = await client.get("/v1/audit", params={"action": "user.created", "limit": 2}, headers=admin.headers)
    body = page.json()
    assert [e["action"] for e in body["items"]] == ["user.created", "user.created"]
    assert body["items"][0]["seq"] > body["items"][1]["seq"]  # newest first
    rest = await client.get(
        "/v1/audit",
        params={"action": "user.created", "limit": 50, "cursor": body["next_cursor"]},
        headers=admin.headers,
    )
    emails = [e["data"]["email"] for e in body["items"] + rest.json()["items"]]
    assert {"p0@example.org", "p1@example.org", "p2@example.org"} <= set(emails)
    assert rest.json()["next_cursor"] is None
    by_actor = await client.get("/v1/audit", params={"actor": f"user:{admin.id}"}, headers=admin.headers)
    assert len(by_actor.json()["items"]) == 3
    assert_problem(
        await client.get("/v1/audit", params={"cursor": "!!"}, headers=admin.headers), 400, "invalid-cursor"
    )


async def test_missing_fields_and_bad_query_parameters_are_pointed_at(
    client: Client, tokens: TokenFactory
) -> None:
    admin = await tokens.user(Role.secretariat)
    missing = await client.post("/v1/users", json={"display_name": "No e-mail"}, headers=admin.headers)
    assert assert_problem(missing, 422, "validation-failed")["errors"][0]["pointer"] == "/email"
    bad_limit = await client.get("/v1/audit", params={"limit": 1000}, headers=admin.headers)
    assert assert_problem(bad_limit, 422, "validation-failed")["errors"][0]["pointer"] == "query:limit"


async def test_metrics_count_requests_by_route_template(client: Client) -> None:
    for _ in range(3):
        await client.get("/v1/vocab/sdgs")
    await client.get("/v1/vocab/colours")
    text = (await client.get("/metrics")).text
    assert 'igf_hub_http_requests_total{method="GET",route="/v1/vocab/{name}",status="200"} 3.0' in text
    assert 'igf_hub_http_requests_total{method="GET",route="/v1/vocab/{name}",status="404"} 1.0' in text
    assert 'igf_hub_db_pool_connections{state="max"} 5.0' in text
    assert "igf_hub_queue_depth" in text
    assert (
        'igf_hub_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/v1/vocab/{name}"} 4.0'
        in text
    )


async def test_metrics_answer_only_the_scrape_token_once_one_is_set(
    client: Client, app: Litestar, tokens: TokenFactory
) -> None:
    app.state.settings = msgspec.structs.replace(app.state.settings, metrics_token="s3cret-scrape-token")
    assert_problem(await client.get("/metrics"), 401, "unauthorized")
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer not-it"})
    assert_problem(wrong, 401, "unauthorized")
    assert wrong.headers["www-authenticate"].startswith("Bearer")
    secretariat = await tokens.user(Role.secretariat)  # an access token is not the scrape token
    assert_problem(await client.get("/metrics", headers=secretariat.headers), 401, "unauthorized")
    scraped = await client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape-token"})
    assert scraped.status_code == 200 and "igf_hub_http_requests_total" in scraped.text


async def test_every_page_documents_its_item_type(client: Client) -> None:
    schemas = (await client.get("/schema/openapi.json")).json()["components"]["schemas"]
    pages = {
        name: s for name, s in schemas.items() if name.endswith("Page") and "items" in s.get("properties", {})
    }
    assert "AuditPage" in pages
    untyped = [name for name, s in pages.items() if "$ref" not in s["properties"]["items"].get("items", {})]
    assert untyped == []
