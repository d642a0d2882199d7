"""Delivery metrics: a worker counts each attempt, adds the counts to Valkey, and any API process shows them in
/metrics as Prometheus counters and histograms, beside the backlog read from PostgreSQL."""

from __future__ import annotations

import random
import re
from uuid import uuid4

import asyncpg
import httpx
import redis.asyncio
from litestar import Litestar

from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.webhooks.dispatcher import Dispatcher
from igf_hub.webhooks.metrics import DeliveryMetrics
from tests.support.auth import Caller
from tests.support.consumer import ConsumerServer, fail
from tests.webhooks.conftest import approved_message, later, publish, verified_endpoint

Client = httpx.AsyncClient


def sample(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    assert match, f"{name} not in /metrics"
    return float(match[1])


async def test_attempts_by_outcome_latency_and_backlog_reach_metrics(
    client: Client,
    app: Litestar,
    admin: Caller,
    consumer: ConsumerServer,
    db: asyncpg.Pool,
    http: httpx.AsyncClient,
    settings: Settings,
    clock: Clock,
) -> None:
    counted = DeliveryMetrics()
    dispatcher = Dispatcher(db, http, settings, clock, rng=random.Random(7), on_attempt=counted.observe)
    await verified_endpoint(
        client, admin, consumer, dispatcher, retry_schedule=[0, 10]
    )  # the ping: delivered
    consumer.script(fail(500), fail(503), fail(500))  # then 204s
    await publish(db, "message.approved", uuid4(), approved_message(uuid4()))
    await dispatcher.run_once()  # 500: retrying
    later(clock, 10)
    await dispatcher.run_once()  # 503 on the last step of the schedule: dead
    await publish(db, "message.approved", uuid4(), approved_message(uuid4()))
    await dispatcher.run_once()  # 500: retrying, and it stays pending
    later(clock, 10)
    await publish(db, "message.approved", uuid4(), approved_message(uuid4()))  # due now, never attempted

    before = (await client.get("/metrics")).text
    assert sample(before, 'igf_hub_webhook_attempts_total{outcome="delivered"}') == 0  # nothing flushed yet
    await counted.flush(app.state.queue)

    text = (await client.get("/metrics")).text
    assert sample(text, 'igf_hub_webhook_attempts_total{outcome="delivered"}') == 1
    assert sample(text, 'igf_hub_webhook_attempts_total{outcome="retrying"}') == 2
    assert sample(text, 'igf_hub_webhook_attempts_total{outcome="dead"}') == 1
    assert sample(text, "igf_hub_webhook_response_seconds_count") == 4
    assert sample(text, 'igf_hub_webhook_response_seconds_bucket{le="+Inf"}') == 4
    assert 0 < sample(text, "igf_hub_webhook_response_seconds_sum") < 4 * settings.webhooks.request_timeout
    assert sample(text, "igf_hub_webhook_delivery_lag_seconds_count") == 1  # only successes have a lag
    assert sample(text, "igf_hub_webhook_deliveries_pending") == 2
    assert sample(text, "igf_hub_webhook_oldest_due_seconds") >= 10  # the retry has been due since before

    # Another worker's counts add up; a flush with nothing new adds nothing.
    other = DeliveryMetrics()
    other_dispatcher = Dispatcher(db, http, settings, clock, rng=random.Random(7), on_attempt=other.observe)
    assert await other_dispatcher.run_once() == 2  # both due deliveries get 204s now
    await other.flush(app.state.queue)
    await counted.flush(app.state.queue)
    text = (await client.get("/metrics")).text
    assert sample(text, 'igf_hub_webhook_attempts_total{outcome="delivered"}') == 3
    assert sample(text, "igf_hub_webhook_delivery_lag_seconds_count") == 3
    assert sample(text, "igf_hub_webhook_deliveries_pending") == 0


async def test_counts_survive_a_flush_while_valkey_is_away(client: Client, app: Litestar) -> None:
    # (client: the app running, so app.state.queue is its Valkey connection)
    counted = DeliveryMetrics()
    counted._counts["igf:metrics:webhook_attempts", "delivered"] += 2  # as observe() would have left them
    unreachable = redis.asyncio.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    try:
        await counted.flush(unreachable)  # logged, not raised; the counts stay for the next flush
    finally:
        await unreachable.aclose()
    await counted.flush(app.state.queue)
    assert await app.state.queue.hget("igf:metrics:webhook_attempts", "delivered") == b"2"
