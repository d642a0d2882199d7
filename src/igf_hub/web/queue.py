"""The Secretariat's work queue (``/secretariat/queue``): everything waiting for it, gathered from the sources
the installed domains declare in their wiring (core/wiring.py ``QueueSource``: NRIs awaiting review, reports
overdue, Dynamic Coalitions losing their standing, calls closing, MAG nominations, failing webhook endpoints).
The page knows no domain: each source's SQL is in its own domain's repository."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg
from litestar import Response, get

from igf_hub.auth.guards import requires_secretariat
from igf_hub.auth.principal import AnyRequest, Role
from igf_hub.core import wiring
from igf_hub.core.caching import NO_STORE
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.web.errors import PageController
from igf_hub.web.i18n import N_
from igf_hub.web.navigation import WorkItem
from igf_hub.web.templating import render

WORKSPACE = [
    WorkItem(
        path="/secretariat/queue",
        label=N_("Work queue"),
        roles=frozenset({Role.secretariat}),
        description=N_("Everything waiting for the Secretariat, the longest-waiting first."),
        order=10,
    )
]


def _days(since: datetime | None, now: datetime) -> int | None:
    return max((now - since).days, 0) if since is not None else None


def _overdue(due: date | datetime | None, now: datetime) -> bool:
    if due is None:
        return False
    return due < now if isinstance(due, datetime) else due < now.date()


class WorkQueuePage(PageController):
    path = "/secretariat/queue"
    guards = [requires_secretariat]

    @get("/", name="web:work-queue", cache_control=NO_STORE)
    async def show(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Response[Any]:
        """Each kind of work with its items, as the domains declare them."""
        now = clock.now()
        sections = []
        for source in wiring.work_queue():
            items = await source.items(db, request.user, clock, settings)
            sections.append(
                {
                    "name": source.name.replace(".", "-").replace("_", "-"),
                    "heading": source.heading,
                    "items": [
                        {
                            "title": item.title,
                            "link": item.link,
                            "days": _days(item.since, now),
                            "due": item.due,
                            "overdue": _overdue(item.due, now),
                            "count": item.count,
                        }
                        for item in items
                    ],
                }
            )
        return render(
            request, "queue.html", {"sections": sections, "total": sum(len(s["items"]) for s in sections)}
        )
