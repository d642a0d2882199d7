"""The SQL of what the tracks domain puts in the Secretariat's work queue (tracks/queue.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

ACTIVE_DCS = """
SELECT id FROM tracks WHERE type = 'dynamic_coalition' AND status = 'active' ORDER BY name, id"""
# Calls open now that close within the window, the soonest first.
CALLS_CLOSING = """
SELECT c.id, c.title, c.closes_at, t.slug, t.name AS track_name
FROM track_calls c JOIN tracks t ON t.id = c.track_id
WHERE c.opens_at <= $1 AND c.closes_at > $1 AND c.closes_at <= $2
ORDER BY c.closes_at, c.id"""


class QueueRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def active_dcs(self) -> list[UUID]:
        return [r["id"] for r in await self.conn.fetch(ACTIVE_DCS)]

    async def calls_closing(self, now: datetime, within: timedelta) -> list[asyncpg.Record]:
        return list(await self.conn.fetch(CALLS_CLOSING, now, now + within))
