"""Endpoint health over days (moved by the clock), the maintenance job after a flushed Redis, retention."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import uuid4

import asyncpg
import httpx
import redis.asyncio

from igf_hub.core import queue
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.webhooks import health
from igf_hub.webhooks.dispatcher import Dispatcher
from tests.support.auth import Caller, TokenFactory
from tests.support.consumer import ConsumerServer, Reply, fail
from tests.support.worker import run_worker_burst
from tests.webhooks.conftest import UNGIS, approved_message, publish, verified_endpoint

Client = httpx.AsyncClient


async def test_five_days_of_continuous_failure_disable_the_endpoint(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    db: asyncpg.Pool,
    clock: Clock,
    tokens: TokenFactory,
) -> None:
    endpoint = await verified_endpoint(client, admin, consumer, dispatcher, retry_schedule=[0, 3600])
    consumer.script(*[fail(503)] * 400)
    hours = 0
    while hours < 5 * 24 + 3:  # an event every hour, every attempt fails
        await publish(db, "message.approved", uuid4(), approved_message(uuid4()))
        sent = await dispatcher.run_once()
        assert hours < 3 or sent <= 1  # once failing: one probe per backoff step, never a flood
        clock.advance(timedelta(hours=1, minutes=15))
        hours += 1
    admin = Caller(admin.user, await tokens.token_for(admin.id))
    state = (
        await client.get(f"/v1/consumers/{UNGIS}/endpoints/{endpoint['id']}", headers=admin.headers)
    ).json()
    assert (state["status"], state["disabled_reason"]) == ("disabled", "failing")
    kinds = [
        n["kind"]
        for n in (await client.get(f"/v1/consumers/{UNGIS}/notices", headers=admin.headers)).json()["items"]
    ]
    assert kinds == ["endpoint_disabled", "endpoint_failing"]  # newest first, each told once
    async with db.acquire() as conn:
        events = [
            r["type"]
            for r in await conn.fetch(
                "SELECT type FROM outbox WHERE type LIKE 'webhook.endpoint.%' ORDER BY id"
            )
        ]
        pending = await conn.fetchval("SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'")
    assert events[-2:] == ["webhook.endpoint.failing", "webhook.endpoint.disabled"]
    assert pending > 0  # the events that never got through wait: re-enable and recover


async def test_the_maintenance_job_disables_stale_failures_and_picks_up_lost_recoveries(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    db: asyncpg.Pool,
    clock: Clock,
    settings: Settings,
) -> None:
    endpoint = await verified_endpoint(client, admin, consumer, dispatcher)
    base = f"/v1/consumers/{UNGIS}/endpoints/{endpoint['id']}"
    since = clock.now() - timedelta(minutes=1)
    # A failing endpoint nobody has probed for five days (say every worker was down).
    async with db.acquire() as conn:
        await conn.execute(
            "UPDATE webhook_endpoints SET consecutive_failures = 9, failing_since = $1 WHERE id = $2",
            clock.now() - timedelta(days=5, minutes=1),
            endpoint["id"],
        )
    asked = await client.post(f"{base}/recoveries", json={"since": since.isoformat()}, headers=admin.headers)
    assert asked.status_code == 202
    valkey = redis.asyncio.Redis.from_url(settings.redis.url)
    await valkey.flushall()  # the enqueued recovery job is lost
    await valkey.aclose()
    arq = await queue.connect(settings.redis.url)
    await arq.enqueue_job("webhooks_maintenance")
    await arq.aclose()
    await run_worker_burst(settings, clock)
    state = (await client.get(base, headers=admin.headers)).json()
    assert (state["status"], state["disabled_reason"]) == ("disabled", "failing")
    recovery = (await client.get(f"{base}/recoveries/{asked.json()['id']}", headers=admin.headers)).json()
    assert recovery["state"] == "done"
    notices = (await client.get(f"/v1/consumers/{UNGIS}/notices", headers=admin.headers)).json()["items"]
    assert notices[0]["kind"] == "endpoint_disabled"


async def test_retention_keeps_what_is_pending(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    db: asyncpg.Pool,
    clock: Clock,
) -> None:
    await verified_endpoint(client, admin, consumer, dispatcher)
    await publish(db, "message.approved", uuid4(), approved_message(uuid4()))
    await dispatcher.run_once()  # delivered
    consumer.script(fail(500))
    waiting = await publish(db, "message.approved", uuid4(), approved_message(uuid4()))
    await dispatcher.run_once()  # pending, waiting for its retry
    clock.advance(timedelta(days=91))
    await health.purge(db, clock, retention_days=90)
    async with db.acquire() as conn:
        events = [
            r["id"] for r in await conn.fetch("SELECT id FROM webhook_events WHERE endpoint_id IS NULL")
        ]
        states = [r["state"] for r in await conn.fetch("SELECT state FROM webhook_deliveries")]
    assert events == [waiting.event_id] and states == ["pending"]


async def test_deleting_an_endpoint_mid_delivery_loses_the_result_quietly(
    client: Client, admin: Caller, consumer: ConsumerServer, dispatcher: Dispatcher, db: asyncpg.Pool
) -> None:
    endpoint = await verified_endpoint(client, admin, consumer, dispatcher)
    release = asyncio.Event()
    consumer.script(Reply(hang=release))
    await publish(db, "message.approved", uuid4(), approved_message(uuid4()))
    sending = asyncio.create_task(dispatcher.run_once())
    await consumer.wait_for(2)
    deleted = await client.delete(f"/v1/consumers/{UNGIS}/endpoints/{endpoint['id']}", headers=admin.headers)
    assert deleted.status_code == 204
    release.set()
    assert await sending == 1  # recorded without error: the attempt of a deleted endpoint is simply dropped
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM webhook_attempts") == 0
