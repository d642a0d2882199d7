"""Writes append to ``audit_intake`` without a lock; the chainer moves them into the chain, sealed, once each."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from igf_hub.core import audit
from igf_hub.core.audit_keys import seal_keys
from igf_hub.core.db import create_pool
from igf_hub.core.settings import Settings
from igf_hub.system import jobs as system_jobs
from igf_hub.system.repository import AuditRepository

WRITERS = 32
NO_FILTERS: dict[str, Any] = dict.fromkeys(
    ("actor", "action", "subject_type", "subject_id", "since", "until")
)


async def append(conn: asyncpg.Connection, subject: object, **data: Any) -> None:
    await audit.append(
        conn, actor="user:test", action="thing.changed", subject_type="thing", subject_id=subject, data=data
    )


async def test_concurrent_writers_and_chainers_chain_every_row_once_sealed(settings: Settings) -> None:
    audit.configure(settings)
    pool = await create_pool(settings.db.url, application_name="igf-hub.tests", max_size=WRITERS + 4)
    writing = True

    async def writer(w: int) -> None:
        async with pool.acquire() as conn:
            for i in range(3):
                async with conn.transaction():
                    await append(conn, f"{w}-{i}")

    async def chainer() -> None:  # readers and the worker chain while the writes go on
        async with pool.acquire() as conn:
            while writing:
                await audit.chain_pending(conn)
                await asyncio.sleep(0)

    try:
        chainers = [asyncio.create_task(chainer()) for _ in range(4)]
        await asyncio.gather(*(writer(w) for w in range(WRITERS)))
        writing = False
        await asyncio.gather(*chainers)
        async with pool.acquire() as conn:
            report = await audit.verify(conn, keys=seal_keys(settings))
            subjects = [
                r["subject_id"] for r in await conn.fetch("SELECT subject_id FROM audit_log ORDER BY seq")
            ]
            sealed = await conn.fetchval("SELECT count(*) FROM audit_log_seals")
            left = await conn.fetchval("SELECT count(*) FROM audit_intake")
    finally:
        await pool.close()
    assert report.ok, report.breaks[:5]
    assert report.rows == report.head_seq == WRITERS * 3 == sealed and report.waiting == left == 0
    assert sorted(subjects) == sorted(f"{w}-{i}" for w in range(WRITERS) for i in range(3))


async def test_rows_are_chained_in_intake_order_with_their_own_time(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        written = []
        for i in range(5):
            async with conn.transaction():
                await append(conn, i)
                written.append(await conn.fetchval("SELECT now()"))
        assert await audit.chain_pending(conn) == 5
        rows = await conn.fetch("SELECT seq, subject_id, occurred_at FROM audit_log ORDER BY seq")
    assert [(r["seq"], r["subject_id"]) for r in rows] == [(i + 1, str(i)) for i in range(5)]
    assert [r["occurred_at"] for r in rows] == written  # when the change happened, not when it was chained


async def test_a_rolled_back_write_leaves_nothing(db: asyncpg.Pool) -> None:
    async def change_that_fails(conn: asyncpg.Connection) -> None:
        async with conn.transaction():
            await append(conn, 1)
            raise RuntimeError("the change failed")

    async with db.acquire() as conn:
        with pytest.raises(RuntimeError, match="failed"):
            await change_that_fails(conn)
        assert await audit.chain_pending(conn) == 0
        assert (
            await conn.fetchval(
                "SELECT (SELECT count(*) FROM audit_intake) + (SELECT count(*) FROM audit_log)"
            )
            == 0
        )


async def test_a_read_right_after_a_committed_write_sees_it(db: asyncpg.Pool) -> None:
    async with db.acquire() as writer, db.acquire() as reader:
        async with writer.transaction():
            await append(writer, "seen")
        rows = await AuditRepository(reader).list(NO_FILTERS, before_seq=None, limit=10)
    assert [(r.seq, r.subject_id) for r in rows] == [(1, "seen")]


async def test_verify_inside_a_transaction_counts_the_rows_waiting_to_be_chained(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        async with conn.transaction():
            await append(conn, 1)
        async with conn.transaction(isolation="repeatable_read"):
            waiting = await audit.verify(conn)
        chained = await audit.verify(conn)  # on its own connection state: it chains first
    assert waiting.ok and (waiting.rows, waiting.waiting) == (0, 1)
    assert chained.ok and (chained.rows, chained.waiting) == (1, 0)


async def test_the_worker_chains_without_any_reader(db: asyncpg.Pool, settings: Settings) -> None:
    ctx: dict[str, Any] = {"pool": db, "settings": settings}
    await system_jobs.start_audit_chainer(ctx)
    chainer: audit.Chainer = ctx[system_jobs.CHAINER]
    try:
        async with db.acquire() as conn, conn.transaction():
            await append(conn, 1)
        while chainer.chained < 1:  # each pass sets the event; the row is taken by the next one
            chainer.passed.clear()
            await asyncio.wait_for(chainer.passed.wait(), timeout=30)
    finally:
        await system_jobs.stop_audit_chainer(ctx)
    assert await db.fetchval("SELECT count(*) FROM audit_log_seals JOIN audit_log USING (seq)") == 1


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("UPDATE audit_intake SET actor = 'someone-else'", "append-only"),
        ("DELETE FROM audit_intake", "only by the chainer"),
        ("TRUNCATE audit_intake", "append-only"),
    ],
)
async def test_an_intake_row_is_not_changed_or_removed_before_it_is_chained(
    db: asyncpg.Pool, statement: str, refusal: str
) -> None:
    async with db.acquire() as conn:
        async with conn.transaction():
            await append(conn, 1)
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match=refusal):
            await conn.execute(statement)
        assert await audit.chain_pending(conn) == 1
        assert (await conn.fetchrow("SELECT actor FROM audit_log"))["actor"] == "user:test"


async def test_publishing_an_event_notifies_no_one(db: asyncpg.Pool) -> None:
    # Nothing listens on igf_hub_outbox; a NOTIFY would serialise every publishing commit (migration 0036).
    triggers = await db.fetch("SELECT tgname FROM pg_trigger WHERE tgrelid = 'outbox'::regclass")
    assert "outbox_notify" not in {t["tgname"] for t in triggers}
