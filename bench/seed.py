"""Realistic data for the API benchmark, written through the domain services (so every row has its audit
entry and outbox event, exactly as the API would have written it).

What is seeded, at the default :data:`FULL` scale:

* NRIs: 180 recognised initiatives imported through the Secretariat's CSV import (``NriImporter``: national,
  sub-regional, regional and youth), 10 drafts registered by coordinators (``NriService.register``, not
  public), and 120 submitted activity reports (``ReportService.create`` + ``submit``);
* MAG: 10 yearly cycles (the ten years up to the current one), 168 people: 14 newcomers a year, each serving
  three consecutive years (so 42 appointments a cycle, nobody beyond the term limit, one Chair a cycle);
  past cycles closed, the current one appointed;
* funding: 60 donors (a few anonymous), monthly exchange rates for 7 currencies, about 1,000 contributions
  and exactly ``ledger_events`` ledger events (pledges, commitments, receipts or in-kind valuations, and
  reversals) through ``LedgerService.record_event``;
* IGF Messages: 500 Messages created by the Secretariat and opened for public comment (a fifth of them with
  the period since closed: state ``synthesis``), each with 6 public comments by 50 commenters.

Not seeded: intersessional tracks and session reports (the API workload does not read them, and Messages'
provenance is left empty), MAG nominations, NRI grants, webhook endpoints (bench/webhooks.py measures
delivery), and MAG ballots (they need MAG members' accounts and a chain of approvals the workload does not
exercise).
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable

import asyncpg

from bench.seed_activity import seed_funding, seed_messages
from bench.seed_data import FULL, TINY, Scale, Seeded
from bench.seed_directory import seed_mag, seed_nris
from igf_hub.app import WIRING
from igf_hub.core import audit, outbox, wiring
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings

__all__ = ["FULL", "TINY", "Scale", "Seeded", "seed"]

COUNTED_TABLES = [
    "nris",
    "nri_reports",
    "mag_cycles",
    "mag_people",
    "mag_appointments",
    "donors",
    "funding_contributions",
    "funding_events",
    "messages",
    "message_versions",
    "message_comments",
    "users",
    "audit_log",
    "outbox",
]


async def seed(
    pool: asyncpg.Pool, settings: Settings, scale: Scale = FULL, *, rng_seed: int = 2026
) -> Seeded:
    """Seed every domain through its services; deterministic for a given seed."""
    wiring.install(WIRING)  # every subscriber of the events it publishes, as in the running service
    rng = random.Random(rng_seed)  # noqa: S311 - reproducible data, not secrets
    clock = Clock()
    out = Seeded()
    steps: list[tuple[str, Callable[[], Awaitable[None]]]] = [
        ("nris", lambda: seed_nris(pool, scale, rng, clock, out)),
        ("mag", lambda: seed_mag(pool, scale, rng, clock, out)),
        ("funding", lambda: seed_funding(pool, scale, rng, clock, settings, out)),
        ("messages", lambda: seed_messages(pool, scale, rng, settings, out)),
    ]
    for name, step in steps:
        started = time.perf_counter()
        await step()
        out.seconds[name] = time.perf_counter() - started
    # What a running worker would have done meanwhile: dispatch the outbox (after-commit subscribers).
    while await outbox.dispatch_pending(pool, batch=1000):
        pass
    async with pool.acquire() as conn:  # and chain the audit rows
        await audit.chain_pending(conn)
    async with pool.acquire() as conn:
        await conn.execute("VACUUM ANALYZE")
        for table in COUNTED_TABLES:
            if await conn.fetchval("SELECT to_regclass($1)", table) is not None:
                out.counts[table] = await conn.fetchval(f"SELECT count(*) FROM {table}")
    return out
