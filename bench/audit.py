"""Audit benchmark: ``python -m bench.audit [--quick] [--rows N] [--writes N] [--rounds N]``.

What sealing and checkpointing the audit log cost, each beside an anchor measured in the same run:

* **write path**: one transaction per audit row through ``audit.append`` (one INSERT into ``audit_intake``, no
  lock) against the anchor, the same transaction with the chained insert into ``audit_log`` alone (under the
  chain's advisory lock: the write path before seals and before the intake); then ``audit.chain_pending``, which
  chains and seals those rows in one batch, per row. Slices alternate; the ratio is the median of the slice pairs.
* **checkpoint and verify**: on a log of ``--rows`` rows, ``make_checkpoint`` with nothing checkpointed yet (the
  chain recomputed in SQL, every seal, the Merkle root), again after 1 % more rows (only the new rows re-checked,
  the older ones hashed into the tree), and ``audit.verify`` against the stored checkpoints (what
  ``igf-hub audit verify`` does), against the anchor: every row's hash streamed out of PostgreSQL, the floor of
  any pass over the log.

The log is bulk-loaded with ``INSERT ... SELECT ... FROM generate_series`` (the chain trigger runs per row) and
then sealed in batches with the deployment's key, as ``audit.append`` would have sealed each row.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import asyncpg

from bench.common import embedded_servers, fresh_database, machine, markdown_table, quiet_logs, say
from igf_hub.core import audit, audit_checkpoints
from igf_hub.core.audit_keys import seal_keys
from igf_hub.core.db import create_pool
from igf_hub.core.settings import Settings

BULK_ROWS = """
INSERT INTO audit_log (actor, action, subject_type, subject_id, data, prev_hash, hash)
SELECT 'user:bench', 'thing.changed', 'thing', g::text,
       jsonb_build_object('i', g, 'note', 'a note of about the length an audit row carries'), '', ''
FROM generate_series(1, $1) g"""
UNSEALED = """
SELECT a.seq, a.hash FROM audit_log a
WHERE NOT EXISTS (SELECT 1 FROM audit_log_seals s WHERE s.seq = a.seq) ORDER BY a.seq"""
SEALS = "INSERT INTO audit_log_seals (seq, key_id, mac) SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[])"
EVERY_HASH = "SELECT hash FROM audit_log ORDER BY seq"
CHAINED_INSERT = """
INSERT INTO audit_log (actor, action, subject_type, subject_id, data, request_id, prev_hash, hash)
VALUES ($1, $2, $3, $4, $5, $6, '', '')
RETURNING seq, hash"""


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


async def timed(action: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await action()
    return time.perf_counter() - started


async def write_path(url: str, writes: int, rounds: int) -> str:
    pool = await create_pool(url, application_name="bench.audit", max_size=1)
    try:
        async with pool.acquire() as conn:

            async def insert_only() -> None:
                for i in range(writes):
                    async with conn.transaction():
                        await conn.fetchrow(
                            CHAINED_INSERT, "user:bench", "thing.changed", "thing", str(i), {}, None
                        )

            async def sealed() -> None:
                for i in range(writes):
                    async with conn.transaction():
                        await audit.append(
                            conn,
                            actor="user:bench",
                            action="thing.changed",
                            subject_type="thing",
                            subject_id=i,
                        )

            async def chain() -> None:
                await audit.chain_pending(conn)

            await insert_only()  # warm both paths (prepared statements, caches)
            await sealed()
            await chain()
            triples = [
                (await timed(insert_only), await timed(sealed), await timed(chain)) for _ in range(rounds)
            ]
    finally:
        await pool.close()
    anchor = statistics.median(a for a, _, _ in triples) / writes
    append = statistics.median(s for _, s, _ in triples) / writes
    chained = statistics.median(c for _, _, c in triples) / writes
    ratio = statistics.median(s / a for a, s, _ in triples)
    chain_ratio = statistics.median(c / a for a, _, c in triples)
    return markdown_table(
        ["write path, one row per transaction", "per row (median)", "ratio to the anchor"],
        [
            ["anchor: the chained insert alone", ms(anchor), "1.00"],
            ["audit.append (intake insert, no lock)", ms(append), f"{ratio:.2f}"],
            [f"audit.chain_pending (chain + seal, batch of {writes})", ms(chained), f"{chain_ratio:.2f}"],
        ],
    )


async def load(conn: asyncpg.Connection, rows: int, settings: Settings) -> None:
    """``rows`` more rows, chained by the trigger, then sealed as the application seals them."""
    await conn.execute(BULK_ROWS, rows)
    keys = seal_keys(settings)
    pending = await conn.fetch(UNSEALED)
    for start in range(0, len(pending), 10_000):
        batch = pending[start : start + 10_000]
        seals = [keys.seal(r["seq"], r["hash"]) for r in batch]
        await conn.execute(SEALS, [r["seq"] for r in batch], [k for k, _ in seals], [m for _, m in seals])
    await conn.execute("VACUUM ANALYZE audit_log")
    await conn.execute("VACUUM ANALYZE audit_log_seals")


async def checkpoints(url: str, rows: int, settings: Settings) -> str:
    pool = await create_pool(url, application_name="bench.audit", max_size=1)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        async with pool.acquire() as conn:
            say(f"loading {rows} audit rows")
            await load(conn, rows, settings)

            async def stream() -> None:
                async with conn.transaction(readonly=True):
                    async for _ in conn.cursor(EVERY_HASH, prefetch=5000):
                        pass

            anchor = await timed(stream)
            full = await timed(lambda: audit_checkpoints.make_checkpoint(conn, settings, now=now))
            await load(conn, max(1, rows // 100), settings)
            anchor_after = await timed(stream)
            incremental = await timed(
                lambda: audit_checkpoints.make_checkpoint(conn, settings, now=now + timedelta(hours=1))
            )

            async def verify() -> None:
                heads, _ = audit_checkpoints.stored_heads(await audit_checkpoints.stored(conn), settings)
                report = await audit.verify(conn, heads=heads)
                assert report.ok, report

            verified = await timed(verify)
            made = await audit_checkpoints.stored(conn)
    finally:
        await pool.close()
    assert len(made) == 2, "a checkpoint was refused"
    grown = rows + max(1, rows // 100)
    return markdown_table(
        ["operation", "rows", "time", "ratio to the anchor"],
        [
            ["anchor: every row's hash streamed", rows, ms(anchor), "1.00"],
            ["checkpoint, first (full verification)", rows, ms(full), f"{full / anchor:.1f}"],
            ["anchor: every row's hash streamed", grown, ms(anchor_after), "1.00"],
            [
                "checkpoint, +1 % rows (incremental)",
                grown,
                ms(incremental),
                f"{incremental / anchor_after:.1f}",
            ],
            [
                "audit verify (chain, seals, 2 checkpoints)",
                grown,
                ms(verified),
                f"{verified / anchor_after:.1f}",
            ],
        ],
    )


async def run(database_url: str, args: argparse.Namespace, settings: Settings) -> str:
    writes_url = await fresh_database(database_url, "bench_audit_writes")
    conn = await asyncpg.connect(writes_url)
    try:
        version = await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()
    say("write path")
    writes = await write_path(writes_url, args.writes, args.rounds)
    say("checkpoints")
    log = await checkpoints(await fresh_database(database_url, "bench_audit_log"), args.rows, settings)
    return f"## Audit benchmark\n\n{machine(version)}\n\n{writes}\n\n{log}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.audit", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("--quick", action="store_true", help="20,000 rows and shorter write slices")
    parser.add_argument(
        "--rows", type=int, help="audit rows for the checkpoint measurements (default 200,000)"
    )
    parser.add_argument("--writes", type=int, help="transactions per write slice (default 300)")
    parser.add_argument("--rounds", type=int, help="anchor/append slice pairs (default 5)")
    args = parser.parse_args(argv)
    args.rows = args.rows or (20_000 if args.quick else 200_000)
    args.writes = args.writes or (100 if args.quick else 300)
    args.rounds = args.rounds or (3 if args.quick else 5)
    quiet_logs()
    with embedded_servers() as (embedded, tmp), tempfile.TemporaryDirectory(dir=tmp) as keys_dir:
        settings = Settings(data_dir=keys_dir)  # the development key files, in the run's own directory
        audit.configure(settings)
        print(asyncio.run(run(embedded.database_url, args, settings)), flush=True)  # noqa: T201 - results
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
