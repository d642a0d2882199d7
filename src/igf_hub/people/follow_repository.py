"""Follow SQL: who follows what (migration 0031)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

ADD = """
INSERT INTO follows (user_id, subject_kind, subject_key, label, created_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (user_id, subject_kind, subject_key) DO NOTHING"""
REMOVE = "DELETE FROM follows WHERE user_id = $1 AND subject_kind = $2 AND subject_key = $3"
IS_FOLLOWING = (
    "SELECT EXISTS (SELECT 1 FROM follows WHERE user_id = $1 AND subject_kind = $2 AND subject_key = $3)"
)
OF_PERSON = """
SELECT subject_kind, subject_key, label, created_at FROM follows WHERE user_id = $1
ORDER BY created_at DESC, subject_kind, subject_key
LIMIT $2"""
# Active people only: a deactivated or deleted account hears nothing.
FOLLOWERS = """
SELECT DISTINCT f.user_id FROM follows f JOIN users u ON u.id = f.user_id
JOIN unnest($1::text[], $2::text[]) AS s (kind, key) ON s.kind = f.subject_kind AND s.key = f.subject_key
WHERE u.is_active AND u.deleted_at IS NULL
ORDER BY f.user_id"""


class FollowRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, user_id: UUID, kind: str, key: str, label: str, now: datetime) -> bool:
        result: str = await self.conn.execute(ADD, user_id, kind, key, label, now)
        return result.endswith(" 1")

    async def remove(self, user_id: UUID, kind: str, key: str) -> bool:
        result: str = await self.conn.execute(REMOVE, user_id, kind, key)
        return result.endswith(" 1")

    async def is_following(self, user_id: UUID, kind: str, key: str) -> bool:
        return bool(await self.conn.fetchval(IS_FOLLOWING, user_id, kind, key))

    async def of_person(self, user_id: UUID, limit: int) -> list[asyncpg.Record]:
        return list(await self.conn.fetch(OF_PERSON, user_id, limit))

    async def followers(self, subjects: Sequence[tuple[str, str]]) -> list[UUID]:
        rows = await self.conn.fetch(FOLLOWERS, [k for k, _ in subjects], [v for _, v in subjects])
        return [row["user_id"] for row in rows]
