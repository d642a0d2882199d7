"""A Message's life as UNGIS sees it: driven through the HTTP API (session report → draft → comment window on
the injected clock → dispositions → MAG ballot → approval), received by a real consumer on 127.0.0.1, in
causal order, filtered by the Message's classification, with ``message.approved`` equal to the GET."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
import httpx

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.webhooks.dispatcher import Dispatcher
from tests.messages import support as m
from tests.support.auth import Caller, TokenFactory
from tests.support.consumer import ConsumerServer
from tests.webhooks import schemas
from tests.webhooks.conftest import UNGIS, register, verified_endpoint

Client = httpx.AsyncClient


async def test_an_approved_message_reaches_the_consumer_as_the_api_shows_it_after_its_causes(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    tokens: TokenFactory,
    clock: Clock,
    settings: Settings,
) -> None:
    await verified_endpoint(
        client, admin, consumer, dispatcher, event_types=["message.*"], filters={"sdgs": [9]}
    )
    secretariat = await tokens.user(Role.secretariat)
    session = await m.report(client, await tokens.user())
    created = await m.message(
        client,
        secretariat,
        provenance=[
            {"kind": "session_report", "id": session["id"], "paragraph_ids": ["p1"], "note": "source"}
        ],
    )
    mid = created.json()["id"]
    members = await m.mag(tokens, 4, chair=True)
    await m.to_review(client, tokens, clock, settings, secretariat, mid, with_comment=True)
    await m.refresh(tokens, *members)
    for caller, group in zip(members, m.GROUPS, strict=True):
        await m.position(client, caller, mid, "yes", group=group)
    approved = await m.move(client, members[0], mid, {"to": "approved"})
    await dispatcher.run_once()

    received = [r for r in consumer.received if r.json()["type"] != "webhook.ping"]
    assert all(r.signature_ok for r in received)
    assert [r.json()["type"] for r in received] == [
        "message.public_comment_opened",  # the first event: nothing of the draft before it
        "message.comment_posted",
        "message.public_comment_closed",  # by the worker, when the window ended on the clock
        "message.comment_disposed",
        "message.mag_review_started",  # the transition, then the ballot it opened
        "message.ballot_opened",
        *["message.ballot_position_taken"] * 4,
        "message.approved",  # the approval, then the ballot it closed
        "message.ballot_closed",
    ]
    document = await schemas.openapi(client)
    for r in received:
        schemas.check_event(document, r.json())
    sequences = [int(r.json()["sequence"]) for r in received]
    assert sequences == sorted(sequences)
    event = next(r.json() for r in received if r.json()["type"] == "message.approved")
    shown = (await client.get(f"/v1/messages/{mid}")).json()
    assert event["subject"] == mid and event["data"] == shown == approved.json()
    assert event["data"]["provenance"][0]["id"] == session["id"]


async def test_a_new_message_is_created_before_its_first_version_is_saved(
    client: Client, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    created = await m.message(client, await tokens.user(Role.secretariat))
    async with db.acquire() as conn:
        rows = await conn.fetch(
            "SELECT type FROM outbox WHERE subject = $1 ORDER BY id", created.json()["id"]
        )
    assert [r["type"] for r in rows] == ["message.created", "message.version_saved"]


async def _types(client: Client, caller: Caller, endpoint: dict[str, Any]) -> list[str]:
    response = await client.get(
        f"/v1/consumers/{UNGIS}/deliveries",
        params={"endpoint_id": endpoint["id"], "limit": 100},
        headers=caller.headers,
    )
    assert response.status_code == 200, response.text
    listed = reversed(response.json()["items"])  # newest first
    return [d["event_type"] for d in listed if d["event_type"] != "webhook.ping"]


async def test_classification_filters_take_every_event_of_a_message_or_none(
    client: Client,
    admin: Caller,
    tokens: TokenFactory,
    clock: Clock,
    settings: Settings,
) -> None:
    sdg9 = await register(
        client, admin, UNGIS, "http://127.0.0.1:9/sdg9", event_types=["message.*"], filters={"sdgs": [9]}
    )
    sdg5 = await register(
        client, admin, UNGIS, "http://127.0.0.1:9/sdg5", event_types=["message.*"], filters={"sdgs": [5]}
    )
    secretariat = await tokens.user(Role.secretariat)
    mid = (await m.message(client, secretariat)).json()["id"]  # classified SDG 9
    await m.move(client, secretariat, mid, {"to": "public_comment"})
    await m.comment(client, await tokens.user(), mid)  # its data carries no classification
    clock.advance(timedelta(days=21, seconds=1))
    await m.refresh(tokens, secretariat, admin)
    await m.sweep(settings, clock)
    assert await _types(client, admin, sdg9) == [
        "message.public_comment_opened",
        "message.comment_posted",
        "message.public_comment_closed",
    ]
    assert await _types(client, admin, sdg5) == []

    # Reclassified in synthesis: from that change on, its events follow the new classification.
    current = await m.get(client, mid, secretariat)
    moved = await client.patch(
        f"/v1/messages/{mid}",
        json={"classification": {"wsis_action_lines": ["C2"], "sdgs": [5], "gdc_objectives": []}},
        headers=m.if_match(current, secretariat),
    )
    assert moved.status_code == 200, moved.text
    await m.move(client, secretariat, mid, {"to": "withdrawn", "reason": "Folded into another Message."})
    assert await _types(client, admin, sdg5) == ["message.updated", "message.withdrawn"]
    assert len(await _types(client, admin, sdg9)) == 3
