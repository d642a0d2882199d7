"""Browser sessions: a server-side session in PostgreSQL behind one cookie, for the pages people use.

A *page route* is one the API document leaves out (``include_in_schema=False``: the house rule for every HTML
page). Only page routes read the session cookie; the JSON API reads only ``Authorization: Bearer``, so a cookie a
browser sends by itself can never act on the API (and the API needs no CSRF token). A page route that accepts a
form is CSRF-checked by the same middleware unless it opts out (web/csrf.py).

The session resolves to the same Principal, role grants and object bindings as an access token with the API
scope (``IdentityService.user_principal``), so a page's guards and services refuse exactly what the API refuses.

The cookie holds 32 random bytes; the database holds their SHA-256 (like authorization codes and refresh
tokens). A session ends after ``IGF_HUB_AUTH_SESSION_IDLE_TIMEOUT`` unused, or ``IGF_HUB_AUTH_SESSION_LIFETIME``
after it began, whichever comes first. Signing in replaces whatever session the browser had by a new one (new
value, new CSRF token): a value planted before sign-in (session fixation) is worth nothing after it.

Two-factor (auth/twofactor_service.py): a person with two-factor gets a session only after the second factor
(the session records when). A person whose role requires two-factor (the Secretariat, the MAG chair) and whose
session did not pass one can reach only the pages marked ``BEFORE_TWO_FACTOR`` (setting it up, signing out):
every other page sends them to set it up.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import structlog
from litestar.datastructures import Headers, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send

from igf_hub.auth.principal import API_SCOPE, Principal
from igf_hub.auth.service import IdentityService
from igf_hub.auth.twofactor_service import required_for
from igf_hub.core.clock import Clock
from igf_hub.core.db import acquire
from igf_hub.core.logging import bound
from igf_hub.core.settings import Environment, Settings
from igf_hub.people import device_notices
from igf_hub.web import csrf, i18n
from igf_hub.web.csrf import is_loopback
from igf_hub.web.sessions_repository import SessionRepository, SessionRow

log = structlog.get_logger("igf_hub.web.sessions")

COOKIE_NAME = "__Host-igf_session"
# Only for a development server reached over plain HTTP on a name that is not loopback (e.g. a LAN address):
# browsers refuse Secure cookies there, and a __Host- cookie must be Secure.
INSECURE_COOKIE_NAME = "igf_session"
# The idle expiry moves forward at most once a minute: not one UPDATE per page view.
TOUCH_EVERY = timedelta(seconds=60)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# A route handler's opt: {"session": False} keeps it from reading the session (static assets).
NO_SESSION = {"session": False}
STATE_KEY = "igf_session"
# A page route's opt: reachable by a person who must set up two-factor before anything else.
BEFORE_TWO_FACTOR = {"before_two_factor": True}
TWO_FACTOR_PAGE = "/account/two-factor"
_API_SCOPES = frozenset({API_SCOPE})


def cookie_is_secure(settings: Settings) -> bool:
    """Secure (and so ``__Host-``) except on a development server served over plain HTTP to a non-loopback name.

    Browsers treat http://127.0.0.1 and http://localhost as secure contexts and keep Secure cookies from them, so
    ``./dev serve`` uses the production cookie; production always does (it is meant to be served over TLS).
    """
    if settings.environment is Environment.production:
        return True
    base = urlsplit(settings.base_url)
    return base.scheme == "https" or is_loopback(base.hostname)


def cookie_name(settings: Settings) -> str:
    return COOKIE_NAME if cookie_is_secure(settings) else INSECURE_COOKIE_NAME


def token_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def is_page(handler: Any) -> bool:
    """Left out of the API document, and not opted out of sessions (static assets)."""
    if handler is None or handler.opt.get("session") is False:
        return False
    resolve = getattr(handler, "resolve_include_in_schema", None)
    return resolve is not None and not resolve()


class SessionContext:
    """The browser session of one page request, and the cookie to send back with its response."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.session: SessionRow | None = None
        self.ended_by_expiry = False  # the browser sent a session that had expired: say so, not "forged"
        self.set_cookie: str | None = None
        self.clear_cookie = False
        self.client_host = ""  # the address the request came from (a new device's network)

    @property
    def user_id(self) -> UUID | None:
        return self.session.user_id if self.session else None

    async def csrf_token(self, conn: Any, *, user_agent: str = "") -> str:
        """The token for this page's forms; a visitor without a session gets one (a row, a cookie)."""
        if self.session is None:
            await self._begin(conn, user_id=None, user_agent=user_agent)
        assert self.session is not None
        return self.session.csrf_token

    async def sign_in(
        self, conn: Any, user_id: UUID, *, user_agent: str = "", second_factor: bool = False
    ) -> None:
        """A new session for ``user_id``, replacing the browser's current one (rotation at sign-in, and again when
        a second factor is passed); ``second_factor``: the person passed one."""
        if self.session is not None:
            await SessionRepository(conn).delete(self.session.id)
        await self._begin(conn, user_id=user_id, user_agent=user_agent, second_factor=second_factor)
        # A sign-in from a device the person has not used lately is a security notice to them.
        await device_notices.signed_in(
            conn, user_id, user_agent=user_agent, client_host=self.client_host, now=self.clock.now()
        )

    async def sign_out(self, conn: Any) -> None:
        if self.session is not None:
            await SessionRepository(conn).delete(self.session.id)
        self.session, self.set_cookie, self.clear_cookie = None, None, True

    async def sign_out_everywhere(self, conn: Any) -> int:
        """End every session of this browser's person (other browsers too); how many ended."""
        ended = 0
        if self.session is not None and self.session.user_id is not None:
            ended = await SessionRepository(conn).delete_for_user(self.session.user_id)
        await self.sign_out(conn)
        return ended

    async def _begin(
        self, conn: Any, *, user_id: UUID | None, user_agent: str, second_factor: bool = False
    ) -> None:
        value = secrets.token_urlsafe(32)
        now = self.clock.now()
        self.session = await SessionRepository(conn).insert(
            token_hash=token_hash(value),
            user_id=user_id,
            csrf_token=secrets.token_urlsafe(32),
            now=now,
            expires_at=now + timedelta(seconds=self.settings.auth.session_lifetime),
            user_agent=user_agent[:300],
            second_factor_at=now if second_factor else None,
        )
        self.set_cookie, self.clear_cookie = value, False

    def expired(self, row: SessionRow) -> bool:
        now = self.clock.now()
        idle = timedelta(seconds=self.settings.auth.session_idle_timeout)
        return now >= row.expires_at or now >= row.last_seen_at + idle

    def cookie_header(self) -> str | None:
        """The Set-Cookie value this response must carry, if any."""
        secure = cookie_is_secure(self.settings)
        name = COOKIE_NAME if secure else INSECURE_COOKIE_NAME
        if self.set_cookie is not None:
            value, lifetime = self.set_cookie, ""
        elif self.clear_cookie:
            value, lifetime = "", "; Max-Age=0"
        else:
            return None
        # No Domain (a __Host- cookie may not have one) and Path=/. No Max-Age while the session lives: the server
        # decides when it ends, and the browser forgets it when it closes.
        return f"{name}={value}; Path=/; HttpOnly{'; Secure' if secure else ''}; SameSite=Lax{lifetime}"


def context_of(scope: Scope) -> SessionContext:
    """The session context of a page request (the middleware put it there); RuntimeError on an API route."""
    context = scope.get("state", {}).get(STATE_KEY)
    if not isinstance(context, SessionContext):
        raise RuntimeError("this route is not a page: it has no browser session (see web/sessions.py)")
    return context


async def purge_expired(conn: Any, settings: Settings, clock: Clock) -> int:
    """Delete the sessions past their idle or absolute expiry (the worker runs this); how many."""
    now = clock.now()
    idle_since = now - timedelta(seconds=settings.auth.session_idle_timeout)
    return await SessionRepository(conn).delete_expired(now, idle_since)


class WebSessionMiddleware(ASGIMiddleware):
    """Resolve the browser session of every page request, and check the CSRF token of its forms."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        handler = scope.get("route_handler")
        headers = Headers.from_scope(scope)
        if not is_page(handler):
            await next_app(scope, receive, send)  # the API and static assets never read the cookie
            return
        state = scope["litestar_app"].state
        context = SessionContext(state.settings, state.clock)
        context.client_host = (scope.get("client") or ("", 0))[0]
        scope.setdefault("state", {})[STATE_KEY] = context
        if headers.get("authorization"):
            # A caller that presents a token (no browser sends one by itself) is that token's principal: no
            # cookie is read and no CSRF check applies, but the page still has its (empty) session context,
            # so a page that offers a form answers instead of failing.
            await next_app(scope, receive, self._sending(send, context))
            return
        value = _cookie_value(headers, state.settings)
        if value:
            await self._resolve(scope, state, context, value)
        if _must_set_up_two_factor(scope, context, handler):
            await self._sending(send, context)(_redirect_start(scope))
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        if scope.get("method", "GET") not in SAFE_METHODS and not csrf.is_exempt(handler):
            refusal = await csrf.check(scope, receive, state.settings, context)
            if refusal is not None:
                await refusal(scope, receive, self._sending(send, context))
                return
        with bound(principal=scope["user"].subject):
            await next_app(scope, receive, self._sending(send, context))

    @staticmethod
    async def _resolve(scope: Scope, state: Any, context: SessionContext, value: str) -> None:
        async with acquire(state) as conn:
            repo = SessionRepository(conn)
            row = await repo.find(token_hash(value))
            if row is None:
                context.clear_cookie = True  # unknown, or ended elsewhere ("sign out everywhere")
                return
            if context.expired(row):
                await repo.delete(row.id)
                context.clear_cookie, context.ended_by_expiry = True, True
                return
            principal: Principal | None = None
            if row.user_id is not None:
                principal = await IdentityService(conn, context.clock, context.settings).user_principal(
                    row.user_id, scopes=_API_SCOPES
                )
                if principal is None:  # deactivated since it signed in
                    await repo.delete(row.id)
                    context.clear_cookie = True
                    return
            now = context.clock.now()
            if now - row.last_seen_at >= TOUCH_EVERY:
                await repo.touch(row.id, now)
            context.session = row
            if principal is not None:
                scope["user"] = principal

    @staticmethod
    def _sending(send: Send, context: SessionContext) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                cookie = context.cookie_header()
                if cookie is not None:
                    headers.add("set-cookie", cookie)
                # What a page shows depends on its session: never cache one person's page for another.
                headers.add("vary", "Cookie")
                if context.session is not None and context.session.user_id is not None:
                    headers["cache-control"] = "no-store"
            await send(message)

        return sending


def _must_set_up_two_factor(scope: Scope, context: SessionContext, handler: Any) -> bool:
    """A person whose role requires two-factor, in a session that did not pass one, asks for another page."""
    session, principal = context.session, scope.get("user")
    if session is None or session.user_id is None or session.second_factor_at is not None:
        return False
    if not isinstance(principal, Principal) or not required_for(principal):
        return False
    return not handler.opt.get("before_two_factor", False)


def _redirect_start(scope: Scope) -> Message:
    language = i18n.prefixed_language(scope) or i18n.DEFAULT
    location = i18n.path_in(language, TWO_FACTOR_PAGE)
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": 303,
        "headers": [(b"location", location.encode()), (b"content-length", b"0")],
    }
    return start


def _cookie_value(headers: Headers, settings: Settings) -> str | None:
    name = cookie_name(settings)
    for header in headers.getall("cookie", []):
        for part in header.split(";"):
            key, _, value = part.strip().partition("=")
            if key == name and value:
                return value
    return None
