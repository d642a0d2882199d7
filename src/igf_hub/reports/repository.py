"""Yearly report SQL: the reports and their narrative versions (the figures come from the domains' sections)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

COLUMNS = """id, year, state, current_version_number, published_version_number, figures, published_at,
published_by, created_by, created_at, updated_at, version"""
VERSION_COLUMNS = (
    """number, language, sections, is_machine_translation, translation_of, created_by, created_at"""
)


class ReportRow(msgspec.Struct, kw_only=True):
    id: UUID
    year: int
    state: str
    current_version_number: int
    published_version_number: int | None
    figures: Any
    published_at: datetime | None
    published_by: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


class VersionRow(msgspec.Struct, kw_only=True):
    number: int
    language: str
    sections: list[dict[str, Any]]
    is_machine_translation: bool
    translation_of: int | None
    created_by: str
    created_at: datetime


def _report(row: asyncpg.Record | None) -> ReportRow | None:
    if row is None:
        return None
    return ReportRow(**dict(row))


def _version(row: asyncpg.Record) -> VersionRow:
    return VersionRow(**dict(row))


class ReportRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def get(self, year: int, *, for_update: bool = False) -> ReportRow | None:
        lock = " FOR UPDATE" if for_update else ""
        return _report(
            await self.conn.fetchrow(f"SELECT {COLUMNS} FROM yearly_reports WHERE year = $1{lock}", year)
        )

    async def insert(self, year: int, *, actor: str, now: datetime) -> ReportRow | None:
        """None when the year's report exists already (a concurrent draft)."""
        return _report(
            await self.conn.fetchrow(
                f"""INSERT INTO yearly_reports (year, created_by, created_at, updated_at) VALUES ($1, $2, $3, $3)
                ON CONFLICT (year) DO NOTHING RETURNING {COLUMNS}""",
                year,
                actor,
                now,
            )
        )

    async def years(self, *, published_only: bool) -> list[ReportRow]:
        rows = await self.conn.fetch(
            f"SELECT {COLUMNS} FROM yearly_reports WHERE state = 'published' OR NOT $1 ORDER BY year DESC",
            published_only,
        )
        return [r for r in map(_report, rows) if r is not None]

    async def add_version(
        self,
        report_id: UUID,
        *,
        language: str,
        sections: list[dict[str, Any]],
        machine: bool,
        translation_of: int | None,
        actor: str,
        now: datetime,
    ) -> VersionRow:
        number = await self.conn.fetchval(
            """UPDATE yearly_reports SET current_version_number = current_version_number + 1, updated_at = $2,
            version = version + 1 WHERE id = $1 RETURNING current_version_number""",
            report_id,
            now,
        )
        row = await self.conn.fetchrow(
            f"""INSERT INTO yearly_report_versions (report_id, number, language, sections, is_machine_translation,
            translation_of, created_by, created_at) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8)
            RETURNING {VERSION_COLUMNS}""",
            report_id,
            number,
            language,
            sections,
            machine,
            translation_of,
            actor,
            now,
        )
        assert row is not None
        return _version(row)

    async def version(self, report_id: UUID, number: int) -> VersionRow | None:
        row = await self.conn.fetchrow(
            f"SELECT {VERSION_COLUMNS} FROM yearly_report_versions WHERE report_id = $1 AND number = $2",
            report_id,
            number,
        )
        return _version(row) if row else None

    async def versions(self, report_id: UUID) -> list[VersionRow]:
        rows = await self.conn.fetch(
            f"SELECT {VERSION_COLUMNS} FROM yearly_report_versions WHERE report_id = $1 ORDER BY number",
            report_id,
        )
        return [_version(r) for r in rows]

    async def newest_by_language(self, report_id: UUID, *, up_to: int) -> list[VersionRow]:
        """The newest version of each language, among versions 1..``up_to``, English first."""
        rows = await self.conn.fetch(
            f"""SELECT DISTINCT ON (language) {VERSION_COLUMNS} FROM yearly_report_versions
            WHERE report_id = $1 AND number <= $2 ORDER BY language, number DESC""",
            report_id,
            up_to,
        )
        found = [_version(r) for r in rows]
        return sorted(found, key=lambda v: (v.language != "en", v.language))

    async def publish(
        self, report_id: UUID, *, version_number: int, figures: Any, actor: str, now: datetime
    ) -> ReportRow:
        row = await self.conn.fetchrow(
            f"""UPDATE yearly_reports SET state = 'published', published_version_number = $2, figures = $3::jsonb,
            published_at = $4, published_by = $5, updated_at = $4, version = version + 1
            WHERE id = $1 AND state = 'draft' RETURNING {COLUMNS}""",
            report_id,
            version_number,
            msgspec.to_builtins(figures),
            now,
            actor,
        )
        report = _report(row)
        assert report is not None
        return report
