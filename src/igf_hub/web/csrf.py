"""CSRF protection of every form a page accepts: the default, checked by WebSessionMiddleware (web/sessions.py).

A state-changing request (any method but GET, HEAD, OPTIONS, TRACE) to a page route is refused with a 403 page
unless both hold:

1. it comes from our own pages: ``Sec-Fetch-Site``, which every current browser sends, is ``same-origin`` (or
   ``none``, typed by the person); without it, ``Origin``, when it names one, is this service's own
   (``IGF_HUB_PUBLIC_URL``);
2. it carries the synchroniser token of the browser's session, in the form field ``csrf_token`` (what every
   form template includes) or the ``X-CSRF-Token`` header (for scripts), compared in constant time.

The token is random, kept with the session in PostgreSQL, and replaced with the session at sign-in. As in
Warehouse, the protection is on by default and a route opts out explicitly, with its reason: ``opt=exempt(...)``.
tests/architecture/test_csrf.py lists every page route that accepts a form and fails on one that is neither
checked nor exempt with a reason.
"""

from __future__ import annotations

import hmac
from ipaddress import ip_address
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import structlog
from litestar import Request
from litestar.datastructures import Headers
from litestar.types import ASGIApp, Receive, Scope

from igf_hub.core.settings import Settings
from igf_hub.web import i18n
from igf_hub.web.i18n import N_
from igf_hub.web.templating import render

if TYPE_CHECKING:
    from igf_hub.web.sessions import SessionContext

log = structlog.get_logger("igf_hub.web.csrf")

FIELD = "csrf_token"
HEADER = "x-csrf-token"
EXEMPT_KEY = "csrf_exempt"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_TRUSTED_FETCH_SITES = frozenset({"same-origin", "none"})


def exempt(reason: str) -> dict[str, Any]:
    """A route handler's ``opt`` that turns the CSRF check off for it; say why (the architecture test shows it)."""
    if not reason.strip():
        raise ValueError("a CSRF exemption needs its reason")
    return {EXEMPT_KEY: reason}


def is_exempt(handler: Any) -> bool:
    return bool(handler.opt.get(EXEMPT_KEY))


def is_loopback(host: str | None) -> bool:
    """localhost, 127.0.0.0/8, ::1: names browsers treat as secure contexts and no other site can claim."""
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def cross_site_reason(scope: Scope, headers: Headers, settings: Settings) -> str | None:
    """Why this request is not from our own pages, or None when nothing says it is not."""
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        # Every current browser says where a request comes from, and no page can change what it says. It decides
        # alone: on our own forms the same browsers send "Origin: null", because our Referrer-Policy is
        # no-referrer (Fetch, "serializing a request origin"), so Origin cannot be required to match.
        return None if fetch_site.lower() in _TRUSTED_FETCH_SITES else f"Sec-Fetch-Site is {fetch_site}"
    origin = headers.get("origin")
    if origin is None or origin == "null":
        # An older browser (no Sec-Fetch-Site) hiding the origin as above, or a client that is not a browser another
        # site can drive. The token below still decides.
        return None
    allowed = {_origin(settings.base_url)}
    host = headers.get("host", "")
    if is_loopback(urlsplit(f"//{host}").hostname):
        # A development server opened as localhost while its public URL says 127.0.0.1 (or the reverse).
        allowed.add(f"{scope.get('scheme', 'http')}://{host}".lower())
    if origin.lower() not in allowed:
        return f"Origin is {origin[:100]}"
    return None


async def sent_token(scope: Scope, receive: Receive, headers: Headers) -> str | None:
    """The token in the X-CSRF-Token header, else in the form's csrf_token field (the body stays readable: Litestar
    keeps it in the scope for the handler)."""
    header = headers.get(HEADER)
    if header:
        return header
    media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media not in _FORM_TYPES:
        return None
    value = (await Request(scope, receive).form()).get(FIELD)
    return value if isinstance(value, str) and value else None


async def check(
    scope: Scope, receive: Receive, settings: Settings, context: SessionContext
) -> ASGIApp | None:
    """None when the request may proceed; otherwise the 403 page to send instead."""
    headers = Headers.from_scope(scope)
    cross_site = cross_site_reason(scope, headers, settings)
    if cross_site is not None:
        return _refuse("cross-site", cross_site, scope, receive)
    token = await sent_token(scope, receive, headers)
    if context.session is None:
        return _refuse("expired" if context.ended_by_expiry else "no-session", "no session", scope, receive)
    if token is None:
        return _refuse("out-of-date", "no token", scope, receive)
    if not hmac.compare_digest(token.encode(), context.session.csrf_token.encode()):
        return _refuse("out-of-date", "wrong token", scope, receive)
    return None


# What the person reads, per reason: a title and what to do. Nothing was changed in every case.
REFUSALS = {
    "cross-site": (
        N_("This form came from another website"),
        N_(
            "IGF Hub accepts forms only from its own pages, so nothing was changed. If you meant to do this, "
            "open the page on IGF Hub and send the form from there."
        ),
    ),
    "expired": (
        N_("Your session has ended"),
        N_(
            "Nothing was changed: your session ended because it was not used for a while. Go back, reload the "
            "page (you may need to sign in again) and send the form again."
        ),
    ),
    "no-session": (
        N_("Your session has ended"),
        N_(
            "Nothing was changed: this browser has no session with IGF Hub (you may have signed out, or your "
            "browser does not keep cookies from this site, which signing in needs). Go back, reload the page "
            "and send the form again."
        ),
    ),
    "out-of-date": (
        N_("This page is out of date"),
        N_(
            "Nothing was changed: the form did not carry the security code of your current session, for "
            "example because it was opened before you signed in or out. Go back, reload the page and send the "
            "form again."
        ),
    ),
}


def _refuse(reason: str, detail: str, scope: Scope, receive: Receive) -> ASGIApp:
    """The 403 page, in the reader's language and inside the layout."""
    log.warning("web.csrf_refused", reason=reason, detail=detail, path=scope.get("path"))
    title, text = REFUSALS[reason]
    request: Request[Any, Any, Any] = Request(scope, receive)
    language = i18n.request_language(request)
    page = render(
        request,
        "csrf_refused.html",
        {"title": i18n.gettext(language, title), "text": i18n.gettext(language, text)},
        status_code=403,
        headers={"Cache-Control": "no-store"},
    )
    return page.to_asgi_response(app=None, request=request)
