"""core/changelog.record: a change's audit row and its event, under one name, in the caller's transaction."""

from __future__ import annotations

import asyncpg
import pytest

from igf_hub.core import changelog
from tests.support.audit import chain_audit


async def _rows(conn: asyncpg.Connection) -> tuple[list[tuple[str, str]], list[tuple[str, str, bool]]]:
    await chain_audit(conn)
    audited = [
        (r["action"], r["subject_id"]) for r in await conn.fetch("SELECT * FROM audit_log ORDER BY seq")
    ]
    events = [
        (r["type"], r["subject"], r["public"]) for r in await conn.fetch("SELECT * FROM outbox ORDER BY id")
    ]
    return audited, events


async def test_a_change_writes_its_audit_row_and_its_event_under_one_name(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        async with conn.transaction():
            await changelog.record(
                conn, "test.changed", actor="user:x", subject_type="thing", subject_id="t1", data={"n": 1}
            )
            await changelog.record(
                conn,
                "test.private",
                actor="user:x",
                subject_type="thing",
                subject_id="t1",
                data={"secret": "kept in the audit log"},
                event_data={"n": 2},
                event_subject="t2",
                public=False,
            )
        audited, events = await _rows(conn)
        data = await conn.fetchval("SELECT data FROM outbox WHERE type = 'test.private'")
    assert audited[-2:] == [("test.changed", "t1"), ("test.private", "t1")]
    assert events == [("test.changed", "t1", True), ("test.private", "t2", False)]
    assert data == {"n": 2}


async def test_a_change_without_an_event_writes_only_its_audit_row(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        async with conn.transaction():
            await changelog.record(
                conn, "test.quiet", actor="user:x", subject_type="thing", subject_id="t1", publish=False
            )
        audited, events = await _rows(conn)
        with pytest.raises(TypeError, match="publish=False"):
            await changelog.record(
                conn,
                "test.quiet",
                actor="user:x",
                subject_type="thing",
                subject_id="t1",
                event_data={"n": 1},
                publish=False,
            )
    assert audited[-1] == ("test.quiet", "t1") and events == []


async def test_a_rolled_back_change_leaves_neither(db: asyncpg.Pool) -> None:
    async def change_then_fail(conn: asyncpg.Connection) -> None:
        async with conn.transaction():
            await changelog.record(conn, "test.undone", actor="user:x", subject_type="thing", subject_id="t")
            raise RuntimeError("abort")

    async with db.acquire() as conn:
        before = await _rows(conn)
        with pytest.raises(RuntimeError):
            await change_then_fail(conn)
        assert await _rows(conn) == before
