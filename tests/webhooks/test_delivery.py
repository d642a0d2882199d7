"""Delivery end to end: a real consumer on 127.0.0.1 verifies every signature independently; the dispatcher is
driven pass by pass and time moves by the injected clock, never by sleeping."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import pytest

from igf_hub.auth.principal import Role
from igf_hub.core import outbox
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.webhooks.dispatcher import Dispatcher
from igf_hub.webhooks.policy import FAILING_THRESHOLD
from tests.support.auth import Caller, TokenFactory
from tests.support.consumer import ConsumerServer, Reply, fail
from tests.webhooks.conftest import (
    CSTD,
    UNGIS,
    approved_message,
    later,
    publish,
    register,
    verified_endpoint,
    verify,
)

Client = httpx.AsyncClient


async def deliveries(
    client: Client, caller: Caller, consumer_id: object = UNGIS, **params: str
) -> list[dict[str, Any]]:
    response = await client.get(
        f"/v1/consumers/{consumer_id}/deliveries", params=params, headers=caller.headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_an_approved_message_reaches_the_consumer_signed_and_exactly_as_approved(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    db: asyncpg.Pool,
    clock: Clock,
) -> None:
    endpoint = await register(client, admin, UNGIS, consumer.url())
    consumer.trust(endpoint["secret"])
    message_id = uuid4()
    approved = approved_message(message_id, text="Meaningful access for all, in every UN language.")
    event = await publish(db, "message.approved", message_id, approved)

    # Unverified: the ping goes out when asked, the real event waits (it is not dropped) while the ping fails.
    consumer.script(fail(503))
    await verify(client, admin, endpoint)
    await dispatcher.run_once()
    assert [r.json()["type"] for r in consumer.received] == ["webhook.ping"]
    ping = consumer.received[0]
    assert ping.signature_ok and ping.json()["data"]["endpoint_id"] == endpoint["id"]
    state = await client.get(f"/v1/consumers/{UNGIS}/endpoints/{endpoint['id']}", headers=admin.headers)
    assert state.json()["status"] == "unverified"
    # The ping's retry gets a 2xx: the endpoint is verified, and the Message follows in the same pass.
    later(clock, 5)
    await dispatcher.run_once()
    assert [r.json()["type"] for r in consumer.received] == [
        "webhook.ping",
        "webhook.ping",
        "message.approved",
    ]
    state = await client.get(f"/v1/consumers/{UNGIS}/endpoints/{endpoint['id']}", headers=admin.headers)
    assert state.json()["status"] == "active" and state.json()["verified_at"]
    delivered = consumer.received[2]
    assert delivered.signature_ok, delivered.problem
    body = delivered.json()
    assert body["specversion"] == "1.0" and body["type"] == "message.approved"
    assert body["id"] == str(event.event_id) == delivered.webhook_id
    assert body["subject"] == str(message_id)
    assert body["data"] == approved  # the whole approved Message, nothing else needed
    assert body["data"]["languages"][0]["text"] == "Meaningful access for all, in every UN language."
    assert body["datacontenttype"] == "application/json" and body["source"] == "http://127.0.0.1:8000"
    # Structured mode (CloudEvents HTTP binding 3.2.1): the media type says the whole body is the event.
    assert delivered.headers["content-type"] == "application/cloudevents+json; charset=utf-8"
    assert delivered.headers["host"] == f"127.0.0.1:{consumer.port}"

    listed = await deliveries(client, admin, event_type="message.approved")
    assert [(d["state"], d["attempt_count"], d["event_id"]) for d in listed] == [
        ("delivered", 1, str(event.event_id))
    ]
    detail = (
        await client.get(f"/v1/consumers/{UNGIS}/deliveries/{listed[0]['id']}", headers=admin.headers)
    ).json()
    assert detail["attempts"][0]["status_code"] == 204 and detail["attempts"][0]["latency_ms"] >= 0


async def test_the_handshake_verifies_with_the_first_ping_at_a_consumer_that_checks_signatures(
    client: Client, tokens: TokenFactory, consumer: ConsumerServer, dispatcher: Dispatcher, db: asyncpg.Pool
) -> None:
    ungis = await tokens.user((Role.consumer, UNGIS))
    # Step 1: register. The secret exists only in this answer: nothing may be sent before the receiver has it
    # (this consumer answers 400 to any request whose signature it cannot verify).
    endpoint = await register(client, ungis, UNGIS, consumer.url())
    assert endpoint["status"] == "unverified"
    held = await publish(db, "message.approved", uuid4(), approved_message(uuid4()))
    await dispatcher.run_once()
    assert consumer.received == []  # neither a ping nor the event: both wait for the consumer
    # Step 2: the receiver stores the secret, then asks for the verification ping.
    consumer.trust(endpoint["secret"])
    ping = await verify(client, ungis, endpoint)
    await dispatcher.run_once()
    first, then = consumer.received
    assert first.json()["type"] == "webhook.ping" and first.signature_ok  # the first ping verifies
    assert then.webhook_id == str(held.event_id) and then.signature_ok  # the held event follows at once
    base = f"/v1/consumers/{UNGIS}"
    state = (await client.get(f"{base}/endpoints/{endpoint['id']}", headers=ungis.headers)).json()
    assert state["status"] == "active" and state["verified_at"]
    detail = (await client.get(f"{base}/deliveries/{ping['id']}", headers=ungis.headers)).json()
    assert (detail["state"], [a["status_code"] for a in detail["attempts"]]) == ("delivered", [204])


async def test_a_rollback_leaves_neither_event_nor_delivery(
    client: Client, admin: Caller, consumer: ConsumerServer, dispatcher: Dispatcher, db: asyncpg.Pool
) -> None:
    await verified_endpoint(client, admin, consumer, dispatcher)

    async def approve_then_fail(conn: asyncpg.Connection) -> None:
        async with conn.transaction():
            await outbox.publish(conn, "message.approved", subject=uuid4(), data=approved_message(uuid4()))
            assert await conn.fetchval("SELECT count(*) FROM webhook_deliveries WHERE NOT is_ping") == 1
            raise RuntimeError("the approval failed after publishing")

    async with db.acquire() as conn:
        with pytest.raises(RuntimeError):
            await approve_then_fail(conn)
        assert await conn.fetchval("SELECT count(*) FROM webhook_events WHERE endpoint_id IS NULL") == 0
        assert await conn.fetchval("SELECT count(*) FROM webhook_deliveries WHERE NOT is_ping") == 0
    assert await dispatcher.run_once() == 0


async def test_a_consumer_that_fails_then_recovers_gets_the_event_once_with_the_same_id(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    db: asyncpg.Pool,
    clock: Clock,
) -> None:
    await verified_endpoint(client, admin, consumer, dispatcher)
    consumer.script(fail(500), fail(503), Reply(close=True))  # then a 204
    event = await publish(db, "message.approved", uuid4(), approved_message(uuid4()))
    for delay in (0, 5, 30, 120):
        later(clock, delay)
        assert await dispatcher.run_once() == 1
        assert await dispatcher.run_once() == 0  # nothing else due: the next try waits for its time
    attempts = consumer.received[1:]
    assert len(attempts) == 4 and {a.webhook_id for a in attempts} == {str(event.event_id)}
    assert len({a.timestamp for a in attempts}) == 4  # a fresh webhook-timestamp each attempt
    assert all(a.signature_ok for a in attempts)
    assert len({a.body for a in attempts}) == 1  # the same bytes every time
    (delivery,) = await deliveries(client, admin, event_type="message.approved")
    assert (delivery["state"], delivery["attempt_count"]) == ("delivered", 4)
    attempt_log = (
        await client.get(f"/v1/consumers/{UNGIS}/deliveries/{delivery['id']}", headers=admin.headers)
    ).json()
    assert [a["status_code"] for a in attempt_log["attempts"]] == [500, 503, None, 204]
    assert "scripted failure" in attempt_log["attempts"][0]["response_excerpt"]
    assert "RemoteProtocolError" in attempt_log["attempts"][2]["error"]


async def test_retry_after_is_honoured_and_redirects_are_not_followed(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    db: asyncpg.Pool,
    clock: Clock,
) -> None:
    await verified_endpoint(client, admin, consumer, dispatcher)
    consumer.script(
        fail(429, **{"Retry-After": "600"}), Reply(302, headers={"Location": consumer.url("/elsewhere")})
    )
    await publish(db, "message.approved", uuid4(), approved_message(uuid4()))
    await dispatcher.run_once()
    clock.advance(timedelta(seconds=300))  # well past the 5 s schedule step, short of Retry-After
    assert await dispatcher.run_once() == 0
    clock.advance(timedelta(seconds=301))
    assert await dispatcher.run_once() == 1  # the 302: a failure, and /elsewhere is never requested
    assert [r.path for r in consumer.received[1:]] == ["/hooks/igf", "/hooks/igf"]
    (redirected,) = await deliveries(client, admin, event_type="message.approved")
    assert redirected["last_status"] == 302
    assert redirected["last_error"] == (
        f"redirects are not followed: the endpoint answered 302 to {consumer.url('/elsewhere')}; "
        "register the final URL instead"
    )
    later(clock, 30)
    await dispatcher.run_once()
    (delivery,) = await deliveries(client, admin, event_type="message.approved")
    assert delivery["state"] == "delivered" and delivery["attempt_count"] == 3


async def test_exhausted_deliveries_die_visibly_and_can_be_replayed(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    db: asyncpg.Pool,
    clock: Clock,
    tokens: TokenFactory,
) -> None:
    await verified_endpoint(client, admin, consumer, dispatcher, retry_schedule=[0, 10, 10])
    consumer.script(fail(500), fail(500), fail(500))
    event = await publish(db, "message.approved", uuid4(), approved_message(uuid4()))
    for _ in range(3):
        await dispatcher.run_once()
        later(clock, 10)
    (dead,) = await deliveries(client, admin, state="dead")
    assert dead["attempt_count"] == 3 and dead["last_status"] == 500
    assert await dispatcher.run_once() == 0

    member = await tokens.user((Role.consumer, UNGIS))
    replay = await client.post(
        f"/v1/consumers/{UNGIS}/deliveries/{dead['id']}/replay", headers=member.headers
    )
    assert replay.status_code == 202, replay.text
    assert replay.json()["replay_of"] == dead["id"] and replay.json()["state"] == "pending"
    again = await client.post(
        f"/v1/consumers/{UNGIS}/deliveries/{replay.json()['id']}/replay", headers=member.headers
    )
    assert again.status_code == 409  # still pending
    await dispatcher.run_once()
    # A replay is a new message: a new webhook-id (a consumer de-duplicating by it takes the replay it asked
    # for), the delivery's own id; the CloudEvent inside is the same, id and bytes.
    original, replayed = consumer.received[-2], consumer.received[-1]
    assert original.webhook_id == dead["webhook_id"] == str(event.event_id)
    assert replayed.webhook_id == replay.json()["webhook_id"] == replay.json()["id"] != original.webhook_id
    assert replayed.json()["id"] == replay.json()["event_id"] == str(event.event_id)
    assert replayed.body == original.body and replayed.signature_ok
    states = {d["id"]: d["state"] for d in await deliveries(client, admin, event_type="message.approved")}
    assert states == {dead["id"]: "dead", replay.json()["id"]: "delivered"}
    unknown = await client.post(f"/v1/consumers/{UNGIS}/deliveries/{uuid4()}/replay", headers=member.headers)
    assert unknown.status_code == 404 and unknown.json()["type"] == "/problems/delivery-not-found"


async def test_one_subject_goes_in_order_while_other_subjects_flow(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    db: asyncpg.Pool,
    clock: Clock,
) -> None:
    await verified_endpoint(client, admin, consumer, dispatcher, event_types=["message.*"])
    first, second = uuid4(), uuid4()
    consumer.script(fail(500))  # the first event about `first` fails once
    await publish(db, "message.approved", first, approved_message(first))
    await publish(db, "message.published", first, {"id": str(first)})
    await publish(db, "message.approved", second, approved_message(second))
    await dispatcher.run_once()
    seen = [(r.json()["subject"], r.json()["type"]) for r in consumer.received[1:]]
    # `first`'s later event waits behind its failed one; `second` went out.
    assert seen == [(str(first), "message.approved"), (str(second), "message.approved")]
    later(clock, 5)
    await dispatcher.run_once()
    await dispatcher.run_once()
    seen = [(r.json()["subject"], r.json()["type"]) for r in consumer.received[3:]]
    assert seen == [(str(first), "message.approved"), (str(first), "message.published")]
    sequences = [r.json()["sequence"] for r in consumer.received[3:]]
    assert sequences == sorted(sequences)


async def test_a_failing_endpoint_is_probed_not_flooded_and_its_consumer_told(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    db: asyncpg.Pool,
    clock: Clock,
    tokens: TokenFactory,
) -> None:
    endpoint = await verified_endpoint(client, admin, consumer, dispatcher)
    consumer.script(*[fail(500)] * FAILING_THRESHOLD)
    subjects = [uuid4() for _ in range(FAILING_THRESHOLD)]
    for subject in subjects:  # distinct subjects: they all go at once, and all fail
        await publish(db, "message.approved", subject, approved_message(subject))
    assert await dispatcher.run_once() == FAILING_THRESHOLD
    state = (
        await client.get(f"/v1/consumers/{UNGIS}/endpoints/{endpoint['id']}", headers=admin.headers)
    ).json()
    assert state["status"] == "failing" and state["consecutive_failures"] == FAILING_THRESHOLD
    notices = (await client.get(f"/v1/consumers/{UNGIS}/notices", headers=admin.headers)).json()["items"]
    assert [n["kind"] for n in notices] == ["endpoint_failing"]
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM outbox WHERE type = 'webhook.endpoint.failing'") == 1

    # New events wait; once the backoff step passes exactly one probe goes out.
    more = [uuid4() for _ in range(3)]
    for subject in more:
        await publish(db, "message.approved", subject, approved_message(subject))
    assert await dispatcher.run_once() == 0
    later(clock, 300)  # past the endpoint's backoff step; every retry of the failed ones is due by now too
    consumer.script(fail(500))
    assert await dispatcher.run_once() == 1
    admin = Caller(admin.user, await tokens.token_for(admin.id))  # time moved past the token's life
    waiting = await deliveries(client, admin, state="pending")
    # Only the probe was sent (the three new ones never were, the failed ones not again).
    assert sorted(d["attempt_count"] for d in waiting) == [0, 0, 0] + [1] * (FAILING_THRESHOLD - 1) + [2]
    later(clock, 1800)
    assert await dispatcher.run_once() >= 1  # the probe succeeds, and releases everything that waited
    await dispatcher.run_once()
    admin = Caller(admin.user, await tokens.token_for(admin.id))
    assert await deliveries(client, admin, state="pending") == []
    state = (
        await client.get(f"/v1/consumers/{UNGIS}/endpoints/{endpoint['id']}", headers=admin.headers)
    ).json()
    assert state["status"] == "active" and state["consecutive_failures"] == 0
    ids = [r.webhook_id for r in consumer.received[1:] if r.signature_ok]
    assert len(set(ids)) == FAILING_THRESHOLD + 3  # every event arrived


async def test_gone_disables_the_endpoint_and_recovery_replays_what_it_missed(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    db: asyncpg.Pool,
    clock: Clock,
    settings: Settings,
) -> None:
    from tests.support.worker import run_worker_burst

    endpoint = await verified_endpoint(client, admin, consumer, dispatcher, replay_rate=2)
    base = f"/v1/consumers/{UNGIS}/endpoints/{endpoint['id']}"
    since = clock.now()
    consumer.script(fail(410))
    await publish(db, "message.approved", uuid4(), approved_message(uuid4()))
    await dispatcher.run_once()
    state = (await client.get(base, headers=admin.headers)).json()
    assert (state["status"], state["disabled_reason"]) == ("disabled", "gone")
    notices = (await client.get(f"/v1/consumers/{UNGIS}/notices", headers=admin.headers)).json()["items"]
    assert notices[0]["kind"] == "endpoint_disabled"
    # While disabled: nothing is sent, and new events are not queued for it.
    for _ in range(2):
        await publish(db, "message.approved", uuid4(), approved_message(uuid4()))
    later(clock, 30)
    assert await dispatcher.run_once() == 0

    enabled = await client.patch(
        base, json={"enabled": True}, headers={**admin.headers, "If-Match": f'"{state["version"]}"'}
    )
    assert enabled.status_code == 200 and enabled.json()["status"] == "active"
    asked = await client.post(f"{base}/recoveries", json={"since": since.isoformat()}, headers=admin.headers)
    assert asked.status_code == 202, asked.text
    await run_worker_burst(settings, clock)  # the arq job enqueued after the commit creates the deliveries
    recovery = (await client.get(f"{base}/recoveries/{asked.json()['id']}", headers=admin.headers)).json()
    assert (recovery["state"], recovery["deliveries_created"]) == ("done", 2)  # the two it never got
    sent = 0
    for _ in range(4):  # rate-limited: 2 per second from now
        sent += await dispatcher.run_once()
        clock.advance(timedelta(seconds=0.5))
    assert sent == 3  # the pending 410'd delivery and the two recovered ones
    assert await deliveries(client, admin, state="pending") == []
    bad = await client.post(
        f"{base}/recoveries", json={"since": "2026-01-01T00:00:00"}, headers=admin.headers
    )
    assert bad.status_code == 422  # no time zone


async def test_rotation_is_accepted_with_the_old_and_the_new_secret(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    db: asyncpg.Pool,
    clock: Clock,
) -> None:
    endpoint = await verified_endpoint(client, admin, consumer, dispatcher)
    old = endpoint["secret"]
    rotated = await client.post(
        f"/v1/consumers/{UNGIS}/endpoints/{endpoint['id']}/secret/rotate",
        json={"grace_seconds": 3600},
        headers=admin.headers,
    )
    new = rotated.json()["secret"]
    await publish(db, "message.approved", uuid4(), approved_message(uuid4()))
    await dispatcher.run_once()
    during = consumer.received[-1]
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):  # a consumer still on the old secret and one already on the new both verify
        consumer.trust(secret)
        assert consumer.verifier.check(during.headers, during.body)[0], secret
    clock.advance(timedelta(seconds=3601))
    await publish(db, "message.approved", uuid4(), approved_message(uuid4()))
    consumer.trust(new)
    await dispatcher.run_once()
    after = consumer.received[-1]
    assert after.signature_ok and len(after.headers["webhook-signature"].split(" ")) == 1
    consumer.trust(old)
    assert not consumer.verifier.check(after.headers, after.body)[0]


async def test_ed25519_lets_a_un_body_verify_with_the_published_key_alone(
    client: Client, admin: Caller, consumer: ConsumerServer, dispatcher: Dispatcher, db: asyncpg.Pool
) -> None:
    keys = (await client.get("/v1/events/signing-keys")).json()["keys"]  # public: no sign-in
    assert keys[0]["alg"] == "Ed25519" and keys[0]["public_key"].startswith("whpk_")
    await verified_endpoint(client, admin, consumer, dispatcher, sign_ed25519=True)
    await publish(db, "message.approved", uuid4(), approved_message(uuid4()))
    consumer.trust(public_key=keys[0]["public_key"])  # no shared secret at all
    await dispatcher.run_once()
    assert consumer.received[-1].v1a_ok is True and consumer.received[-1].signature_ok is False


async def test_each_v1a_signature_names_its_key_and_a_rotation_publishes_the_new_one(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    db: asyncpg.Pool,
    tokens: TokenFactory,
) -> None:
    await verified_endpoint(client, admin, consumer, dispatcher, sign_ed25519=True)

    async def delivered_with(document: dict[str, Any]) -> tuple[str, bool]:
        """Publish, deliver, and verify as a consumer would: the key whose kid the header names, alone."""
        await publish(db, "message.approved", uuid4(), approved_message(uuid4()))
        await dispatcher.run_once()
        got = consumer.received[-1]
        kid = got.headers["webhook-key-id"]
        by_kid = {k["kid"]: k["public_key"] for k in document["keys"]}
        if kid not in by_kid:
            return kid, False
        consumer.trust(public_key=by_kid[kid])
        return kid, bool(consumer.verifier.check(got.headers, got.body)[1])

    before = (await client.get("/v1/events/signing-keys")).json()
    kid, verified = await delivered_with(before)
    assert kid == before["keys"][0]["kid"] and verified and before["keys"][0]["retired_at"] is None

    member = await tokens.user((Role.consumer, UNGIS))
    refused = await client.post("/v1/events/signing-keys/rotate", headers=member.headers)
    assert refused.status_code == 403  # only the Secretariat rotates
    rotated = await client.post("/v1/events/signing-keys/rotate", headers=admin.headers)
    assert rotated.status_code == 200, rotated.text
    after = rotated.json()
    active = [k for k in after["keys"] if k["retired_at"] is None]
    retired = [k for k in after["keys"] if k["retired_at"] is not None]
    assert len(active) == 1 and [k["kid"] for k in retired] == [kid]  # the old key stays published

    # The running dispatcher signs with the new key at once; a consumer holding the old document sees a kid it
    # does not know (so it fetches the document again) instead of trying every key.
    new_kid, verified_with_stale = await delivered_with(before)
    assert new_kid == active[0]["kid"] != kid and not verified_with_stale
    fresh = (await client.get("/v1/events/signing-keys")).json()
    assert (await delivered_with(fresh)) == (new_kid, True)
    consumer.trust(public_key=retired[0]["public_key"])
    last = consumer.received[-1]
    assert consumer.verifier.check(last.headers, last.body)[1] is False  # the retired key no longer signs


async def test_classification_filters_and_event_types_choose_what_an_endpoint_gets(
    client: Client, admin: Caller, consumer: ConsumerServer, dispatcher: Dispatcher, db: asyncpg.Pool
) -> None:
    await verified_endpoint(
        client,
        admin,
        consumer,
        dispatcher,
        event_types=["message.approved", "nri.recognised"],
        filters={"wsis_action_lines": ["C7"], "gdc_objectives": [5]},
    )
    wanted, other = uuid4(), uuid4()
    await publish(
        db,
        "message.approved",
        wanted,
        approved_message(wanted, lines=["C7", "C1"])
        | {"classification": {"wsis_action_lines": ["C7"], "sdgs": [], "gdc_objectives": [5]}},
    )
    await publish(db, "message.approved", other, approved_message(other, lines=["C3"]))
    await publish(db, "message.withdrawn", wanted, {"id": str(wanted)})  # not subscribed
    nri = uuid4()
    await publish(db, "nri.recognised", nri, {"id": str(nri), "name": "Kenya IGF"})  # unclassified: no filter
    await dispatcher.run_once()
    got = [(r.json()["type"], r.json()["subject"]) for r in consumer.received[1:]]
    assert sorted(got) == sorted([("message.approved", str(wanted)), ("nri.recognised", str(nri))])


async def test_large_events_travel_thin_with_canonical_links(
    client: Client, admin: Caller, consumer: ConsumerServer, dispatcher: Dispatcher, db: asyncpg.Pool
) -> None:
    await verified_endpoint(client, admin, consumer, dispatcher)
    message_id = uuid4()
    await publish(db, "message.approved", message_id, approved_message(message_id, text="x" * 70_000))
    await dispatcher.run_once()
    body = consumer.received[-1].json()
    assert body["data"]["thin"] is True and len(consumer.received[-1].body) < 2048
    full = await client.get(
        body["data"]["links"]["event"].removeprefix("http://127.0.0.1:8000"), headers=admin.headers
    )
    assert full.json()["data"]["languages"][0]["text"] == "x" * 70_000
    assert body["data"]["links"]["self"].endswith(f"/v1/messages/{message_id}")


async def test_the_address_is_vetted_again_at_delivery_time(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    db: asyncpg.Pool,
    http: httpx.AsyncClient,
    settings: Settings,
    clock: Clock,
) -> None:
    import msgspec

    await verified_endpoint(client, admin, consumer, dispatcher)
    await publish(db, "message.approved", uuid4(), approved_message(uuid4()))
    # The deployment drops loopback from its allowlist: the registered URL now resolves to a refused address.
    strict = msgspec.structs.replace(
        settings, webhooks=msgspec.structs.replace(settings.webhooks, allowed_hosts="")
    )
    await Dispatcher(db, http, strict, clock).run_once()
    assert len(consumer.received) == 1  # only the ping from before
    (delivery,) = await deliveries(client, admin, event_type="message.approved")
    detail = (
        await client.get(f"/v1/consumers/{UNGIS}/deliveries/{delivery['id']}", headers=admin.headers)
    ).json()
    assert detail["attempts"][0]["error"].startswith("refused: ")  # never connected: no status, no bytes
    assert detail["attempts"][0]["status_code"] is None


async def test_a_consumer_sees_only_its_own_deliveries(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    db: asyncpg.Pool,
    tokens: TokenFactory,
) -> None:
    ungis, cstd = await tokens.user((Role.consumer, UNGIS)), await tokens.user((Role.consumer, CSTD))
    await verified_endpoint(client, ungis, consumer, dispatcher)
    async with ConsumerServer() as other:
        cstd_endpoint = await register(client, cstd, CSTD, other.url())
        other.trust(cstd_endpoint["secret"])
        await verify(client, cstd, cstd_endpoint)
        await publish(db, "message.approved", uuid4(), approved_message(uuid4()))
        await dispatcher.run_once()
        await dispatcher.run_once()
        assert len(other.received) == 2  # its ping and the message
    mine = await deliveries(client, ungis)
    theirs = await deliveries(client, cstd, consumer_id=CSTD)
    assert {d["consumer_id"] for d in mine} == {str(UNGIS)} and {d["consumer_id"] for d in theirs} == {
        str(CSTD)
    }
    refused = await client.get(f"/v1/consumers/{CSTD}/deliveries", headers=ungis.headers)
    assert refused.status_code == 403
    one_of_theirs = theirs[0]["id"]
    assert (
        await client.get(f"/v1/consumers/{CSTD}/deliveries/{one_of_theirs}", headers=ungis.headers)
    ).status_code == 403
    wrong_path = await client.get(f"/v1/consumers/{UNGIS}/deliveries/{one_of_theirs}", headers=ungis.headers)
    assert wrong_path.status_code == 404  # not under UNGIS
    replay = await client.post(
        f"/v1/consumers/{UNGIS}/deliveries/{one_of_theirs}/replay", headers=ungis.headers
    )
    assert replay.status_code == 404
    assert all(
        d["consumer_id"] == str(CSTD)
        for d in json.loads(
            (await client.get(f"/v1/consumers/{CSTD}/deliveries", headers=admin.headers)).text
        )["items"]
    )


async def test_a_new_url_is_unverified_until_its_ping_answers(
    client: Client, admin: Caller, consumer: ConsumerServer, dispatcher: Dispatcher, db: asyncpg.Pool
) -> None:
    endpoint = await verified_endpoint(client, admin, consumer, dispatcher)
    base = f"/v1/consumers/{UNGIS}/endpoints/{endpoint['id']}"
    moved = await client.patch(
        base, json={"url": consumer.url("/v2/hooks")}, headers={**admin.headers, "If-Match": '"1"'}
    )
    assert moved.status_code == 200 and moved.json()["status"] == "unverified"
    await publish(db, "message.approved", uuid4(), approved_message(uuid4()))
    consumer.script(fail(500), fail(500), fail(500))  # the new URL's ping fails all its tries
    for _ in range(3):
        await dispatcher.run_once()
        dispatcher.clock.advance(timedelta(seconds=40))
    assert [r.json()["type"] for r in consumer.received[1:]] == ["webhook.ping"] * 3  # the message waits
    pinged = await client.post(f"{base}/ping", headers=admin.headers)  # re-sent through the API
    assert pinged.status_code == 202 and pinged.json()["is_ping"]
    await dispatcher.run_once()
    await dispatcher.run_once()
    assert [r.json()["type"] for r in consumer.received[4:]] == ["webhook.ping", "message.approved"]
    assert consumer.received[-1].path == "/v2/hooks"


async def test_the_listen_notify_wake_up_reaches_a_running_dispatcher(
    client: Client, admin: Caller, consumer: ConsumerServer, dispatcher: Dispatcher, db: asyncpg.Pool
) -> None:
    await verified_endpoint(client, admin, consumer, dispatcher)
    dispatcher.poll_interval = 3600  # no polling: only the NOTIFY can wake it in time
    await dispatcher.start()
    try:
        await asyncio.wait_for(dispatcher.listening.wait(), timeout=5)
        await publish(db, "message.approved", uuid4(), approved_message(uuid4()))
        await consumer.wait_for(2, within=5)
    finally:
        await dispatcher.stop()
    assert consumer.received[1].json()["type"] == "message.approved"


async def test_the_running_dispatcher_keeps_each_subject_in_order_under_load(
    client: Client, admin: Caller, consumer: ConsumerServer, dispatcher: Dispatcher, db: asyncpg.Pool
) -> None:
    await verified_endpoint(client, admin, consumer, dispatcher, event_types=["message.*"])
    subjects = [uuid4() for _ in range(4)]
    async with db.acquire() as conn, conn.transaction():  # a burst: 40 events committed at once
        for n in range(10):
            for subject in subjects:
                await outbox.publish(
                    conn, "message.published", subject=subject, data={"id": str(subject), "n": n}
                )
    await dispatcher.start()
    try:
        received = await consumer.wait_for(41, within=20)
    finally:
        await dispatcher.stop()
    for subject in subjects:
        order = [r.json()["data"]["n"] for r in received[1:] if r.json()["subject"] == str(subject)]
        assert order == list(range(10)), order
    assert await deliveries(client, admin, state="pending") == []
