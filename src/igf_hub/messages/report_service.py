"""Session reports: entered by session organisers (any signed-in person, who then owns it) or imported in bulk
by the Secretariat; read by everyone; cited by Messages as provenance (kind ``session_report``)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal, Role
from igf_hub.core import changelog
from igf_hub.core.clock import Clock
from igf_hub.core.concurrency import check_version
from igf_hub.core.errors import FieldError, Forbidden
from igf_hub.core.pagination import Keyset
from igf_hub.core.schemas import Classification
from igf_hub.core.settings import Settings
from igf_hub.messages.errors import InvalidContent, ReportConflict, SessionReportNotFound
from igf_hub.messages.report_import import batch_errors
from igf_hub.messages.report_repository import ReportFields, ReportFilters, ReportRow, SessionReportRepository
from igf_hub.messages.report_schemas import (
    ImportResult,
    SessionReport,
    SessionReportCreate,
    SessionReportPage,
    SessionReportPatch,
    SessionReportSummary,
    SessionType,
)

SUBJECT = "session_report"


def report_out(r: ReportRow) -> SessionReport:
    return SessionReport(
        id=r.id,
        year=r.year,
        session_ref=r.session_ref,
        session_title=r.session_title,
        session_type=SessionType(r.session_type),
        organisers=r.organisers,
        key_takeaways=r.key_takeaways,
        calls_to_action=r.calls_to_action,
        classification=msgspec.convert(r.classification, Classification),
        language=r.language,
        source=r.source,
        version=r.version,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


def _fields(d: SessionReportCreate) -> ReportFields:
    return ReportFields(
        year=d.year,
        session_ref=d.session_ref,
        session_title=d.session_title,
        session_type=d.session_type,
        organisers=d.organisers,
        key_takeaways=d.key_takeaways,
        calls_to_action=d.calls_to_action,
        classification=d.classification,
        language=d.language,
    )


class SessionReportService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.settings = settings
        self.conn, self.clock = conn, clock
        self.repo = SessionReportRepository(conn)

    async def submit(self, data: SessionReportCreate, *, actor: Principal) -> SessionReport:
        try:
            async with self.conn.transaction():  # a savepoint: the duplicate leaves the request's work intact
                row = await self.repo.insert(
                    _fields(data), source="organiser", submitted_by=actor.subject, now=self.clock.now()
                )
        except asyncpg.UniqueViolationError:
            raise ReportConflict(
                f"IGF {data.year} already has a report for {data.session_ref}",
                errors=[FieldError("/session_ref", "already reported")],
            ) from None
        await changelog.record(
            self.conn,
            "session_report.submitted",
            actor=actor.subject,
            subject_type=SUBJECT,
            subject_id=row.id,
            data={"year": row.year, "session_ref": row.session_ref},
            event_data={
                "id": row.id,
                "year": row.year,
                "session_ref": row.session_ref,
                "classification": row.classification,
            },
        )
        return report_out(row)

    async def get(self, report_id: UUID) -> SessionReport:
        row = await self.repo.get(report_id)
        if row is None:
            raise SessionReportNotFound(f"no session report {report_id}")
        return report_out(row)

    async def page(self, filters: ReportFilters, *, cursor: str | None, limit: int) -> SessionReportPage:
        keyset = Keyset(cursor, tuple[int, datetime, UUID], limit)
        rows, next_cursor = keyset.cut(
            await self.repo.page(filters, after=keyset.after, limit=keyset.fetch),
            lambda row: (row.year, row.created_at, row.id),
        )
        return SessionReportPage(
            items=[
                SessionReportSummary(
                    id=r.id,
                    year=r.year,
                    session_ref=r.session_ref,
                    session_title=r.session_title,
                    session_type=SessionType(r.session_type),
                    classification=msgspec.convert(r.classification, Classification),
                    created_at=r.created_at,
                )
                for r in rows
            ],
            next_cursor=next_cursor,
        )

    async def patch(
        self, report_id: UUID, data: SessionReportPatch, *, actor: Principal, expected_version: int | None
    ) -> SessionReport:
        row = await self.repo.get(report_id, for_update=True)
        if row is None:
            raise SessionReportNotFound(f"no session report {report_id}")
        own = row.source == "organiser" and row.submitted_by == actor.subject
        if not (own or actor.has_role(Role.secretariat)):
            raise Forbidden("only the organiser who entered this report, or the Secretariat, changes it")
        check_version(row.version, expected_version)
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        merged = msgspec.structs.replace(self._as_create(row), **changes)
        updated = await self.repo.update(row.id, _fields(merged), now=self.clock.now())
        await changelog.record(
            self.conn,
            "session_report.updated",
            actor=actor.subject,
            subject_type=SUBJECT,
            subject_id=row.id,
            data=msgspec.to_builtins(changes),
            event_data={"id": row.id, "changed": sorted(changes)},
        )
        return report_out(updated)

    @staticmethod
    def _as_create(row: ReportRow) -> SessionReportCreate:
        return SessionReportCreate(
            year=row.year,
            session_title=row.session_title,
            session_type=SessionType(row.session_type),
            organisers=row.organisers,
            key_takeaways=row.key_takeaways,
            calls_to_action=row.calls_to_action,
            classification=msgspec.convert(row.classification, Classification),
            session_ref=row.session_ref,
            language=row.language,
        )

    async def preview_import(self, reports: list[SessionReportCreate]) -> list[UUID | None]:
        """What ``import_reports`` would do, writing nothing: for each report, the id of the report it would
        update (None: it would be created). Refused for the same problems the import is."""
        if errors := batch_errors(reports):
            raise InvalidContent(
                f"{len(errors)} problem{'s' if len(errors) != 1 else ''} in the import", errors=errors
            )
        keys = [(r.year, r.session_ref or "") for r in reports]
        existing = await self.repo.existing_refs(keys)
        return [existing.get(key) for key in keys]

    async def import_reports(self, reports: list[SessionReportCreate], *, actor: Principal) -> ImportResult:
        if errors := batch_errors(reports):
            raise InvalidContent(
                f"{len(errors)} problem{'s' if len(errors) != 1 else ''} in the import", errors=errors
            )
        now = self.clock.now()
        ids, created = [], 0
        for report in reports:
            report_id, inserted = await self.repo.upsert(_fields(report), submitted_by=actor.subject, now=now)
            ids.append(report_id)
            created += inserted
        result = ImportResult(created=created, updated=len(ids) - created, ids=ids)
        await changelog.record(
            self.conn,
            "session_report.imported",
            actor=actor.subject,
            subject_type=SUBJECT,
            subject_id="import",
            data={"created": result.created, "updated": result.updated, "ids": ids},
        )
        return result
