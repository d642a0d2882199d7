"""Consumers and endpoints through the API, as the Secretariat and consumers drive them, with every refusal."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx

from igf_hub.auth.principal import Role
from tests.support.audit import chain_audit
from tests.support.auth import Caller, TokenFactory
from tests.webhooks.conftest import CSTD, UNGIS, register

Client = httpx.AsyncClient


def problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}"
    return body


async def member_of(tokens: TokenFactory, consumer_id: UUID) -> Caller:
    return await tokens.user((Role.consumer, consumer_id))


async def test_ungis_and_cstd_exist_from_the_first_start(client: Client, admin: Caller) -> None:
    body = (await client.get("/v1/consumers", headers=admin.headers)).json()
    kinds = {c["name"]: c["kind"] for c in body["items"]}
    assert kinds == {"UNGIS": "ungis", "CSTD secretariat": "cstd"}
    ungis = await client.get(f"/v1/consumers/{UNGIS}", headers=admin.headers)
    assert ungis.json()["kind"] == "ungis" and ungis.headers["etag"] == '"1"'


async def test_the_secretariat_admits_a_consumer_and_binds_its_people_and_systems(
    client: Client, admin: Caller, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    made = await client.post(
        "/v1/consumers",
        json={"name": "WSIS Forum", "kind": "wsis_forum", "contact_email": "wsis@itu.example"},
        headers=admin.headers,
    )
    assert made.status_code == 201, made.text
    wsis = made.json()
    problem(
        await client.post(
            "/v1/consumers", json={"name": "WSIS Forum", "kind": "other"}, headers=admin.headers
        ),
        409,
        "consumer-name-taken",
    )

    person = await tokens.user()
    grant = await client.post(
        f"/v1/consumers/{wsis['id']}/members", json={"user_id": str(person.id)}, headers=admin.headers
    )
    assert grant.status_code == 201 and grant.json()["role"] == "consumer"
    token = await tokens.token_for(person.id)  # grants are read per request: a fresh token is not required,
    mine = await client.get("/v1/consumers", headers={"Authorization": f"Bearer {token}"})  # but harmless
    assert [c["name"] for c in mine.json()["items"]] == ["WSIS Forum"]  # only its own consumer

    machine = await client.post(
        f"/v1/consumers/{wsis['id']}/clients", json={"name": "WSIS event importer"}, headers=admin.headers
    )
    assert machine.status_code == 201 and machine.json()["client_secret"].startswith("igfs_")
    assert machine.json()["grants"][0] == {
        **machine.json()["grants"][0],
        "role": "consumer",
        "resource_id": wsis["id"],
    }
    async with db.acquire() as conn:
        await chain_audit(conn)
        actions = [r["action"] for r in await conn.fetch("SELECT action FROM audit_log ORDER BY seq")]
    assert {"consumer.created", "role.granted", "client.created"} <= set(actions)


async def test_consumer_refusals(client: Client, admin: Caller, tokens: TokenFactory) -> None:
    ungis_member = await member_of(tokens, UNGIS)
    funder = await tokens.user(Role.funder)
    problem(await client.get("/v1/consumers"), 401, "unauthorized")
    problem(await client.get("/v1/consumers", headers=funder.headers), 403, "forbidden")
    problem(await client.get(f"/v1/consumers/{CSTD}", headers=ungis_member.headers), 403, "forbidden")
    problem(await client.get(f"/v1/consumers/{uuid4()}", headers=admin.headers), 404, "consumer-not-found")
    problem(
        await client.post(
            "/v1/consumers", json={"name": "X Org", "kind": "other"}, headers=ungis_member.headers
        ),
        403,
        "forbidden",
    )
    problem(
        await client.post(
            "/v1/consumers",
            content=b'{"name": "x',
            headers={**admin.headers, "content-type": "application/json"},
        ),
        400,
        "malformed-body",
    )
    bad = problem(
        await client.post("/v1/consumers", json={"name": "X Org", "kind": "emperor"}, headers=admin.headers),
        422,
        "validation-failed",
    )
    assert bad["errors"][0]["pointer"] == "/kind"
    unknown = problem(
        await client.post(
            "/v1/consumers", json={"name": "X Org", "kind": "other", "shoe": 1}, headers=admin.headers
        ),
        422,
        "validation-failed",
    )
    assert unknown["errors"][0]["pointer"] == "/shoe"
    # Only the Secretariat binds members.
    problem(
        await client.post(
            f"/v1/consumers/{UNGIS}/members", json={"user_id": str(funder.id)}, headers=ungis_member.headers
        ),
        403,
        "forbidden",
    )


async def test_consumer_updates_need_the_current_version(client: Client, admin: Caller) -> None:
    url = f"/v1/consumers/{CSTD}"
    problem(
        await client.patch(url, json={"description": "x"}, headers=admin.headers),
        428,
        "precondition-required",
    )
    changed = await client.patch(
        url, json={"contact_email": "cstd@unctad.example"}, headers={**admin.headers, "If-Match": '"1"'}
    )
    assert changed.status_code == 200 and changed.headers["etag"] == '"2"'
    stale = problem(
        await client.patch(url, json={"description": "y"}, headers={**admin.headers, "If-Match": '"1"'}),
        412,
        "stale-version",
    )
    assert stale["current_version"] == 2


async def test_endpoint_registration_waits_for_the_consumer_to_ask_for_verification(
    client: Client, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    ungis = await member_of(tokens, UNGIS)
    endpoint = await register(
        client,
        ungis,
        UNGIS,
        "http://127.0.0.1:9/hooks",
        event_types=["message.approved", "nri.*"],
        filters={"wsis_action_lines": ["C7"]},
        description="UNGIS inbox",
    )
    assert endpoint["status"] == "unverified" and endpoint["secret"].startswith("whsec_")
    assert endpoint["event_types"] == ["message.approved", "nri.*"]
    assert endpoint["retry_schedule"] == [0, 5, 30, 120, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]
    # Nothing is sent before the consumer has stored the secret and asks for the ping (POST .../ping).
    pings = await client.get(
        f"/v1/consumers/{UNGIS}/deliveries", params={"endpoint_id": endpoint["id"]}, headers=ungis.headers
    )
    assert pings.json()["items"] == []
    asked = await client.post(f"/v1/consumers/{UNGIS}/endpoints/{endpoint['id']}/ping", headers=ungis.headers)
    assert asked.status_code == 202
    assert (asked.json()["event_type"], asked.json()["state"], asked.json()["is_ping"]) == (
        "webhook.ping",
        "pending",
        True,
    )
    async with db.acquire() as conn:  # stored encrypted, never as the secret itself
        stored = await conn.fetchval("SELECT ciphertext FROM webhook_endpoint_secrets")
    assert endpoint["secret"].encode() not in stored and endpoint["secret"][6:].encode() not in stored

    listed = (await client.get(f"/v1/consumers/{UNGIS}/endpoints", headers=ungis.headers)).json()
    assert [e["id"] for e in listed["items"]] == [endpoint["id"]]
    secret = (
        await client.get(f"/v1/consumers/{UNGIS}/endpoints/{endpoint['id']}/secret", headers=ungis.headers)
    ).json()
    assert secret == {"secret": endpoint["secret"], "previous": []}


async def test_endpoint_refusals(client: Client, admin: Caller, tokens: TokenFactory) -> None:
    ungis, cstd = await member_of(tokens, UNGIS), await member_of(tokens, CSTD)
    cstd_endpoint = await register(client, cstd, CSTD, "http://127.0.0.1:9/cstd")
    base = f"/v1/consumers/{CSTD}/endpoints/{cstd_endpoint['id']}"
    # Another consumer's endpoints: refused, whatever the route.
    problem(await client.get(base, headers=ungis.headers), 403, "forbidden")
    problem(await client.get(f"/v1/consumers/{CSTD}/endpoints", headers=ungis.headers), 403, "forbidden")
    problem(await client.post(f"{base}/ping", headers=ungis.headers), 403, "forbidden")
    problem(await client.get(f"{base}/secret", headers=ungis.headers), 403, "forbidden")
    problem(
        await client.post(
            f"/v1/consumers/{CSTD}/endpoints",
            json={"url": "https://x.example/h", "event_types": ["message.approved"]},
            headers=ungis.headers,
        ),
        403,
        "forbidden",
    )
    # The endpoint id under the wrong consumer: it does not exist there.
    problem(
        await client.get(f"/v1/consumers/{UNGIS}/endpoints/{cstd_endpoint['id']}", headers=ungis.headers),
        404,
        "endpoint-not-found",
    )

    # Everything wrong with a registration is listed at once.
    refused = problem(
        await client.post(
            f"/v1/consumers/{UNGIS}/endpoints",
            json={
                "url": "http://10.0.0.5/hooks",
                "event_types": ["webhook.ping", "message.approved"],
                "retry_schedule": [5, 10],
            },
            headers=ungis.headers,
        ),
        422,
        "invalid-endpoint",
    )
    pointers = sorted(e["pointer"] for e in refused["errors"])
    assert pointers == ["/event_types/0", "/retry_schedule/0", "/url"]

    # Malformed and ill-typed bodies.
    problem(
        await client.post(
            f"/v1/consumers/{UNGIS}/endpoints",
            content=b'{"url": "https://x.example/h", ',
            headers={**ungis.headers, "content-type": "application/json"},
        ),
        400,
        "malformed-body",
    )
    typed = problem(
        await client.post(
            f"/v1/consumers/{UNGIS}/endpoints",
            json={"url": "https://x.example/h", "event_types": [], "replay_rate": 0},
            headers=ungis.headers,
        ),
        422,
        "validation-failed",
    )
    assert typed["errors"][0]["pointer"] in ("/event_types", "/replay_rate")
    problem(
        await client.post(
            f"/v1/consumers/{UNGIS}/endpoints",
            json={"url": "https://x.example/h", "event_types": ["message.*"], "filters": {"sdgs": [18]}},
            headers=ungis.headers,
        ),
        422,
        "validation-failed",
    )

    # Stale and missing If-Match on an endpoint.
    problem(
        await client.patch(base, json={"description": "x"}, headers=cstd.headers),
        428,
        "precondition-required",
    )
    problem(
        await client.patch(base, json={"description": "x"}, headers={**cstd.headers, "If-Match": '"7"'}),
        412,
        "stale-version",
    )
    problem(
        await client.patch(base, json={"colour": "red"}, headers={**cstd.headers, "If-Match": '"1"'}),
        422,
        "validation-failed",
    )
    problem(await client.delete(base, headers={**cstd.headers, "If-Match": '"7"'}), 412, "stale-version")
    assert (await client.delete(base, headers={**admin.headers, "If-Match": '"1"'})).status_code == 204
    problem(await client.get(base, headers=cstd.headers), 404, "endpoint-not-found")


async def test_ssrf_targets_are_refused_at_registration(client: Client, tokens: TokenFactory) -> None:
    ungis = await member_of(tokens, UNGIS)
    targets = {
        "https://127.0.0.2/hooks": "loopback",  # loopback, but not the allowlisted 127.0.0.1
        "https://[::1]/hooks": "loopback",
        "https://10.1.2.3/hooks": "private",
        "https://192.168.1.10/hooks": "private",
        "https://169.254.169.254/latest/meta-data": "metadata",
        "https://[fe80::1]/hooks": "link-local",
        "https://[::ffff:10.0.0.1]/hooks": "embedding",
        "https://[64:ff9b::a00:1]/hooks": "embedding",  # NAT64 of 10.0.0.1
        "https://[2002:a00:1::1]/hooks": "embedding",  # 6to4 of 10.0.0.1
        "https://100.64.0.1/hooks": "private",  # shared address space (CGNAT)
        "https://0.0.0.0/hooks": "unspecified",
        "https://localhost.invalid/hooks": "does not resolve",
        "http://ungis.example.org/hooks": "https",  # plain http only for allowlisted hosts
        "https://user:pw@ungis.example.org/hooks": "credentials",
        "https://ungis.example.org:0/hooks": "port 0",
        "https://ungis.example.org:25/hooks": "port 25",
    }
    for url, reason in targets.items():
        response = await client.post(
            f"/v1/consumers/{UNGIS}/endpoints",
            json={"url": url, "event_types": ["message.*"]},
            headers=ungis.headers,
        )
        body = problem(response, 422, "invalid-endpoint")
        assert any(reason in e["detail"] for e in body["errors"]), (url, body["errors"])
        assert {e["pointer"] for e in body["errors"]} == {"/url"}
    # Refused for a local address: the answer names the setting that allows one in development.
    local = await client.post(
        f"/v1/consumers/{UNGIS}/endpoints",
        json={"url": "http://127.0.0.2:8080/in", "event_types": ["message.*"]},
        headers=ungis.headers,
    )
    assert "IGF_HUB_WEBHOOK_ALLOWED_HOSTS" in " ".join(
        e["detail"] for e in problem(local, 422, "invalid-endpoint")["errors"]
    )
    # A later change of URL is vetted the same way.
    endpoint = await register(client, ungis, UNGIS, "http://127.0.0.1:9/hooks")
    moved = await client.patch(
        f"/v1/consumers/{UNGIS}/endpoints/{endpoint['id']}",
        json={"url": "https://10.0.0.8/in"},
        headers={**ungis.headers, "If-Match": '"1"'},
    )
    problem(moved, 422, "invalid-endpoint")


async def test_rotation_keeps_the_old_secret_for_the_grace_period(
    client: Client, tokens: TokenFactory
) -> None:
    ungis = await member_of(tokens, UNGIS)
    endpoint = await register(client, ungis, UNGIS, "http://127.0.0.1:9/hooks")
    base = f"/v1/consumers/{UNGIS}/endpoints/{endpoint['id']}"
    rotated = await client.post(f"{base}/secret/rotate", json={"grace_seconds": 3600}, headers=ungis.headers)
    assert rotated.status_code == 200, rotated.text
    body = rotated.json()
    assert body["secret"] != endpoint["secret"] and body["secret"].startswith("whsec_")
    assert [p["secret"] for p in body["previous"]] == [endpoint["secret"]]
    problem(
        await client.post(f"{base}/secret/rotate", json={"grace_seconds": -1}, headers=ungis.headers),
        422,
        "validation-failed",
    )


async def test_an_endpoint_change_is_audited_under_the_name_of_its_event(
    client: Client, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    """The audit log and the outbox name an endpoint's changes alike (they were webhook_endpoint.* and
    webhook.endpoint.*): one name per change, from core/changelog.record."""
    ungis = await member_of(tokens, UNGIS)
    endpoint = await register(client, ungis, UNGIS, "http://127.0.0.1:9/hooks")
    base = f"/v1/consumers/{UNGIS}/endpoints/{endpoint['id']}"
    rotated = await client.post(f"{base}/secret/rotate", json={"grace_seconds": 60}, headers=ungis.headers)
    assert rotated.status_code == 200, rotated.text
    async with db.acquire() as conn:
        await chain_audit(conn)
        audited = await conn.fetch(
            "SELECT action FROM audit_log WHERE subject_id = $1 ORDER BY seq", endpoint["id"]
        )
        published = await conn.fetch("SELECT type FROM outbox WHERE subject = $1 ORDER BY id", endpoint["id"])
    names = ["webhook.endpoint.created", "webhook.endpoint.secret_rotated"]
    assert [r["action"] for r in audited] == [r["type"] for r in published] == names
