"""Messages SQL for the yearly report's Messages section (messages/yearly_section.py)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

# The Messages the MAG approved in year N ($1 <= approved_at < $2), whatever happened to them since.
APPROVED = """
SELECT id FROM messages
WHERE approved_at >= $1 AND approved_at < $2 AND state IN ('approved', 'published', 'superseded')
ORDER BY approved_at, id"""
# One row per (action line, SDG, GDC objective) cell a Message sits in; a frame it is not classified in counts
# as NULL, so every approved Message is in at least one cell.
SELECT_MATRIX = """
SELECT a.al, s.sdg::int AS sdg, g.gdc::int AS gdc, count(*) AS n, array_agg(m.id ORDER BY m.id) AS ids
FROM messages m
CROSS JOIN LATERAL jsonb_array_elements_text(
    CASE WHEN jsonb_array_length(m.classification -> 'wsis_action_lines') = 0 THEN '[null]'::jsonb
         ELSE m.classification -> 'wsis_action_lines' END) AS a(al)
CROSS JOIN LATERAL jsonb_array_elements_text(
    CASE WHEN jsonb_array_length(m.classification -> 'sdgs') = 0 THEN '[null]'::jsonb
         ELSE m.classification -> 'sdgs' END) AS s(sdg)
CROSS JOIN LATERAL jsonb_array_elements_text(
    CASE WHEN jsonb_array_length(m.classification -> 'gdc_objectives') = 0 THEN '[null]'::jsonb
         ELSE m.classification -> 'gdc_objectives' END) AS g(gdc)
WHERE m.id = ANY($1::uuid[])
GROUP BY a.al, s.sdg::int, g.gdc::int
ORDER BY a.al NULLS LAST, 2 NULLS LAST, 3 NULLS LAST"""
SELECT_DISPOSITIONS = """
SELECT coalesce(disposition, 'pending') AS key, count(*) AS n FROM message_comments
WHERE message_id = ANY($1::uuid[]) GROUP BY 1 ORDER BY 1"""
# Each participant once, with the stakeholder group and country of their latest comment.
SELECT_PARTICIPANTS = """
SELECT DISTINCT ON (author_subject) author_subject, stakeholder_group, country FROM message_comments
WHERE message_id = ANY($1::uuid[]) ORDER BY author_subject, created_at DESC, id DESC"""
# The ballots closed in year N on Messages that were public, by how they closed.
SELECT_BALLOTS = """
SELECT b.closed_reason AS key, count(*) AS n
FROM message_ballots b JOIN messages m ON m.id = b.message_id
WHERE b.closed_at >= $1 AND b.closed_at < $2 AND m.public_since IS NOT NULL
GROUP BY 1 ORDER BY 1"""


class YearlyRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def approved(self, start: datetime, end: datetime) -> list[UUID]:
        return [r["id"] for r in await self.conn.fetch(APPROVED, start, end)]

    async def matrix(self, ids: list[UUID]) -> list[asyncpg.Record]:
        return list(await self.conn.fetch(SELECT_MATRIX, ids))

    async def dispositions(self, ids: list[UUID]) -> list[asyncpg.Record]:
        return list(await self.conn.fetch(SELECT_DISPOSITIONS, ids))

    async def participants(self, ids: list[UUID]) -> list[asyncpg.Record]:
        return list(await self.conn.fetch(SELECT_PARTICIPANTS, ids))

    async def ballots(self, start: datetime, end: datetime) -> list[asyncpg.Record]:
        return list(await self.conn.fetch(SELECT_BALLOTS, start, end))
