"""Which Messages cite an object in their provenance (its ``kind`` and ``id``, as stored in ``provenance``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

# Public Messages only: a draft's provenance is the drafters' until the Message is opened for comment.
SELECT_CITING = """
SELECT id, year, theme FROM messages
WHERE public_since IS NOT NULL
  AND provenance @> jsonb_build_array(jsonb_build_object('kind', $1::text, 'id', $2::text))
ORDER BY year DESC, theme, id
LIMIT $3"""


class CitationRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def citing(self, kind: str, ref_id: UUID, *, limit: int) -> list[dict[str, Any]]:
        return [dict(r) for r in await self.conn.fetch(SELECT_CITING, kind, str(ref_id), limit)]
