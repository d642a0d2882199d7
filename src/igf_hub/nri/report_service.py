"""Annual activity reports: drafted and submitted by an NRI's coordinators, public once submitted, late edits
kept as revisions. A draft may carry planned meeting dates; a submitted report covers a meeting that began."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal
from igf_hub.core import changelog, params
from igf_hub.core.clock import Clock
from igf_hub.core.concurrency import check_version
from igf_hub.core.errors import FieldError, IllegalTransition, PreconditionFailed
from igf_hub.core.schemas import Classification, dec_hook
from igf_hub.core.settings import Settings
from igf_hub.nri.errors import ReportExists, ReportInvalid, ReportNotAccepted, ReportNotFound
from igf_hub.nri.report_repository import ReportRepository
from igf_hub.nri.report_schemas import (
    NriReport,
    NriReportCreate,
    NriReportPatch,
    OverdueReport,
    OverdueReports,
    ReportRevision,
)
from igf_hub.nri.schemas import Nri, NriStatus
from igf_hub.nri.service import NriService, is_manager, is_public, validation_error

REPORTING = frozenset({NriStatus.recognised, NriStatus.inactive})


def combined_classification(content: NriReportCreate) -> Classification:
    """Every topic's tags together: what the report as a whole is about (events and filters use it)."""
    return Classification(
        wsis_action_lines=[c for t in content.topics for c in t.classification.wsis_action_lines],
        sdgs=[n for t in content.topics for n in t.classification.sdgs],
        gdc_objectives=[n for t in content.topics for n in t.classification.gdc_objectives],
    )


def content_of(report: NriReport) -> dict[str, Any]:
    return {f: msgspec.to_builtins(getattr(report, f)) for f in NriReportCreate.__struct_fields__}


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


class ReportService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.conn = conn
        self.clock = clock
        self.settings = settings
        self.repo = ReportRepository(conn)
        self.nris = NriService(conn, clock, self.settings)

    async def _report(self, nri: Nri, year: int, actor: Principal, *, for_update: bool = False) -> NriReport:
        """Submitted reports are public; drafts are the NRI's coordinators' and the Secretariat's."""
        report = await self.repo.get(nri.id, year, for_update=for_update)
        if report is None or (report.status == "draft" and not is_manager(actor, nri.id)):
            raise ReportNotFound(f"{nri.name} has no report for {year}")
        return report

    async def create(self, nri_id: UUID, data: NriReportCreate, *, actor: Principal) -> NriReport:
        nri = await self.nris.load_managed(nri_id, actor=actor)
        if nri.status not in REPORTING:
            raise ReportNotAccepted(f"{nri.name} is {nri.status.value}; only recognised NRIs report activity")
        report = await self.repo.insert(
            nri.id, data, combined_classification(data), by=actor.subject, now=self.clock.now()
        )
        if report is None:
            raise ReportExists(
                f"{nri.name} already has a report for {data.year}: edit it instead",
                extra={"href": f"/v1/nris/{nri.id}/reports/{data.year}"},
            )
        await self._report_changed(nri, report, "nri.report_created", actor)
        return report

    async def get(self, nri_id: UUID, year: int, *, actor: Principal) -> NriReport:
        nri = await self.nris.load(nri_id, actor=actor)
        return await self._report(nri, year, actor)

    async def of_nri(self, nri_id: UUID, *, actor: Principal, loaded: Nri | None = None) -> list[NriReport]:
        """``loaded``: the NRI as ``NriService.get``/``load`` just returned it to this ``actor`` (read once)."""
        nri = (
            loaded
            if loaded is not None and loaded.id == nri_id
            else await self.nris.load(nri_id, actor=actor)
        )
        return await self.repo.of_nri(nri.id, include_drafts=is_manager(actor, nri.id))

    async def patch(
        self, nri_id: UUID, year: int, patch: NriReportPatch, *, expected_version: int, actor: Principal
    ) -> NriReport:
        nri = await self.nris.load_managed(nri_id, actor=actor)
        report = await self._report(nri, year, actor, for_update=True)
        check_version(report.version, expected_version)
        merged = {**content_of(report), **msgspec.to_builtins(patch.changes())}
        try:
            content = msgspec.convert(merged, NriReportCreate, dec_hook=dec_hook)
        except msgspec.ValidationError as exc:
            raise ReportInvalid(str(exc), errors=[validation_error(exc)]) from None
        if report.status == "submitted":
            self._check_dates(content)
        before, after = content_of(report), msgspec.to_builtins(content)
        changed = sorted(f for f in after if after[f] != before[f])
        if not changed:
            return report
        now = self.clock.now()
        updated = await self.repo.update(
            report.id, report.version, content, combined_classification(content), now
        )
        if updated is None:
            raise PreconditionFailed("the report changed meanwhile: read it again and retry")
        if updated.status == "submitted":  # a late edit: published, so it becomes a new revision
            await self.repo.add_revision(updated, at=now, by=actor.subject)
            await self.nris.repo.record_activity(nri.id, updated.meeting_end)
            await self._report_changed(nri, updated, "nri.report_revised", actor, fields=changed)
        else:
            await self._report_changed(nri, updated, "nri.report_updated", actor, fields=changed)
        return updated

    async def submit(
        self, nri_id: UUID, year: int, *, expected_version: int | None, actor: Principal
    ) -> NriReport:
        nri = await self.nris.load_managed(nri_id, actor=actor)
        report = await self._report(nri, year, actor, for_update=True)
        check_version(report.version, expected_version)
        if report.status != "draft":
            raise IllegalTransition(current=report.status, requested="submitted", allowed=[])
        if nri.status not in REPORTING:
            raise ReportNotAccepted(f"{nri.name} is {nri.status.value}; only recognised NRIs report activity")
        self._check_dates(msgspec.convert(content_of(report), NriReportCreate, dec_hook=dec_hook))
        now = self.clock.now()
        submitted = await self.repo.submit(report.id, report.version, at=now, by=actor.subject)
        if submitted is None:
            raise PreconditionFailed("the report changed meanwhile: read it again and retry")
        await self.repo.add_revision(submitted, at=now, by=actor.subject)
        await self.nris.repo.record_activity(nri.id, submitted.meeting_end)
        await self._report_changed(nri, submitted, "nri.report_submitted", actor)
        if nri.status is NriStatus.inactive and submitted.meeting_end >= self.nris.inactivity_cutoff():
            await self.nris.reactivate(nri, actor=actor, year=year, activity_on=submitted.meeting_end)
        return submitted

    async def revisions(self, nri_id: UUID, year: int, *, actor: Principal) -> list[ReportRevision]:
        nri = await self.nris.load(nri_id, actor=actor)
        report = await self._report(nri, year, actor)
        return await self.repo.revisions(report.id, latest=params.LATEST_SHOWN)

    async def overdue(self) -> OverdueReports:
        """Drafts whose meeting ended more than the allowed months ago, and recognised NRIs with no report
        at all for the last year whose reporting period has passed."""
        today = self.clock.now().date()
        months = self.settings.nri.report_due_months
        ended_before = add_months(today, -months)
        items = [
            OverdueReport(
                **r, due_on=(due := add_months(r["meeting_end"], months)), days_overdue=(today - due).days
            )
            for r in await self.repo.overdue_drafts(ended_before)
        ]
        # The last year whose December meeting's report is already due.
        year = today.year - 1 if add_months(date(today.year - 1, 12, 31), months) < today else today.year - 2
        due = add_months(date(year, 12, 31), months)
        items += [
            OverdueReport(**r, due_on=due, days_overdue=(today - due).days)
            for r in await self.repo.missing(year)
        ]
        return OverdueReports(as_of=today, report_due_months=months, items=items)

    def _check_dates(self, content: NriReportCreate) -> None:
        today = self.clock.now().date()
        if content.meeting_start > today:
            raise ReportInvalid(
                "a report covers a meeting that has started",
                errors=[FieldError("/meeting_start", f"{content.meeting_start} is after today ({today})")],
            )

    async def _report_changed(
        self, nri: Nri, report: NriReport, action: str, actor: Principal, **extra: Any
    ) -> None:
        data = {"report_id": str(report.id), "year": report.year, "version": report.version, **extra}
        event: dict[str, Any] = {"nri": {"id": str(nri.id), "name": nri.name, "type": nri.type.value}, **data}
        if report.status == "submitted":
            # Published: consumers (IGF Messages drafting among them) get the whole report and its
            # classification. A draft is private, so its events say only that it changed.
            event |= {
                "report": msgspec.to_builtins(report),
                "classification": msgspec.to_builtins(report.classification),
            }
        # Public once submitted (a draft report is its coordinators' workspace) by a recognised NRI.
        await changelog.record(
            self.conn,
            action,
            actor=actor.subject,
            subject_type="nri",
            subject_id=nri.id,
            data=data,
            event_data=event,
            event_subject=report.id,
            public=report.status == "submitted" and is_public(nri),
        )
