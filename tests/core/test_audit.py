from __future__ import annotations

import asyncpg
import pytest

from igf_hub.core import audit
from tests.support.audit import chain_audit


async def _write_rows(db: asyncpg.Pool, n: int) -> None:
    async with db.acquire() as conn:
        for i in range(n):
            async with conn.transaction():
                await audit.append(
                    conn,
                    actor="user:test",
                    action="thing.changed",
                    subject_type="thing",
                    subject_id=i,
                    data={"i": i, "note": "ünïcode ✓"},
                )
    await chain_audit(db)  # as the worker does: the tests below tamper with the chained rows


async def test_rows_chain_and_verify(db: asyncpg.Pool) -> None:
    await _write_rows(db, 5)
    async with db.acquire() as conn:
        report = await audit.verify(conn)
        rows = await conn.fetch("SELECT seq, prev_hash, hash FROM audit_log ORDER BY seq")
    assert report.ok and report.rows == 5
    assert [r["seq"] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0]["prev_hash"] == "0" * 64
    assert all(rows[i]["prev_hash"] == rows[i - 1]["hash"] for i in range(1, 5))


async def test_concurrent_writers_form_one_chain(db: asyncpg.Pool) -> None:
    import asyncio

    await asyncio.gather(*[_write_rows(db, 4) for _ in range(3)])
    async with db.acquire() as conn:
        report = await audit.verify(conn)
    assert report.ok and report.rows == 12


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"],
)
async def test_the_database_refuses_changes(db: asyncpg.Pool, statement: str) -> None:
    await _write_rows(db, 1)
    async with db.acquire() as conn:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await conn.execute(statement)
        assert await conn.fetchval("SELECT count(*) FROM audit_log") == 1


async def test_a_written_event_rolls_back_with_its_change(db: asyncpg.Pool) -> None:
    async def change_that_fails(conn: asyncpg.Connection) -> None:
        async with conn.transaction():
            await audit.append(conn, actor="a", action="x.y", subject_type="t", subject_id=1)
            raise RuntimeError("the change itself failed")

    async with db.acquire() as conn:
        with pytest.raises(RuntimeError, match="failed"):
            await change_that_fails(conn)
        assert await conn.fetchval("SELECT count(*) FROM audit_log") == 0


async def test_verify_catches_a_forged_row(db: asyncpg.Pool) -> None:
    await _write_rows(db, 4)
    async with db.acquire() as conn:
        # Someone with superuser rights bypasses the triggers and rewrites history.
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("""UPDATE audit_log SET data = '{"i": 99}' WHERE seq = 2""")
        await conn.execute("SET session_replication_role = DEFAULT")
        report = await audit.verify(conn)
    assert not report.ok
    assert [(b.seq, b.reason) for b in report.breaks] == [(2, "content does not match its hash")]


async def test_verify_catches_a_deleted_row(db: asyncpg.Pool) -> None:
    await _write_rows(db, 4)
    async with db.acquire() as conn:
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("DELETE FROM audit_log WHERE seq = 3")
        await conn.execute("SET session_replication_role = DEFAULT")
        report = await audit.verify(conn)
    assert [b.seq for b in report.breaks] == [4]
