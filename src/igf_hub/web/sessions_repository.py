"""SQL of the browser sessions (table web_sessions, migrations/0019_web_sessions.sql and 0026_two_factor.sql)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
import msgspec


class SessionRow(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    user_id: UUID | None
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    second_factor_at: datetime | None = None  # when this session passed a second factor (None: it did not)


SESSION_COLUMNS = "id, user_id, csrf_token, created_at, last_seen_at, expires_at, second_factor_at"
INSERT_SESSION = f"""
INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, user_agent,
                          second_factor_at)
VALUES ($1, $2, $3, $4, $4, $5, $6, $7)
RETURNING {SESSION_COLUMNS}"""
SELECT_SESSION = f"SELECT {SESSION_COLUMNS} FROM web_sessions WHERE token_hash = $1"
TOUCH_SESSION = "UPDATE web_sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2"
DELETE_SESSION = "DELETE FROM web_sessions WHERE id = $1"
DELETE_USER_SESSIONS = "DELETE FROM web_sessions WHERE user_id = $1"
LIST_USER_SESSIONS = """
SELECT id, created_at, last_seen_at, expires_at, user_agent FROM web_sessions WHERE user_id = $1
ORDER BY last_seen_at DESC, id"""
DELETE_OTHER_SESSIONS = "DELETE FROM web_sessions WHERE user_id = $1 AND id <> $2"
COUNT_USER_SESSIONS = "SELECT count(*) FROM web_sessions WHERE user_id = $1"
DELETE_EXPIRED = "DELETE FROM web_sessions WHERE expires_at <= $1 OR last_seen_at <= $2"


class SessionRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def insert(
        self,
        *,
        token_hash: str,
        user_id: UUID | None,
        csrf_token: str,
        now: datetime,
        expires_at: datetime,
        user_agent: str,
        second_factor_at: datetime | None = None,
    ) -> SessionRow:
        row = await self.conn.fetchrow(
            INSERT_SESSION, token_hash, user_id, csrf_token, now, expires_at, user_agent, second_factor_at
        )
        return SessionRow(**row)

    async def find(self, token_hash: str) -> SessionRow | None:
        row = await self.conn.fetchrow(SELECT_SESSION, token_hash)
        return SessionRow(**row) if row else None

    async def touch(self, session_id: UUID, now: datetime) -> None:
        await self.conn.execute(TOUCH_SESSION, session_id, now)

    async def delete(self, session_id: UUID) -> None:
        await self.conn.execute(DELETE_SESSION, session_id)

    async def delete_for_user(self, user_id: UUID) -> int:
        status: str = await self.conn.execute(DELETE_USER_SESSIONS, user_id)
        return int(status.split()[-1])

    async def list_for_user(self, user_id: UUID) -> list[dict[str, object]]:
        """A person's sessions (never their token hashes or CSRF tokens), the most recently used first."""
        return [dict(r) for r in await self.conn.fetch(LIST_USER_SESSIONS, user_id)]

    async def delete_others(self, user_id: UUID, keep: UUID) -> int:
        """End every session of the person but ``keep`` (this browser's); how many ended."""
        status: str = await self.conn.execute(DELETE_OTHER_SESSIONS, user_id, keep)
        return int(status.split()[-1])

    async def count_for_user(self, user_id: UUID) -> int:
        count: int = await self.conn.fetchval(COUNT_USER_SESSIONS, user_id)
        return count

    async def delete_expired(self, now: datetime, idle_since: datetime) -> int:
        status: str = await self.conn.execute(DELETE_EXPIRED, now, idle_since)
        return int(status.split()[-1])
