"""The worker's connection budget: its pool is sized by IGF_HUB_DB_POOL_MIN/MAX like the API's, and the webhook
dispatcher's LISTEN connection is the one connection beyond it."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import asyncpg
import msgspec
import pytest

from igf_hub.core import queue
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.webhooks.jobs import DISPATCHER
from igf_hub.worker import worker_settings


def _sized(settings: Settings, *, pool_min: int, pool_max: int) -> Settings:
    return msgspec.structs.replace(
        settings,
        db=msgspec.structs.replace(settings.db, pool_min=pool_min, pool_max=pool_max),
        webhooks=msgspec.structs.replace(settings.webhooks, run_dispatcher=True),
    )


async def test_the_worker_pool_honours_the_pool_settings(
    settings: Settings, clock: Clock, db: asyncpg.Pool
) -> None:
    ws: Any = worker_settings(_sized(settings, pool_min=3, pool_max=4), clock)
    ctx: dict[str, Any] = {"redis": await queue.connect(settings.redis.url)}
    await ws.on_startup(ctx)
    try:
        pool = ctx["pool"]
        assert (pool.get_min_size(), pool.get_max_size()) == (3, 4)
        await asyncio.wait_for(ctx[DISPATCHER].listening.wait(), 20)
        async with db.acquire() as conn:
            rows = await conn.fetch(
                "SELECT application_name FROM pg_stat_activity WHERE datname = current_database()"
            )
        seen = Counter(r["application_name"] for r in rows)
        # What PostgreSQL sees of this worker: its pool (min 3, never more than 4) and one LISTEN connection.
        assert 3 <= seen["igf-hub.worker"] <= 4
        assert seen["igf-hub.webhooks.listen"] == 1
    finally:
        await ws.on_shutdown(ctx)
        await ctx["redis"].aclose()


def test_a_pool_the_dispatcher_would_exhaust_is_refused_at_start(settings: Settings, clock: Clock) -> None:
    with pytest.raises(
        ValueError, match=r"IGF_HUB_DB_POOL_MAX is 2, but a worker that runs the webhook dispatcher"
    ):
        worker_settings(_sized(settings, pool_min=1, pool_max=2), clock)
