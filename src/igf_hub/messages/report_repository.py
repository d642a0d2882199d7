"""SQL for session reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.messages.repository import like_pattern

REPORT_COLUMNS = """
id, year, session_ref, session_title, session_type, organisers, key_takeaways, calls_to_action, classification,
language, source, submitted_by, version, created_at, updated_at"""
INSERT_REPORT = f"""
INSERT INTO session_reports (year, session_ref, session_title, session_type, organisers, key_takeaways,
                             calls_to_action, classification, language, source, submitted_by, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
RETURNING {REPORT_COLUMNS}"""
# Imports are idempotent by (year, session_ref): importing the same programme again updates its reports.
UPSERT_REPORT = """
INSERT INTO session_reports (year, session_ref, session_title, session_type, organisers, key_takeaways,
                             calls_to_action, classification, language, source, submitted_by, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'import', $10, $11, $11)
ON CONFLICT (year, session_ref) WHERE session_ref IS NOT NULL DO UPDATE SET
    session_title = excluded.session_title, session_type = excluded.session_type, organisers = excluded.organisers,
    key_takeaways = excluded.key_takeaways, calls_to_action = excluded.calls_to_action,
    classification = excluded.classification, language = excluded.language, updated_at = excluded.updated_at,
    version = session_reports.version + 1
RETURNING id, (xmax = 0) AS inserted"""
SELECT_REPORT = f"SELECT {REPORT_COLUMNS} FROM session_reports WHERE id = $1"
# Which of these (year, session_ref) pairs already have a report: what an import would update, not create.
SELECT_EXISTING_REFS = """
SELECT r.year, r.session_ref, r.id FROM session_reports r
JOIN unnest($1::int[], $2::text[]) AS k (year, session_ref) ON r.year = k.year AND r.session_ref = k.session_ref"""
SELECT_REPORT_FOR_UPDATE = f"SELECT {REPORT_COLUMNS} FROM session_reports WHERE id = $1 FOR UPDATE"
UPDATE_REPORT = f"""
UPDATE session_reports SET session_title = $2, session_type = $3, organisers = $4, key_takeaways = $5,
                           calls_to_action = $6, classification = $7, language = $8, updated_at = $9,
                           version = version + 1
WHERE id = $1 RETURNING {REPORT_COLUMNS}"""
LIST_REPORTS = """
SELECT id, year, session_ref, session_title, session_type, classification, created_at FROM session_reports
WHERE ($1::int IS NULL OR year = $1)
  AND ($2::text IS NULL OR session_type = $2)
  AND ($3::text IS NULL OR classification @> jsonb_build_object('wsis_action_lines', jsonb_build_array($3::text)))
  AND ($4::int IS NULL OR classification @> jsonb_build_object('sdgs', jsonb_build_array($4::int)))
  AND ($5::int IS NULL OR classification @> jsonb_build_object('gdc_objectives', jsonb_build_array($5::int)))
  AND ($6::text IS NULL OR session_title ILIKE '%' || $6 || '%'
       OR array_to_string(key_takeaways || calls_to_action, ' ') ILIKE '%' || $6 || '%')
  AND ($7::int IS NULL OR year < $7 OR (year = $7 AND (created_at, id) > ($8::timestamptz, $9::uuid)))
ORDER BY year DESC, created_at, id
LIMIT $10"""


class ReportRow(msgspec.Struct, kw_only=True):
    id: UUID
    year: int
    session_ref: str | None
    session_title: str
    session_type: str
    organisers: list[str]
    key_takeaways: list[str]
    calls_to_action: list[str]
    classification: dict[str, Any]
    language: str
    source: str
    submitted_by: str
    version: int
    created_at: datetime
    updated_at: datetime


class ReportSummaryRow(msgspec.Struct, kw_only=True):
    id: UUID
    year: int
    session_ref: str | None
    session_title: str
    session_type: str
    classification: dict[str, Any]
    created_at: datetime


class ReportFilters(msgspec.Struct, kw_only=True):
    year: int | None = None
    session_type: str | None = None
    action_line: str | None = None
    sdg: int | None = None
    gdc_objective: int | None = None
    q: str | None = None


class ReportFields(msgspec.Struct, kw_only=True):
    year: int
    session_ref: str | None
    session_title: str
    session_type: str
    organisers: list[str]
    key_takeaways: list[str]
    calls_to_action: list[str]
    classification: object
    language: str


class SessionReportRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def insert(self, f: ReportFields, *, source: str, submitted_by: str, now: datetime) -> ReportRow:
        row = await self.conn.fetchrow(
            INSERT_REPORT,
            f.year,
            f.session_ref,
            f.session_title,
            f.session_type,
            f.organisers,
            f.key_takeaways,
            f.calls_to_action,
            f.classification,
            f.language,
            source,
            submitted_by,
            now,
        )
        return ReportRow(**row)

    async def upsert(self, f: ReportFields, *, submitted_by: str, now: datetime) -> tuple[UUID, bool]:
        row = await self.conn.fetchrow(
            UPSERT_REPORT,
            f.year,
            f.session_ref,
            f.session_title,
            f.session_type,
            f.organisers,
            f.key_takeaways,
            f.calls_to_action,
            f.classification,
            f.language,
            submitted_by,
            now,
        )
        return row["id"], row["inserted"]

    async def existing_refs(self, keys: list[tuple[int, str]]) -> dict[tuple[int, str], UUID]:
        rows = await self.conn.fetch(SELECT_EXISTING_REFS, [k[0] for k in keys], [k[1] for k in keys])
        return {(r["year"], r["session_ref"]): r["id"] for r in rows}

    async def get(self, report_id: UUID, *, for_update: bool = False) -> ReportRow | None:
        row = await self.conn.fetchrow(SELECT_REPORT_FOR_UPDATE if for_update else SELECT_REPORT, report_id)
        return ReportRow(**row) if row else None

    async def update(self, report_id: UUID, f: ReportFields, *, now: datetime) -> ReportRow:
        row = await self.conn.fetchrow(
            UPDATE_REPORT,
            report_id,
            f.session_title,
            f.session_type,
            f.organisers,
            f.key_takeaways,
            f.calls_to_action,
            f.classification,
            f.language,
            now,
        )
        return ReportRow(**row)

    async def page(
        self, filters: ReportFilters, *, after: tuple[int, datetime, UUID] | None, limit: int
    ) -> list[ReportSummaryRow]:
        f = filters
        rows = await self.conn.fetch(
            LIST_REPORTS,
            f.year,
            f.session_type,
            f.action_line,
            f.sdg,
            f.gdc_objective,
            like_pattern(f.q),
            after[0] if after else None,
            after[1] if after else None,
            after[2] if after else None,
            limit,
        )
        return [ReportSummaryRow(**r) for r in rows]
