"""Deadline calendars (iCalendar, RFC 5545): public lists of deadlines, one combined, and a personal one.

Each domain declares its ``DeadlineList``s as data in its ``pages.py`` (comment windows and MAG ballots in
messages/, calls for input in tracks/, report due dates in nri/); app.py collects them in ``CALENDARS`` and stores
them on ``app.state.calendars``. ``web/`` imports no domain: it serves what the lists give it.

- ``/calendars/<key>.ics`` is one list, ``/calendars/deadlines.ics`` all of them; each in the reader's language
  under ``/fr/…``. They hold public facts only (the lists load them as the anonymous reader sees them).
- ``/calendars/people/<token>.ics`` is a person's own calendar: what concerns them (a list's ``personal`` loader,
  given the person's principal). The token is a secret URL, stored as its SHA-256 only, one per person, replaced
  or revoked from ``/account/calendar``; a wrong or revoked token is the 404 page, like an unknown address.

A deadline's UID is made from its record's id and the kind of deadline, never from its date: when a deadline
moves, the event keeps its UID, its SEQUENCE grows (the record's version) and LAST-MODIFIED/DTSTAMP say when, so
a subscriber's calendar moves the event it already has.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import asyncpg
from icalendar import Calendar, Event
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect

from igf_hub.auth.principal import AnyRequest, Principal
from igf_hub.auth.service import IdentityService
from igf_hub.core import changelog
from igf_hub.core.caching import NO_STORE, VARY, cached
from igf_hub.core.clock import Clock
from igf_hub.core.logging import log_path_as
from igf_hub.core.settings import Settings
from igf_hub.web import i18n
from igf_hub.web.access import sign_in_first, signed_in
from igf_hub.web.calendar_repository import CalendarTokenRepository
from igf_hub.web.errors import PageController
from igf_hub.web.i18n import N_, gettext
from igf_hub.web.sessions import context_of
from igf_hub.web.templating import render

MEDIA_TYPE = "text/calendar"
COMBINED = "deadlines"
PRODID = "-//IGF Hub//Deadlines//EN"
UID_DOMAIN = "igf-hub"
TOKEN_BYTES = 32


@dataclass(frozen=True)
class Deadline:
    """One deadline as a calendar event. ``kind`` and ``record_id`` make its UID; ``at`` is a moment, or a day
    (an all-day event); ``sequence`` grows each time the deadline moves (the record's version)."""

    kind: str  # e.g. "message-comment-window"
    record_id: UUID | str
    summary: str  # in the reader's language
    at: datetime | date
    url: str  # the public page, absolute
    last_modified: datetime
    sequence: int = 0
    description: str = ""

    @property
    def uid(self) -> str:
        return f"{self.kind}-{self.record_id}@{UID_DOMAIN}"


@dataclass(frozen=True)
class CalendarContext:
    """What a list's loader is given: the request's connection, the clock, the settings, the reader's language
    and the public address to build links on."""

    conn: asyncpg.Connection
    clock: Clock
    settings: Settings
    language: str

    def url(self, path: str) -> str:
        return self.settings.base_url.rstrip("/") + i18n.path_in(self.language, path)


Loader = Callable[[CalendarContext], Awaitable[Sequence[Deadline]]]
PersonalLoader = Callable[[CalendarContext, Principal], Awaitable[Sequence[Deadline]]]


@dataclass(frozen=True)
class DeadlineList:
    key: str  # the file's name: /calendars/<key>.ics
    title: str  # marked with N_(), translated when shown
    load: Loader  # the public deadlines (as the anonymous reader sees them)
    personal: PersonalLoader | None = None  # what concerns one person, for their own calendar
    order: int = 100


def calendars(request: Request[Any, Any, Any]) -> Sequence[DeadlineList]:
    lists: Sequence[DeadlineList] = getattr(request.app.state, "calendars", ())
    return sorted(lists, key=lambda item: (item.order, item.key))


def _moment(value: datetime | date) -> datetime | date:
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def write(name: str, deadlines: Sequence[Deadline]) -> bytes:
    """The calendar as an RFC 5545 document: one VEVENT per deadline, in a stable order."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for item in sorted(deadlines, key=lambda d: d.uid):
        event = Event()
        event.add("uid", item.uid)
        # Without METHOD, DTSTAMP is the time the event last changed (RFC 5545 §3.8.7.2), so the body, and with
        # it the ETag, changes only when a deadline does.
        event.add("dtstamp", item.last_modified.astimezone(UTC))
        event.add("last-modified", item.last_modified.astimezone(UTC))
        event.add("sequence", item.sequence)
        event.add("dtstart", _moment(item.at))
        event.add("summary", item.summary)
        if item.description:
            event.add("description", item.description)
        event.add("url", item.url)
        event.add("transp", "TRANSPARENT")  # a deadline does not make the subscriber busy
        calendar.add_component(event)
    body: bytes = calendar.to_ical()
    return body


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _file_key(file: str) -> str:
    if not file.endswith(".ics"):
        raise NotFoundException("no such calendar")
    return file.removesuffix(".ics")


def _context(
    request: Request[Any, Any, Any], db: asyncpg.Connection, clock: Clock, settings: Settings
) -> CalendarContext:
    return CalendarContext(db, clock, settings, i18n.request_language(request))


def _answer(
    request: Request[Any, Any, Any], name: str, deadlines: Sequence[Deadline], *, public: bool
) -> Response[bytes]:
    prefixed = i18n.prefixed_language(request.scope) is not None
    vary = VARY if prefixed else f"{VARY}, Accept-Language, Cookie"
    headers = {"Vary": vary, "Content-Language": i18n.request_language(request)}
    return cached(
        request,
        write(name, deadlines),
        public=public,
        headers=headers,
        media_type=f"{MEDIA_TYPE}; charset=utf-8",
    )


class CalendarFeeds(PageController):
    path = "/calendars"

    @get("/{file:str}", name="calendars:public")
    async def public(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings, file: str
    ) -> Response[bytes]:
        """A public list of deadlines (``/calendars/calls.ics``), or all of them (``/calendars/deadlines.ics``),
        as an iCalendar feed in the reader's language."""
        key = _file_key(file)
        context = _context(request, db, clock, settings)
        chosen = [item for item in calendars(request) if key in (COMBINED, item.key)]
        if not chosen:
            raise NotFoundException("no such calendar")
        deadlines = [deadline for item in chosen for deadline in await item.load(context)]
        title = (
            gettext(context.language, N_("IGF deadlines"))
            if key == COMBINED
            else gettext(context.language, chosen[0].title)
        )
        return _answer(request, title, deadlines, public=True)

    @get("/people/{file:str}", name="calendars:personal")
    async def personal(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings, file: str
    ) -> Response[bytes]:
        """A person's own calendar behind its secret address: the deadlines that concern them. A wrong or
        revoked address is the 404 page."""
        # The address is the key: it stays out of the access log.
        log_path_as(request.scope, "/calendars/people/<secret>.ics")
        token = _file_key(file)
        user_id = await CalendarTokenRepository(db).user_of(token_hash(token))
        person = None
        if user_id is not None:
            person = await IdentityService(db, clock, settings).user_principal(user_id)
        if person is None:
            raise NotFoundException("no such calendar")
        context = _context(request, db, clock, settings)
        deadlines = [
            deadline
            for item in calendars(request)
            if item.personal is not None
            for deadline in await item.personal(context, person)
        ]
        return _answer(request, gettext(context.language, N_("My IGF deadlines")), deadlines, public=False)


# -- the person's calendar address, on their account ------------------------------------------------------


class CalendarAccountPage(PageController):
    path = "/account/calendar"

    @get("/", name="calendars:account", cache_control=NO_STORE)
    async def show(self, request: AnyRequest, db: asyncpg.Connection) -> Response[Any]:
        """Whether the signed-in person has a calendar address, with the forms to make a new one or stop it."""
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, "/account/calendar")
        assert person.user_id is not None
        created = await CalendarTokenRepository(db).created_at(person.user_id)
        token = await context_of(request.scope).csrf_token(db)
        return render(request, "calendar.html", _page(request, created=created, address=None, csrf=token))

    @post("/", name="calendars:account-new", status_code=200, cache_control=NO_STORE)
    async def new(self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock) -> Response[Any]:
        """A new secret address for the person's calendar, shown once; the previous one stops working."""
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, "/account/calendar")
        assert person.user_id is not None
        secret = secrets.token_urlsafe(TOKEN_BYTES)
        now = clock.now()
        await CalendarTokenRepository(tx).replace(person.user_id, token_hash(secret), now)
        await changelog.record(
            tx,
            "user.calendar_address_created",
            actor=person.subject,
            subject_type="user",
            subject_id=person.user_id,
            data={},
            publish=False,  # a security record, not a change others act on
        )
        base = request.app.state.settings.base_url.rstrip("/")
        address = base + i18n.path_in(i18n.request_language(request), f"/calendars/people/{secret}.ics")
        token = await context_of(request.scope).csrf_token(tx)
        return render(request, "calendar.html", _page(request, created=now, address=address, csrf=token))

    @post("/revoke", name="calendars:account-revoke", status_code=303)
    async def revoke(self, request: AnyRequest, tx: asyncpg.Connection) -> Response[Any]:
        """Stop the person's calendar address: calendars that subscribed to it get nothing more."""
        person = signed_in(request)
        language = i18n.request_language(request)
        repo = CalendarTokenRepository(tx)
        if person is not None and person.user_id is not None and await repo.delete(person.user_id):
            await changelog.record(
                tx,
                "user.calendar_address_revoked",
                actor=person.subject,
                subject_type="user",
                subject_id=person.user_id,
                data={},
                publish=False,  # a security record, not a change others act on
            )
        return Redirect(i18n.path_in(language, "/account/calendar"), status_code=303)


def _page(request: AnyRequest, *, created: datetime | None, address: str | None, csrf: str) -> dict[str, Any]:
    language = i18n.request_language(request)
    return {
        "created": created,
        "address": address,
        "csrf_token": csrf,
        "lists": [
            (gettext(language, item.title), i18n.path_in(language, f"/calendars/{item.key}.ics"))
            for item in calendars(request)
        ],
        "combined": i18n.path_in(language, f"/calendars/{COMBINED}.ics"),
    }
