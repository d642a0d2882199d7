"""SQL for NRI grants and for funding's directory of NRIs (fed by the NRI domain's outbox events)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.funding.schemas import NriDirectoryEntry

UPSERT_DIRECTORY = """
INSERT INTO funding_nri_directory (nri_id, name, nri_type, status, last_event_type, updated_at, youth_scope)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (nri_id) DO UPDATE
    SET name = coalesce(EXCLUDED.name, funding_nri_directory.name),
        nri_type = coalesce(EXCLUDED.nri_type, funding_nri_directory.nri_type),
        youth_scope = CASE WHEN coalesce(EXCLUDED.nri_type, funding_nri_directory.nri_type) = 'youth'
                           THEN coalesce(EXCLUDED.youth_scope, funding_nri_directory.youth_scope) END,
        status = coalesce(EXCLUDED.status, funding_nri_directory.status),
        last_event_type = EXCLUDED.last_event_type, updated_at = EXCLUDED.updated_at"""
RECOGNISED_DIRECTORY = """
SELECT nri_id, name, nri_type, youth_scope, status FROM funding_nri_directory
WHERE status = 'recognised' ORDER BY name NULLS LAST, nri_id LIMIT $1"""
SELECT_DIRECTORY = (
    "SELECT nri_id, name, nri_type, youth_scope, status FROM funding_nri_directory WHERE nri_id = $1"
)

GRANT_COLUMNS = """g.id, g.programme, g.programme_detail, g.nri_id, n.name AS nri_name, g.nri_type,
n.youth_scope AS nri_youth_scope, g.year,
g.amount_requested, g.amount_approved, g.co_funding_evidence, g.status, g.decision_reason, g.paid_on,
g.report_url, g.version, g.created_at, g.updated_at"""
GRANT_FROM = "FROM funding_nri_grants g LEFT JOIN funding_nri_directory n ON n.nri_id = g.nri_id"
INSERT_GRANT = """
INSERT INTO funding_nri_grants (programme, programme_detail, nri_id, nri_type, year, amount_requested,
    co_funding_evidence, created_by, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
RETURNING id"""
SELECT_GRANT = f"SELECT {GRANT_COLUMNS} {GRANT_FROM} WHERE g.id = $1"
LOCK_GRANT = "SELECT version FROM funding_nri_grants WHERE id = $1 FOR UPDATE"
UPDATE_GRANT = """
UPDATE funding_nri_grants SET amount_requested = $2, co_funding_evidence = $3, amount_approved = $4,
    status = $5, decision_reason = $6, paid_on = $7, report_url = $8, updated_at = $9, version = version + 1
WHERE id = $1"""
LIST_GRANTS = f"""
SELECT {GRANT_COLUMNS} {GRANT_FROM}
WHERE ($1::uuid IS NULL OR g.nri_id = $1)
  AND ($2::int IS NULL OR g.year = $2)
  AND ($3::text IS NULL OR g.programme = $3)
  AND ($4::text IS NULL OR g.status = $4)
  AND ($5::timestamptz IS NULL OR (g.created_at, g.id) > ($5, $6::uuid))
ORDER BY g.created_at, g.id
LIMIT $7"""
# The same NRI in the same year under the other programmes (declined applications do not count).
OTHER_PROGRAMMES = """
SELECT id AS grant_id, programme, status FROM funding_nri_grants
WHERE nri_id = $1 AND year = $2 AND id <> $3 AND status <> 'declined'
  AND (programme, coalesce(programme_detail, '')) <> ($4, coalesce($5::text, ''))
ORDER BY created_at, id"""
# Money going out: grants paid (or paid and reported on), in the year of their payment (its value date).
PAID_OUT = """
SELECT coalesce(sum(amount_approved), 0.00) AS paid_usd, count(*) AS grants
FROM funding_nri_grants
WHERE status IN ('paid', 'reported') AND ($1::int IS NULL OR extract(year FROM paid_on) = $1)"""
PUBLIC_GRANTS_OF_NRI = f"""
SELECT {GRANT_COLUMNS} {GRANT_FROM}
WHERE g.nri_id = $1 AND g.status IN ('approved', 'paid', 'reported')
ORDER BY g.year, g.programme, g.created_at"""


class GrantRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def upsert_directory(
        self,
        nri_id: UUID,
        *,
        name: str | None,
        nri_type: str | None,
        status: str | None,
        event_type: str,
        at: datetime,
        youth_scope: str | None = None,
    ) -> None:
        await self.conn.execute(UPSERT_DIRECTORY, nri_id, name, nri_type, status, event_type, at, youth_scope)

    async def paid_out(self, year: int | None) -> asyncpg.Record:
        return await self.conn.fetchrow(PAID_OUT, year)

    async def directory_entry(self, nri_id: UUID) -> NriDirectoryEntry | None:
        row = await self.conn.fetchrow(SELECT_DIRECTORY, nri_id)
        return msgspec.convert(dict(row), NriDirectoryEntry) if row else None

    async def recognised_directory(self, limit: int) -> list[NriDirectoryEntry]:
        rows = await self.conn.fetch(RECOGNISED_DIRECTORY, limit)
        return [msgspec.convert(dict(r), NriDirectoryEntry) for r in rows]

    async def insert_grant(
        self,
        *,
        programme: str,
        programme_detail: str | None,
        nri_id: UUID,
        nri_type: str | None,
        year: int,
        amount_requested: Decimal,
        co_funding_evidence: str,
        created_by: str,
        now: datetime,
    ) -> UUID:
        new_id: UUID = await self.conn.fetchval(
            INSERT_GRANT,
            programme,
            programme_detail,
            nri_id,
            nri_type,
            year,
            amount_requested,
            co_funding_evidence,
            created_by,
            now,
        )
        return new_id

    async def grant_row(self, grant_id: UUID) -> asyncpg.Record | None:
        row: asyncpg.Record | None = await self.conn.fetchrow(SELECT_GRANT, grant_id)
        return row

    async def lock_grant(self, grant_id: UUID) -> int | None:
        version: int | None = await self.conn.fetchval(LOCK_GRANT, grant_id)
        return version

    async def update_grant(self, grant_id: UUID, values: dict[str, Any], *, now: datetime) -> None:
        await self.conn.execute(
            UPDATE_GRANT,
            grant_id,
            values["amount_requested"],
            values["co_funding_evidence"],
            values["amount_approved"],
            values["status"],
            values["decision_reason"],
            values["paid_on"],
            values["report_url"],
            now,
        )

    async def list_grant_rows(
        self,
        *,
        nri_id: UUID | None,
        year: int | None,
        programme: str | None,
        status: str | None,
        after: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.conn.fetch(
            LIST_GRANTS,
            nri_id,
            year,
            programme,
            status,
            after[0] if after else None,
            after[1] if after else None,
            limit,
        )
        return rows

    async def other_programmes(
        self, *, nri_id: UUID, year: int, grant_id: UUID, programme: str, programme_detail: str | None
    ) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.conn.fetch(
            OTHER_PROGRAMMES, nri_id, year, grant_id, programme, programme_detail
        )
        return rows

    async def public_grants_of(self, nri_id: UUID) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.conn.fetch(PUBLIC_GRANTS_OF_NRI, nri_id)
        return rows
