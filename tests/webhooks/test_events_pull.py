"""The pull log: GET /v1/events serves the same events, in order, with the webhook bodies byte for byte."""

from __future__ import annotations

import json
from uuid import uuid4

import asyncpg
import httpx

from igf_hub.auth.principal import Role
from igf_hub.core import outbox
from igf_hub.webhooks.dispatcher import Dispatcher
from tests.support.auth import Caller, TokenFactory
from tests.support.consumer import ConsumerServer
from tests.webhooks.conftest import UNGIS, approved_message, publish, verified_endpoint

Client = httpx.AsyncClient


async def test_pull_serves_the_webhook_bodies_in_order_with_a_resumable_cursor(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    db: asyncpg.Pool,
    tokens: TokenFactory,
) -> None:
    member = await tokens.user((Role.consumer, UNGIS))
    await verified_endpoint(client, admin, consumer, dispatcher, event_types=["*"])
    subjects = [uuid4() for _ in range(5)]
    for subject in subjects:
        await publish(db, "message.approved", subject, approved_message(subject))
    await publish(db, "nri.recognised", uuid4(), {"id": "x"})
    await publish(db, "test.internal", "x", {})  # not a deliverable family: neither pushed nor pulled
    await dispatcher.run_once()
    pushed = {r.webhook_id: r.body for r in consumer.received[1:]}
    assert len(pushed) == 6

    first = await client.get("/v1/events", params={"limit": 4}, headers=member.headers)
    assert first.status_code == 200, first.text
    page = first.json()
    assert page["has_more"] is True and len(page["items"]) == 4
    second = await client.get("/v1/events", params={"after": page["next_cursor"]}, headers=member.headers)
    rest = second.json()
    assert rest["has_more"] is False and len(rest["items"]) == 2
    pulled = page["items"] + rest["items"]
    assert [e["subject"] for e in pulled[:5]] == [str(s) for s in subjects]
    assert [e["sequence"] for e in pulled] == sorted(e["sequence"] for e in pulled)
    # Byte for byte: each pulled item is exactly the body that was pushed (and signed).
    raw = first.content + second.content
    for event_id, body in pushed.items():
        assert body in raw, event_id
    # Caught up: the cursor stays usable, and new events appear after it.
    caught_up = (
        await client.get("/v1/events", params={"after": rest["next_cursor"]}, headers=member.headers)
    ).json()
    assert caught_up == {"items": [], "next_cursor": rest["next_cursor"], "has_more": False}
    await publish(db, "message.withdrawn", subjects[0], {"id": str(subjects[0])})
    newer = (
        await client.get("/v1/events", params={"after": rest["next_cursor"]}, headers=member.headers)
    ).json()
    assert [e["type"] for e in newer["items"]] == ["message.withdrawn"]

    only = (
        await client.get("/v1/events", params={"types": "nri.*,message.withdrawn"}, headers=member.headers)
    ).json()
    assert [e["type"] for e in only["items"]] == ["nri.recognised", "message.withdrawn"]
    one = await client.get(f"/v1/events/{pulled[0]['id']}", headers=member.headers)
    assert one.status_code == 200 and json.loads(one.content) == pulled[0]


async def test_an_uncommitted_event_never_slips_behind_a_readers_cursor(
    client: Client, admin: Caller, db: asyncpg.Pool
) -> None:
    async with db.acquire() as slow:
        tx = slow.transaction()
        await tx.start()
        await outbox.publish(slow, "message.approved", subject="early", data={"n": 1})  # not committed yet
        await publish(db, "message.approved", "later", {"n": 2})  # commits first
        seen = (await client.get("/v1/events", headers=admin.headers)).json()
        # The later commit is held back while an older transaction could still add an earlier event.
        assert seen["items"] == []
        await tx.commit()
    after = (
        await client.get("/v1/events", params={"after": seen["next_cursor"]}, headers=admin.headers)
    ).json()
    assert [e["subject"] for e in after["items"]] == ["early", "later"]


async def burn_transaction_ids_to_just_below_a_power_of_ten(db: asyncpg.Pool, margin: int = 8) -> int:
    """Spend transaction ids until the next one is ``margin`` short of a power of ten; returns that power."""
    async with db.acquire() as conn:
        current = int(await conn.fetchval("SELECT pg_current_xact_id()::text"))
        boundary: int = 10 ** len(str(current + 50))
        # One xid per COMMIT, server-side (about 250,000 a second here), outside any transaction block.
        burn = boundary - margin - current - 1
        await conn.execute(
            f"DO $$ BEGIN FOR i IN 1..{burn} LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$"
        )
    return boundary


async def read_whole_log(client: Client, caller: Caller, *, follow_links: bool, **params: str) -> list[str]:
    """Every event id of the pull log, page by page (3 a page), by next_cursor or by the Link header."""
    ids: list[str] = []
    url, query = "/v1/events", {"limit": "3", **params}
    for _ in range(100):
        if not query:  # a Link target carries its whole query (httpx would replace it with params={})
            response = await client.get(url, headers=caller.headers)
        else:
            response = await client.get(url, params=query, headers=caller.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        ids += [e["id"] for e in page["items"]]
        link = response.headers.get("link")
        assert (link is not None) == page["has_more"], (link, page["has_more"])
        if not page["has_more"]:
            return ids
        assert link is not None
        if follow_links:
            target = link.split(">", 1)[0].removeprefix("<")
            assert link.endswith('; rel="next"') and f"after={page['next_cursor']}" in target
            url, query = target, {}
        else:
            query = {**query, "after": page["next_cursor"]}
    raise AssertionError("the log never ended")


async def test_the_pull_log_returns_every_event_once_in_order_across_a_txid_digit_boundary(
    client: Client, admin: Caller, db: asyncpg.Pool
) -> None:
    boundary = await burn_transaction_ids_to_just_below_a_power_of_ten(db)
    families = ["message.approved", "nri.recognised", "track.created"]
    for n in range(18):  # one transaction each: their ids run from below the power of ten to above it
        await publish(db, families[n % 3], uuid4(), {"n": n})
        if n == 9:  # and one transaction with several events (one txid, several sequences)
            async with db.acquire() as conn, conn.transaction():
                for k in range(4):
                    await outbox.publish(conn, "message.published", subject=uuid4(), data={"k": k})
    async with db.acquire() as conn:
        span = await conn.fetchrow(
            "SELECT min(txid::text::bigint) AS low, max(txid::text::bigint) AS high FROM webhook_events"
        )
        assert span["low"] < boundary <= span["high"]  # the log really crosses the digit boundary

        async def expected(patterns: list[str] | None) -> list[str]:
            rows = await conn.fetch(
                "SELECT id::text, seq FROM webhook_events WHERE endpoint_id IS NULL"
                " AND ($1::text[] IS NULL OR webhook_type_matches($1, type)) ORDER BY txid, seq",
                patterns,
            )
            assert [r["seq"] for r in rows] == sorted(r["seq"] for r in rows)  # committed one after another
            return [r["id"] for r in rows]

        everything = await expected(None)
        assert len(everything) == 22
        assert await read_whole_log(client, admin, follow_links=False) == everything
        assert await read_whole_log(client, admin, follow_links=True) == everything
        for types in ("nri.*", "message.*,track.created", "message.published"):
            wanted = await expected(types.split(","))
            assert await read_whole_log(client, admin, follow_links=False, types=types) == wanted, types
            assert await read_whole_log(client, admin, follow_links=True, types=types) == wanted, types


async def test_pull_refusals(client: Client, tokens: TokenFactory, admin: Caller) -> None:
    funder = await tokens.user(Role.funder)
    assert (await client.get("/v1/events")).status_code == 401
    assert (await client.get("/v1/events", headers=funder.headers)).status_code == 403
    bad_cursor = await client.get("/v1/events", params={"after": "!!"}, headers=admin.headers)
    assert bad_cursor.status_code == 400 and bad_cursor.json()["type"] == "/problems/invalid-cursor"
    bad_type = await client.get("/v1/events", params={"types": "Nonsense"}, headers=admin.headers)
    assert bad_type.status_code == 422 and bad_type.json()["errors"][0]["pointer"] == "query:types"
    # One cursor parameter, after=: cursor= (or any unknown parameter) is refused, not silently ignored.
    wrong_name = await client.get(
        "/v1/events", params={"cursor": "x", "type": "nri.*"}, headers=admin.headers
    )
    assert wrong_name.status_code == 400, wrong_name.text
    problem = wrong_name.json()
    assert problem["type"] == "/problems/unknown-query-parameter"
    assert [e["pointer"] for e in problem["errors"]] == ["query:cursor", "query:type"]
    assert "after=" in problem["errors"][0]["detail"]
    missing = await client.get(f"/v1/events/{uuid4()}", headers=admin.headers)
    assert missing.status_code == 404 and missing.json()["type"] == "/problems/event-not-found"
    assert (await client.get("/v1/events", params={"limit": 0}, headers=admin.headers)).status_code in (
        400,
        422,
    )


async def test_the_openapi_document_describes_the_webhook_api(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    assert {"/v1/consumers", "/v1/events", "/v1/events/signing-keys"} <= set(schema["paths"])
    listed = schema["paths"]["/v1/events"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert listed["$ref"].endswith("EventLog")
    assert "CloudEvent" in schema["components"]["schemas"]
    # Each webhook names the headers a receiver checks, beside its CloudEvent body.
    approved = schema["webhooks"]["message.approved"]["post"]
    assert {(p["name"], p["in"], p["required"]) for p in approved["parameters"]} == {
        ("webhook-id", "header", True),
        ("webhook-timestamp", "header", True),
        ("webhook-signature", "header", True),
        ("webhook-key-id", "header", False),
    }
    assert list(approved["requestBody"]["content"]) == ["application/cloudevents+json"]
