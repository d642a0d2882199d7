"""Notice pages: the inbox (mark read, mark all read), a person's notification settings, one-click unsubscribe
(RFC 8058: works without signing in, stops one kind for one person) and the Secretariat's send log.

Forms are CSRF-protected POSTs that work without JavaScript; only the unsubscribe POST is exempt, since a mail
provider posts it from the List-Unsubscribe header (the signed token is its authority). The header's unread
count is ``UnreadCount`` (a middleware) and templates/people/_inbox_link.html.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import asyncpg
from litestar import get, post
from litestar.enums import ScopeType
from litestar.exceptions import NotFoundException
from litestar.middleware import ASGIMiddleware
from litestar.response import Redirect, Response
from litestar.types import ASGIApp, Receive, Scope, Send

from igf_hub.auth.guards import requires_secretariat
from igf_hub.auth.principal import AnyRequest, Principal
from igf_hub.core.caching import NO_STORE
from igf_hub.core.clock import Clock
from igf_hub.core.notice_kinds import DELIVERIES
from igf_hub.people import notices
from igf_hub.people.mailer import subject_of
from igf_hub.people.repository import NoticeRepository
from igf_hub.web import csrf, i18n
from igf_hub.web.access import sign_in_first, signed_in
from igf_hub.web.errors import PageController
from igf_hub.web.i18n import N_, gettext
from igf_hub.web.sessions import context_of
from igf_hub.web.templating import UNREAD_KEY, render

PAGE_SIZE = 50
DELIVERY_NAMES = {
    "immediately": N_("Immediately"),
    "daily": N_("In a daily digest"),
    "weekly": N_("In a weekly digest"),
    "off": N_("Not by e-mail"),
}


def _person(request: AnyRequest) -> UUID | None:
    person = signed_in(request)
    return person.user_id if person is not None else None


class InboxPage(PageController):
    path = "/inbox"

    @get("/", name="people:inbox", cache_control=NO_STORE)
    async def show(self, request: AnyRequest, db: asyncpg.Connection, page: int = 1) -> Response[Any]:
        """The signed-in person's notices, newest first, unread ones marked, with the forms to mark them read."""
        person = _person(request)
        if person is None:
            return sign_in_first(request, "/inbox")
        language = i18n.request_language(request)
        page = max(page, 1)
        repo = NoticeRepository(db)
        stored, total = await repo.inbox(person, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        kinds = notices.kinds()
        items = [
            {
                "id": n.id,
                "title": subject_of(kinds[n.kind], n.params, language) if n.kind in kinds else n.kind,
                "link": i18n.path_in(language, n.link) if n.link else None,
                "created_at": n.created_at,
                "unread": n.read_at is None,
            }
            for n in stored
        ]
        return render(
            request,
            "people/inbox.html",
            {
                "items": items,
                "unread": await repo.unread(person),
                "csrf_token": await context_of(request.scope).csrf_token(db),
                "older": page + 1 if page * PAGE_SIZE < total else None,
                "newer": page - 1 if page > 1 else None,
            },
        )

    @post("/{notice_id:int}/read", name="people:inbox-read", status_code=303)
    async def read(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, notice_id: int
    ) -> Redirect:
        """Mark one of the person's notices read (another person's is left alone), back to the inbox."""
        person = _person(request)
        if person is None:
            return sign_in_first(request, "/inbox")
        await NoticeRepository(tx).mark_read(person, notice_id, clock.now())
        return Redirect(i18n.path_in(i18n.request_language(request), "/inbox"), status_code=303)

    @post("/read-all", name="people:inbox-read-all", status_code=303)
    async def read_all(self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock) -> Redirect:
        """Mark every notice of the person read, back to the inbox."""
        person = _person(request)
        if person is None:
            return sign_in_first(request, "/inbox")
        await NoticeRepository(tx).mark_all_read(person, clock.now())
        return Redirect(i18n.path_in(i18n.request_language(request), "/inbox"), status_code=303)


def _settings_rows(language: str, chosen: Mapping[str, str]) -> list[dict[str, Any]]:
    rows = []
    for name, kind in sorted(notices.kinds().items(), key=lambda item: (item[1].security, item[0])):
        rows.append(
            {
                "name": name,
                "label": gettext(language, kind.label),
                "security": kind.security,
                "delivery": chosen.get(name, kind.default_delivery),
            }
        )
    return rows


class NotificationSettingsPage(PageController):
    path = "/account/notifications"

    @get("/", name="people:notification-settings", cache_control=NO_STORE)
    async def show(self, request: AnyRequest, db: asyncpg.Connection, saved: bool = False) -> Response[Any]:
        """How each kind of notice reaches the person by e-mail; security notices are shown, not switchable."""
        person = _person(request)
        if person is None:
            return sign_in_first(request, "/account/notifications")
        language = i18n.request_language(request)
        chosen = await notices.deliveries(db, person)
        return render(
            request,
            "people/notification_settings.html",
            {
                "rows": _settings_rows(language, chosen),
                "choices": [(d, gettext(language, DELIVERY_NAMES[d])) for d in DELIVERIES],
                "csrf_token": await context_of(request.scope).csrf_token(db),
                "saved": saved,
            },
        )

    @post("/", name="people:notification-settings-save", status_code=303)
    async def save(self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock) -> Redirect:
        """Save the person's choice for every switchable kind in the form (other fields are ignored)."""
        person = _person(request)
        if person is None:
            return sign_in_first(request, "/account/notifications")
        form = await request.form()
        for name, kind in notices.kinds().items():
            value = form.get(f"kind:{name}")
            if not kind.security and value in DELIVERIES:
                await notices.set_delivery(tx, person, name, str(value), clock.now())
        return Redirect(
            i18n.path_in(i18n.request_language(request), "/account/notifications") + "?saved=true",
            status_code=303,
        )


async def _token(db: asyncpg.Connection, token: str) -> tuple[UUID, str]:
    found = notices.read_unsubscribe_token(await NoticeRepository(db).unsubscribe_key(), token)
    if found is None:
        raise NotFoundException("this unsubscribe link is not valid")
    return found


def _what(language: str, what: str) -> str:
    if what == "digest:daily":
        return gettext(language, N_("the daily digest"))
    if what == "digest:weekly":
        return gettext(language, N_("the weekly digest"))
    kind = notices.kinds().get(what)
    return gettext(language, kind.label) if kind is not None else what


class UnsubscribePage(PageController):
    path = "/unsubscribe"

    @get("/{token:str}", name="people:unsubscribe", cache_control=NO_STORE)
    async def confirm(self, request: AnyRequest, db: asyncpg.Connection, token: str) -> Response[Any]:
        """Ask to confirm (a GET changes nothing: link checkers and previews follow links)."""
        _, what = await _token(db, token)
        language = i18n.request_language(request)
        return render(
            request, "people/unsubscribe.html", {"what": _what(language, what), "token": token, "done": False}
        )

    @post(
        "/{token:str}",
        name="people:unsubscribe-post",
        status_code=200,
        cache_control=NO_STORE,
        opt=csrf.exempt(
            "RFC 8058 one-click unsubscribe: the mail provider posts it; the signed token authorises"
        ),
    )
    async def unsubscribe(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, token: str
    ) -> Response[Any]:
        """Turn off e-mail of that one kind for that one person, signed in or not."""
        person, what = await _token(tx, token)
        await notices.unsubscribe(tx, person, what, clock.now())
        language = i18n.request_language(request)
        return render(
            request, "people/unsubscribe.html", {"what": _what(language, what), "token": token, "done": True}
        )


class SendLogPage(PageController):
    path = "/notices/send-log"

    @get("/", name="people:send-log", cache_control=NO_STORE, guards=[requires_secretariat])
    async def show(self, request: AnyRequest, db: asyncpg.Connection, page: int = 1) -> Response[Any]:
        """Every attempt to hand an e-mail to the SMTP server, newest first (the Secretariat only)."""
        page = max(page, 1)
        entries, total = await NoticeRepository(db).send_log(PAGE_SIZE, (page - 1) * PAGE_SIZE)
        return render(
            request,
            "people/send_log.html",
            {
                "entries": entries,
                "older": page + 1 if page * PAGE_SIZE < total else None,
                "newer": page - 1 if page > 1 else None,
            },
        )


class UnreadCount(ASGIMiddleware):
    """The header's unread count: for a signed-in person's page, how many of their notices are unread (one
    indexed count), left in the request's state for the layout (web/templating.py ``UNREAD_KEY``)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        user = scope.get("user")
        path = scope.get("path", "")
        if (
            scope["type"] == ScopeType.HTTP
            and scope.get("method") == "GET"
            and isinstance(user, Principal)
            and user.user_id is not None
            and not path.startswith(("/v1/", "/static/", "/oauth/", "/calendars/", "/feeds/"))
        ):
            app = scope["app"]
            async with app.state.pool.acquire() as conn:
                count = await NoticeRepository(conn).unread(user.user_id)
            scope.setdefault("state", {})[UNREAD_KEY] = count
        await next_app(scope, receive, send)
