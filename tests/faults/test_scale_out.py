"""Scale-out: two API processes (``igf-hub serve --no-worker``) and two workers (``igf-hub worker``, each with
its webhook dispatcher) on one database. A mixed workload (reads, lists, and writes whose events match a
registered endpoint) goes through both APIs; the consumer, a real HTTP server on 127.0.0.1, gets every event,
and none twice. No timing is asserted: every wait is bounded and says what it waited for."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import signal
import socket
import sys
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.db import create_pool
from tests.faults.conftest import FaultServers, eventually, worker_process
from tests.support.auth import Caller, TokenFactory
from tests.support.consumer import ConsumerServer
from tests.webhooks.conftest import UNGIS, register, verify

CLIENTS = 4  # concurrent clients, each alternating between the two APIs
STEPS = 12  # per client: a write, a read of it, a list, four times
# A delivery is taken over by another worker only once its lease expires (at-least-once, consumers deduplicate):
# production's lease keeps that out of a run this short, so any second delivery here is a real double claim.
LEASE = "60"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def api_process(servers: FaultServers, name: str) -> AsyncIterator[httpx.AsyncClient]:
    """A real ``igf-hub serve --no-worker`` on its own port; yields a client for it once /readyz answers."""
    port = free_port()
    log_path = servers.log_dir / f"{name}.log"
    env = {**servers.worker_env(), "IGF_HUB_RATE_LIMITS": "false", "IGF_HUB_LOG_LEVEL": "warning"}
    with log_path.open("ab") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "igf_hub",
            "serve",
            "--no-worker",
            "--port",
            str(port),
            env=env,
            stdout=log,
            stderr=log,
            stdin=asyncio.subprocess.DEVNULL,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:

            async def ready() -> bool:
                assert proc.returncode is None, log_path.read_text(errors="replace")[-4000:]
                with contextlib.suppress(httpx.HTTPError):
                    return (await client.get("/readyz")).status_code == 200
                return False

            await eventually(ready, within=60, every=0.2, what=f"{name} to answer /readyz on {base}")
            yield client
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def workload(apis: list[httpx.AsyncClient], admin: Caller, client_no: int) -> int:
    """Writes (each proposes a track: its events match the endpoint), reads of them and lists, spread over both
    APIs; returns the number of writes."""
    writes = 0
    slug = ""
    for step in range(STEPS):
        api = apis[(client_no + step) % len(apis)]
        if step % 3 == 0:
            slug = f"bpf-scale-{client_no}-{step}"
            body = {
                "slug": slug,
                "type": "bpf",
                "name": f"BPF on scale {client_no}.{step}",
                "description": "A best practice forum proposed by the scale-out test.",
                "classification": {"wsis_action_lines": ["C5"], "sdgs": [16], "gdc_objectives": [3]},
            }
            response = await api.post("/v1/tracks", json=body, headers=admin.headers)
            assert response.status_code == 201, response.text
            writes += 1
        elif step % 3 == 1:
            response = await api.get(f"/v1/tracks/{slug}")
            assert response.status_code == 200, response.text
        else:
            response = await api.get("/v1/tracks", params={"limit": "5"})
            assert response.status_code == 200, response.text
    return writes


async def test_two_apis_and_two_workers_deliver_every_event_exactly_once(fault_servers: FaultServers) -> None:
    settings = fault_servers.settings()
    pool = await create_pool(settings.db.url, application_name="igf-hub.tests", max_size=2)
    try:
        async with (
            ConsumerServer() as consumer,
            # The workers start first (they start while the APIs do); the APIs one after the other: the first
            # makes the signing key (and the bootstrap admin) at start-up.
            worker_process(fault_servers, "scale-worker-1", IGF_HUB_WEBHOOK_LEASE_SECONDS=LEASE) as w1,
            worker_process(fault_servers, "scale-worker-2", IGF_HUB_WEBHOOK_LEASE_SECONDS=LEASE) as w2,
            api_process(fault_servers, "scale-api-1") as api_1,
            api_process(fault_servers, "scale-api-2") as api_2,
        ):
            admin = await TokenFactory(pool, settings, Clock()).user(Role.secretariat)
            endpoint = await register(api_1, admin, UNGIS, consumer.url(), event_types=["track.*"])
            consumer.trust(endpoint["secret"])
            await verify(api_2, admin, endpoint)  # registered through one API, verified through the other
            await eventually(
                lambda: len(consumer.received) >= 1,
                within=30,
                what=lambda: f"the ping; worker logs:\n{w1.log_tail()}\n{w2.log_tail()}",
            )
            await eventually(  # both dispatchers are up and compete for the deliveries
                lambda: listeners(pool),
                within=30,
                what=lambda: f"two dispatchers listening; worker logs:\n{w1.log_tail()}\n{w2.log_tail()}",
            )

            writes = await asyncio.gather(*(workload([api_1, api_2], admin, n) for n in range(CLIENTS)))
            assert sum(writes) == CLIENTS * len(range(0, STEPS, 3))

            events = await outbox_events(pool, "track.%")
            assert len(events) >= sum(writes)  # every proposal published at least its own event

            def all_arrived() -> bool:
                return set(events) <= {r.webhook_id for r in consumer.received}

            await eventually(
                all_arrived,
                within=30,
                what=lambda: (
                    f"{len(set(events) - {r.webhook_id for r in consumer.received})} of {len(events)} events "
                    f"still undelivered; worker logs:\n{w1.log_tail()}\n{w2.log_tail()}"
                ),
            )
            assert await pending(pool) == 0
            assert w1.alive and w2.alive, w1.log_tail() + w2.log_tail()

        received = [r for r in consumer.received if r.json()["type"] != "webhook.ping"]
        counts = collections.Counter(r.webhook_id for r in received)
        twice = {event: n for event, n in counts.items() if n > 1}
        assert not twice, f"delivered more than once: {twice}"
        assert set(counts) == set(events)
        assert all(r.signature_ok for r in received)
    finally:
        await pool.close()


async def outbox_events(pool: asyncpg.Pool, pattern: str) -> list[str]:
    rows = await pool.fetch("SELECT event_id FROM outbox WHERE type LIKE $1 ORDER BY id", pattern)
    return [str(row["event_id"]) for row in rows]


async def pending(pool: asyncpg.Pool) -> Any:
    return await pool.fetchval("SELECT count(*) FROM webhook_deliveries WHERE state <> 'delivered'")


async def listeners(pool: asyncpg.Pool) -> bool:
    """Whether two dispatchers LISTEN for new deliveries (each on its own session, named for it)."""
    count: int = await pool.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'igf-hub.webhooks.listen'"
    )
    return count == 2
