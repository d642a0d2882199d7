"""The application's pools: what every connection is set up with."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import asyncpg
import pytest
from litestar.datastructures import State

from igf_hub.core.db import provide_tx
from igf_hub.core.problems import unavailable_dependency
from igf_hub.core.settings import Settings


async def test_every_pooled_connection_plans_for_its_actual_parameters(db: asyncpg.Pool) -> None:
    """Keyset pages (``$1 IS NULL OR (key, id) > ($1, $2)``) need a plan made for the cursor they get; a
    generic plan, which PostgreSQL may switch a prepared statement to, scans and sorts the whole table."""
    async with db.acquire() as conn:
        assert await conn.fetchval("SHOW plan_cache_mode") == "force_custom_plan"
        assert await conn.fetchval("SHOW timezone") == "UTC"


async def test_a_connection_the_server_closes_under_a_request_is_unavailable_not_a_bug(
    db: asyncpg.Pool, settings: Settings
) -> None:
    """asyncpg detaches a request's pooled connection when the server closes it; the request's next
    statement then raises InterfaceError ("released back to the pool"). That is PostgreSQL going away (503
    with Retry-After), not a programming error (500): found by the PostgreSQL-restart fault test under load."""
    state = State({"pool": db, "settings": settings})
    dependency = provide_tx(state)
    assert isinstance(dependency, AsyncGenerator)  # provide_tx is declared an AsyncIterator
    conn = await anext(dependency)
    pid = await conn.fetchval("SELECT pg_backend_pid()")
    async with db.acquire() as admin:
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
    for _ in range(500):  # until asyncpg has read the server's goodbye and detached the proxy
        if getattr(conn, "_con", None) is None:
            break
        await asyncio.sleep(0.01)
    with pytest.raises(asyncpg.InterfaceError) as statement_failed:
        await conn.fetchval("SELECT 1")

    with pytest.raises((asyncpg.InterfaceError, asyncpg.PostgresError)) as reported:
        await dependency.athrow(statement_failed.value)
    assert unavailable_dependency(reported.value) == "PostgreSQL"
