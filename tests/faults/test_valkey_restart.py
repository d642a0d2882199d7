"""Valkey restarted under a running worker: webhook deliveries never depend on it (PostgreSQL is their queue of
record), the API answers what needs Valkey with a 503 problem while it is down, and the worker — the same
process — runs arq jobs again once Valkey is back, including a job that was waiting in Valkey when it went
down (Valkey persisting to disk, as in production)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from uuid import uuid4

import httpx
import pytest
import redis.asyncio
from arq.jobs import Job

from igf_hub.app import create_app
from igf_hub.auth.principal import Role
from igf_hub.core import queue
from igf_hub.core.clock import Clock
from igf_hub.core.db import create_pool
from tests.conftest import BASE_URL, running
from tests.faults.conftest import FaultServers, WorkerProcess, eventually, publish, received, worker_process
from tests.support.asgi import asgi
from tests.support.auth import TokenFactory
from tests.support.consumer import ConsumerServer
from tests.webhooks.conftest import UNGIS, approved_message, register, verify


@pytest.fixture(scope="module")
async def client(fault_servers: FaultServers) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(fault_servers.settings(), clock=Clock())
    async with (
        running(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi(app)), base_url=BASE_URL) as c,
    ):
        yield c


async def job_result(redis_url: str, job_id: str, *, within: float, worker: WorkerProcess) -> object:
    """The arq job's result, waiting for the worker to run it (bounded; the worker's log explains a miss)."""
    arq = await queue.connect(redis_url)
    try:
        return await Job(job_id, arq, _deserializer=queue.job_deserializer).result(
            timeout=within, poll_delay=0.1
        )
    except TimeoutError:
        pytest.fail(f"job {job_id} did not run within {within} s; worker log:\n{worker.log_tail()}")
    finally:
        await arq.aclose()


async def test_valkey_restarted_loses_no_delivery_and_jobs_resume_in_the_same_worker(
    fault_servers: FaultServers, client: httpx.AsyncClient
) -> None:
    settings = fault_servers.settings()
    embedded = fault_servers.embedded
    pool = await create_pool(settings.db.url, application_name="igf-hub.tests", max_size=2)
    try:
        admin = await TokenFactory(pool, settings, Clock()).user(Role.secretariat)
        async with ConsumerServer() as consumer, worker_process(fault_servers, "valkey-worker") as worker:
            endpoint = await register(client, admin, UNGIS, consumer.url())
            consumer.trust(endpoint["secret"])
            await verify(client, admin, endpoint)
            # The ping: the worker's dispatcher is up.
            await received(consumer, 1, within=30, worker=worker)
            before = await publish(settings.db.url, "message.approved", uuid4(), approved_message(uuid4()))
            await received(consumer, 2, within=15, worker=worker)

            # A job waiting in Valkey when it stops; Valkey saves on shutdown as a persistent one does.
            valkey = redis.asyncio.Redis.from_url(settings.redis.url)
            await valkey.config_set("save", "3600 1")
            arq = await queue.connect(settings.redis.url)
            await arq.enqueue_job("dispatch_outbox", _job_id="queued-before", _defer_by=timedelta(seconds=2))
            await arq.aclose()
            await valkey.aclose()

            await asyncio.to_thread(embedded.stop_valkey)
            # Deliveries go on without Valkey: the dispatcher reads PostgreSQL only.
            during = await publish(settings.db.url, "message.approved", uuid4(), approved_message(uuid4()))
            await received(consumer, 3, within=15, worker=worker)
            # What needs Valkey is refused cleanly, and readiness says which dependency is down.
            readiness = await client.get("/readyz")
            assert readiness.status_code == 503 and readiness.json()["checks"]["redis"].startswith("down")
            metrics = await client.get("/metrics")
            assert metrics.status_code == 503, metrics.text
            assert metrics.headers["content-type"].startswith("application/problem+json")
            assert (
                metrics.json()["type"] == "/problems/service-unavailable" and metrics.headers["retry-after"]
            )

            # The worker meets the outage (arq polls Valkey twice a second) and rides it out instead of exiting.
            await eventually(
                lambda: worker.log_text().count('"queue.unreachable"') >= 3,
                within=15,
                what="the worker retrying Valkey",
            )
            assert worker.alive, worker.log_tail()

            await asyncio.to_thread(embedded.start_valkey)
            after = await publish(settings.db.url, "message.approved", uuid4(), approved_message(uuid4()))
            await received(consumer, 4, within=15, worker=worker)
            await eventually(lambda: _ok(client, "/readyz"), within=15, what="readiness after Valkey is back")
            # The same worker process runs jobs again: the one that waited through the restart, and a new one.
            arq = await queue.connect(settings.redis.url)
            await arq.enqueue_job("dispatch_outbox", _job_id="queued-after")
            await arq.aclose()
            assert isinstance(
                await job_result(settings.redis.url, "queued-after", within=30, worker=worker), int
            )
            assert isinstance(
                await job_result(settings.redis.url, "queued-before", within=30, worker=worker), int
            )
            assert worker.alive, worker.log_tail()

        events = [before, during, after]
        real = [r for r in consumer.received if r.json()["type"] == "message.approved"]
        assert [r.webhook_id for r in real] == [str(e.event_id) for e in events]
        assert all(r.signature_ok for r in consumer.received)
        async with pool.acquire() as conn:
            states = await conn.fetch("SELECT state, count(*) FROM webhook_deliveries GROUP BY state")
        assert {r["state"]: r["count"] for r in states} == {"delivered": 4}  # the ping and the three events
    finally:
        await pool.close()


async def _ok(client: httpx.AsyncClient, path: str) -> bool:
    return (await client.get(path)).status_code == 200
