"""The application's pools: what every connection is set up with."""

from __future__ import annotations

import asyncpg


async def test_every_pooled_connection_plans_for_its_actual_parameters(db: asyncpg.Pool) -> None:
    """Keyset pages (``$1 IS NULL OR (key, id) > ($1, $2)``) need a plan made for the cursor they get; a
    generic plan, which PostgreSQL may switch a prepared statement to, scans and sorts the whole table."""
    async with db.acquire() as conn:
        assert await conn.fetchval("SHOW plan_cache_mode") == "force_custom_plan"
        assert await conn.fetchval("SHOW timezone") == "UTC"
