"""Transparency benchmark: ``python -m bench.transparency [--quick] [--sizes 10000,100000,1000000]``.

The public funding summary and the ledger exports (CSV, JSON and the IATI activity file) as the ledger grows
from 10k to 100k to 1M events (``--quick`` stops at 100k): the time each takes through the real app (one
uvicorn process, read to the last byte, uncompressed), and how it grows from one size to the next (10x more
events: a growth factor of 10 is linear). Beside each, in the same run, the anchor: the same data straight out
of PostgreSQL — the ledger's totals summed over its events through asyncpg (what the summary cost before
``funding_event_totals``), and ``COPY (the export's rows in seq order) TO STDOUT (FORMAT csv)``.

Donors, exchange rates and 2,000 contributions are written through the domain services; the events are
bulk-loaded with one ``INSERT ... SELECT ... FROM generate_series`` per size (the ledger triggers still run:
the per-row checks, and the per-statement one that adds the events to ``funding_event_totals``; no audit or
outbox rows are written for them, as the reads never look at either), with 0.4 % reversals. ``VACUUM ANALYZE`` runs after each load, as autovacuum would have meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import asyncpg
import httpx

from bench import targets
from bench.common import (
    embedded_servers,
    free_port,
    fresh_database,
    machine,
    markdown_table,
    quiet_logs,
    say,
)
from bench.servers import ServerProcess
from igf_hub.auth.principal import SYSTEM
from igf_hub.core.clock import Clock
from igf_hub.core.db import create_pool
from igf_hub.core.settings import Settings
from igf_hub.core.vocab import StakeholderGroup
from igf_hub.funding.public_repository import FILTER_WHERE, PUBLIC_EVENT_COLUMNS, PUBLIC_EVENT_FROM, SUMS
from igf_hub.funding.rate_service import RateService
from igf_hub.funding.schemas import Channel, ContributionCreate, DonorCreate, Earmark, ExchangeRateCreate
from igf_hub.funding.service import FundingService

FULL_SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (10_000, 100_000)
CONTRIBUTIONS = 2_000
REVERSAL_EVERY = 250  # one event in 250 is a reversal of a receipt
EUR_PER_USD = Decimal("1.08")

# One row per generated number: a contribution (round robin); a kind, cycling per contribution through a
# pledge, a commitment and eight receipts (in-kind valuations for in-kind contributions); a value date in the
# contribution's year (never in the future); a quarter of them in EUR.
BULK_EVENTS = """
INSERT INTO funding_events (contribution_id, kind, counts_as, ledger_year, amount, currency, value_date, due_on,
                            usd_amount, rate, rate_source, rate_date, description, recorded_at, recorded_by)
SELECT c.id, k.kind, k.kind, c.year, a.amount, a.currency, v.value_date,
       CASE WHEN k.kind = 'pledge' THEN make_date(c.year, 12, 31) END,
       round(a.amount * a.rate, 2), a.rate, a.source, date_trunc('month', v.value_date)::date,
       'instalment ' || g, now(), 'bench'
FROM generate_series($1::bigint, $2::bigint) AS g
CROSS JOIN LATERAL (SELECT ($3::uuid[])[1 + g % cardinality($3)] AS id,
                           ($4::int[])[1 + g % cardinality($3)] AS year,
                           ($5::bool[])[1 + g % cardinality($3)] AS in_kind) c
CROSS JOIN LATERAL (SELECT CASE (g / cardinality($3) + g % cardinality($3)) % 10 WHEN 0 THEN 'pledge' WHEN 1 THEN 'commitment'
                                ELSE CASE WHEN c.in_kind THEN 'in_kind_valuation' ELSE 'receipt' END END AS kind) k
CROSS JOIN LATERAL (SELECT (100 + g % 9900)::numeric * 10 AS amount,
                           CASE WHEN g % 4 = 0 THEN 'EUR' ELSE 'USD' END AS currency,
                           CASE WHEN g % 4 = 0 THEN $6::numeric ELSE 1 END AS rate,
                           CASE WHEN g % 4 = 0 THEN 'UN operational rates of exchange'
                                ELSE 'USD (no conversion)' END AS source) a
CROSS JOIN LATERAL (SELECT least(make_date(c.year, 1 + (g % 12)::int, 1 + (g % 28)::int),
                                 current_date - 1) AS value_date) v"""
# Reversals of receipts just loaded (seq above $1): the whole amount, as a returned transfer.
BULK_REVERSALS = """
INSERT INTO funding_events (contribution_id, kind, counts_as, ledger_year, amount, currency, value_date,
                            usd_amount, rate, rate_source, rate_date, reverses_id, reason, recorded_at, recorded_by)
SELECT contribution_id, 'reversal', counts_as, ledger_year, -amount, currency, value_date, -usd_amount, rate,
       rate_source, rate_date, id, 'the bank returned the transfer', now(), 'bench'
FROM funding_events
WHERE seq > $1 AND kind = 'receipt'
ORDER BY seq
LIMIT $2"""
EXPORT_QUERY = f"SELECT {PUBLIC_EVENT_COLUMNS} {PUBLIC_EVENT_FROM} {FILTER_WHERE} ORDER BY e.seq"
# The totals summed over the ledger's events (the summary read this three times per call before 0010).
EVENT_TOTALS = f"SELECT {SUMS} {PUBLIC_EVENT_FROM} {FILTER_WHERE}"
NO_FILTERS = [None] * 12


async def seed_contributions(pool: asyncpg.Pool) -> tuple[list[UUID], list[int], list[bool]]:
    """Donors, EUR rates and contributions through the services; (ids, years, in-kind flags)."""
    rng = random.Random(11)  # noqa: S311 - reproducible data, not secrets
    clock, settings = Clock(), Settings()
    today = clock.now().date()
    years = list(range(today.year - 9, today.year + 1))
    ids, contribution_years, in_kinds = [], [], []
    async with pool.acquire() as conn, conn.transaction():
        rates, month = [], date(years[0] - 1, 12, 1)
        while month <= today:
            rates.append(
                ExchangeRateCreate(
                    currency="EUR",
                    effective_on=month,
                    usd_per_unit=EUR_PER_USD,
                    source="UN operational rates of exchange",
                )
            )
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        await RateService(conn, clock, settings).add_rates(rates, actor=SYSTEM, via="bench")
        funding = FundingService(conn, clock, settings)
        groups = list(StakeholderGroup)
        donors = [
            (
                await funding.create_donor(
                    DonorCreate(
                        legal_name=f"Donor {i}",
                        stakeholder_group=groups[i % len(groups)],
                        is_anonymous=i % 13 == 4,
                        country=None
                        if groups[i % len(groups)] is StakeholderGroup.intergovernmental
                        else "CH",
                    ),
                    actor=SYSTEM,
                )
            ).id
            for i in range(60)
        ]
        for i in range(CONTRIBUTIONS):
            year, in_kind = rng.choice(years), i % 10 == 9
            contribution = await funding.create_contribution(
                ContributionCreate(
                    donor_id=rng.choice(donors),
                    title=f"Support to the IGF {year}",
                    channel=rng.choice([Channel.igf_trust_fund, Channel.igfsa]),
                    earmark=rng.choice([Earmark.core, Earmark.travel_grants, Earmark.capacity_development]),
                    years=[year],
                    in_kind=in_kind,
                    in_kind_description="Venue and interpretation" if in_kind else None,
                    valuation_method="Market price of comparable services" if in_kind else None,
                ),
                actor=SYSTEM,
            )
            ids.append(contribution.id)
            contribution_years.append(year)
            in_kinds.append(in_kind)
    return ids, contribution_years, in_kinds


async def grow_to(
    pool: asyncpg.Pool, size: int, contributions: tuple[list[UUID], list[int], list[bool]]
) -> float:
    """Bulk-load events until the ledger holds ``size``; seconds taken (load + VACUUM ANALYZE)."""
    started = time.perf_counter()
    async with pool.acquire() as conn:
        have = await conn.fetchval("SELECT count(*) FROM funding_events")
        last_seq = await conn.fetchval("SELECT coalesce(max(seq), 0) FROM funding_events")
        reversals = (size - have) // REVERSAL_EVERY
        async with conn.transaction():
            await conn.execute(BULK_EVENTS, have, size - reversals - 1, *contributions, EUR_PER_USD)
            await conn.execute(BULK_REVERSALS, last_seq, reversals)
        await conn.execute("VACUUM ANALYZE funding_events, funding_contributions, donors")
        assert await conn.fetchval("SELECT count(*) FROM funding_events") == size
    return time.perf_counter() - started


async def measure(pool: asyncpg.Pool, base_url: str, year: int) -> dict[str, tuple[float, int]]:
    """Each operation's time (s) and size (bytes) at the ledger's current size."""
    identity = {"Accept-Encoding": "identity"}
    async with httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(600.0), headers=identity) as http:

        async def get(path: str) -> int:
            total = 0
            async with http.stream("GET", path) as response:
                response.raise_for_status()
                async for chunk in response.aiter_raw():
                    total += len(chunk)
            return total

        async def anchor_totals(year: int | None) -> int:
            async with pool.acquire() as conn:
                args = [year, *NO_FILTERS[1:]]
                return len(str(await conn.fetchrow(EVENT_TOTALS, *args)))

        async def anchor_copy() -> int:
            received = 0

            async def sink(data: bytes) -> None:
                nonlocal received
                received += len(data)

            async with pool.acquire() as conn:
                await conn.copy_from_query(EXPORT_QUERY, *NO_FILTERS, output=sink, format="csv", header=True)
            return received

        await anchor_copy()  # warm-up: the ledger's pages in memory for everyone below
        # Each operation alternates with its anchor, so a change in the machine's load hits both alike.
        operations: list[tuple[str, Callable[[], Awaitable[int]], int]] = [
            ("anchor: events summed (all years)", lambda: anchor_totals(None), 3),
            ("summary (all years)", lambda: get("/v1/transparency/summary"), 3),
            (f"anchor: events summed ({year})", lambda: anchor_totals(year), 3),
            (f"summary ({year})", lambda: get(f"/v1/transparency/summary?year={year}"), 3),
            ("anchor: COPY ... TO STDOUT csv", anchor_copy, 2),
            ("export ledger.csv", lambda: get("/v1/transparency/exports/ledger.csv"), 1),
            ("export ledger.json", lambda: get("/v1/transparency/exports/ledger.json"), 1),
            ("export iati-activities.xml", lambda: get("/v1/transparency/exports/iati-activities.xml"), 1),
        ]
        times: dict[str, list[float]] = {name: [] for name, _, _ in operations}
        sizes: dict[str, int] = {}
        for turn in range(3):
            for name, action, repeat in operations:
                if turn < repeat:
                    started = time.perf_counter()
                    sizes[name] = await action()
                    times[name].append(time.perf_counter() - started)
        shown = [operations[i][0] for i in (1, 0, 3, 2, 5, 6, 7, 4)]  # each operation above its anchor
        results = {name: (statistics.median(times[name]), sizes[name]) for name in shown}
    return results


def report(sizes: list[int], loads: list[float], runs: list[dict[str, tuple[float, int]]], where: str) -> str:
    names = list(runs[0])
    headers = [
        "operation",
        *[f"{s:,} events" for s in sizes],
        *[f"growth {_short(a)}→{_short(b)}" for a, b in itertools.pairwise(sizes)],
    ]
    rows = []
    for name in names:
        seconds = [run[name][0] for run in runs]
        growth = [f"{b / a:.1f}x" for a, b in itertools.pairwise(seconds)]
        rows.append([name, *[_fmt(s) for s in seconds], *growth])
    for name, anchor in (
        ("summary (all years)", "anchor: events summed (all years)"),
        ("export ledger.csv", "anchor: COPY ... TO STDOUT csv"),
        ("export ledger.json", "anchor: COPY ... TO STDOUT csv"),
        ("export iati-activities.xml", "anchor: COPY ... TO STDOUT csv"),
    ):
        ratios = [_ratio(run[name][0] / run[anchor][0]) for run in runs]
        rows.append([f"**{name} ÷ {anchor.removeprefix('anchor: ')}**", *ratios, *[""] * (len(sizes) - 1)])
    size_rows = [
        ["ledger.csv size", *[f"{run['export ledger.csv'][1] / 1e6:,.1f} MB" for run in runs]],
        ["ledger.json size", *[f"{run['export ledger.json'][1] / 1e6:,.1f} MB" for run in runs]],
        [
            "iati-activities.xml size",
            *[f"{run['export iati-activities.xml'][1] / 1e6:,.1f} MB" for run in runs],
        ],
        ["bulk load + VACUUM ANALYZE", *[_fmt(s) for s in loads]],
    ]
    largest = runs[-1]
    copy = largest["anchor: COPY ... TO STDOUT csv"][0]
    figures = {
        name: largest[name][0] / copy for name in ("export ledger.csv", "export iati-activities.xml") if copy
    }
    return "\n".join(
        [
            "## Transparency benchmark",
            "",
            f"Machine: {where}.",
            "Through the real app (one uvicorn process), read to the last byte without compression. Each operation "
            "alternates with its anchor (the same data straight from PostgreSQL); times are medians of 3 runs for "
            "summaries and totals, 2 for COPY, 1 for each export.",
            "",
            markdown_table(headers, rows),
            "",
            markdown_table(["", *[f"{s:,} events" for s in sizes]], size_rows),
            "",
            targets.marker(figures),
        ]
    )


def _ratio(r: float) -> str:
    return f"{r:.2f}x" if r < 1 else f"{r:.1f}x"


def _short(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)


def _fmt(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


async def run(database_url: str, redis_url: str, *, sizes: list[int], work_dir: Path) -> str:
    pool = await create_pool(database_url, application_name="bench.transparency", max_size=4)
    port = free_port()
    env = {
        "IGF_HUB_DATABASE_URL": database_url,
        "IGF_HUB_REDIS_URL": redis_url,
        "IGF_HUB_DATA_DIR": str(work_dir),
        "IGF_HUB_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "IGF_HUB_LOG_FORMAT": "json",
    }
    try:
        say("seeding donors and contributions through the services ...")
        contributions = await seed_contributions(pool)
        year = datetime.now(UTC).year - 1
        pg_version = await pool.fetchval("SHOW server_version")
        loads, runs = [], []
        async with ServerProcess("igf", port, env, work_dir / "transparency-server.log") as server:
            for size in sizes:
                say(f"loading the ledger to {size:,} events ...")
                loads.append(await grow_to(pool, size, contributions))
                say(f"measuring at {size:,} events ...")
                runs.append(await measure(pool, server.base_url, year))
    finally:
        await pool.close()
    return report(sizes, loads, runs, machine(pg_version))


async def main_async(sizes: list[int]) -> None:
    quiet_logs()
    with embedded_servers(durable=True) as (embedded, work_dir):
        url = await fresh_database(embedded.database_url, "bench_transparency")
        print(await run(url, embedded.redis_url, sizes=sizes, work_dir=work_dir))  # noqa: T201 - the result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="stop at 100k events")
    parser.add_argument(
        "--sizes", help="comma-separated ledger sizes, ascending (default 10000,100000,1000000)"
    )
    args = parser.parse_args(argv)
    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else list(QUICK_SIZES if args.quick else FULL_SIZES)
    )
    asyncio.run(main_async(sizes))


if __name__ == "__main__":
    main()
