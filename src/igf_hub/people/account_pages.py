"""The account page's parts for the person themself: their sessions (sign out the others), the programs signed in
as them (revocable), a download of their own data, and deleting the account (the public record stays)."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec
from litestar import Response, get, post
from litestar.response import Redirect, Template

from igf_hub.auth.principal import AnyRequest
from igf_hub.auth.service import IdentityService
from igf_hub.core import changelog
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.people.account_service import AccountService
from igf_hub.people.pages import language_of, page, translated
from igf_hub.web import i18n
from igf_hub.web.access import sign_in_first, signed_in
from igf_hub.web.errors import PageController
from igf_hub.web.i18n import N_, gettext
from igf_hub.web.sessions import context_of
from igf_hub.web.sessions_repository import SessionRepository

WRONG_PASSWORD = N_("The password is wrong: enter the password of your account to delete it.")
DISCONNECTED = N_("The program can no longer act for you.")


class AccountSettingsPages(PageController):
    @get("/account/sessions", operation_id="AccountSessionsPage")
    async def sessions(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        settings: Settings,
        clock: Clock,
        done: str | None = None,
    ) -> Template | Redirect:
        person = signed_in(request)
        if person is None or person.user_id is None:
            return sign_in_first(request, "/account/sessions")
        context = context_of(request.scope)
        csrf = await context.csrf_token(db)
        current = context.session.id if context.session is not None else None
        sessions = await SessionRepository(db).list_for_user(person.user_id)
        programs = await IdentityService(db, clock, settings).connected_clients(person.user_id)
        return page(
            request,
            "people/sessions.html",
            {
                "csrf_token": csrf,
                "sessions": [{**s, "current": s["id"] == current} for s in sessions],
                "programs": programs,
                "notice": gettext(language_of(request), DISCONNECTED) if done == "disconnected" else None,
            },
        )

    @post("/account/sessions/others", operation_id="SignOutOtherSessions", status_code=303)
    async def sign_out_others(self, request: AnyRequest, tx: asyncpg.Connection) -> Redirect:
        person = signed_in(request)
        context = context_of(request.scope)
        if person is None or person.user_id is None or context.session is None:
            return sign_in_first(request, "/account/sessions")
        ended = await SessionRepository(tx).delete_others(person.user_id, context.session.id)
        await changelog.record(
            tx,
            "user.signed_out_others",
            actor=person.subject,
            subject_type="user",
            subject_id=person.user_id,
            data={"sessions": ended},
            publish=False,  # a security record, not a change others act on
        )
        return Redirect(
            i18n.path_in(language_of(request), "/account") + "?done=signed-out-others", status_code=303
        )

    @post("/account/programs/{client_id:str}/revoke", operation_id="DisconnectProgram", status_code=303)
    async def disconnect(
        self, request: AnyRequest, tx: asyncpg.Connection, settings: Settings, clock: Clock, client_id: str
    ) -> Redirect:
        person = signed_in(request)
        if person is None or person.user_id is None:
            return sign_in_first(request, "/account/sessions")
        await IdentityService(tx, clock, settings).disconnect_client(person.user_id, client_id)
        return Redirect(
            i18n.path_in(language_of(request), "/account/sessions") + "?done=disconnected", status_code=303
        )

    @get("/account/export", operation_id="ExportAccountData")
    async def export(
        self, request: AnyRequest, db: asyncpg.Connection, settings: Settings, clock: Clock
    ) -> Response[bytes] | Redirect:
        person = signed_in(request)
        if person is None or person.user_id is None:
            return sign_in_first(request, "/account")
        data = await AccountService(db, clock, settings).export(person.user_id)
        return Response(
            msgspec.json.format(msgspec.json.encode(data), indent=2),
            media_type="application/json",
            headers={
                "Content-Disposition": 'attachment; filename="igf-hub-account.json"',
                "Cache-Control": "no-store",
            },
        )

    @get("/account/delete", operation_id="DeleteAccountPage")
    async def delete_page(self, request: AnyRequest, db: asyncpg.Connection) -> Template | Redirect:
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, "/account/delete")
        csrf = await context_of(request.scope).csrf_token(db)
        return self._delete_form(request, csrf, {})

    @post("/account/delete", operation_id="DeleteAccount", status_code=303)
    async def delete(
        self, request: AnyRequest, tx: asyncpg.Connection, settings: Settings, clock: Clock
    ) -> Template | Redirect:
        person = signed_in(request)
        if person is None or person.user_id is None:
            return sign_in_first(request, "/account/delete")
        form = await request.form()
        deleted = await AccountService(tx, clock, settings).delete(
            person.user_id, str(form.get("password") or ""), keep_name=form.get("keep_name") == "yes"
        )
        context = context_of(request.scope)
        if not deleted:
            csrf = context.session.csrf_token if context.session is not None else ""
            errors = translated(language_of(request), {"password": WRONG_PASSWORD})
            return self._delete_form(request, csrf, errors, 422)
        await context.sign_out(tx)
        return Redirect(
            i18n.path_in(language_of(request), "/signin") + "?done=account-deleted", status_code=303
        )

    def _delete_form(
        self, request: AnyRequest, csrf_token: str, errors: dict[str, str], status_code: int = 200
    ) -> Template:
        context: dict[str, Any] = {"csrf_token": csrf_token, "errors": errors}
        return page(request, "people/delete_account.html", context, status_code)
