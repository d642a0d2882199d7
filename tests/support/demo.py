"""The demonstration data set in a test's database: ``demo`` (a fixture of tests/conftest.py) loads it through
the services, with the test's clock as now, and returns what was loaded. Browser and page tests use it to open
a site that has something on every page."""

from __future__ import annotations

import asyncpg

from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.demo import loader


async def load_demo(db: asyncpg.Pool, settings: Settings, clock: Clock) -> loader.DemoReport:
    async with db.acquire() as conn:
        return await loader.load(conn, clock, settings)
