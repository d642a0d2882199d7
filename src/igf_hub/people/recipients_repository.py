"""Recipient SQL: who holds a role now, bound to one object or not (people/recipients.py)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

# Active people holding ``role`` in force at $2; bound to the object $3 when it is given, and (with $4) only
# the chairs among them.
HOLDERS = """
SELECT DISTINCT u.id FROM users u JOIN role_grants g ON g.user_id = u.id
WHERE g.role = $1 AND u.is_active AND u.deleted_at IS NULL
  AND (g.valid_from IS NULL OR g.valid_from <= $2) AND (g.valid_until IS NULL OR g.valid_until > $2)
  AND ($3::uuid IS NULL OR g.resource_id = $3) AND (NOT $4::boolean OR g.is_chair)
ORDER BY u.id"""


class RecipientRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def holders(
        self, role: str, now: datetime, *, resource_id: UUID | None, chairs_only: bool
    ) -> list[UUID]:
        return [r["id"] for r in await self.conn.fetch(HOLDERS, role, now, resource_id, chairs_only)]
