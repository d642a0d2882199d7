"""Known-device SQL (migration 0029): the fingerprints a person signed in from, and when last."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

RECENT = "SELECT fingerprint FROM known_devices WHERE user_id = $1 AND last_seen_at >= $2"
REMEMBER = """
INSERT INTO known_devices (user_id, fingerprint, first_seen_at, last_seen_at) VALUES ($1, $2, $3, $3)
ON CONFLICT (user_id, fingerprint) DO UPDATE SET last_seen_at = greatest(known_devices.last_seen_at, $3)"""


class DeviceRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def recent(self, user_id: UUID, since: datetime) -> set[str]:
        return {r["fingerprint"] for r in await self.conn.fetch(RECENT, user_id, since)}

    async def remember(self, user_id: UUID, fingerprint: str, now: datetime) -> None:
        await self.conn.execute(REMEMBER, user_id, fingerprint, now)
