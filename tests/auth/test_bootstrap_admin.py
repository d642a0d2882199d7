"""The first Secretariat admin on an empty database, when two API processes start at once (two replicas)."""

from __future__ import annotations

import asyncio

import asyncpg

from igf_hub.auth.service import IdentityService
from igf_hub.core.clock import Clock
from igf_hub.core.db import init_connection
from igf_hub.core.settings import Settings


async def _bootstrap(conn: asyncpg.Connection, settings: Settings) -> tuple[str, str] | None:
    return await IdentityService(conn, Clock(), settings).bootstrap_admin()


async def test_two_processes_starting_together_create_one_admin_and_neither_fails(settings: Settings) -> None:
    first = await asyncpg.connect(settings.db.url)
    second = await asyncpg.connect(settings.db.url)
    for conn in (first, second):
        await init_connection(conn)
    try:
        async with first.transaction():
            created = await _bootstrap(first, settings)
            assert created is not None
            # The second process starts while the first one's admin is not committed yet.
            second_pid = second.get_server_pid()
            waiting = asyncio.create_task(_run_in_transaction(second, settings))
            while not await first.fetchval(
                "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1", second_pid
            ):
                assert not waiting.done(), waiting.result()
                await asyncio.sleep(0.01)
        assert await waiting is None  # it found the first one's admin: nothing created, nothing failed
        assert await first.fetchval("SELECT count(*) FROM users") == 1
    finally:
        await first.close()
        await second.close()


async def _run_in_transaction(conn: asyncpg.Connection, settings: Settings) -> tuple[str, str] | None:
    async with conn.transaction():
        return await _bootstrap(conn, settings)
