"""The two-factor pages: the second step of signing in, and setting two-factor up on one's account.

- After a right password, a person with two-factor gets the second step (``after_password``): a code from their
  app, a recovery code, or a passkey (with JavaScript). Until it is passed there is no session for them: the
  browser holds only a short-lived challenge value (auth/twofactor_service.py); the session is created, with a
  new value and CSRF token, when the second factor is passed. The step has its own throttle, with the
  password's limits.
- ``/account/two-factor`` sets TOTP up (the otpauth:// URI, its key as text and a QR code as inline SVG; a first
  code turns it on and shows ten recovery codes once), makes new recovery codes, adds and removes passkeys, and
  turns two-factor off (a fresh code or the password first). A person whose role requires two-factor reaches
  only this page (and sign-out) until it is on (web/sessions.py), and cannot turn it off.
Templates: ``templates/auth/second_factor.html``, ``two_factor.html``, ``recovery_codes.html``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import asyncpg
import segno
from arq.connections import ArqRedis
from litestar import Request, get, post
from litestar.response import Redirect, Template

from igf_hub.auth.errors import AccountLockedOut, TooManySignInFailures
from igf_hub.auth.principal import AnyRequest, Principal
from igf_hub.auth.service import IdentityService
from igf_hub.auth.throttle import second_factor_throttle
from igf_hub.auth.twofactor_service import (
    PASSKEY_REGISTRATION,
    Outcome,
    TwoFactorService,
    required_for,
)
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.web import i18n
from igf_hub.web.access import sign_in_first, signed_in
from igf_hub.web.errors import PageController
from igf_hub.web.i18n import N_
from igf_hub.web.sessions import BEFORE_TWO_FACTOR, TWO_FACTOR_PAGE, context_of
from igf_hub.web.templating import render

NO_STORE = {"Cache-Control": "no-store"}
REFUSALS = {
    Outcome.wrong: N_(
        "That code is not right. Enter the 6-digit code your app shows now, or one of your recovery codes."
    ),
    Outcome.malformed: N_("Enter the 6-digit code from your authenticator app, or a recovery code."),
    Outcome.replayed: N_("That code was already used. Wait for your app to show a new code, then enter it."),
    Outcome.recovery_used: N_("That recovery code was already used: each one works once. Use another one."),
    Outcome.not_enrolled: N_("Two-factor sign-in is not set up for this account."),
}
ENTER_CODE = N_("Enter the 6-digit code from your authenticator app, or a recovery code.")
PASSKEY_FAILED = N_("The passkey could not be checked. Try again, or enter a code instead.")
ENTER_CONFIRMATION = N_("Enter a code from your authenticator app, or your password.")
CONFIRMATION_WRONG = N_("That is neither a current code from your app nor your password.")
REQUIRED = N_("Your role requires two-factor sign-in, so it cannot be turned off.")
PASSKEY_NAME = N_("Give the passkey a name of up to 100 characters, like “Work laptop”.")
PASSKEY_REFUSED = N_("The passkey could not be added. Try again.")
QR_LABEL = N_("QR code of the setup link")
# The OAuth login's own sentences (it is an English page: auth/login.py).
SIGN_IN_TOO_LONG = "Signing in took too long. Enter your e-mail address and password again."
SET_UP_FIRST = (
    "Your role requires two-factor sign-in. Sign in on this site's own sign-in page and set it up first, then "
    "try again."
)
SIGN_IN_AGAIN = "second-factor-expired"  # the sign-in page's notice (auth/pages.py NOTICES)
NOTICES = {
    "disabled": N_("Two-factor sign-in is off."),
    "passkey-added": N_("The passkey is added."),
    "passkey-removed": N_("The passkey is removed."),
}


def _language(request: Request[Any, Any, Any]) -> str:
    return i18n.request_language(request)


def _address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else ""


def _page(
    request: Request[Any, Any, Any], template: str, context: Mapping[str, Any], status_code: int = 200
) -> Template:
    return render(request, template, context, status_code=status_code, headers=NO_STORE)


def _wait_message(language: str, exc: TooManySignInFailures) -> tuple[str, str]:
    retry_after = int((exc.headers or {}).get("Retry-After", "60"))
    minutes = max(-(-retry_after // 60), 1)
    text = i18n.ngettext(
        language,
        "Too many failed sign-ins. Try again in %(num)d minute.",
        "Too many failed sign-ins. Try again in %(num)d minutes.",
        minutes,
    )
    return text % {"num": minutes}, str(retry_after)


def qr_svg(uri: str, label: str) -> str:
    """The otpauth:// URI as a QR code, inline SVG (no script, no image request); segno escapes the title. The
    template inserts it as markup."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=4, title=label, svgclass="qr-code")
    return svg.replace("<svg ", '<svg role="img" ', 1)


# -- the second step of signing in -----------------------------------------------------------------------


async def after_password(
    request: AnyRequest,
    tx: asyncpg.Connection,
    clock: Clock,
    settings: Settings,
    user_id: UUID,
    next_path: str | None,
) -> Template | Redirect:
    """The password was right: the second step for a person with two-factor, else the session."""
    service = TwoFactorService(tx, clock, settings)
    if await service.is_enabled(user_id):
        value = await service.begin(user_id, next_path=next_path)
        return await _second_step(request, tx, clock, settings, value)
    await IdentityService(tx, clock, settings).signed_in(user_id, {"via": "web session"})
    await context_of(request.scope).sign_in(tx, user_id, user_agent=request.headers.get("user-agent", ""))
    language = _language(request)
    principal = await IdentityService(tx, clock, settings).user_principal(user_id)
    if principal is not None and required_for(principal):
        return Redirect(i18n.path_in(language, TWO_FACTOR_PAGE), status_code=303)
    return Redirect(next_path or i18n.path_in(language, "/account"), status_code=303)


async def _second_step(
    request: AnyRequest,
    conn: asyncpg.Connection,
    clock: Clock,
    settings: Settings,
    value: str,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Template:
    service = TwoFactorService(conn, clock, settings)
    challenge = await service.challenge(value)
    options = await service.passkey_options(challenge, value) if challenge is not None else None
    session = context_of(request.scope).session
    return _page(
        request,
        "auth/second_factor.html",
        {
            "csrf_token": session.csrf_token if session is not None else "",
            "challenge": value,
            "passkey_options": options,
            "errors": {"code": error} if error else {},
        },
        status_code,
    )


class TwoFactorPages(PageController):
    @post("/signin/second-factor", operation_id="SignInSecondFactor", status_code=303)
    async def second_factor(
        self,
        request: AnyRequest,
        tx: asyncpg.Connection,
        settings: Settings,
        clock: Clock,
        queue: ArqRedis,
    ) -> Template | Redirect:
        form = await request.form()
        value = str(form.get("challenge") or "")
        code = str(form.get("code") or "")
        passkey = str(form.get("credential") or "")
        language = _language(request)
        service = TwoFactorService(tx, clock, settings)
        identity = IdentityService(tx, clock, settings)
        challenge = await service.challenge(value)
        if challenge is None:  # unknown, used, or it took too long
            query = f"?done={SIGN_IN_AGAIN}"
            return Redirect(i18n.path_in(language, "/signin") + query, status_code=303)
        if not passkey and not code.strip():
            return await _second_step(
                request, tx, clock, settings, value, error=i18n.gettext(language, ENTER_CODE), status_code=422
            )
        user = await identity.get_user(challenge.user_id)
        throttle = second_factor_throttle(queue, settings, user.email, _address(request))
        try:
            await throttle.attempt()
        except TooManySignInFailures as exc:
            if isinstance(exc, AccountLockedOut) and exc.newly_locked:
                await identity.record_sign_in_lockout(user.email, settings)
            text, retry_after = _wait_message(language, exc)
            page = await _second_step(request, tx, clock, settings, value, error=text, status_code=429)
            page.headers.update({"Retry-After": retry_after})
            return page
        if passkey:
            method = "passkey"
            ok = await service.verify_passkey(challenge, passkey)
            refusal = PASSKEY_FAILED
        else:
            outcome, method = await service.verify_code(challenge.user_id, code)
            ok = outcome is Outcome.accepted
            refusal = REFUSALS.get(outcome, ENTER_CODE)
        if not ok:
            return await _second_step(
                request, tx, clock, settings, value, error=i18n.gettext(language, refusal), status_code=401
            )
        if not await service.finish(value):  # another request passed it first
            return Redirect(i18n.path_in(language, "/signin") + f"?done={SIGN_IN_AGAIN}", status_code=303)
        await throttle.succeeded()
        await identity.signed_in(challenge.user_id, {"via": "web session", "second_factor": method})
        await context_of(request.scope).sign_in(
            tx, challenge.user_id, user_agent=request.headers.get("user-agent", ""), second_factor=True
        )
        return Redirect(challenge.next_path or i18n.path_in(language, "/account"), status_code=303)

    # -- the account's two-factor page -------------------------------------------------------------------

    @get("/account/two-factor", operation_id="TwoFactorPage", opt=BEFORE_TWO_FACTOR)
    async def two_factor_page(
        self,
        request: AnyRequest,
        tx: asyncpg.Connection,
        settings: Settings,
        clock: Clock,
        done: str | None = None,
    ) -> Template | Redirect:
        person = signed_in(request)
        if person is None or person.user_id is None:
            return sign_in_first(request, TWO_FACTOR_PAGE)
        notice = NOTICES.get(done or "")
        return await self._show(request, tx, settings, clock, person, notice=notice)

    async def _show(
        self,
        request: AnyRequest,
        conn: asyncpg.Connection,
        settings: Settings,
        clock: Clock,
        person: Principal,
        *,
        errors: Mapping[str, str] | None = None,
        notice: str | None = None,
        status_code: int = 200,
    ) -> Template:
        assert person.user_id is not None
        language = _language(request)
        service = TwoFactorService(conn, clock, settings)
        status = await service.status(person.user_id)
        account = person.email or str(person.user_id)
        enrolment = None if status.enabled else await service.pending_totp(person.user_id, account)
        passkey_challenge, passkey_options = (None, None)
        if status.enabled:
            passkey_challenge, passkey_options = await service.passkey_registration(
                person.user_id, account, person.display_name or ""
            )
        token = await context_of(request.scope).csrf_token(conn)
        return _page(
            request,
            "auth/two_factor.html",
            {
                "csrf_token": token,
                "required": required_for(person),
                "status": status,
                "enrolment": enrolment,
                "qr": qr_svg(enrolment.uri, i18n.gettext(language, QR_LABEL)) if enrolment else None,
                "passkey_challenge": passkey_challenge,
                "passkey_options": passkey_options,
                "errors": {name: i18n.gettext(language, text) for name, text in (errors or {}).items()},
                "notice": i18n.gettext(language, notice) if notice else None,
            },
            status_code,
        )

    @post("/account/two-factor/totp", operation_id="StartTotp", status_code=303, opt=BEFORE_TWO_FACTOR)
    async def start_totp(
        self, request: AnyRequest, tx: asyncpg.Connection, settings: Settings, clock: Clock
    ) -> Redirect:
        person = signed_in(request)
        if person is None or person.user_id is None:
            return sign_in_first(request, TWO_FACTOR_PAGE)
        await TwoFactorService(tx, clock, settings).start_totp(person.user_id, person.email or "")
        return Redirect(i18n.path_in(_language(request), TWO_FACTOR_PAGE), status_code=303)

    @post(
        "/account/two-factor/totp/confirm", operation_id="ConfirmTotp", status_code=200, opt=BEFORE_TWO_FACTOR
    )
    async def confirm_totp(
        self, request: AnyRequest, tx: asyncpg.Connection, settings: Settings, clock: Clock
    ) -> Template | Redirect:
        person = signed_in(request)
        if person is None or person.user_id is None:
            return sign_in_first(request, TWO_FACTOR_PAGE)
        code = str((await request.form()).get("code") or "")
        if not code.strip():
            return await self._show(
                request, tx, settings, clock, person, errors={"code": ENTER_CODE}, status_code=422
            )
        outcome, codes = await TwoFactorService(tx, clock, settings).confirm_totp(person.user_id, code)
        if outcome is Outcome.not_enrolled:
            return Redirect(i18n.path_in(_language(request), TWO_FACTOR_PAGE), status_code=303)
        if outcome is not Outcome.accepted:
            return await self._show(
                request, tx, settings, clock, person, errors={"code": REFUSALS[outcome]}, status_code=422
            )
        # The session passed a second factor now: a new one (new value, new CSRF token) that says so.
        await context_of(request.scope).sign_in(
            tx, person.user_id, user_agent=request.headers.get("user-agent", ""), second_factor=True
        )
        return self._codes(request, codes)

    def _codes(self, request: AnyRequest, codes: list[str]) -> Template:
        return _page(request, "auth/recovery_codes.html", {"codes": codes})

    async def _confirmed(
        self,
        request: AnyRequest,
        tx: asyncpg.Connection,
        settings: Settings,
        clock: Clock,
        queue: ArqRedis,
        person: Principal,
        field: str,
    ) -> tuple[str | None, str | None, dict[str, str]]:
        """(how the person confirmed it: "totp", "recovery_code" or "password", the error, extra headers)."""
        assert person.user_id is not None and person.email is not None
        value = str((await request.form()).get(field) or "")
        if not value.strip():
            return None, ENTER_CONFIRMATION, {}
        throttle = second_factor_throttle(queue, settings, person.email, _address(request))
        try:
            await throttle.attempt()
        except TooManySignInFailures as exc:
            text, retry_after = _wait_message(_language(request), exc)
            return None, text, {"Retry-After": retry_after}
        outcome, method = await TwoFactorService(tx, clock, settings).verify_code(person.user_id, value)
        if outcome is Outcome.accepted:
            await throttle.succeeded()
            return method, None, {}
        if await IdentityService(tx, clock, settings).authenticate(person.email, value) is not None:
            await throttle.succeeded()
            return "password", None, {}
        if outcome in (Outcome.replayed, Outcome.recovery_used):
            return None, REFUSALS[outcome], {}
        return None, CONFIRMATION_WRONG, {}

    @post("/account/two-factor/recovery-codes", operation_id="RegenerateRecoveryCodes", status_code=200)
    async def regenerate(
        self, request: AnyRequest, tx: asyncpg.Connection, settings: Settings, clock: Clock, queue: ArqRedis
    ) -> Template | Redirect:
        person = signed_in(request)
        if person is None or person.user_id is None:
            return sign_in_first(request, TWO_FACTOR_PAGE)
        service = TwoFactorService(tx, clock, settings)
        if not await service.is_enabled(person.user_id):
            return Redirect(i18n.path_in(_language(request), TWO_FACTOR_PAGE), status_code=303)
        _, error, headers = await self._confirmed(
            request, tx, settings, clock, queue, person, "regenerate_confirm"
        )
        if error is not None:
            page = await self._show(
                request, tx, settings, clock, person, errors={"regenerate_confirm": error}, status_code=422
            )
            page.headers.update(headers)
            return page
        return self._codes(request, await service.regenerate_recovery_codes(person.user_id))

    @post("/account/two-factor/disable", operation_id="DisableTwoFactor", status_code=303)
    async def disable(
        self, request: AnyRequest, tx: asyncpg.Connection, settings: Settings, clock: Clock, queue: ArqRedis
    ) -> Template | Redirect:
        person = signed_in(request)
        if person is None or person.user_id is None:
            return sign_in_first(request, TWO_FACTOR_PAGE)
        if required_for(person):
            return await self._show(
                request, tx, settings, clock, person, errors={"disable_confirm": REQUIRED}, status_code=409
            )
        method, error, headers = await self._confirmed(
            request, tx, settings, clock, queue, person, "disable_confirm"
        )
        if error is not None or method is None:
            page = await self._show(
                request,
                tx,
                settings,
                clock,
                person,
                errors={"disable_confirm": error or CONFIRMATION_WRONG},
                status_code=422,
            )
            page.headers.update(headers)
            return page
        await TwoFactorService(tx, clock, settings).disable(person.user_id, confirmed_with=method)
        return Redirect(i18n.path_in(_language(request), TWO_FACTOR_PAGE) + "?done=disabled", status_code=303)

    @post("/account/two-factor/passkeys", operation_id="AddPasskey", status_code=303)
    async def add_passkey(
        self, request: AnyRequest, tx: asyncpg.Connection, settings: Settings, clock: Clock
    ) -> Template | Redirect:
        person = signed_in(request)
        if person is None or person.user_id is None:
            return sign_in_first(request, TWO_FACTOR_PAGE)
        form = await request.form()
        name = str(form.get("passkey_name") or "").strip()
        credential = str(form.get("credential") or "")
        service = TwoFactorService(tx, clock, settings)
        if not name or len(name) > 100:
            return await self._show(
                request, tx, settings, clock, person, errors={"passkey_name": PASSKEY_NAME}, status_code=422
            )
        challenge = await service.challenge(str(form.get("challenge") or ""), PASSKEY_REGISTRATION)
        added = None
        if challenge is not None and challenge.user_id == person.user_id and credential:
            added = await service.register_passkey(challenge, credential, name)
        if added is None:
            return await self._show(
                request,
                tx,
                settings,
                clock,
                person,
                errors={"passkey_name": PASSKEY_REFUSED},
                status_code=422,
            )
        return Redirect(
            i18n.path_in(_language(request), TWO_FACTOR_PAGE) + "?done=passkey-added", status_code=303
        )

    @post(
        "/account/two-factor/passkeys/{passkey_id:uuid}/delete", operation_id="RemovePasskey", status_code=303
    )
    async def remove_passkey(
        self, request: AnyRequest, tx: asyncpg.Connection, settings: Settings, clock: Clock, passkey_id: UUID
    ) -> Redirect:
        person = signed_in(request)
        if person is None or person.user_id is None:
            return sign_in_first(request, TWO_FACTOR_PAGE)
        await TwoFactorService(tx, clock, settings).delete_passkey(person.user_id, passkey_id)
        return Redirect(
            i18n.path_in(_language(request), TWO_FACTOR_PAGE) + "?done=passkey-removed", status_code=303
        )
