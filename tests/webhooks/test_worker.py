"""The dispatcher inside the real arq worker: PostgreSQL is the queue of record, so a flushed Redis and a worker
killed mid-delivery still deliver (the killed one's lease expires and the same webhook-id goes out again)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import msgspec
import pytest
import redis.asyncio
from arq.worker import Worker

from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.webhooks.dispatcher import Dispatcher
from igf_hub.worker import worker_settings
from tests.conftest import BASE_URL
from tests.support.auth import Caller
from tests.support.consumer import ConsumerServer, Reply
from tests.webhooks.conftest import TEST_SECRETS_KEY, approved_message, publish, verified_endpoint

Client = httpx.AsyncClient


@contextlib.asynccontextmanager
async def running_worker(settings: Settings, clock: Clock) -> AsyncIterator[Worker]:
    """The real arq worker (not burst), with its dispatcher, in this event loop."""
    with_dispatcher = msgspec.structs.replace(
        settings, webhooks=msgspec.structs.replace(settings.webhooks, run_dispatcher=True)
    )
    ws: Any = worker_settings(with_dispatcher, clock)
    worker = Worker(
        functions=ws.functions,
        on_startup=ws.on_startup,
        on_shutdown=ws.on_shutdown,
        redis_settings=ws.redis_settings,
        job_serializer=ws.job_serializer,
        job_deserializer=ws.job_deserializer,
        poll_delay=0.05,
        handle_signals=False,
    )
    task = asyncio.create_task(worker.async_run())
    try:
        yield worker
    finally:
        await worker.close()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_a_flushed_redis_loses_nothing(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    db: asyncpg.Pool,
    settings: Settings,
    clock: Clock,
) -> None:
    await verified_endpoint(client, admin, consumer, dispatcher)
    event = await publish(db, "message.approved", uuid4(), approved_message(uuid4()))
    valkey = redis.asyncio.Redis.from_url(settings.redis.url)
    await valkey.flushall()  # whatever was queued in Redis is gone
    await valkey.aclose()
    async with running_worker(settings, clock):
        received = await consumer.wait_for(2, within=20)
        # Woken by NOTIFY while running: a second approval goes out without any job being enqueued.
        second = await publish(db, "message.approved", uuid4(), approved_message(uuid4()))
        received = await consumer.wait_for(3, within=20)
    assert [r.webhook_id for r in received[1:]] == [str(event.event_id), str(second.event_id)]
    assert all(r.signature_ok for r in received)
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM webhook_deliveries WHERE state = 'delivered'") == 3


@pytest.mark.skipif(sys.platform != "linux", reason="kills a real worker process")
async def test_a_worker_killed_mid_delivery_still_delivers_with_the_same_id(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    db: asyncpg.Pool,
    settings: Settings,
    clock: Clock,
    tmp_path: Path,
) -> None:
    await verified_endpoint(client, admin, consumer, dispatcher)
    never = asyncio.Event()
    consumer.script(Reply(hang=never))  # the consumer takes the request and never answers
    event = await publish(db, "message.approved", uuid4(), approved_message(uuid4()))

    env = {
        **os.environ,
        "IGF_HUB_DATABASE_URL": settings.db.url,
        "IGF_HUB_REDIS_URL": settings.redis.url,
        "IGF_HUB_PUBLIC_URL": BASE_URL,
        "IGF_HUB_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
        "IGF_HUB_WEBHOOK_SECRETS_KEY": TEST_SECRETS_KEY,
        "IGF_HUB_WEBHOOK_POLL_INTERVAL": "0.1",
    }
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        worker = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "igf_hub", "worker", env=env, stdout=log, stderr=log
        )
        try:
            await consumer.wait_for(2, within=30)  # the worker's dispatcher sent it and is waiting
        except TimeoutError:
            worker.kill()
            await worker.wait()
            pytest.fail(log_path.read_text()[-3000:])
        worker.send_signal(signal.SIGKILL)  # dies mid-delivery: nothing recorded
        await worker.wait()
    async with db.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT state, attempt_count, lease_until FROM webhook_deliveries WHERE NOT is_ping"
        )
    assert (row["state"], row["attempt_count"]) == ("pending", 0) and row["lease_until"] is not None

    assert await dispatcher.run_once() == 0  # the lease still holds it
    clock.advance(timedelta(seconds=settings.webhooks.lease_seconds + 1))
    assert await dispatcher.run_once() == 1  # lease expired: claimed again
    first, again = consumer.received[1], consumer.received[2]
    assert first.webhook_id == again.webhook_id == str(event.event_id)
    assert again.signature_ok and first.body == again.body
    async with db.acquire() as conn:
        row = await conn.fetchrow("SELECT state, attempt_count FROM webhook_deliveries WHERE NOT is_ping")
    assert (row["state"], row["attempt_count"]) == ("delivered", 1)


async def test_the_worker_process_alone_fans_its_events_out_to_consumers(settings: Settings) -> None:
    """Jobs publish events too (nri.inactive ...): the worker must subscribe webhooks without the API loaded,
    when it starts (importing its modules registers nothing: 2), not by loading the app (4)."""
    check = (
        "import sys, msgspec\n"
        "import igf_hub.worker\n"
        "from igf_hub.core import outbox\n"
        "from igf_hub.core.settings import Settings\n"
        "if outbox._in_transaction: sys.exit(2)\n"
        "igf_hub.worker.worker_settings(msgspec.json.decode(sys.argv[1], type=Settings))\n"
        "if 'igf_hub.app' in sys.modules: sys.exit(4)\n"
        "sys.exit(0 if any(h.__module__ == 'igf_hub.webhooks.service' for h in outbox._in_transaction) else 3)\n"
    )
    encoded = msgspec.json.encode(settings).decode()
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", check, encoded)
    assert await proc.wait() == 0


async def test_the_worker_warns_at_start_up_about_an_allowlist_that_opens_private_ranges(
    settings: Settings, clock: Clock
) -> None:
    from structlog.testing import capture_logs

    from tests.support.worker import run_worker_burst

    wide = msgspec.structs.replace(
        settings, webhooks=msgspec.structs.replace(settings.webhooks, allowed_hosts="127.0.0.1, 10.0.0.0/8")
    )
    with capture_logs() as logs:
        await run_worker_burst(wide, clock)
    warned = [e for e in logs if e["event"] == "webhooks.allowlist_opens_internal_addresses"]
    assert [(e["log_level"], e["detail"]) for e in warned] == [
        ("warning", "IGF_HUB_WEBHOOK_ALLOWED_HOSTS entry 10.0.0.0/8 opens a private or reserved range")
    ]
