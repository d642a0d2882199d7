"""A worker killed with SIGKILL in the middle of its work: nothing is recorded, nothing is lost.

* In the dispatcher: once the killed worker's lease expires a new worker process claims the delivery again and
  sends it with the same ``webhook-id`` (consumers deduplicate on it), and what was published while no worker ran
  goes out too.
* In an arq job: the job stays in the queue under arq's in-progress mark; when the mark expires (the job timeout
  + 10 s) another worker runs it again to completion.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from igf_hub.app import create_app
from igf_hub.auth.principal import Role
from igf_hub.core import queue
from igf_hub.core.clock import Clock
from igf_hub.core.db import create_pool
from tests.conftest import BASE_URL, running
from tests.faults.conftest import LEASE_SECONDS, FaultServers, eventually, publish, received, worker_process
from tests.support.asgi import asgi
from tests.support.auth import TokenFactory
from tests.support.consumer import ConsumerServer, Reply
from tests.webhooks.conftest import UNGIS, approved_message, register, verify

DELIVERY = """
SELECT d.state, d.attempt_count, d.lease_until, (SELECT count(*) FROM webhook_attempts a WHERE a.delivery_id = d.id)
       AS attempts
FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq
WHERE e.id = $1 AND ($2::uuid IS NULL OR d.endpoint_id = $2)"""


@pytest.fixture(scope="module")
async def client(fault_servers: FaultServers) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(fault_servers.settings(), clock=Clock())
    async with (
        running(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi(app)), base_url=BASE_URL) as c,
    ):
        yield c


@pytest.fixture
async def pool(fault_servers: FaultServers) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(fault_servers.settings().db.url, application_name="igf-hub.tests", max_size=2)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
async def consumer(
    fault_servers: FaultServers, client: httpx.AsyncClient, pool: asyncpg.Pool
) -> AsyncIterator[tuple[ConsumerServer, dict[str, Any]]]:
    """A consumer server with an endpoint registered for UNGIS (verified by the first worker's ping)."""
    admin = await TokenFactory(pool, fault_servers.settings(), Clock()).user(Role.secretariat)
    async with ConsumerServer() as server:
        endpoint = await register(client, admin, UNGIS, server.url())
        server.trust(endpoint["secret"])
        await verify(client, admin, endpoint)  # the ping goes once a worker's dispatcher is up
        yield server, endpoint


async def test_a_worker_killed_mid_delivery_is_replaced_and_the_delivery_completes_with_the_same_id(
    fault_servers: FaultServers, pool: asyncpg.Pool, consumer: tuple[ConsumerServer, dict[str, Any]]
) -> None:
    settings = fault_servers.settings()
    server, _ = consumer
    never = asyncio.Event()
    async with worker_process(fault_servers, "killed-worker") as first:
        # The ping: the first worker's dispatcher is up.
        await received(server, 1, within=30, worker=first)
        server.script(Reply(hang=never))  # the consumer takes the next request and never answers
        event = await publish(settings.db.url, "message.approved", uuid4(), approved_message(uuid4()))
        await received(server, 2, within=15, worker=first)  # the first worker is mid-delivery
        await first.kill()
    async with pool.acquire() as conn:
        row = await conn.fetchrow(DELIVERY, event.event_id, None)
    # Killed before recording anything: still pending, unattempted, held by the dead worker's lease.
    assert (row["state"], row["attempt_count"], row["attempts"]) == ("pending", 0, 0)
    assert row["lease_until"] is not None

    # Published while no worker runs: it waits in PostgreSQL.
    orphan = await publish(settings.db.url, "message.approved", uuid4(), approved_message(uuid4()))

    async with worker_process(fault_servers, "replacement-worker") as second:
        got = await received(server, 4, within=LEASE_SECONDS + 20, worker=second)
        async with pool.acquire() as conn:
            delivered = await eventually(
                lambda: _delivered(conn, event.event_id), within=10, what="the attempt recorded"
            )
        assert second.alive, second.log_tail()
    never.set()

    first_try, retried = got[1], next(r for r in got[2:] if r.webhook_id == str(event.event_id))
    assert first_try.webhook_id == retried.webhook_id == str(event.event_id)
    assert retried.body == first_try.body and retried.signature_ok
    assert {r.webhook_id for r in got[2:]} == {str(event.event_id), str(orphan.event_id)}
    assert (delivered["state"], delivered["attempt_count"], delivered["attempts"]) == ("delivered", 1, 1)
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM webhook_deliveries WHERE state <> 'delivered'") == 0


async def _delivered(
    conn: asyncpg.Connection, event_id: UUID, endpoint_id: str | None = None
) -> dict[str, Any] | None:
    """The event's delivery (to ``endpoint_id``: the module's earlier tests leave endpoints behind) once done."""
    row = await conn.fetchrow(DELIVERY, event_id, endpoint_id and UUID(endpoint_id))
    return dict(row) if row["state"] == "delivered" else None


JOB_TIMEOUT = 2  # seconds: arq retries a dead worker's job after JOB_TIMEOUT + 10 s (production: 300 + 10)


async def test_an_arq_job_killed_mid_run_is_run_again_by_another_worker(
    fault_servers: FaultServers, pool: asyncpg.Pool, consumer: tuple[ConsumerServer, dict[str, Any]]
) -> None:
    """The backstop delivery job (``webhooks_dispatch``, what workers without a dispatcher run) is killed while
    its request hangs at the consumer; the replacement worker re-runs that very job and the event arrives."""
    settings = fault_servers.settings()
    server, endpoint = consumer
    no_dispatcher = {
        "IGF_HUB_WEBHOOK_RUN_DISPATCHER": "false",
        "IGF_HUB_WORKER_JOB_TIMEOUT": str(JOB_TIMEOUT),
    }
    redis = await queue.connect(settings.redis.url)
    try:
        never = asyncio.Event()
        async with worker_process(fault_servers, "killed-job-worker", **no_dispatcher) as first:
            ping_job = await redis.enqueue_job("webhooks_dispatch")
            assert ping_job is not None
            await received(server, 1, within=30, worker=first)  # the ping, sent by a job
            # A pass sends whatever is due until nothing is: let that one end before the event exists.
            await eventually(ping_job.result_info, within=15, what="the ping's job finished")
            # The minute's maintenance job also dispatches when no dispatcher runs: keep clear of it.
            second_now = dt.datetime.now(dt.UTC).second
            if second_now in range(27, 34):
                await asyncio.sleep(34 - second_now)
            server.script(Reply(hang=never))
            event = await publish(settings.db.url, "message.approved", uuid4(), approved_message(uuid4()))
            job = await redis.enqueue_job("webhooks_dispatch", _job_id=f"killed-{uuid4().hex}")
            assert job is not None
            await received(server, 2, within=15, worker=first)  # the job is mid-request
            await first.kill()
        assert await job.result_info() is None  # killed: no result

        async with worker_process(fault_servers, "job-retry-worker", **no_dispatcher) as second:
            result = await eventually(
                job.result_info,
                within=JOB_TIMEOUT + 10 + 30,
                what=lambda: f"the killed job run again; worker log:\n{second.log_tail()}",
            )
            got = await received(server, 3, within=10, worker=second)
            async with pool.acquire() as conn:
                delivered = await eventually(
                    lambda: _delivered(conn, event.event_id, endpoint["id"]),
                    within=10,
                    what=lambda: (
                        f"the attempt recorded; {result}; got {[r.webhook_id for r in got]}; "
                        f"worker log:\n{second.log_tail(8000)}"
                    ),
                )
        never.set()
    finally:
        await redis.aclose()

    assert result.success and result.job_try == 2, result  # the same job, its second try
    assert got[1].webhook_id == got[2].webhook_id == str(event.event_id) and got[2].signature_ok
    assert (delivered["state"], delivered["attempt_count"], delivered["attempts"]) == ("delivered", 1, 1)
