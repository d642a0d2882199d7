"""The sign-in pages: sign in (a browser session), sign out, sign out everywhere, your account, developer access.

Signing in here starts a browser session (web/sessions.py); the OAuth login at /oauth/authorize stays for API
clients. Sign-in goes through the same throttle, lock-out and audit as the OAuth login
(``IdentityService.sign_in``). Every form is CSRF-checked by the session middleware (web/csrf.py).
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode, urlsplit

import asyncpg
from arq.connections import ArqRedis
from litestar import Controller, Request, Response, get, post
from litestar.enums import MediaType
from litestar.response import Redirect

from igf_hub.auth import login
from igf_hub.auth.errors import TooManySignInFailures
from igf_hub.auth.principal import Principal
from igf_hub.auth.service import IdentityService
from igf_hub.auth.throttle import SignInThrottle
from igf_hub.core import changelog
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.web import csrf
from igf_hub.web.sessions import context_of

SIGNED_IN_HOME = "/account"
NOTICES = {
    "signed-out": "You are signed out.",
    "signed-out-everywhere": "You are signed out on every device and browser.",
}


def local_path(value: str | None) -> str | None:
    """``value`` when it is a path on this site (where to go after signing in), else None: never another site."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value) or len(value) > 2000:
        return None
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else None


def _signin_url(next_path: str | None) -> str:
    return "/signin" + (f"?{urlencode({'next': next_path})}" if next_path else "")


def _html(body: str, status: int = 200) -> Response[str]:
    return Response(
        body, status_code=status, media_type=MediaType.HTML, headers={"Cache-Control": "no-store"}
    )


def _user_agent(request: Request[Any, Any, Any]) -> str:
    return request.headers.get("user-agent", "")


def _signed_in(request: Request[Principal, Any, Any]) -> Principal | None:
    principal = request.user
    return principal if principal.is_authenticated and principal.user_id is not None else None


class SignInPages(Controller):
    include_in_schema = False

    @get("/signin", operation_id="SignInPage")
    async def signin_page(
        self,
        request: Request[Principal, Any, Any],
        db: asyncpg.Connection,
        next: str | None = None,
        done: str | None = None,
    ) -> Response[str]:
        session = context_of(request.scope)
        token = await session.csrf_token(db, user_agent=_user_agent(request))
        return _html(
            render_signin(
                token=token,
                person=_signed_in(request),
                next_path=local_path(next),
                notice=NOTICES.get(done or ""),
            )
        )

    @post("/signin", operation_id="SignInWithSession", status_code=303)
    async def signin(
        self,
        request: Request[Principal, Any, Any],
        tx: asyncpg.Connection,
        settings: Settings,
        clock: Clock,
        queue: ArqRedis,
    ) -> Response[str]:
        form = await request.form()
        email = str(form.get("email") or "").strip()
        password = str(form.get("password") or "")
        next_path = local_path(str(form.get("next") or "")) or SIGNED_IN_HOME
        session = context_of(request.scope)
        errors: dict[str, str] = {}
        if not email:
            errors["email"] = "Enter your e-mail address."
        elif "@" not in email or len(email) > 320:
            errors["email"] = "Enter your e-mail address as it was registered, like name@example.org."
        if not password:
            errors["password"] = "Enter your password."  # noqa: S105 (a message, not a secret)
        if errors:
            return _signin_again(session.session, email, next_path, errors, 422)
        identity = IdentityService(tx, clock, settings)
        throttle = SignInThrottle(queue, settings, email, request.client.host if request.client else "")
        try:
            user = await identity.sign_in(
                email, password, throttle=throttle, settings=settings, data={"via": "web session"}
            )
        except TooManySignInFailures as exc:
            response = _signin_again(session.session, email, next_path, {"email": exc.detail}, 429)
            response.headers.update(exc.headers or {})
            return response
        if user is None:
            errors["email"] = "The e-mail address or the password is wrong."
            return _signin_again(session.session, email, next_path, errors, 401)
        await session.sign_in(tx, user.id, user_agent=_user_agent(request))
        return Redirect(next_path, status_code=303)

    @post("/signout", operation_id="SignOut", status_code=303)
    async def signout(self, request: Request[Principal, Any, Any], tx: asyncpg.Connection) -> Redirect:
        person = _signed_in(request)
        await context_of(request.scope).sign_out(tx)
        if person is not None:
            await changelog.record(
                tx,
                "user.signed_out",
                actor=person.subject,
                subject_type="user",
                subject_id=person.user_id,
                data={"sessions": 1},
                publish=False,  # a security record, not a change others act on
            )
        return Redirect("/signin?done=signed-out", status_code=303)

    @post("/signout/everywhere", operation_id="SignOutEverywhere", status_code=303)
    async def signout_everywhere(
        self, request: Request[Principal, Any, Any], tx: asyncpg.Connection
    ) -> Redirect:
        person = _signed_in(request)
        if person is None:
            return Redirect(_signin_url("/account"), status_code=303)
        ended = await context_of(request.scope).sign_out_everywhere(tx)
        await changelog.record(
            tx,
            "user.signed_out_everywhere",
            actor=person.subject,
            subject_type="user",
            subject_id=person.user_id,
            data={"sessions": ended},
            publish=False,  # a security record, not a change others act on
        )
        return Redirect("/signin?done=signed-out-everywhere", status_code=303)

    @get("/account", operation_id="AccountPage")
    async def account(self, request: Request[Principal, Any, Any], db: asyncpg.Connection) -> Response[str]:
        person = _signed_in(request)
        if person is None:
            return Redirect(_signin_url("/account"), status_code=303)
        token = await context_of(request.scope).csrf_token(db)
        return _html(render_account(person, token))

    @get("/developer-access", operation_id="DeveloperAccessPage")
    async def developer_access(
        self, request: Request[Principal, Any, Any], db: asyncpg.Connection
    ) -> Response[str]:
        person = _signed_in(request)
        if person is None:
            return Redirect(_signin_url("/developer-access"), status_code=303)
        token = await context_of(request.scope).csrf_token(db)
        return _html(render_developer_access(person, token))

    @post("/developer-access", operation_id="CreateDeveloperToken", status_code=200)
    async def create_token(
        self, request: Request[Principal, Any, Any], tx: asyncpg.Connection, settings: Settings, clock: Clock
    ) -> Response[str]:
        person = _signed_in(request)
        if person is None or person.user_id is None:
            return Redirect(_signin_url("/developer-access"), status_code=303)
        access_token, seconds = await IdentityService(tx, clock, settings).developer_token(
            person.user_id, settings
        )
        token = await context_of(request.scope).csrf_token(tx)
        return _html(render_developer_access(person, token, access_token=access_token, seconds=seconds))

    @get("/signin/callback", operation_id="ConsoleCallback")
    async def console_callback(self) -> Redirect:
        """The old console's redirect URI, still registered for the console client: developer access now."""
        return Redirect("/developer-access", status_code=303)


def _signin_again(
    session: Any, email: str, next_path: str, errors: dict[str, str], status: int
) -> Response[str]:
    token = session.csrf_token if session is not None else ""
    return _html(render_signin(token=token, email=email, next_path=next_path, errors=errors), status)


# -- rendering (until the shared layout is on main) ----------------------------------------------------------


def _hidden_token(token: str) -> str:
    return f'<input type="hidden" name="{csrf.FIELD}" value="{escape(token)}">'


def _error_summary(errors: dict[str, str]) -> str:
    if not errors:
        return ""
    items = "".join(
        f'<li><a href="#field-{name}">{escape(message)}</a></li>' for name, message in errors.items()
    )
    return (
        '<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">'
        f'<h2 id="error-summary-title">There is a problem</h2><ul>{items}</ul></div>'
    )


def _field(name: str, label: str, *, kind: str, value: str, error: str | None, autocomplete: str) -> str:
    described = f' aria-describedby="field-{name}-error" aria-invalid="true"' if error else ""
    error_html = (
        f'<p class="error" id="field-{name}-error"><span class="visually-hidden">Error:</span> {escape(error)}</p>'
        if error
        else ""
    )
    return (
        f'<label for="field-{name}">{escape(label)}</label>{error_html}'
        f'<input id="field-{name}" name="{name}" type="{kind}" value="{escape(value)}" '
        f'autocomplete="{autocomplete}"{described}>'
    )


def _signout_forms(token: str) -> str:
    return (
        f'<form method="post" action="/signout">{_hidden_token(token)}<button type="submit">Sign out</button></form>'
        f'<form method="post" action="/signout/everywhere">{_hidden_token(token)}'
        '<button type="submit">Sign out everywhere</button></form>'
        '<p class="muted">"Sign out everywhere" ends your sessions in every browser and on every device.</p>'
    )


def _name(person: Principal) -> str:
    return person.display_name or person.email or "you"


def render_signin(
    *,
    token: str,
    person: Principal | None = None,
    email: str = "",
    next_path: str | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
) -> str:
    errors = errors or {}
    notice_html = f'<p class="notice" role="status">{escape(notice)}</p>' if notice else ""
    if person is not None:
        body = (
            f"<h1>Sign in</h1>{notice_html}<p>You are signed in as <strong>{escape(_name(person))}</strong>.</p>"
            f'<p><a href="/account">Your account</a></p>{_signout_forms(token)}'
        )
        return login.page("Sign in", body)
    next_field = f'<input type="hidden" name="next" value="{escape(next_path)}">' if next_path else ""
    body = (
        f"<h1>Sign in to igf_hub</h1>{notice_html}{_error_summary(errors)}"
        f'<form method="post" action="/signin" novalidate>{_hidden_token(token)}{next_field}'
        + _field(
            "email",
            "E-mail address",
            kind="email",
            value=email,
            error=errors.get("email"),
            autocomplete="username",
        )
        + _field(
            "password",
            "Password",
            kind="password",
            value="",
            error=errors.get("password"),
            autocomplete="current-password",
        )
        + '<button type="submit">Sign in</button></form>'
    )
    return login.page("Sign in" if not errors else "Error: Sign in", body)


def render_account(person: Principal, token: str) -> str:
    roles = ", ".join(sorted(r.value.replace("_", " ") for r in person.roles)) or "none"
    body = (
        f'<h1>Your account</h1><p id="signed-in-as">Signed in as <strong>{escape(_name(person))}</strong>'
        f" ({escape(person.email or '')}).</p><p>Your roles: {escape(roles)}.</p>"
        '<p><a href="/developer-access">Developer access</a>: an access token for the API.</p>'
        f"{_signout_forms(token)}"
    )
    return login.page("Your account", body)


def render_developer_access(
    person: Principal, token: str, *, access_token: str | None = None, seconds: int = 0
) -> str:
    issued = ""
    if access_token is not None:
        minutes = max(seconds // 60, 1)
        issued = (
            f"<h2>Your access token</h2><p>It is valid for {minutes} minutes and acts as you, with your roles. "
            "Keep it secret; create a new one when it expires.</p>"
            f'<pre id="access-token">{escape(access_token)}</pre>'
            '<p>In the <a href="/schema">API documentation</a>, choose "Authorize" and paste it as the bearer '
            "token, or send it in the <code>Authorization: Bearer</code> header.</p>"
        )
    body = (
        f"<h1>Developer access</h1><p>Signed in as <strong>{escape(_name(person))}</strong>.</p>"
        "<p>Programs use the API with an access token. Machines that run unattended should have their own "
        "client (ask the IGF Secretariat); to try the API as yourself, create a short-lived token here.</p>"
        f'<form method="post" action="/developer-access">{_hidden_token(token)}'
        '<button type="submit">Create an access token</button></form>'
        f"{issued}"
    )
    return login.page("Developer access", body)
