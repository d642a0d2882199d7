"""The pages of accounts people make themselves: sign up, confirm the e-mail address, ask for a new link, reset a
forgotten password (people/account_service.py says what each does and what it never reveals).

Every form is CSRF-checked by the session middleware (web/csrf.py) and follows the form pattern (an error summary
linking to each field, the error at the field, the input kept; a password is never sent back). Templates are in
``templates/people/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg
from arq.connections import ArqRedis
from litestar import get, post
from litestar.response import Redirect, Template

from igf_hub.auth import password_rules
from igf_hub.auth.password_rules import PasswordRefused, limit
from igf_hub.auth.principal import AnyRequest
from igf_hub.core import countries
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.core.vocab import StakeholderGroup
from igf_hub.people import throttle
from igf_hub.people.account_service import RESET, VERIFY, AccountService, SignUp
from igf_hub.people.errors import LinkExpired, LinkNotFound, LinkUsed, TooManyRequestsForAddress
from igf_hub.web import i18n
from igf_hub.web.errors import PageController
from igf_hub.web.formatting import country_name
from igf_hub.web.i18n import N_, gettext
from igf_hub.web.navigation import WorkItem
from igf_hub.web.sessions import context_of
from igf_hub.web.templating import render
from igf_hub.web.vocabulary import STAKEHOLDER_GROUP_NAMES

NO_STORE = {"Cache-Control": "no-store"}
# Every signed-in person's own pages, first on "My work" (web/workspace.py).
WORKSPACE = [
    WorkItem(path="/inbox", label=N_("Inbox"), description=N_("The notices sent to you."), order=1),
    WorkItem(
        path="/account/notifications",
        label=N_("Notifications"),
        description=N_("What you receive by e-mail, and how often."),
        order=2,
    ),
    WorkItem(path="/account/following", label=N_("Following"), description=N_("What you follow."), order=3),
    WorkItem(
        path="/account",
        label=N_("Account"),
        description=N_("Your sign-in, two-factor and sessions."),
        order=4,
    ),
]
ENTER_EMAIL = N_("Enter your e-mail address.")
EMAIL_FORM = N_("Enter an e-mail address in the correct format, like name@example.org.")
ENTER_NAME = N_("Enter your name, as others will see it.")
NAME_TOO_LONG = N_("Your name must be at most 200 characters long.")
CHOOSE_LANGUAGE = N_("Choose the language you want to read.")
CHOOSE_GROUP = N_("Choose a stakeholder group from the list, or leave it empty.")
CHOOSE_COUNTRY = N_("Choose a country or territory from the list, or leave it empty.")
LINK_REFUSALS = {
    LinkNotFound: N_("This link is not valid. Check that you copied the whole link from the e-mail."),
    LinkUsed: N_("This link has already been used, or a newer one was sent since."),
    LinkExpired: N_("This link has expired."),
}
WAIT = N_("Too many e-mails were asked for this address. Try again in %(num)d minutes.")


def language_of(request: AnyRequest) -> str:
    return i18n.request_language(request)


def field_text(form: Mapping[str, Any], name: str) -> str:
    return str(form.get(name) or "").strip()


def email_error(email: str) -> str | None:
    if not email:
        return ENTER_EMAIL
    local, at, domain = email.rpartition("@")[0], "@" in email, email.rpartition("@")[2]
    if not at or not local or "." not in domain or len(email) > 320 or any(c.isspace() for c in email):
        return EMAIL_FORM
    return None


def translated(language: str, errors: Mapping[str, str]) -> dict[str, str]:
    return {name: gettext(language, text) % {"num": limit(text)} for name, text in errors.items()}


def page(request: AnyRequest, template: str, context: Mapping[str, Any], status_code: int = 200) -> Template:
    return render(request, template, context, status_code=status_code, headers=NO_STORE)


def wait_minutes(exc: TooManyRequestsForAddress) -> int:
    return max(-(-int(exc.headers.get("Retry-After", "60")) // 60), 1)


class AccountPages(PageController):
    # -- sign up ------------------------------------------------------------------------------------------

    @get("/signup", operation_id="SignUpPage")
    async def signup_page(self, request: AnyRequest, db: asyncpg.Connection) -> Template | Redirect:
        if request.user.is_authenticated:
            return Redirect(i18n.path_in(language_of(request), "/account"), status_code=303)
        token = await context_of(request.scope).csrf_token(
            db, user_agent=request.headers.get("user-agent", "")
        )
        return self._signup_form(request, token, {"language": language_of(request)}, {})

    @post("/signup", operation_id="SignUp", status_code=303)
    async def signup(
        self, request: AnyRequest, tx: asyncpg.Connection, settings: Settings, clock: Clock, queue: ArqRedis
    ) -> Template | Redirect:
        raw = await request.form()
        form = {
            name: field_text(raw, name) for name in ("email", "display_name", "language", "group", "country")
        }
        form["country"] = form["country"].upper()
        password = str(raw.get("password") or "")
        language = language_of(request)
        errors: dict[str, str] = {}
        if error := email_error(form["email"]):
            errors["email"] = error
        if not form["display_name"]:
            errors["display_name"] = ENTER_NAME
        elif len(form["display_name"]) > 200:
            errors["display_name"] = NAME_TOO_LONG
        if form["language"] not in i18n.LANGUAGES:
            errors["language"] = CHOOSE_LANGUAGE
        if form["group"] and form["group"] not in set(StakeholderGroup):
            errors["group"] = CHOOSE_GROUP
        if form["country"] and not countries.is_known(form["country"]):
            errors["country"] = CHOOSE_COUNTRY
        if refusal := password_rules.refusal(password, email=form["email"], name=form["display_name"]):
            errors["password"] = refusal
        session = context_of(request.scope).session
        csrf = session.csrf_token if session is not None else ""
        if not errors:
            try:
                await throttle.count_request(queue, settings, form["email"])
                await AccountService(tx, clock, settings).sign_up(
                    SignUp(
                        email=form["email"],
                        display_name=form["display_name"],
                        language=form["language"],
                        password=password,
                        stakeholder_group=form["group"] or None,
                        country=form["country"] or None,
                    )
                )
            except TooManyRequestsForAddress as exc:
                wait = {"email": gettext(language, WAIT) % {"num": wait_minutes(exc)}}
                response = self._signup_form(request, csrf, form, wait, 429)
                response.headers["Retry-After"] = exc.headers["Retry-After"]
                return response
        if errors:
            return self._signup_form(request, csrf, form, translated(language, errors), 422)
        return Redirect(i18n.path_in(form["language"], "/signup/sent"), status_code=303)

    @get("/signup/sent", operation_id="SignUpSentPage")
    async def signup_sent(self, request: AnyRequest) -> Template:
        return page(request, "people/check_email.html", {"purpose": "signup"})

    def _signup_form(
        self,
        request: AnyRequest,
        csrf_token: str,
        form: Mapping[str, str],
        errors: Mapping[str, str],
        status_code: int = 200,
    ) -> Template:
        language = language_of(request)
        choose = gettext(language, N_("Do not say"))
        named = sorted(((c, country_name(c, language)) for c in countries.COUNTRIES), key=lambda c: c[1])
        return page(
            request,
            "people/signup.html",
            {
                "form": form,
                "errors": dict(errors),
                "csrf_token": csrf_token,
                "language_options": [(code, lang.name) for code, lang in i18n.LANGUAGES.items()],
                "group_options": [
                    ("", choose),
                    *((g.value, gettext(language, STAKEHOLDER_GROUP_NAMES[g])) for g in StakeholderGroup),
                ],
                "country_options": [("", choose), *named],
            },
            status_code,
        )

    # -- one-time links -----------------------------------------------------------------------------------

    @get("/verify-email/{token:str}", operation_id="ConfirmEmailPage")
    async def confirm_page(
        self, request: AnyRequest, db: asyncpg.Connection, settings: Settings, clock: Clock, token: str
    ) -> Template:
        csrf = await context_of(request.scope).csrf_token(db)
        try:
            await AccountService(db, clock, settings).check_link(token, VERIFY)
        except (LinkNotFound, LinkUsed, LinkExpired) as exc:
            return self._refused(request, csrf, VERIFY, exc)
        return page(request, "people/confirm_email.html", {"csrf_token": csrf, "token": token})

    @post("/verify-email/{token:str}", operation_id="ConfirmEmail", status_code=303)
    async def confirm(
        self, request: AnyRequest, tx: asyncpg.Connection, settings: Settings, clock: Clock, token: str
    ) -> Template | Redirect:
        try:
            await AccountService(tx, clock, settings).confirm_email(token)
        except (LinkNotFound, LinkUsed, LinkExpired) as exc:
            return self._refused(request, await context_of(request.scope).csrf_token(tx), VERIFY, exc)
        return Redirect(
            i18n.path_in(language_of(request), "/signin") + "?done=email-confirmed", status_code=303
        )

    @get("/verify-email", operation_id="NewVerificationLinkPage")
    async def new_verification_page(self, request: AnyRequest, db: asyncpg.Connection) -> Template:
        csrf = await context_of(request.scope).csrf_token(db)
        return self._request_form(request, csrf, VERIFY, "", {})

    @post("/verify-email", operation_id="SendVerificationLink", status_code=303)
    async def new_verification(
        self, request: AnyRequest, tx: asyncpg.Connection, settings: Settings, clock: Clock, queue: ArqRedis
    ) -> Template | Redirect:
        return await self._send_link(request, tx, settings, clock, queue, VERIFY)

    @get("/password-reset", operation_id="ForgotPasswordPage")
    async def forgot_page(self, request: AnyRequest, db: asyncpg.Connection) -> Template:
        csrf = await context_of(request.scope).csrf_token(db)
        return self._request_form(request, csrf, RESET, "", {})

    @post("/password-reset", operation_id="SendPasswordResetLink", status_code=303)
    async def forgot(
        self, request: AnyRequest, tx: asyncpg.Connection, settings: Settings, clock: Clock, queue: ArqRedis
    ) -> Template | Redirect:
        return await self._send_link(request, tx, settings, clock, queue, RESET)

    @get("/link-sent/{purpose:str}", operation_id="LinkSentPage")
    async def link_sent(self, request: AnyRequest, purpose: str) -> Template:
        return page(
            request, "people/check_email.html", {"purpose": purpose if purpose in (VERIFY, RESET) else ""}
        )

    @get("/password-reset/{token:str}", operation_id="NewPasswordPage")
    async def new_password_page(
        self, request: AnyRequest, db: asyncpg.Connection, settings: Settings, clock: Clock, token: str
    ) -> Template:
        csrf = await context_of(request.scope).csrf_token(db)
        try:
            await AccountService(db, clock, settings).check_link(token, RESET)
        except (LinkNotFound, LinkUsed, LinkExpired) as exc:
            return self._refused(request, csrf, RESET, exc)
        return page(request, "people/new_password.html", {"csrf_token": csrf, "token": token, "errors": {}})

    @post("/password-reset/{token:str}", operation_id="ResetPassword", status_code=303)
    async def reset(
        self, request: AnyRequest, tx: asyncpg.Connection, settings: Settings, clock: Clock, token: str
    ) -> Template | Redirect:
        raw = await request.form()
        password = str(raw.get("password") or "")
        context = context_of(request.scope)
        try:
            await AccountService(tx, clock, settings).reset_password(token, password)
        except (LinkNotFound, LinkUsed, LinkExpired) as exc:
            return self._refused(request, await context.csrf_token(tx), RESET, exc)
        except PasswordRefused as exc:
            errors = translated(language_of(request), {"password": exc.message})
            csrf = await context.csrf_token(tx)
            return page(
                request,
                "people/new_password.html",
                {"csrf_token": csrf, "token": token, "errors": errors},
                422,
            )
        # Every session of the person ended, this browser's too: it signs in with the new password.
        await context.sign_out(tx)
        return Redirect(
            i18n.path_in(language_of(request), "/signin") + "?done=password-changed", status_code=303
        )

    async def _send_link(
        self,
        request: AnyRequest,
        tx: asyncpg.Connection,
        settings: Settings,
        clock: Clock,
        queue: ArqRedis,
        purpose: str,
    ) -> Template | Redirect:
        email = field_text(await request.form(), "email")
        language = language_of(request)
        session = context_of(request.scope).session
        csrf = session.csrf_token if session is not None else ""
        if error := email_error(email):
            return self._request_form(
                request, csrf, purpose, email, translated(language, {"email": error}), 422
            )
        try:
            await throttle.count_request(queue, settings, email)
        except TooManyRequestsForAddress as exc:
            text = gettext(language, WAIT) % {"num": wait_minutes(exc)}
            response = self._request_form(request, csrf, purpose, email, {"email": text}, 429)
            response.headers["Retry-After"] = exc.headers["Retry-After"]
            return response
        service = AccountService(tx, clock, settings)
        if purpose == VERIFY:
            await service.resend_verification(email, language)
        else:
            await service.request_reset(email, language)
        return Redirect(i18n.path_in(language, f"/link-sent/{purpose}"), status_code=303)

    def _request_form(
        self,
        request: AnyRequest,
        csrf_token: str,
        purpose: str,
        email: str,
        errors: Mapping[str, str],
        status_code: int = 200,
    ) -> Template:
        return page(
            request,
            "people/request_link.html",
            {
                "csrf_token": csrf_token,
                "purpose": purpose,
                "email": email,
                "errors": dict(errors),
                "reason": None,
            },
            status_code,
        )

    def _refused(
        self, request: AnyRequest, csrf_token: str, purpose: str, exc: LinkNotFound | LinkUsed | LinkExpired
    ) -> Template:
        """A link that cannot be used: why, and the form that sends a new one."""
        response = self._request_form(
            request, csrf_token, purpose, "", {}, 404 if isinstance(exc, LinkNotFound) else 410
        )
        response.context["reason"] = gettext(language_of(request), LINK_REFUSALS[type(exc)])
        return response
