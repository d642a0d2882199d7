"""API benchmark: ``python -m bench.api [--quick] [--concurrency N] [--seconds S] [--requests N]``.

On its own embedded PostgreSQL (durable: fsync on) and Valkey, it seeds realistic data through the domain
services (bench/seed.py), starts two servers the same way (one uvicorn process each, bench/servers.py) and
drives them with the same closed-loop httpx client at the same concurrency (bench/load.py):

* the anchor, a bare Litestar handler doing the single indexed SELECT of ``GET /v1/nris/{id}`` through an
  asyncpg pool of the same size, measured before and after the igf_hub phases;
* each endpoint class of igf_hub on its own, then a mixed read/write workload.

It prints Markdown tables: requests/s, p50/p99 latency and CPU per request (server process and PostgreSQL
backends) for each class, and the ratios to the anchor. The ratio is the figure; absolute numbers depend on
the machine. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import asyncpg
import httpx
import msgspec

from bench.common import (
    embedded_servers,
    free_port,
    fresh_database,
    machine,
    markdown_table,
    percentile,
    quiet_logs,
    say,
)
from bench.load import RunResult, Target, drive
from bench.seed import FULL, TINY, Scale, Seeded, seed
from bench.servers import ANCHOR_PATH, ServerProcess, children_cpu_seconds
from igf_hub.auth.principal import SYSTEM, Role
from igf_hub.auth.schemas import ClientCreate, GrantCreate
from igf_hub.auth.service import IdentityService
from igf_hub.core.db import create_pool
from igf_hub.core.settings import DbSettings, RedisSettings, Settings


@dataclass(frozen=True)
class Plan:
    scale: Scale
    concurrency: int = 16
    max_requests: int = 50_000  # per phase, whichever comes first
    max_seconds: float = 12.0
    warmup: int = 300


FULL_PLAN = Plan(FULL)
QUICK_PLAN = Plan(replace(FULL, ledger_events=2_000, messages=100), max_seconds=4.0, warmup=100)
TINY_PLAN = Plan(TINY, concurrency=4, max_requests=24, max_seconds=10.0, warmup=4)  # the smoke test's

ANCHOR = "anchor: SELECT by id, bare Litestar"
NRI = "read: NRI by id"
MESSAGE = "read: Message by id"
LISTS = "read: list pages"
AGGREGATES = "read: aggregates"
COMMENT = "write: public comment"
LEDGER = "write: ledger receipt"
# The mixed workload: mostly public reads, a fifth writes (weights out of 100).
MIX = {NRI: 30, MESSAGE: 20, LISTS: 20, AGGREGATES: 10, COMMENT: 12, LEDGER: 8}


class Workload:
    """Builds the next request of each endpoint class from the seeded ids (deterministic per seed)."""

    def __init__(self, seeded: Seeded, secretariat: str, commenters: list[str], *, rng_seed: int = 7) -> None:
        self.s = seeded
        self.rng = random.Random(rng_seed)  # noqa: S311 - request mix, not secrets
        self.secretariat = {"Authorization": f"Bearer {secretariat}", "Content-Type": "application/json"}
        self.commenters = [
            {"Authorization": f"Bearer {t}", "Content-Type": "application/json"} for t in commenters
        ]
        year = seeded.cycle_years[-1]
        message = seeded.message_ids[0]
        self.list_paths = itertools.cycle([
            "/v1/nris?limit=50", "/v1/messages?limit=20", f"/v1/messages/{message}/comments?limit=20",
            f"/v1/mag/cycles/{year}/appointments?limit=50", "/v1/transparency/ledger?limit=50",
        ])  # fmt: skip
        self.aggregate_paths = itertools.cycle(
            ["/v1/transparency/summary", "/v1/nris/stats", f"/v1/mag/cycles/{year}/balance"]
        )
        self.today = datetime.now(UTC).date().isoformat()
        self.written = 0

    def pick(self, ids: list[UUID]) -> UUID:
        return ids[self.rng.randrange(len(ids))]

    def target(self, cls: str) -> Target:
        if cls == ANCHOR:
            return Target(cls, "GET", ANCHOR_PATH.format(id=self.pick(self.s.nri_ids)))
        if cls == NRI:
            return Target(cls, "GET", f"/v1/nris/{self.pick(self.s.nri_ids)}")
        if cls == MESSAGE:
            return Target(cls, "GET", f"/v1/messages/{self.pick(self.s.message_ids)}")
        if cls == LISTS:
            return Target(cls, "GET", next(self.list_paths))
        if cls == AGGREGATES:
            return Target(cls, "GET", next(self.aggregate_paths))
        self.written += 1
        if cls == COMMENT:
            body = {"body": f"Benchmark comment {self.written}: please mention community networks.",
                    "stakeholder_group": "civil_society", "country": "KE"}  # fmt: skip
            return Target(
                cls, "POST", f"/v1/messages/{self.pick(self.s.open_message_ids)}/comments", frozenset({201}),
                msgspec.json.encode(body), self.commenters[self.written % len(self.commenters)],
            )  # fmt: skip
        body = {"kind": "receipt", "amount": "2500", "currency": "USD", "value_date": self.today,
                "description": f"benchmark instalment {self.written}"}  # fmt: skip
        return Target(
            cls, "POST", f"/v1/funding/contributions/{self.pick(self.s.contribution_ids)}/events",
            frozenset({201}), msgspec.json.encode(body), self.secretariat,
        )  # fmt: skip

    def only(self, cls: str) -> Callable[[], Target]:
        return lambda: self.target(cls)

    def mixed(self) -> Callable[[], Target]:
        classes, weights = list(MIX), list(MIX.values())
        return lambda: self.target(self.rng.choices(classes, weights)[0])


async def client_token(base_url: str, client_id: str, secret: str) -> str:
    async with httpx.AsyncClient(base_url=base_url) as http:
        response = await http.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token


async def make_clients(pool: asyncpg.Pool, commenters: int) -> list[tuple[str, str]]:
    """Machine clients (client_credentials): the Secretariat's first, then ``commenters`` with no role."""
    made = []
    async with pool.acquire() as conn, conn.transaction():
        identity = IdentityService(conn)
        for name, grants in [("bench secretariat", [GrantCreate(role=Role.secretariat)])] + [
            (f"bench commenter {i}", []) for i in range(commenters)
        ]:
            client = await identity.create_client(ClientCreate(name=name, grants=grants), actor=SYSTEM)
            assert client.client_secret is not None
            made.append((client.client_id, client.client_secret))
    return made


class Meter:
    """CPU seconds of the server process and of PostgreSQL's backends around one run."""

    def __init__(self, server: ServerProcess, postgres_pid: int | None) -> None:
        self.server, self.postgres_pid = server, postgres_pid

    def read(self) -> tuple[float, float]:
        db = children_cpu_seconds(self.postgres_pid) if self.postgres_pid else 0.0
        return self.server.cpu_seconds(), db

    async def run(
        self, plan: Plan, next_target: Callable[[], Target], *, warmup: int | None = None
    ) -> RunResult:
        before = self.read()
        result = await drive(
            self.server.base_url, next_target, concurrency=plan.concurrency, max_requests=plan.max_requests,
            max_seconds=plan.max_seconds, warmup=plan.warmup if warmup is None else warmup,
        )  # fmt: skip
        after = self.read()
        result.server_cpu, result.db_cpu = after[0] - before[0], after[1] - before[1]
        return result


def _row(name: str, r: RunResult, cls: str | None, anchor_rate: float, anchor_cpu: float,
         *, ratios: bool = True) -> list[object]:  # fmt: skip
    """One table row: a class of a run (``cls``) or the whole run (None). CPU is the run's per request."""
    latencies = (
        r.classes[cls].latencies if cls else sorted(x for c in r.classes.values() for x in c.latencies)
    )
    failures = sum(r.classes[cls].failures.values()) if cls else r.failures
    rate = len(latencies) / r.elapsed if r.elapsed else 0.0
    cpu = r.server_cpu / r.count * 1000 if r.count else 0.0
    db = r.db_cpu / r.count * 1000 if r.count else 0.0
    return [
        name, len(latencies), failures, f"{rate:,.0f}", f"{percentile(latencies, 50) * 1000:.1f}",
        f"{percentile(latencies, 99) * 1000:.1f}", f"{cpu:.2f}" if ratios else "", f"{db:.2f}" if ratios else "",
        f"**{rate / anchor_rate:.2f}**" if ratios and anchor_rate else "",
        f"{cpu / anchor_cpu:.1f}x" if ratios and anchor_cpu else "",
    ]  # fmt: skip


HEADERS = ["endpoint class", "requests", "failed", "req/s", "p50 ms", "p99 ms", "app CPU ms/req",
           "DB CPU ms/req", "req/s ÷ anchor", "app CPU/req vs anchor"]  # fmt: skip


async def run(
    database_url: str, redis_url: str, *, plan: Plan, work_dir: Path, postgres_pid: int | None
) -> str:
    """Seed, serve, measure; the Markdown report."""
    quiet_logs()
    settings = Settings(public_url="http://127.0.0.1:8000", db=DbSettings(url=database_url),
                        redis=RedisSettings(url=redis_url))  # fmt: skip
    pool = await create_pool(database_url, application_name="bench.seed", max_size=4)
    try:
        started = time.perf_counter()
        seeded = await seed(pool, settings, plan.scale)
        seed_seconds = time.perf_counter() - started
        say(f"seeded in {seed_seconds:.0f} s: {seeded.counts}")
        clients = await make_clients(pool, commenters=8)
        pg_version = await pool.fetchval("SHOW server_version")
    finally:
        await pool.close()
    igf_port, anchor_port = free_port(), free_port()
    env = {
        "IGF_HUB_DATABASE_URL": database_url, "IGF_HUB_REDIS_URL": redis_url, "IGF_HUB_DATA_DIR": str(work_dir),
        "IGF_HUB_PUBLIC_URL": f"http://127.0.0.1:{igf_port}", "IGF_HUB_LOG_FORMAT": "json",
        "IGF_HUB_LOG_LEVEL": "info", "IGF_HUB_DB_POOL_MAX": str(settings.db.pool_max),
    }  # fmt: skip
    results: list[tuple[str, RunResult, str | None]] = []
    async with (
        ServerProcess("igf", igf_port, env, work_dir / "igf-server.log") as igf,
        ServerProcess("anchor", anchor_port, env, work_dir / "anchor-server.log") as anchor,
    ):
        tokens = [await client_token(igf.base_url, cid, secret) for cid, secret in clients]
        workload = Workload(seeded, tokens[0], tokens[1:])
        igf_meter, anchor_meter = Meter(igf, postgres_pid), Meter(anchor, postgres_pid)
        say(f"anchor ({plan.concurrency} in flight, <= {plan.max_seconds:.0f} s per phase) ...")
        first = await anchor_meter.run(plan, workload.only(ANCHOR))
        for cls in MIX:
            say(f"{cls} ...")
            results.append((cls, await igf_meter.run(plan, workload.only(cls)), cls))
        say("mixed workload ...")
        mixed = await igf_meter.run(plan, workload.mixed())
        say("anchor again ...")
        second = await anchor_meter.run(plan, workload.only(ANCHOR))
    anchor_rate = (first.count / first.elapsed + second.count / second.elapsed) / 2
    anchor_cpu = (first.server_cpu + second.server_cpu) / (first.count + second.count) * 1000
    rows = [_row(f"{ANCHOR} (before)", first, ANCHOR, anchor_rate, anchor_cpu),
            _row(f"{ANCHOR} (after)", second, ANCHOR, anchor_rate, anchor_cpu)]  # fmt: skip
    rows += [_row(name, r, cls, anchor_rate, anchor_cpu) for name, r, cls in results]
    mixed_rows = [
        _row(f"mixed: {cls}", mixed, cls, anchor_rate, anchor_cpu, ratios=False)
        for cls in MIX
        if cls in mixed.classes
    ]
    mixed_rows.append(_row("**mixed: all**", mixed, None, anchor_rate, anchor_cpu))
    client_share = sum(r.client_cpu for _, r, _ in results) / sum(r.elapsed for _, r, _ in results)
    seeded_line = ", ".join(f"{k} {v:,}" for k, v in seeded.counts.items())
    return "\n".join([
        "## API benchmark",
        "",
        f"Machine: {machine(pg_version)}.",
        f"Servers: one uvicorn process each (h11, asyncio loop), DB pool {settings.db.pool_max}; client: httpx, "
        f"{plan.concurrency} requests in flight, each phase {plan.max_seconds:.0f} s or {plan.max_requests:,} "
        f"requests after {plan.warmup} warm-up requests. PostgreSQL durable (fsync on).",
        f"Seeded through the domain services in {seed_seconds:.0f} s: {seeded_line}.",
        "",
        "Each class on its own (ratios against the mean of the two anchor runs):",
        "",
        markdown_table(HEADERS, rows),
        "",
        f"Mixed read/write workload ({', '.join(f'{k} {v}%' for k, v in MIX.items())}):",
        "",
        markdown_table(HEADERS, mixed_rows),
        "",
        f"The load generator used {client_share:.0%} of one CPU during the igf_hub phases (it shares the machine "
        "with the server and PostgreSQL). In the mixed table a class's req/s is its share of the run; CPU and "
        "ratios are given for the whole run.",
    ])  # fmt: skip


async def main_async(plan: Plan) -> None:
    quiet_logs()
    with embedded_servers(durable=True) as (embedded, work_dir):
        url = await fresh_database(embedded.database_url, "bench_api")
        assert embedded.servers is not None
        report = await run(
            url, embedded.redis_url, plan=plan, work_dir=work_dir, postgres_pid=embedded.servers.postgres.pid
        )
    print(report)  # noqa: T201 - the result goes to stdout


def parse_plan(argv: list[str] | None = None) -> Plan:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smaller seed, 4 s phases")
    parser.add_argument("--concurrency", type=int, help="requests in flight (default 16)")
    parser.add_argument("--seconds", type=float, help="upper bound per phase")
    parser.add_argument("--requests", type=int, help="upper bound per phase")
    args = parser.parse_args(argv)
    plan = QUICK_PLAN if args.quick else FULL_PLAN
    if args.concurrency:
        plan = replace(plan, concurrency=args.concurrency)
    if args.seconds:
        plan = replace(plan, max_seconds=args.seconds)
    if args.requests:
        plan = replace(plan, max_requests=args.requests)
    return plan


def main(argv: list[str] | None = None) -> None:
    asyncio.run(main_async(parse_plan(argv)))


if __name__ == "__main__":
    main()
