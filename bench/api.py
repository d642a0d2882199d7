"""API benchmark: ``python -m bench.api [--quick] [--concurrency N] [--seconds S] [--rounds R]``.

On its own embedded PostgreSQL (durable: fsync on) and Valkey, it seeds realistic data through the domain
services (bench/seed.py), starts two servers the same way (one uvicorn process each, bench/servers.py) and
drives them with the same closed-loop httpx client at the same concurrency (bench/load.py):

* the anchor: a bare Litestar handler doing the single indexed SELECT of ``GET /v1/nris/{id}`` through an
  asyncpg pool of the same size;
* each endpoint class of igf_hub on its own, then a mixed read/write workload (bench/workload.py).

Anchor and igf_hub slices alternate (anchor, class, anchor, class ...) for several rounds, and each ratio is
taken between adjacent slices, so a machine whose load changes during the run (CI neighbours, other test
suites) still gives comparable ratios. Besides requests/s and p50/p99 latency it reports the CPU each request
cost the server process and PostgreSQL's backends, read from /proc: that ratio does not depend on how busy
the client or the machine was. It prints Markdown tables; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from bench import targets
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
from bench.load import PER_CLIENT, ClassResult, RunResult, Target, drive
from bench.seed import FULL, TINY, Scale, seed
from bench.servers import STACK_NAMES, STACKS, ServerProcess, children_cpu_seconds
from bench.workload import (
    ANCHOR,
    COMMENT,
    HTML,
    LEDGER,
    MIX,
    WRITE_ANCHOR,
    Workload,
    anchor_for,
    client_token,
    commenter_tokens,
    secretariat_client,
)
from igf_hub.core import audit
from igf_hub.core.db import create_pool
from igf_hub.core.settings import DbSettings, RedisSettings, Settings
from igf_hub.core.vault import Vault, decode_key, new_key_text

MIXED = "mixed read/write"


@dataclass(frozen=True)
class Plan:
    scale: Scale
    concurrency: int = 8  # requests in flight (2 CPUs: more only queues)
    max_seconds: float = 4.0  # per slice ...
    max_requests: int = 20_000  # ... or this many requests, whichever comes first
    rounds: int = 3  # anchor/class slice pairs per class
    warmup: int = 16  # requests per slice before measuring (the slice's new connections)
    commenters: int = 400  # people the public comments are spread over (30 comments an hour each)
    writers: tuple[int, ...] = ()  # the write-scaling curve: concurrent writers per point (none: not run)
    api_processes: int = 1  # igf_hub server processes sharing one port (SO_REUSEPORT)
    server: str = "uvloop"  # the server stack both apps run on (bench/servers.py STACKS): the shipped one


FULL_PLAN = Plan(FULL)
QUICK_PLAN = Plan(replace(FULL, ledger_events=2_000, messages=100), max_seconds=2.0, rounds=2, commenters=150)
TINY_PLAN = Plan(TINY, concurrency=4, max_seconds=5.0, max_requests=12, rounds=1, warmup=2, commenters=4)


class Meter:
    """A server and how to drive it; CPU seconds of the server process and of PostgreSQL's backends per run."""

    def __init__(
        self, server: ServerProcess | list[ServerProcess], postgres_pid: int | None, plan: Plan
    ) -> None:
        self.servers = server if isinstance(server, list) else [server]  # several: processes on one port
        self.server, self.postgres_pid, self.plan = self.servers[0], postgres_pid, plan

    def cpu(self) -> tuple[float, float]:
        db = children_cpu_seconds(self.postgres_pid) if self.postgres_pid else 0.0
        return sum(s.cpu_seconds() for s in self.servers), db

    async def run(
        self,
        next_target: Callable[[], Target],
        *,
        warmup: int | None = None,
        concurrency: int | None = None,
    ) -> RunResult:
        plan = self.plan
        before = self.cpu()
        result = await drive(
            self.server.base_url,
            next_target,
            concurrency=concurrency or plan.concurrency,
            max_requests=plan.max_requests,
            max_seconds=plan.max_seconds,
            warmup=plan.warmup if warmup is None else warmup,
        )
        after = self.cpu()
        result.server_cpu, result.db_cpu = after[0] - before[0], after[1] - before[1]
        return result


def merge(runs: list[RunResult]) -> RunResult:
    """Several slices as one: counts, times and CPU added, latencies pooled."""
    classes: dict[str, ClassResult] = defaultdict(ClassResult)
    for run in runs:
        for name, c in run.classes.items():
            classes[name].latencies.extend(c.latencies)
            classes[name].failures.update(c.failures)
    endpoints: dict[str, list[float]] = defaultdict(list)
    for run in runs:
        for name, latencies in run.endpoints.items():
            endpoints[name].extend(latencies)
    for c in classes.values():
        c.latencies.sort()
    return RunResult(
        elapsed=sum(r.elapsed for r in runs),
        classes=dict(classes),
        endpoints=endpoints,
        client_cpu=sum(r.client_cpu for r in runs),
        server_cpu=sum(r.server_cpu for r in runs),
        db_cpu=sum(r.db_cpu for r in runs),
    )


def rate(run: RunResult) -> float:
    return run.count / run.elapsed if run.elapsed else 0.0


def per_request_ms(cpu: float, run: RunResult) -> float:
    return cpu / run.count * 1000 if run.count else 0.0


@dataclass
class Pairs:
    """One class's slices and the anchor slices measured right before each."""

    anchor: list[RunResult]
    measured: list[RunResult]

    def rate_ratio(self) -> float:
        ratios = [rate(m) / rate(a) for a, m in zip(self.anchor, self.measured, strict=True) if rate(a)]
        return statistics.median(ratios) if ratios else 0.0

    def cpu_ratio(self) -> float:
        a, m = merge(self.anchor), merge(self.measured)
        anchor_cpu = per_request_ms(a.server_cpu, a)
        return per_request_ms(m.server_cpu, m) / anchor_cpu if anchor_cpu else 0.0


HEADERS = [
    "endpoint class",
    "requests",
    "failed",
    "req/s",
    "p50 ms",
    "p99 ms",
    "app CPU ms/req",
    "DB CPU ms/req",
    "req/s ÷ anchor",
    "app CPU/req ÷ anchor",
]


def row(name: str, run: RunResult, cls: str | None, pairs: Pairs | None) -> list[object]:
    """A table row for one class of a run (``cls``) or for the whole run (None); ratios when paired."""
    classes = [run.classes[cls]] if cls else list(run.classes.values())
    latencies = sorted(x for c in classes for x in c.latencies)
    failures = sum(sum(c.failures.values()) for c in classes)
    whole = cls is None or len(run.classes) == 1
    return [
        name,
        len(latencies),
        failures,
        f"{len(latencies) / run.elapsed:,.0f}" if run.elapsed else "-",
        f"{percentile(latencies, 50) * 1000:.1f}",
        f"{percentile(latencies, 99) * 1000:.1f}",
        f"{per_request_ms(run.server_cpu, run):.2f}" if whole else "",
        f"{per_request_ms(run.db_cpu, run):.2f}" if whole else "",
        f"**{pairs.rate_ratio():.2f}**" if pairs else "",
        f"**{pairs.cpu_ratio():.1f}x**" if pairs else "",
    ]


PAGE_TARGET = 1.5  # issue 22: a page costs at most 1.5x the JSON of the same object
PAGE_HEADERS = [
    "page",
    "JSON of the same objects",
    "req/s: JSON ÷ page",
    "app CPU/req: page ÷ JSON",
    "≤ 1.5x",
]


def page_costs(pairs: dict[str, Pairs]) -> dict[str, float]:
    """Each page's cost against its JSON: the larger of the req/s ratio and the CPU ratio (as page_rows)."""
    costs = {}
    for page, json in HTML.items():
        pages, jsons = pairs[page].measured, pairs[json].measured
        ratios = [rate(j) / rate(p) for j, p in zip(jsons, pages, strict=True) if rate(p)]
        p, j = merge(pages), merge(jsons)
        json_cpu = per_request_ms(j.server_cpu, j)
        cpu = per_request_ms(p.server_cpu, p) / json_cpu if json_cpu else 0.0
        costs[page] = max(statistics.median(ratios) if ratios else 0.0, cpu)
    return costs


def page_rows(pairs: dict[str, Pairs]) -> list[list[object]]:
    """Each page against its JSON endpoint: the median over rounds of the req/s ratio (the slices of one round
    ran one after the other), and server CPU per request over all slices."""
    rows: list[list[object]] = []
    for page, json in HTML.items():
        pages, jsons = pairs[page].measured, pairs[json].measured
        ratios = [rate(j) / rate(p) for j, p in zip(jsons, pages, strict=True) if rate(p)]
        cost = statistics.median(ratios) if ratios else 0.0
        p, j = merge(pages), merge(jsons)
        json_cpu = per_request_ms(j.server_cpu, j)
        cpu = per_request_ms(p.server_cpu, p) / json_cpu if json_cpu else 0.0
        met = "yes" if cost and cpu and max(cost, cpu) <= PAGE_TARGET else "**no**"
        rows.append([page, json, f"**{cost:.2f}x**", f"**{cpu:.2f}x**", met])
    return rows


def endpoint_rows(run: RunResult) -> list[list[object]]:
    """Per endpoint, slowest first by median."""
    rows = []
    for name, latencies in run.endpoints.items():
        ordered = sorted(latencies)
        rows.append((percentile(ordered, 50), name, len(ordered), percentile(ordered, 99)))
    return [
        [f"`{name}`", n, f"{p50 * 1000:.1f}", f"{p99 * 1000:.1f}"]
        for p50, name, n, p99 in sorted(rows, reverse=True)
    ]


def failure_notes(runs: dict[str, RunResult]) -> list[str]:
    notes = []
    for name, run in runs.items():
        for cls, c in run.classes.items():
            if c.failures:
                notes.append(
                    f"- {name} / {cls}: " + ", ".join(f"{k} x{v}" for k, v in c.failures.most_common())
                )
    return notes


CURVE_HEADERS = [
    "writers",
    "anchor INSERT req/s",
    "public comment req/s",
    "comment ÷ anchor",
    "ledger receipt req/s",
    "receipt ÷ anchor",
    "comment p99 ms",
    "receipt p99 ms",
]


async def write_curve(workload: Workload, on_igf: Meter, on_anchor: Meter, plan: Plan) -> list[list[object]]:
    """At each number of concurrent writers: the write anchor, then each write class, one slice each."""
    rows: list[list[object]] = []
    for writers in plan.writers:
        say(f"write curve: {writers} concurrent writers ...")
        anchor = await on_anchor.run(workload.only(WRITE_ANCHOR), concurrency=writers)
        comment = await on_igf.run(workload.only(COMMENT), concurrency=writers)
        receipt = await on_igf.run(workload.only(LEDGER), concurrency=writers)
        base = rate(anchor)
        rows.append(
            [
                writers,
                f"{base:,.0f}",
                f"{rate(comment):,.0f}",
                f"**{rate(comment) / base:.2f}**" if base else "-",
                f"{rate(receipt):,.0f}",
                f"**{rate(receipt) / base:.2f}**" if base else "-",
                f"{comment.classes[COMMENT].p(99):.1f}" if COMMENT in comment.classes else "-",
                f"{receipt.classes[LEDGER].p(99):.1f}" if LEDGER in receipt.classes else "-",
            ]
        )
        for result, cls in ((anchor, WRITE_ANCHOR), (comment, COMMENT), (receipt, LEDGER)):
            failed = sum(sum(c.failures.values()) for c in result.classes.values())
            if failed:
                rows[-1].append(f"{cls}: {failed} failed")
    return rows


async def run(
    database_url: str, redis_url: str, *, plan: Plan, work_dir: Path, postgres_pid: int | None
) -> str:
    """Seed, serve, measure; the Markdown report."""
    settings = Settings(
        public_url="http://127.0.0.1:8000",
        db=DbSettings(url=database_url),
        redis=RedisSettings(url=redis_url),
    )
    pool = await create_pool(database_url, application_name="bench.seed", max_size=4)
    try:
        started = time.perf_counter()
        say("seeding through the domain services ...")
        seeded = await seed(pool, settings, plan.scale)
        seed_seconds = time.perf_counter() - started
        say(f"seeded in {seed_seconds:.0f} s: {seeded.counts}")
        secretariat = await secretariat_client(pool)
        pg_version = await pool.fetchval("SHOW server_version")
        igf_port, anchor_port = free_port(), free_port()
        signing_keys_key = new_key_text()  # the servers encrypt their token-signing key with it
        env = {
            "IGF_HUB_AUTH_SIGNING_KEYS_KEY": signing_keys_key,
            "IGF_HUB_DATABASE_URL": database_url,
            "IGF_HUB_REDIS_URL": redis_url,
            "IGF_HUB_DATA_DIR": str(work_dir),
            "IGF_HUB_PUBLIC_URL": f"http://127.0.0.1:{igf_port}",
            "IGF_HUB_LOG_FORMAT": "json",
            "IGF_HUB_LOG_LEVEL": "info",
            "IGF_HUB_DB_POOL_MAX": str(settings.db.pool_max),
            "IGF_HUB_RATE_LIMITS": "true",  # as in production: comments spread over enough people instead
        }
        phases = [*MIX, *HTML, MIXED]
        pairs = {name: Pairs([], []) for name in phases}
        # The worker's audit chainer runs as in production (here, in this process): the writes' audit rows
        # are chained and sealed while they go on.
        chainer = audit.Chainer(pool, interval=settings.audit.chain_interval)
        async with contextlib.AsyncExitStack() as stack:
            await chainer.start()
            stack.push_async_callback(chainer.stop)
            shared = ("--server", plan.server, *(("--reuse-port",) if plan.api_processes > 1 else ()))
            igfs = [
                await stack.enter_async_context(
                    ServerProcess("igf", igf_port, env, work_dir / f"igf-server-{n}.log", shared)
                )
                for n in range(plan.api_processes)
            ]
            igf = igfs[0]
            anchors = [
                await stack.enter_async_context(
                    ServerProcess("anchor", anchor_port, env, work_dir / f"anchor-server-{n}.log", shared)
                )
                for n in range(plan.api_processes)
            ]
            workload = Workload(
                seeded,
                await client_token(igf.base_url, *secretariat),
                await commenter_tokens(
                    pool, igf.base_url, plan.commenters, Vault([decode_key(signing_keys_key)])
                ),
            )
            on_igf, on_anchor = Meter(igfs, postgres_pid, plan), Meter(anchors, postgres_pid, plan)
            say("warming up ...")
            await on_anchor.run(workload.only(ANCHOR), warmup=plan.warmup * 4)
            await on_anchor.run(workload.only(WRITE_ANCHOR), warmup=plan.warmup)
            await on_igf.run(workload.mixed(), warmup=plan.warmup * 4)
            for round_number in range(1, plan.rounds + 1):
                for name in phases:
                    say(f"round {round_number}/{plan.rounds}: anchor, then {name} ...")
                    pairs[name].anchor.append(await on_anchor.run(workload.only(anchor_for(name))))
                    target = workload.mixed() if name == MIXED else workload.only(name)
                    pairs[name].measured.append(await on_igf.run(target))
            curve = await write_curve(workload, on_igf, on_anchor, plan)
    finally:
        await pool.close()
    curve_section = (
        [
            "",
            f"The write-scaling curve ({plan.api_processes} igf_hub process(es) and as many anchor processes): "
            "one slice of each at every number of concurrent writers; ratios to the write anchor at the same "
            "concurrency:",
            "",
            markdown_table(CURVE_HEADERS, curve),
        ]
        if curve
        else []
    )
    anchor_all = merge([a for name, p in pairs.items() for a in p.anchor if anchor_for(name) == ANCHOR])
    write_anchor_all = merge(
        [a for name, p in pairs.items() for a in p.anchor if anchor_for(name) == WRITE_ANCHOR]
    )
    merged = {name: merge(p.measured) for name, p in pairs.items()}
    rows = [row(ANCHOR, anchor_all, None, None), row(WRITE_ANCHOR, write_anchor_all, None, None)]
    rows += [row(name, merged[name], name, pairs[name]) for name in [*MIX, *HTML]]
    mixed = merged[MIXED]
    mixed_rows = [row(f"mixed: {cls}", mixed, cls, None) for cls in MIX if cls in mixed.classes]
    mixed_rows.append(row("**mixed: all**", mixed, None, pairs[MIXED]))
    igf_runs = list(merged.values())
    client_share = sum(r.client_cpu for r in igf_runs) / sum(r.elapsed for r in igf_runs)
    notes = failure_notes({**merged, "anchor": anchor_all, "write anchor": write_anchor_all})
    figures = {name: pairs[name].rate_ratio() for name in [*MIX, MIXED]}
    figures |= page_costs(pairs)
    return "\n".join(
        [
            "## API benchmark",
            "",
            f"Machine: {machine(pg_version)}.",
            f"Servers: {plan.api_processes} process(es) each, {STACK_NAMES[plan.server]}, DB pool {settings.db.pool_max}, igf_hub with JSON "
            f"access logs. Client: httpx, {plan.concurrency} requests in flight ({PER_CLIENT} per httpx client). "
            f"{plan.rounds} round(s) of (anchor slice, class slice) per class, each slice {plan.max_seconds:g} s or "
            f"{plan.max_requests:,} requests after {plan.warmup} warm-up requests. PostgreSQL durable (fsync on).",
            f"Seeded through the domain services in {seed_seconds:.0f} s: "
            + ", ".join(f"{k} {v:,}" for k, v in seeded.counts.items())
            + ".",
            "",
            "Each class on its own; req/s ÷ anchor is the median over rounds of the ratio to the anchor slice run "
            "just before (for the writes, the write anchor: one durable INSERT of the posted JSON in a transaction); "
            "CPU ratios are over all slices:",
            "",
            markdown_table(HEADERS, rows),
            "",
            "The HTML class: each page against the JSON endpoint of the same objects, measured in the same run "
            f"(target: at most {PAGE_TARGET:g}x):",
            "",
            markdown_table(PAGE_HEADERS, page_rows(pairs)),
            "",
            f"Mixed read/write workload ({', '.join(f'{k} {v}%' for k, v in MIX.items())}); a class's req/s is its "
            "share of the run, CPU per request and ratios are for the whole run:",
            "",
            markdown_table(HEADERS, mixed_rows),
            "",
            "Per endpoint, over every igf_hub slice (isolated and mixed), slowest median first:",
            "",
            markdown_table(["endpoint", "requests", "p50 ms", "p99 ms"], endpoint_rows(merge(igf_runs))),
            "",
            f"The load generator used {client_share:.0%} of one CPU during the igf_hub slices (it shares the machine "
            "with both servers and PostgreSQL).",
            *curve_section,
            *(["", "Failed requests (unexpected status or transport error):", *notes] if notes else []),
            "",
            targets.marker(figures),
        ]
    )


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
    add_arguments(parser)
    return plan_from(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="smaller seed, shorter slices, 2 rounds")
    parser.add_argument("--concurrency", type=int, help="requests in flight (default 8)")
    parser.add_argument("--seconds", type=float, help="seconds per slice (default 4)")
    parser.add_argument("--rounds", type=int, help="anchor/class slice pairs per class (default 3)")
    parser.add_argument(
        "--writers", help="also measure the write-scaling curve at these concurrencies, e.g. 1,8,32,128"
    )
    parser.add_argument(
        "--server", choices=STACKS, help="the server stack of both apps (default uvloop, the shipped one)"
    )
    parser.add_argument(
        "--api-processes", type=int, help="igf_hub (and anchor) server processes on one port (default 1)"
    )


def plan_from(args: argparse.Namespace) -> Plan:
    plan = QUICK_PLAN if args.quick else FULL_PLAN
    if args.concurrency:
        plan = replace(plan, concurrency=args.concurrency)
    if args.seconds:
        plan = replace(plan, max_seconds=args.seconds)
    if args.rounds:
        plan = replace(plan, rounds=args.rounds)
    if args.writers:
        plan = replace(plan, writers=tuple(int(w) for w in args.writers.split(",")))
    if args.api_processes:
        plan = replace(plan, api_processes=args.api_processes)
    if args.server:
        plan = replace(plan, server=args.server)
    if plan.server == "granian" and plan.api_processes > 1:
        raise SystemExit(
            "--api-processes > 1 runs uvicorn processes on one port; Granian has its own workers"
        )
    return plan


def main(argv: list[str] | None = None) -> None:
    asyncio.run(main_async(parse_plan(argv)))


if __name__ == "__main__":
    main()
