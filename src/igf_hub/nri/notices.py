"""What the NRI domain tells people (people/notices.py): an NRI submitted for recognition → the Secretariat; the
Secretariat's decision (recognised, changes requested, declined, with its reasons) → the NRI's coordinators; the
annual activity report due, then overdue → the coordinators of each NRI that has not submitted it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from igf_hub.auth.principal import Role
from igf_hub.core.outbox import Event
from igf_hub.core.settings import Settings
from igf_hub.nri.report_repository import ReportRepository
from igf_hub.nri.report_service import add_months
from igf_hub.nri.schemas import NriField
from igf_hub.people import notices, recipients
from igf_hub.people.notices import N_, NoticeKind

SUBMITTED = NoticeKind(
    name="nri.submitted",
    label=N_("An NRI is submitted for recognition (Secretariat)"),
    subject=N_("NRI submitted for recognition: %(name)s"),
    template="nri/notices/submitted",
)
RECOGNISED = NoticeKind(
    name="nri.recognised",
    label=N_("Your NRI is recognised"),
    subject=N_("Recognised as an NRI: %(name)s"),
    template="nri/notices/recognised",
)
CHANGES_REQUESTED = NoticeKind(
    name="nri.changes_requested",
    label=N_("The Secretariat asks for changes to your NRI"),
    subject=N_("Changes requested: %(name)s"),
    template="nri/notices/changes_requested",
)
DECLINED = NoticeKind(
    name="nri.declined",
    label=N_("Your NRI's recognition is declined"),
    subject=N_("Recognition declined: %(name)s"),
    template="nri/notices/declined",
)
REPORT_DUE = NoticeKind(
    name="nri.report_due",
    label=N_("Your NRI's annual activity report is due"),
    subject=N_("Activity report for %(year)s due by %(due_on)s: %(name)s"),
    template="nri/notices/report_due",
)
REPORT_OVERDUE = NoticeKind(
    name="nri.report_overdue",
    label=N_("Your NRI's annual activity report is overdue"),
    subject=N_("Activity report for %(year)s overdue: %(name)s"),
    template="nri/notices/report_overdue",
)

# The fields of an NRI in words: what a reason per field is shown beside (here and on the review page).
FIELD_NAMES: dict[NriField, str] = {
    NriField.type: N_("Type"),
    NriField.youth_scope: N_("Youth scope"),
    NriField.parent_nri_id: N_("Parent NRI"),
    NriField.name: N_("Name"),
    NriField.acronym: N_("Acronym"),
    NriField.countries: N_("Countries"),
    NriField.scope_note: N_("Scope note"),
    NriField.website: N_("Website"),
    NriField.mailing_list_url: N_("Mailing list"),
    NriField.contact_email: N_("Contact e-mail"),
    NriField.languages: N_("Languages"),
    NriField.year_founded: N_("Year founded"),
    NriField.description: N_("Description"),
    NriField.committee: N_("Organising committee"),
    NriField.focal_points: N_("Focal points"),
    NriField.meeting_report_url: N_("Meeting report link"),
    NriField.meeting_report_text: N_("Meeting report"),
}


def field_reasons(fields: dict[str, str]) -> list[tuple[NriField, str]]:
    """The reasons per field in the form's order (the fields' declared order), unknown names left out."""
    return [(field, fields[field.value]) for field in NriField if field.value in fields]


NOTICE_KINDS = [SUBMITTED, RECOGNISED, CHANGES_REQUESTED, DECLINED, REPORT_DUE, REPORT_OVERDUE]

# How long before the due date coordinators are reminded that the report is due.
REPORT_REMINDER_DAYS = 30


async def notify_submitted(conn: asyncpg.Connection, event: Event) -> None:
    """The Secretariat hears of each submission (after commit, once per event: the key is the event's id)."""
    await notices.notify(
        conn,
        kind=SUBMITTED.name,
        recipients=await notices.secretariat(conn, event.occurred_at),
        key=f"nri.submitted:{event.event_id}",
        params={"name": event.data.get("name", ""), "countries": ", ".join(event.data.get("countries", []))},
        link=f"/nris/{event.subject}",
        now=event.occurred_at,
    )


async def _coordinators(conn: asyncpg.Connection, nri_id: UUID, now: datetime) -> list[notices.Recipient]:
    return [*await recipients.holders(conn, Role.nri_coordinator, now, bound_to=nri_id)]


async def notify_decided(conn: asyncpg.Connection, event: Event) -> None:
    """The NRI's coordinators hear the Secretariat's decision and its reasons (once per event)."""
    kind = {
        "nri.recognised": RECOGNISED,
        "nri.changes_requested": CHANGES_REQUESTED,
        "nri.declined": DECLINED,
    }[event.type]
    params: dict[str, Any] = {
        "name": event.data.get("name", ""),
        "reason": event.data.get("reason") or "",
        "changes": list(event.data.get("changes_requested") or []),
    }
    if fields := field_reasons(dict(event.data.get("fields_requested") or {})):
        # Each field's name in words (the template translates it) and the reason given for it.
        params["fields"] = [{"field": FIELD_NAMES[field], "reason": reason} for field, reason in fields]
    await notices.notify(
        conn,
        kind=kind.name,
        recipients=await _coordinators(conn, UUID(event.subject), event.occurred_at),
        key=f"{event.type}:{event.event_id}",
        params=params,
        link=f"/nris/{event.subject}",
        now=event.occurred_at,
    )


def report_due_on(year: int, settings: Settings) -> date:
    """When the activity report for ``year`` is due (the calendar's rule: the year's end plus the months)."""
    return add_months(date(year, 12, 31), settings.nri.report_due_months)


async def notify_report_deadlines(conn: asyncpg.Connection, settings: Settings, now: datetime) -> int:
    """Tell the coordinators of each recognised NRI that has not submitted last year's report that it is due
    (from REPORT_REMINDER_DAYS before the due date) or overdue (after it). Once per NRI, year and kind: the
    notice's key names them, so the daily job may run any number of times. Returns how many notices were new."""
    year = now.year - 1
    due_on = report_due_on(year, settings)
    today = now.date()
    if today > due_on:
        kind = REPORT_OVERDUE
    elif today >= due_on - timedelta(days=REPORT_REMINDER_DAYS):
        kind = REPORT_DUE
    else:
        return 0
    created = 0
    for nri_id, name in await ReportRepository(conn).unreported(year):
        created += await notices.notify(
            conn,
            kind=kind.name,
            recipients=await _coordinators(conn, nri_id, now),
            key=f"{kind.name}:{nri_id}:{year}",
            params={"name": name, "year": year, "due_on": due_on.isoformat()},
            link=f"/nris/{nri_id}",
            now=now,
        )
    return created
