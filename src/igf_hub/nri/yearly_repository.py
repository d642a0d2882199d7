"""NRI SQL for the yearly report's NRI section (nri/yearly_section.py)."""

from __future__ import annotations

from datetime import date

import asyncpg

# An NRI counts as recognised in year N when it was recognised by the end of N and is still recognised (or
# inactive: recognised, without a recent report) now; withdrawn and declined NRIs are not counted.
RECOGNISED = "status IN ('recognised', 'inactive') AND recognised_on IS NOT NULL AND recognised_on < $1"
SELECT_TOTALS = f"""
SELECT count(*) FILTER (WHERE {RECOGNISED}) AS recognised,
       count(*) FILTER (WHERE {RECOGNISED} AND recognised_on >= $2) AS new
FROM nris"""
SELECT_BY_TYPE = f"SELECT type AS key, count(*) AS n FROM nris WHERE {RECOGNISED} GROUP BY type ORDER BY type"
SELECT_BY_GROUP = f"""
SELECT g AS key, count(*) AS n
FROM nris LEFT JOIN LATERAL unnest(CASE WHEN regional_groups = '{{}}' THEN ARRAY[NULL] ELSE regional_groups END) AS g
  ON true
WHERE {RECOGNISED}
GROUP BY g ORDER BY g NULLS LAST"""
SELECT_REPORTS = """
SELECT count(*) AS reports, coalesce(sum(participants_total), 0) AS participants
FROM nri_reports r JOIN nris n ON n.id = r.nri_id
WHERE r.year = $1 AND r.status = 'submitted' AND n.status IN ('recognised', 'inactive')"""
# participants_by_stakeholder / _by_gender are {"group": count} objects.
SELECT_PARTICIPATION = """
SELECT e.key, sum(e.value::bigint)::bigint AS n
FROM nri_reports r JOIN nris n ON n.id = r.nri_id, jsonb_each_text(
    CASE WHEN $2 = 'gender' THEN r.participants_by_gender ELSE r.participants_by_stakeholder END) AS e
WHERE r.year = $1 AND r.status = 'submitted' AND n.status IN ('recognised', 'inactive')
GROUP BY e.key ORDER BY e.key"""


class YearlyRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def totals(self, year: int) -> asyncpg.Record:
        row = await self.conn.fetchrow(SELECT_TOTALS, date(year + 1, 1, 1), date(year, 1, 1))
        assert row is not None
        return row

    async def by_type(self, year: int) -> list[asyncpg.Record]:
        return list(await self.conn.fetch(SELECT_BY_TYPE, date(year + 1, 1, 1)))

    async def by_regional_group(self, year: int) -> list[asyncpg.Record]:
        return list(await self.conn.fetch(SELECT_BY_GROUP, date(year + 1, 1, 1)))

    async def reports(self, year: int) -> asyncpg.Record:
        row = await self.conn.fetchrow(SELECT_REPORTS, year)
        assert row is not None
        return row

    async def participation(self, year: int, by: str) -> list[asyncpg.Record]:
        return list(await self.conn.fetch(SELECT_PARTICIPATION, year, by))
