# ruff: noqa: T201 (a benchmark reports by printing)
"""Webhook delivery benchmark: ``.venv/bin/python -m bench.webhooks [--events N] [--seconds S]``.

On one machine, against a signature-verifying consumer on loopback running in its own process
(tests/support/consumer.py), it measures, in the same run:

* the anchors: a raw loop of signed aiohttp POSTs (issue 22's anchor: the best client here) and one of
  signed httpx POSTs to that consumer (at several concurrency levels; this also
  shows how stock httpx behaves beyond a few requests in flight, encode/httpx#3215). It posts the same bytes
  the dispatcher sends (a rendered CloudEvent of the same size, the same headers), signed the same way;
* drain: a backlog of N committed ``message.approved`` events delivered by the dispatcher (with the worker's
  client: httpx's API over aiohttp, webhooks/transport.py), as a rate and as a
  ratio to the anchor at the same concurrency (target >= 80 %), with the SQL statements the dispatcher sent
  per delivery, counted by asyncpg's query logger (target <= 3). On a shared machine the load changes from
  minute to minute, so the drain runs in several rounds, each right after an anchor slice at the dispatcher's
  bound, and the ratio is taken between neighbours (the median is the figure); CPU per request (this process,
  and PostgreSQL's, from /proc) is printed beside it, as it depends much less on the load, and so is how
  many of the drain's updates of ``webhook_deliveries`` were HOT (heap-only: no index entries written), from
  ``pg_stat_user_tables``. ``--fillfactor F`` sets that table's fillfactor after the migrations (100 is
  PostgreSQL's default and the table's), to compare settings in alternating runs;
* latency: approvals committed at 100 events/s, one transaction each, and the time from each commit to the
  consumer's 2xx arriving back at the dispatcher (targets p50 <= 10 ms, p99 <= 50 ms).

Nothing here is asserted: it prints numbers and ratios. Absolute values depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import aiohttp
import asyncpg
import httpx
import structlog

from bench import targets
from igf_hub.auth.principal import SYSTEM
from igf_hub.core import migrate, outbox, wiring
from igf_hub.core.clock import Clock
from igf_hub.core.db import create_pool, init_connection
from igf_hub.core.settings import DbSettings, RedisSettings, Settings, WebhookSettings
from igf_hub.core.vault import new_key_text
from igf_hub.embedded import Embedded
from igf_hub.webhooks import transport
from igf_hub.webhooks.delivery_repository import AttemptResult
from igf_hub.webhooks.dispatcher import Dispatcher
from igf_hub.webhooks.events import EventRow, render
from igf_hub.webhooks.schemas import EndpointCreate
from igf_hub.webhooks.sender import USER_AGENT
from igf_hub.webhooks.service import WebhookService
from igf_hub.worker import WIRING

UNGIS = UUID("dccce80e-91f7-4a05-b3ca-9233becf7d05")  # seeded by the migration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def message(i: int) -> dict[str, Any]:
    subject = str(uuid4())
    return {
        "id": subject,
        "year": 2026,
        "theme": "universal-access",
        "title": f"Message {i}",
        "version": 1,
        "content_sha256": hashlib.sha256(str(i).encode()).hexdigest(),
        "languages": [
            {"language": "en", "text": "The IGF calls on all stakeholders to close the digital divides. " * 8}
        ],
        "classification": {"wsis_action_lines": ["C2"], "sdgs": [9], "gdc_objectives": [1]},
        "provenance": [],
        "links": {"self": f"/v1/messages/{subject}"},
    }


@contextlib.asynccontextmanager
async def consumer_process(port: int, secret: str) -> AsyncIterator[str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.consumer",
        "--port",
        str(port),
        "--secret",
        secret,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
    assert line.startswith("listening"), line
    try:
        yield f"http://127.0.0.1:{port}/hooks/igf"
    finally:
        proc.terminate()
        await proc.wait()


async def consumer_stats(url: str) -> dict[str, int]:
    async with httpx.AsyncClient() as client:
        stats: dict[str, int] = (await client.get(url.rsplit("/hooks", 1)[0] + "/stats")).json()
        return stats


def cloudevent_body(base_url: str) -> bytes:
    """A body like the dispatcher's: the CloudEvent rendered around a Message (``data`` in jsonb's text form,
    which ``json.dumps`` matches in size)."""
    data = message(0)
    event = EventRow(
        seq=1,
        id=uuid4(),
        type="message.approved",
        subject=data["id"],
        occurred_at=datetime.now(UTC),
        data_json=json.dumps(data),
    )
    return render(event, base_url)


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """User + system CPU of a process so far; with ``children`` also that of its children, exited (as the
    kernel accounts them to the parent) and live (PostgreSQL's backends are the postmaster's children)."""
    tick = os.sysconf("SC_CLK_TCK")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = sum(int(f) for f in fields[11 : 15 if children else 13]) / tick
    if children:
        for entry in Path("/proc").iterdir():
            with contextlib.suppress(OSError, IndexError):
                if (
                    entry.name.isdigit()
                    and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid
                ):
                    child = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    total += (int(child[11]) + int(child[12])) / tick
    return total


class CpuMeter:
    """Wall time and CPU (this process, PostgreSQL) over a measured slice."""

    def __init__(self, postgres_pid: int | None) -> None:
        self.postgres_pid = postgres_pid

    def read(self) -> tuple[float, float, float]:
        pg = cpu_seconds(self.postgres_pid, children=True) if self.postgres_pid else 0.0
        return time.perf_counter(), time.process_time(), pg


def signed_headers(key: bytes, body: bytes) -> dict[str, str]:
    """The headers the dispatcher sends with ``body``: Standard Webhooks id, timestamp and signature."""
    msg_id, stamp = str(uuid4()), str(int(time.time()))
    signature = base64.b64encode(
        hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    ).decode()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": stamp,
        "webhook-signature": f"v1,{signature}",
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


async def raw_post_loop(url: str, secret: str, total: int, concurrency: int, body: bytes) -> float:
    """The httpx anchor: sign and POST ``body``, ``concurrency`` requests in flight; requests/s."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    sent = 0
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=concurrency)) as client:

        async def one() -> None:
            nonlocal sent
            while sent < total:
                sent += 1
                response = await client.post(url, content=body, headers=signed_headers(key, body))
                assert response.status_code == 204, response.text

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(concurrency)))
        return total / (time.perf_counter() - start)


async def aiohttp_post_loop(url: str, secret: str, total: int, concurrency: int, body: bytes) -> float:
    """The aiohttp anchor (issue 22: the best client on this machine): the same signed POSTs through one
    ``aiohttp.ClientSession`` with ``concurrency`` connections; requests/s."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    sent = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one() -> None:
            nonlocal sent
            while sent < total:
                sent += 1
                async with session.post(url, data=body, headers=signed_headers(key, body)) as response:
                    await response.read()
                    assert response.status == 204, await response.text()

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(concurrency)))
        return total / (time.perf_counter() - start)


class Counter:
    def __init__(self) -> None:
        self.queries = 0

    def __call__(self, record: Any) -> None:
        self.queries += 1


async def publish_backlog(pool: asyncpg.Pool, count: int) -> None:
    for start in range(0, count, 500):
        async with pool.acquire() as conn, conn.transaction():
            for i in range(start, min(start + 500, count)):
                data = message(i)
                await outbox.publish(conn, "message.approved", subject=data["id"], data=data)


UPDATES = "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'webhook_deliveries'"


async def updates(pool: asyncpg.Pool, at_least: int = 0) -> tuple[int, int]:
    """Cumulative (updates, HOT updates) of ``webhook_deliveries``; waits up to 2 s for at least ``at_least``
    updates, as a backend reports its counters at the latest when it exits, after the pool has closed."""
    deadline = time.perf_counter() + 2
    while True:
        row = await pool.fetchrow(UPDATES)
        assert row is not None
        if row["n_tup_upd"] >= at_least or time.perf_counter() > deadline:
            return row["n_tup_upd"], row["n_tup_hot_upd"]
        await asyncio.sleep(0.05)


async def drain(pool: asyncpg.Pool, settings: Settings, count: int) -> tuple[float, float, str, str]:
    """Deliver a committed backlog (``publish_backlog``) with the running dispatcher; (deliveries/s, statements
    per delivery, batches, HOT updates)."""
    upd0, hot0 = await updates(pool)
    counter = Counter()

    async def init(conn: asyncpg.Connection) -> None:
        await init_connection(conn)
        conn.add_query_logger(counter)

    dispatch_pool = await asyncpg.create_pool(settings.db.url, min_size=2, max_size=4, init=init)
    done = asyncio.Event()
    delivered = 0

    def on_attempt(result: AttemptResult) -> None:
        nonlocal delivered
        delivered += result.new_state == "delivered"
        if delivered >= count:
            done.set()

    async with transport.client(settings.webhooks.max_in_flight) as http:  # the worker's client
        dispatcher = Dispatcher(dispatch_pool, http, settings, Clock(), on_attempt=on_attempt)
        start = time.perf_counter()
        await dispatcher.start()
        await asyncio.wait_for(done.wait(), 600)
        elapsed = time.perf_counter() - start
        await dispatcher.stop()
        batches = f"{dispatcher.claims} claims, {dispatcher.records} result batches for {count} deliveries"
    await dispatch_pool.close()
    upd1, hot1 = await updates(pool, upd0 + 2 * count)  # a claim and a result per delivery
    hot = f"{hot1 - hot0} of {upd1 - upd0} updates of webhook_deliveries HOT"
    async with pool.acquire() as conn:
        left = await conn.fetchval("SELECT count(*) FROM webhook_deliveries WHERE state <> 'delivered'")
        assert left == 0, f"{left} deliveries not delivered"
        await conn.execute("TRUNCATE webhook_attempts, webhook_deliveries")  # the next round starts alike
    return count / elapsed, counter.queries / count, batches, hot


async def latency(pool: asyncpg.Pool, settings: Settings, rate: int, seconds: float) -> list[float]:
    """Commit approvals at ``rate``/s, one transaction each; milliseconds from commit to the 2xx."""
    committed: dict[str, float] = {}
    answered: dict[str, float] = {}
    total = int(rate * seconds)
    all_answered = asyncio.Event()

    def on_attempt(result: AttemptResult) -> None:
        if result.new_state == "delivered":
            answered[str(result.delivery.event.id)] = time.perf_counter()
            if len(answered) >= total:
                all_answered.set()

    async with transport.client(settings.webhooks.max_in_flight) as http:  # the worker's client
        dispatch_pool = await create_pool(settings.db.url, application_name="bench.dispatcher", max_size=4)
        dispatcher = Dispatcher(dispatch_pool, http, settings, Clock(), on_attempt=on_attempt)
        await dispatcher.start()
        await asyncio.wait_for(dispatcher.listening.wait(), 10)
        start = time.perf_counter()
        for i in range(total):
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
            data = message(i)
            async with pool.acquire() as conn:
                async with conn.transaction():
                    event = await outbox.publish(conn, "message.approved", subject=data["id"], data=data)
                committed[str(event.event_id)] = time.perf_counter()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_answered.wait(), 30)
        await dispatcher.stop()
        await dispatch_pool.close()
    return sorted((answered[k] - committed[k]) * 1000 for k in committed if k in answered)


def percentile(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


async def run(events: int, seconds: float, in_flight: int, rounds: int, fillfactor: int | None) -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))
    with tempfile.TemporaryDirectory(prefix="igf-hub-bench-") as tmp:
        os.chmod(tmp, 0o755)  # noqa: S103 (PostgreSQL runs as 'nobody' when run as root)
        embedded = Embedded(Path(tmp), fast=True).start()
        try:
            admin = await asyncpg.connect(embedded.database_url.rsplit("/", 1)[0] + "/postgres")
            await admin.execute('CREATE DATABASE "bench"')
            await admin.close()
            url = embedded.database_url.rsplit("/", 1)[0] + "/bench"
            conn = await asyncpg.connect(url)
            await migrate.migrate(conn)
            if fillfactor is not None:
                await conn.execute(f"ALTER TABLE webhook_deliveries SET (fillfactor = {fillfactor})")
            options = await conn.fetchval(
                "SELECT reloptions FROM pg_class WHERE relname = 'webhook_deliveries'"
            )
            fill = next((o for o in options or [] if o.startswith("fillfactor=")), "fillfactor=100 (default)")
            await conn.close()
            settings = Settings(
                public_url="http://127.0.0.1:8000",
                db=DbSettings(url=url),
                redis=RedisSettings(url=embedded.redis_url),
                webhooks=WebhookSettings(
                    allowed_hosts="127.0.0.1",
                    secrets_key=new_key_text(),
                    poll_interval=1.0,
                    max_in_flight=in_flight,
                ),
            )
            assert embedded.servers is not None
            await measure(settings, events, seconds, rounds, embedded.servers.postgres.pid, fill)
        finally:
            embedded.stop()


async def measure(
    settings: Settings, events: int, seconds: float, rounds: int, postgres_pid: int | None, fill: str
) -> None:
    wiring.install(WIRING)  # as the worker does: the event families and the webhooks subscriber
    pool = await create_pool(settings.db.url, application_name="bench", max_size=8)
    port = free_port()
    clock = Clock()
    async with pool.acquire() as conn, conn.transaction():
        service = WebhookService(conn, clock, settings)
        endpoint = await service.create_endpoint(
            UNGIS,
            EndpointCreate(url=f"http://127.0.0.1:{port}/hooks/igf", event_types=["message.approved"]),
            actor=SYSTEM,
        )
        await service.ping(UNGIS, endpoint.id, actor=SYSTEM)  # sent once the consumer below holds the secret
    async with consumer_process(port, endpoint.secret) as url:
        async with httpx.AsyncClient() as http:  # the ping verifies the endpoint
            await Dispatcher(pool, http, settings, clock).run_once()
        bound = settings.webhooks.max_in_flight
        print(
            f"igf_hub webhooks benchmark: consumer on loopback (own process), dispatcher bound {bound} in flight,"
            f" webhook_deliveries {fill}\n"
        )
        body = cloudevent_body(settings.base_url)
        print(
            f"anchors: raw signed POST loops to the same consumer ({len(body)}-byte CloudEvent bodies),"
            " httpx and aiohttp"
        )
        anchors, aio_anchors = {}, {}
        for concurrency in sorted({1, 8, bound, 64}):
            anchors[concurrency] = await raw_post_loop(url, endpoint.secret, 3000, concurrency, body)
            aio_anchors[concurrency] = await aiohttp_post_loop(url, endpoint.secret, 3000, concurrency, body)
            print(
                f"  {concurrency:>3} in flight: httpx {anchors[concurrency]:8.0f} req/s,"
                f" aiohttp {aio_anchors[concurrency]:8.0f} req/s"
            )
        best = max(anchors, key=lambda c: anchors[c])
        print(
            f"\ndrain: {events} committed events a round, {rounds} rounds, each after an anchor slice at {bound} "
            "in flight; CPU ms per request: httpx anchor (aiohttp anchor) -> drain"
        )
        meter = CpuMeter(postgres_pid)
        ratios, rates, per_delivery, aio_ratios = [], [], [], []
        for n in range(1, rounds + 1):
            await publish_backlog(pool, events)
            async with pool.acquire() as conn:
                await conn.execute("ANALYZE webhook_deliveries")  # what autovacuum does for a table this busy
            x0 = meter.read()
            aio_anchor = await aiohttp_post_loop(url, endpoint.secret, 3000, bound, body)
            a0 = meter.read()
            anchor = await raw_post_loop(url, endpoint.secret, 3000, bound, body)
            a1 = meter.read()
            rate, statements, batches, hot = await drain(pool, settings, events)
            d1 = meter.read()
            ratios.append(rate / anchor)
            aio_ratios.append(rate / aio_anchor)
            rates.append(rate)
            per_delivery.append(statements)
            print(
                f"  round {n}: anchor {anchor:5.0f} req/s (aiohttp {aio_anchor:5.0f}), drain {rate:5.0f} deliveries/s,"
                f" ratio {rate / anchor:.2f} (to aiohttp {rate / aio_anchor:.2f});"
                f" CPU this process {(a1[1] - a0[1]) * 1000 / 3000:.2f} (aiohttp {(a0[1] - x0[1]) * 1000 / 3000:.2f})"
                f" -> {(d1[1] - a1[1]) * 1000 / events:.2f},"
                f" PostgreSQL {(a1[2] - a0[2]) * 1000 / 3000:.2f} -> {(d1[2] - a1[2]) * 1000 / events:.2f};"
                f"\n           {statements:.2f} statements per delivery ({batches}); {hot}"
            )
        print(
            f"  ratio to the raw loop at {bound} in flight, median of the rounds: "
            f"{statistics.median(ratios):.2f}   (the old anchor)"
        )
        print(
            f"  ratio to the raw aiohttp loop at {bound} in flight, median of the rounds: "
            f"{statistics.median(aio_ratios):.2f}   (target >= 0.80)"
        )
        print(
            f"  median drain rate to the best raw loop of the sweep above ({best} in flight): "
            f"{statistics.median(rates) / anchors[best]:.2f}"
        )
        lat = await latency(pool, settings, 100, seconds)
        print(f"\nlatency at 100 approvals/s for {seconds:.0f} s ({len(lat)} delivered), commit -> 2xx:")
        print(f"  p50 {percentile(lat, 50):6.1f} ms   (target <= 10)")
        print(f"  p99 {percentile(lat, 99):6.1f} ms   (target <= 50)")
        print(f"  mean {statistics.fmean(lat):5.1f} ms, max {max(lat):.1f} ms")
        print(
            targets.marker(
                {
                    "delivery: drain": statistics.median(aio_ratios),
                    "delivery: p50 at 100 events/s": percentile(lat, 50),
                    "delivery: p99 at 100 events/s": percentile(lat, 99),
                    "delivery: statements per delivery": max(per_delivery),
                }
            )
        )
        stats = await consumer_stats(url)
        print(
            f"\nconsumer: {stats['received']} requests, {stats['valid']} with a verified signature, "
            f"{stats['connections']} connections"
        )
    await pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000, help="backlog size for the drain measurement")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of the 100 events/s run")
    parser.add_argument(
        "--in-flight", type=int, default=WebhookSettings().max_in_flight, help="dispatcher bound"
    )
    parser.add_argument("--rounds", type=int, default=3, help="drain rounds, each after an anchor slice")
    parser.add_argument(
        "--fillfactor",
        type=int,
        choices=range(10, 101),
        metavar="{10..100}",
        help="set webhook_deliveries' fillfactor after the migrations (default: as migrated)",
    )
    args = parser.parse_args()
    asyncio.run(run(args.events, args.seconds, args.in_flight, args.rounds, args.fillfactor))


if __name__ == "__main__":
    main()
