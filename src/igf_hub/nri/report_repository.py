"""Activity report SQL: reports, their published revisions, and what is overdue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.core.schemas import Classification
from igf_hub.nri.report_schemas import NriReport, NriReportCreate, ReportRevision

REPORT_COLUMNS = """id, nri_id, year, status, meeting_start, meeting_end, format, host_city, host_country,
participants_total, participants_by_stakeholder, participants_by_gender, topics, classification, outcome_summary,
report_url, key_messages, submitted_at, version, created_at, updated_at"""
INSERT_REPORT = f"""
INSERT INTO nri_reports (nri_id, year, created_by, meeting_start, meeting_end, format, host_city, host_country,
                         participants_total, participants_by_stakeholder, participants_by_gender, topics,
                         classification, outcome_summary, report_url, key_messages, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
RETURNING {REPORT_COLUMNS}"""
UPDATE_REPORT = f"""
UPDATE nri_reports SET meeting_start = $3, meeting_end = $4, format = $5, host_city = $6, host_country = $7,
    participants_total = $8, participants_by_stakeholder = $9, participants_by_gender = $10, topics = $11,
    classification = $12, outcome_summary = $13, report_url = $14, key_messages = $15, updated_at = $16,
    version = version + 1
WHERE id = $1 AND version = $2
RETURNING {REPORT_COLUMNS}"""
SUBMIT_REPORT = f"""
UPDATE nri_reports SET status = 'submitted', submitted_at = $3, submitted_by = $4, updated_at = $3,
    version = version + 1
WHERE id = $1 AND version = $2
RETURNING {REPORT_COLUMNS}"""
SELECT_REPORT = f"SELECT {REPORT_COLUMNS} FROM nri_reports WHERE nri_id = $1 AND year = $2"
SELECT_REPORT_FOR_UPDATE = (
    f"SELECT {REPORT_COLUMNS} FROM nri_reports WHERE nri_id = $1 AND year = $2 FOR UPDATE"
)
SELECT_REPORT_BY_ID = f"SELECT {REPORT_COLUMNS} FROM nri_reports WHERE id = $1"
LIST_REPORTS = f"""
SELECT {REPORT_COLUMNS} FROM nri_reports WHERE nri_id = $1 AND ($2::boolean OR status = 'submitted')
ORDER BY year DESC"""
INSERT_REVISION = """
INSERT INTO nri_report_revisions (report_id, version, content, revised_at, revised_by) VALUES ($1, $2, $3, $4, $5)"""
# The latest $2 revisions, oldest first.
LIST_REVISIONS = """
SELECT * FROM (
  SELECT version, revised_at, revised_by, content FROM nri_report_revisions WHERE report_id = $1
  ORDER BY version DESC LIMIT $2
) latest ORDER BY version"""
# For the citation resolver: a submitted report and the name of its NRI.
SELECT_CITABLE = """
SELECT r.id, r.nri_id, r.year, n.name, n.acronym FROM nri_reports r JOIN nris n ON n.id = r.nri_id
WHERE r.id = $1 AND r.status = 'submitted'"""

# Drafts whose meeting ended more than the allowed months ago ...
OVERDUE_DRAFTS = """
SELECT n.id AS nri_id, n.name AS nri_name, r.year, r.id AS report_id, r.meeting_end
FROM nri_reports r JOIN nris n ON n.id = r.nri_id
WHERE r.status = 'draft' AND n.status IN ('recognised', 'inactive') AND r.meeting_end < $1
ORDER BY r.meeting_end, n.name"""
# ... and recognised NRIs with no report at all for a year that ended (plus the allowed months) before now,
# when they were already recognised before that year began.
MISSING_REPORTS = """
SELECT n.id AS nri_id, n.name AS nri_name, $1::integer AS year, NULL::uuid AS report_id, NULL::date AS meeting_end
FROM nris n
WHERE n.status = 'recognised' AND n.recognised_at < make_date($1, 1, 1)
  AND NOT EXISTS (SELECT 1 FROM nri_reports r WHERE r.nri_id = n.id AND r.year = $1)
ORDER BY n.name"""
# Recognised NRIs (recognised before the year began) with no submitted report for the year: their coordinators
# are told the report is due, then overdue (nri/notices.py).
UNREPORTED = """
SELECT n.id, n.name FROM nris n
WHERE n.status = 'recognised' AND n.recognised_at < make_date($1, 1, 1)
  AND NOT EXISTS (SELECT 1 FROM nri_reports r WHERE r.nri_id = n.id AND r.year = $1 AND r.status = 'submitted')
ORDER BY n.name"""


def content_args(content: NriReportCreate, classification: Classification) -> tuple[Any, ...]:
    c = content
    return (
        c.meeting_start,
        c.meeting_end,
        c.format.value,
        c.host_city,
        c.host_country,
        c.participants_total,
        msgspec.to_builtins(c.participants_by_stakeholder),
        msgspec.to_builtins(c.participants_by_gender),
        msgspec.to_builtins(c.topics),
        msgspec.to_builtins(classification),
        c.outcome_summary,
        c.report_url,
        c.key_messages,
    )


def _report(row: asyncpg.Record) -> NriReport:
    return msgspec.convert(dict(row), NriReport)


class ReportRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def insert(
        self,
        nri_id: UUID,
        content: NriReportCreate,
        classification: Classification,
        *,
        by: str,
        now: datetime,
    ) -> NriReport | None:
        """None when the NRI already has a report for that year."""
        try:
            async with self.conn.transaction():  # a savepoint: the caller's transaction survives the conflict
                row = await self.conn.fetchrow(
                    INSERT_REPORT, nri_id, content.year, by, *content_args(content, classification), now
                )
        except asyncpg.UniqueViolationError:
            return None
        return _report(row)

    async def get(self, nri_id: UUID, year: int, *, for_update: bool = False) -> NriReport | None:
        row = await self.conn.fetchrow(
            SELECT_REPORT_FOR_UPDATE if for_update else SELECT_REPORT, nri_id, year
        )
        return _report(row) if row else None

    async def get_by_id(self, report_id: UUID) -> NriReport | None:
        row = await self.conn.fetchrow(SELECT_REPORT_BY_ID, report_id)
        return _report(row) if row else None

    async def of_nri(self, nri_id: UUID, *, include_drafts: bool) -> list[NriReport]:
        return [_report(r) for r in await self.conn.fetch(LIST_REPORTS, nri_id, include_drafts)]

    async def update(
        self,
        report_id: UUID,
        version: int,
        content: NriReportCreate,
        classification: Classification,
        now: datetime,
    ) -> NriReport | None:
        row = await self.conn.fetchrow(
            UPDATE_REPORT, report_id, version, *content_args(content, classification), now
        )
        return _report(row) if row else None

    async def submit(self, report_id: UUID, version: int, *, at: datetime, by: str) -> NriReport | None:
        row = await self.conn.fetchrow(SUBMIT_REPORT, report_id, version, at, by)
        return _report(row) if row else None

    async def add_revision(self, report: NriReport, *, at: datetime, by: str) -> None:
        await self.conn.execute(
            INSERT_REVISION, report.id, report.version, msgspec.to_builtins(report), at, by
        )

    async def revisions(self, report_id: UUID, *, latest: int) -> list[ReportRevision]:
        return [ReportRevision(**r) for r in await self.conn.fetch(LIST_REVISIONS, report_id, latest)]

    async def citable(self, report_id: UUID) -> asyncpg.Record | None:
        return await self.conn.fetchrow(SELECT_CITABLE, report_id)

    async def overdue_drafts(self, meeting_ended_before: date) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.conn.fetch(OVERDUE_DRAFTS, meeting_ended_before)
        return rows

    async def missing(self, year: int) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.conn.fetch(MISSING_REPORTS, year)
        return rows

    async def unreported(self, year: int) -> list[tuple[UUID, str]]:
        return [(r["id"], r["name"]) for r in await self.conn.fetch(UNREPORTED, year)]
