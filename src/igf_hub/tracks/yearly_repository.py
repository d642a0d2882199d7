"""Tracks SQL for the yearly report's intersessional section (tracks/yearly_section.py)."""

from __future__ import annotations

import asyncpg

# A track was active in year N when N is one of its years of activity (proposed tracks never are).
SELECT_ACTIVE = """
SELECT type AS key, count(*) AS n FROM tracks
WHERE $1 = ANY(years_active) AND status <> 'proposed'
GROUP BY type ORDER BY type"""
# The outputs of the year: every published version (superseded ones stay citable).
SELECT_OUTPUTS = """
SELECT t.type AS key, o.citable_id
FROM track_outputs o JOIN tracks t ON t.id = o.track_id
WHERE o.year = $1 AND o.status <> 'draft'
ORDER BY t.type, o.citable_id"""


class YearlyRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def active(self, year: int) -> list[asyncpg.Record]:
        return list(await self.conn.fetch(SELECT_ACTIVE, year))

    async def outputs(self, year: int) -> list[asyncpg.Record]:
        return list(await self.conn.fetch(SELECT_OUTPUTS, year))
