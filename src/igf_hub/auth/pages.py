"""The sign-in pages: sign in (a browser session), sign out, sign out everywhere, your account, developer access.

Signing in here starts a browser session (web/sessions.py); the OAuth login at /oauth/authorize stays for API
clients. Sign-in goes through the same throttle, lock-out and audit as the OAuth login
(``IdentityService.sign_in``). Every form is CSRF-checked by the session middleware (web/csrf.py). Templates
are in ``templates/auth/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import asyncpg
from arq.connections import ArqRedis
from litestar import Request, get, post
from litestar.response import Redirect, Template

from igf_hub.auth import twofactor_pages
from igf_hub.auth.errors import AccountLockedOut, EmailNotVerified, TooManySignInFailures
from igf_hub.auth.principal import AnyRequest, Principal, Role
from igf_hub.auth.service import IdentityService
from igf_hub.auth.throttle import SignInThrottle
from igf_hub.core import changelog
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.web import i18n
from igf_hub.web.access import signed_in
from igf_hub.web.errors import PageController
from igf_hub.web.i18n import N_
from igf_hub.web.navigation import local_path
from igf_hub.web.sessions import BEFORE_TWO_FACTOR, context_of
from igf_hub.web.templating import render

NO_STORE = {"Cache-Control": "no-store"}
NOTICES = {
    "signed-out": N_("You are signed out."),
    "signed-out-everywhere": N_("You are signed out in every browser and on every device."),
    "account-deleted": N_("Your account is deleted. Your public comments stay in the public record."),
    "email-confirmed": N_("Your e-mail address is confirmed. You can sign in now."),
    "password-changed": N_(
        "Your password is changed, and you are signed out everywhere. Sign in with the new one."
    ),
    "second-factor-expired": N_("Signing in took too long. Enter your e-mail address and password again."),
}
ACCOUNT_NOTICES = {
    "invitation-accepted": N_("You accepted the invitation: your new role is listed below."),
    "signed-out-others": N_("Your other sessions are ended: only this browser is still signed in."),
}
ROLE_NAMES = {
    Role.secretariat: N_("IGF Secretariat"),
    Role.mag_member: N_("MAG member"),
    Role.nri_coordinator: N_("NRI coordinator"),
    Role.track_facilitator: N_("Intersessional track facilitator"),
    Role.funder: N_("Funder"),
    Role.consumer: N_("Data consumer"),
}
ENTER_EMAIL = N_("Enter your e-mail address.")
EMAIL_FORM = N_("Enter your e-mail address as it was registered, like name@example.org.")
ENTER_PASSWORD = N_("Enter your password.")
WRONG = N_("The e-mail address or the password is wrong.")
NOT_VERIFIED = N_("Confirm your e-mail address first: follow the link we sent to it when you signed up.")


def _language(request: Request[Any, Any, Any]) -> str:
    return i18n.request_language(request)


def _signin_url(request: Request[Any, Any, Any], back_to: str | None = None, done: str | None = None) -> str:
    """The sign-in page in the reader's language; ``back_to`` (a page path, unprefixed) is where it leads after."""
    language = _language(request)
    next_path = i18n.path_in(language, back_to) if back_to else None
    query = {k: v for k, v in (("next", next_path), ("done", done)) if v}
    return i18n.path_in(language, "/signin") + (f"?{urlencode(query)}" if query else "")


def _user_agent(request: Request[Any, Any, Any]) -> str:
    return request.headers.get("user-agent", "")


def _name(person: Principal) -> str:
    return person.display_name or person.email or ""


def _page(
    request: Request[Any, Any, Any], template: str, context: Mapping[str, Any], status_code: int = 200
) -> Template:
    return render(request, template, context, status_code=status_code, headers=NO_STORE)


def _form_page(
    request: Request[Any, Any, Any],
    *,
    email: str = "",
    next_path: str | None = None,
    errors: Mapping[str, str] | None = None,
    wait_minutes: int = 0,
    locked: bool = False,
    status_code: int = 200,
) -> Template:
    language = _language(request)
    session = context_of(request.scope).session
    return _page(
        request,
        "auth/signin.html",
        {
            "person": None,
            "csrf_token": session.csrf_token if session is not None else "",
            "email": email,
            "next_path": next_path,
            "errors": {name: i18n.gettext(language, text) for name, text in (errors or {}).items()},
            "wait_minutes": wait_minutes,
            "locked": locked,
            "notice": None,
            "unverified": False,
        },
        status_code,
    )


class SignInPages(PageController):
    @get("/signin", operation_id="SignInPage")
    async def signin_page(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        next: str | None = None,
        done: str | None = None,
    ) -> Template:
        token = await context_of(request.scope).csrf_token(db, user_agent=_user_agent(request))
        person = signed_in(request)
        if person is None:
            response = _form_page(request, next_path=local_path(next))
        else:
            response = _page(
                request,
                "auth/signin.html",
                {
                    "person": person,
                    "name": _name(person),
                    "csrf_token": token,
                    "errors": {},
                    "notice": None,
                    "wait_minutes": 0,
                    "locked": False,
                    "unverified": False,
                },
            )
        notice = NOTICES.get(done or "")
        response.context["notice"] = i18n.gettext(_language(request), notice) if notice else None
        return response

    @post("/signin", operation_id="SignInWithSession", status_code=303)
    async def signin(
        self,
        request: AnyRequest,
        tx: asyncpg.Connection,
        settings: Settings,
        clock: Clock,
        queue: ArqRedis,
    ) -> Template | Redirect:
        form = await request.form()
        email = str(form.get("email") or "").strip()
        password = str(form.get("password") or "")
        next_path = local_path(str(form.get("next") or ""))
        errors: dict[str, str] = {}
        if not email:
            errors["email"] = ENTER_EMAIL
        elif "@" not in email or len(email) > 320:
            errors["email"] = EMAIL_FORM
        if not password:
            errors["password"] = ENTER_PASSWORD
        if errors:
            return _form_page(request, email=email, next_path=next_path, errors=errors, status_code=422)
        throttle = SignInThrottle(queue, settings, email, request.client.host if request.client else "")
        try:
            user = await IdentityService(tx, clock, settings).sign_in(
                email,
                password,
                throttle=throttle,
                settings=settings,
                data={"via": "web session"},
                complete=False,
            )
        except TooManySignInFailures as exc:
            retry_after = int((exc.headers or {}).get("Retry-After", "60"))
            page = _form_page(
                request,
                email=email,
                next_path=next_path,
                wait_minutes=max(-(-retry_after // 60), 1),
                locked=isinstance(exc, AccountLockedOut),
                status_code=429,
            )
            page.headers.update({"Retry-After": str(retry_after)})
            return page
        except EmailNotVerified:  # the right password: saying so reveals nothing to its holder
            page = _form_page(
                request, email=email, next_path=next_path, errors={"email": NOT_VERIFIED}, status_code=403
            )
            page.context["unverified"] = True
            return page
        if user is None:
            return _form_page(
                request, email=email, next_path=next_path, errors={"email": WRONG}, status_code=401
            )
        # The second factor if the person has one; the session only after it (auth/twofactor_pages.py).
        return await twofactor_pages.after_password(request, tx, clock, settings, user.id, next_path)

    @post("/signout", operation_id="SignOut", status_code=303, opt=BEFORE_TWO_FACTOR)
    async def signout(self, request: AnyRequest, tx: asyncpg.Connection) -> Redirect:
        person = signed_in(request)
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
        # A page may send the person on (an invitation for another address, after signing out): only here.
        next_path = local_path(str((await request.form()).get("next") or ""))
        return Redirect(next_path or _signin_url(request, done="signed-out"), status_code=303)

    @post("/signout/everywhere", operation_id="SignOutEverywhere", status_code=303, opt=BEFORE_TWO_FACTOR)
    async def signout_everywhere(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Redirect:
        person = signed_in(request)
        if person is None:
            return Redirect(_signin_url(request, "/account"), status_code=303)
        ended = await context_of(request.scope).sign_out_everywhere(tx)
        assert person.user_id is not None
        # Everywhere includes the programs signed in as the person: their refresh tokens end too.
        await IdentityService(tx, clock, settings).revoke_refresh_tokens(person.user_id, actor=person.subject)
        await changelog.record(
            tx,
            "user.signed_out_everywhere",
            actor=person.subject,
            subject_type="user",
            subject_id=person.user_id,
            data={"sessions": ended},
            publish=False,  # a security record, not a change others act on
        )
        return Redirect(_signin_url(request, done="signed-out-everywhere"), status_code=303)

    @get("/account", operation_id="AccountPage")
    async def account(
        self, request: AnyRequest, db: asyncpg.Connection, done: str | None = None
    ) -> Template | Redirect:
        person = signed_in(request)
        if person is None:
            return Redirect(_signin_url(request, "/account"), status_code=303)
        language = _language(request)
        roles = sorted(i18n.gettext(language, ROLE_NAMES[role]) for role in person.roles)
        token = await context_of(request.scope).csrf_token(db)
        notice = ACCOUNT_NOTICES.get(done or "")
        return _page(
            request,
            "auth/account.html",
            {
                "name": _name(person),
                "email": person.email or "",
                "roles": roles,
                "csrf_token": token,
                "notice": i18n.gettext(language, notice) if notice else None,
            },
        )

    @get("/developer-access", operation_id="DeveloperAccessPage")
    async def developer_access(self, request: AnyRequest, db: asyncpg.Connection) -> Template | Redirect:
        person = signed_in(request)
        if person is None:
            return Redirect(_signin_url(request, "/developer-access"), status_code=303)
        token = await context_of(request.scope).csrf_token(db)
        return _page(
            request,
            "auth/developer_access.html",
            {"name": _name(person), "csrf_token": token, "access_token": None, "minutes": 0},
        )

    @post("/developer-access", operation_id="CreateDeveloperToken", status_code=200)
    async def create_token(
        self, request: AnyRequest, tx: asyncpg.Connection, settings: Settings, clock: Clock
    ) -> Template | Redirect:
        person = signed_in(request)
        if person is None or person.user_id is None:
            return Redirect(_signin_url(request, "/developer-access"), status_code=303)
        access_token, seconds = await IdentityService(tx, clock, settings).developer_token(
            person.user_id, settings
        )
        token = await context_of(request.scope).csrf_token(tx)
        return _page(
            request,
            "auth/developer_access.html",
            {
                "name": _name(person),
                "csrf_token": token,
                "access_token": access_token,
                "minutes": max(seconds // 60, 1),
            },
        )

    @get("/signin/callback", operation_id="ConsoleCallback")
    async def console_callback(self, request: Request[Any, Any, Any]) -> Redirect:
        """The old console's redirect URI, still registered for the console client: developer access now."""
        return Redirect(i18n.path_in(_language(request), "/developer-access"), status_code=303)
