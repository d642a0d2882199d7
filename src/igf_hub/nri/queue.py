"""What the NRI domain puts in the Secretariat's work queue (core/wiring.py ``QueueSource``): the NRIs awaiting
review, the longest-waiting first, and the recognised NRIs whose annual report for last year is overdue."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from igf_hub.auth.principal import Principal
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.core.wiring import QueueItem, QueueSource
from igf_hub.nri.notices import report_due_on
from igf_hub.nri.report_repository import ReportRepository
from igf_hub.nri.service import NriService
from igf_hub.web.i18n import N_

LIMIT = 200


async def awaiting_review(
    conn: asyncpg.Connection, actor: Principal, clock: Clock, settings: Settings
) -> Sequence[QueueItem]:
    waiting = await NriService(conn, clock, settings).awaiting_review(actor=actor, limit=LIMIT)
    return [
        QueueItem(title=item.name, link=f"/secretariat/nris/{item.id}", since=item.submitted_at)
        for item in waiting
    ]


async def reports_overdue(
    conn: asyncpg.Connection, actor: Principal, clock: Clock, settings: Settings
) -> Sequence[QueueItem]:
    """Last year's report, once its due date has passed (the rule of the overdue notices, nri/notices.py)."""
    now = clock.now()
    year = now.year - 1
    due_on = report_due_on(year, settings)
    if now.date() <= due_on:
        return []
    unreported = await ReportRepository(conn).unreported(year)
    return [
        QueueItem(title=f"{name} ({year})", link=f"/nris/{nri_id}", due=due_on) for nri_id, name in unreported
    ]


WORK_QUEUE = [
    QueueSource(
        name="nri.awaiting_review", heading=N_("NRIs awaiting review"), items=awaiting_review, order=10
    ),
    QueueSource(
        name="nri.reports_overdue", heading=N_("NRI reports overdue"), items=reports_overdue, order=20
    ),
]
