from __future__ import annotations

import asyncpg

from igf_hub.core import outbox, queue
from igf_hub.core.clock import Clock
from igf_hub.core.outbox import Event
from igf_hub.core.settings import Settings
from tests.support.worker import run_worker_burst


async def test_events_commit_with_their_transaction_only(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        try:
            async with conn.transaction():
                await outbox.publish(conn, "test.rolled_back", subject="x", data={"n": 1})
                raise RuntimeError("abort")
        except RuntimeError:
            pass
        async with conn.transaction():
            await outbox.publish(conn, "test.committed", subject="y", data={"n": 2})
        types = [r["type"] for r in await conn.fetch("SELECT type FROM outbox ORDER BY id")]
    assert types == ["test.committed"]


async def test_the_worker_dispatches_committed_events_once(
    db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    seen: list[str] = []

    async def record(conn: asyncpg.Connection, event: Event) -> None:
        seen.append(f"{event.type}:{event.data['n']}")

    outbox.subscribe("test.counted", record)
    try:
        async with db.acquire() as conn, conn.transaction():
            for n in range(3):
                await outbox.publish(conn, "test.counted", subject="s", data={"n": n})
        redis = await queue.connect(settings.redis.url)
        await redis.enqueue_job("dispatch_outbox")
        await run_worker_burst(settings, clock)
        assert seen == ["test.counted:0", "test.counted:1", "test.counted:2"]
        await redis.enqueue_job("dispatch_outbox")
        await run_worker_burst(settings, clock)
        assert len(seen) == 3  # dispatched events are not handed out again
        await redis.aclose()
        async with db.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM outbox WHERE dispatched_at IS NULL") == 0
    finally:
        outbox._handlers["test.counted"].remove(record)
