"""SQL for the funding archive: finding donors by name and marking contributions as imported."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

SELECT_DONOR_ID = "SELECT id FROM donors WHERE lower(legal_name) = lower($1)"
MARK_IMPORTED = """
UPDATE funding_contributions SET imported_at = $2, imported_by = $3, import_source = $4 WHERE id = $1"""


class FundingArchiveRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def donor_id(self, legal_name: str) -> UUID | None:
        found: UUID | None = await self.conn.fetchval(SELECT_DONOR_ID, legal_name)
        return found

    async def mark_imported(self, contribution_id: UUID, *, at: datetime, by: str, source: str) -> None:
        await self.conn.execute(MARK_IMPORTED, contribution_id, at, by, source)
