"""The Secretariat's audit log page (``/secretariat/audit``): the trail with the API's filters (actor, object,
event, time range; ``GET /v1/audit`` reads the same repository), the result of ``igf-hub audit verify`` on
demand (core/audit.py, with the stored checkpoints as the command checks them), and the public signed
checkpoints (core/audit_checkpoints.py, ``/v1/audit/checkpoints`` for anyone)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import asyncpg
from litestar import Response, get

from igf_hub.auth.guards import requires_secretariat
from igf_hub.auth.principal import AnyRequest, Role
from igf_hub.core import audit, audit_checkpoints
from igf_hub.core.caching import NO_STORE
from igf_hub.core.pagination import InvalidCursor, Keyset
from igf_hub.core.settings import Settings
from igf_hub.system.repository import AuditRepository
from igf_hub.web import i18n
from igf_hub.web.errors import PageController
from igf_hub.web.i18n import N_, gettext
from igf_hub.web.navigation import WorkItem
from igf_hub.web.templating import render

PATH = "/secretariat/audit"
PAGE_SIZE = 50
CHECKPOINTS_SHOWN = 10
TEXT_MAX = 200
WORKSPACE = [
    WorkItem(
        path=PATH,
        label=N_("Audit log"),
        roles=frozenset({Role.secretariat}),
        description=N_("Everything that was done, by whom and when; check that the log is intact."),
        order=13,
    )
]
DATE_FORM = N_("Enter a date like 2027-01-31, or leave it empty.")
DATES_ORDER = N_("The end date must be after the start date.")
TOO_LONG = N_("Enter at most 200 characters.")
FILTERS = ("actor", "action", "subject_type", "subject_id", "since", "until")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


class AuditLogPages(PageController):
    guards = [requires_secretariat]

    @get(PATH, name="system:audit-log", cache_control=NO_STORE)
    async def show(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        actor: str | None = None,
        action: str | None = None,
        subject_type: str | None = None,
        subject_id: str | None = None,
        since: str | None = None,
        until: str | None = None,
        cursor: str | None = None,
    ) -> Response[Any]:
        """The audit trail, newest first, with the API's filters; the latest public checkpoints."""
        language = i18n.request_language(request)
        raw = dict(zip(FILTERS, (actor, action, subject_type, subject_id, since, until), strict=True))
        form = {name: (value or "").strip() for name, value in raw.items()}
        errors: dict[str, str] = {}
        for name in ("actor", "action", "subject_type", "subject_id"):
            if len(form[name]) > TEXT_MAX:
                errors[name] = TOO_LONG
        days = {name: _day(form[name]) for name in ("since", "until")}
        for name in ("since", "until"):
            if form[name] and days[name] is None:
                errors[name] = DATE_FORM
        if days["since"] and days["until"] and days["until"] < days["since"]:
            errors["until"] = DATES_ORDER
        entries: list[audit.AuditEntry] = []
        older: str | None = None
        if not errors:
            start, end = days["since"], days["until"]
            filters = {
                name: form[name] or None for name in ("actor", "action", "subject_type", "subject_id")
            } | {
                "since": datetime(start.year, start.month, start.day, tzinfo=UTC) if start else None,
                "until": datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)
                if end
                else None,
            }
            try:
                keyset = Keyset(cursor, tuple[int], PAGE_SIZE)
            except InvalidCursor:  # a cursor not of ours: start from the newest
                keyset = Keyset(None, tuple[int], PAGE_SIZE)
            rows = await AuditRepository(db).list(filters, before_seq=keyset.first(None), limit=keyset.fetch)
            entries, older = keyset.cut(rows, lambda row: (row.seq,))
        query = urlencode({name: value for name, value in form.items() if value})
        checkpoints = await audit_checkpoints.history(db, before=None, limit=CHECKPOINTS_SHOWN)
        status = 422 if errors else 200
        return render(
            request,
            "system/audit.html",
            {
                "form": form,
                "errors": {name: gettext(language, text) for name, text in errors.items()},
                "entries": entries,
                "older": older,
                "query": query,
                "checkpoints": checkpoints,
            },
            status_code=status,
        )

    @get(f"{PATH}/verify", name="system:audit-verify", cache_control=NO_STORE)
    async def verify(self, request: AnyRequest, db: asyncpg.Connection, settings: Settings) -> Response[Any]:
        """What ``igf-hub audit verify`` says now: the chain, every seal, and the stored checkpoints."""
        heads, bad = audit_checkpoints.stored_heads(await audit_checkpoints.stored(db), settings)
        report = await audit.verify(db, heads=heads)
        report.checkpoints += bad
        return render(request, "system/audit_verify.html", {"report": report})
