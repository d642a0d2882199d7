"""SQL of the personal calendar addresses (table calendar_addresses, migrations/0027_calendar_addresses.sql)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

REPLACE = """
INSERT INTO calendar_addresses (user_id, token_hash, created_at) VALUES ($1, $2, $3)
ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at"""
SELECT_USER = "SELECT user_id FROM calendar_addresses WHERE token_hash = $1"
SELECT_CREATED = "SELECT created_at FROM calendar_addresses WHERE user_id = $1"
DELETE = "DELETE FROM calendar_addresses WHERE user_id = $1 RETURNING user_id"


class CalendarTokenRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def replace(self, user_id: UUID, token_hash: str, now: datetime) -> None:
        await self.conn.execute(REPLACE, user_id, token_hash, now)

    async def user_of(self, token_hash: str) -> UUID | None:
        user_id: UUID | None = await self.conn.fetchval(SELECT_USER, token_hash)
        return user_id

    async def created_at(self, user_id: UUID) -> datetime | None:
        created: datetime | None = await self.conn.fetchval(SELECT_CREATED, user_id)
        return created

    async def delete(self, user_id: UUID) -> bool:
        return await self.conn.fetchval(DELETE, user_id) is not None
