"""The invitation pages: invite someone (the same rules as the API: people/invitation_service.py), see and withdraw
the invitations you may see, and accept an invitation from its link (making an account, or as the person signed
in, who is asked which account when their address is not the invited one)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import asyncpg
from litestar import get, post
from litestar.response import Redirect, Template

from igf_hub.auth.pages import ROLE_NAMES
from igf_hub.auth.password_rules import PasswordRefused
from igf_hub.auth.principal import AnyRequest, Principal, Role
from igf_hub.core import references
from igf_hub.core.clock import Clock
from igf_hub.core.errors import DomainError
from igf_hub.core.settings import Settings
from igf_hub.people.account_repository import AccountRepository
from igf_hub.people.errors import (
    InvitationExpired,
    InvitationNotFound,
    InvitationRevoked,
    InvitationUsed,
    NotYourInvitation,
)
from igf_hub.people.invitation_schemas import InvitationCreate
from igf_hub.people.invitation_service import CO_INVITING, AccountExistsForInvitation, InvitationService
from igf_hub.people.pages import ENTER_NAME, email_error, field_text, language_of, page, translated
from igf_hub.web import i18n
from igf_hub.web.access import sign_in_first, signed_in
from igf_hub.web.errors import PageController
from igf_hub.web.i18n import N_, gettext
from igf_hub.web.sessions import context_of

# The kind of object each bound role names, for its title (core/references, when its domain resolves it).
REFERENCE_KINDS = {Role.nri_coordinator: "nri", Role.track_facilitator: "track"}
REFUSALS = {
    InvitationNotFound: N_(
        "This invitation link is not valid. Check that you copied the whole link from the e-mail."
    ),
    InvitationUsed: N_("This invitation has already been accepted."),
    InvitationRevoked: N_("This invitation was withdrawn by whoever sent it."),
    InvitationExpired: N_("This invitation has expired. Ask whoever sent it for a new one."),
}
NOTICES = {
    "sent": N_("The invitation is sent."),
    "revoked": N_("The invitation is withdrawn: its link no longer works."),
}
CHOOSE_ROLE = N_("Choose a role you may invite to.")
ENTER_OBJECT = N_("Enter the identifier of what the role is for (the NRI, track, donor or organisation).")
NOT_YOURS = N_("You may invite only to an NRI you coordinate or a track you facilitate.")
STATE_NAMES = {
    "open": N_("Open"),
    "accepted": N_("Accepted"),
    "revoked": N_("Withdrawn"),
    "expired": N_("Expired"),
}
RefusedInvitation = InvitationNotFound | InvitationUsed | InvitationRevoked | InvitationExpired


async def _title(conn: asyncpg.Connection, role: Role, resource_id: UUID | None) -> str:
    if resource_id is None:
        return ""
    kind = REFERENCE_KINDS.get(role)
    found = await references.resolve(conn, kind, resource_id) if kind else None
    return found.title if found else str(resource_id)


class InvitationPages(PageController):
    # -- inviting ---------------------------------------------------------------------------------------------

    @get("/invitations/new", operation_id="NewInvitationPage")
    async def new_page(self, request: AnyRequest, db: asyncpg.Connection) -> Template | Redirect:
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, "/invitations/new")
        csrf = await context_of(request.scope).csrf_token(db)
        return await self._form(request, db, person, csrf, {"language": language_of(request)}, {})

    @post("/invitations/new", operation_id="InviteSomeone", status_code=303)
    async def invite(
        self, request: AnyRequest, tx: asyncpg.Connection, settings: Settings, clock: Clock
    ) -> Template | Redirect:
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, "/invitations/new")
        raw = await request.form()
        form = {name: field_text(raw, name) for name in ("email", "grant", "resource_id", "language", "note")}
        errors: dict[str, str] = {}
        if error := email_error(form["email"]):
            errors["email"] = error
        role_text, _, bound = form["grant"].partition(":")
        role = Role(role_text) if role_text in set(Role) else None
        resource_text = bound or form["resource_id"]
        resource_id: UUID | None = None
        if role is None:
            errors["grant"] = CHOOSE_ROLE
        elif resource_text:
            try:
                resource_id = UUID(resource_text)
            except ValueError:
                errors["resource_id"] = ENTER_OBJECT
        language = form["language"] if form["language"] in i18n.LANGUAGES else language_of(request)
        csrf = context_of(request.scope).session
        token = csrf.csrf_token if csrf is not None else ""
        if not errors and role is not None:
            try:
                await InvitationService(tx, clock, settings).invite(
                    InvitationCreate(
                        email=form["email"],
                        role=role,
                        resource_id=resource_id,
                        language=language,
                        note=form["note"][:1000],
                    ),
                    actor=person,
                )
            except NotYourInvitation:
                errors["grant"] = NOT_YOURS
            except DomainError:
                errors["resource_id"] = ENTER_OBJECT
        if errors:
            text = translated(language_of(request), errors)
            return await self._form(request, tx, person, token, form, text, 422)
        return Redirect(i18n.path_in(language_of(request), "/invitations") + "?done=sent", status_code=303)

    async def _form(
        self,
        request: AnyRequest,
        conn: asyncpg.Connection,
        person: Principal,
        csrf_token: str,
        form: Mapping[str, str],
        errors: Mapping[str, str],
        status_code: int = 200,
    ) -> Template:
        language = language_of(request)
        secretariat = person.has_role(Role.secretariat)
        options: list[tuple[str, str]] = [("", gettext(language, N_("Choose one")))]
        for grant in sorted(person.grants, key=lambda g: (g.role.value, str(g.resource_id))):
            if grant.role in CO_INVITING and grant.resource_id is not None:
                title = await _title(conn, grant.role, grant.resource_id)
                label = f"{gettext(language, ROLE_NAMES[grant.role])}: {title}"
                options.append((f"{grant.role.value}:{grant.resource_id}", label))
        if secretariat:
            options += [(role.value, gettext(language, ROLE_NAMES[role])) for role in Role]
        return page(
            request,
            "people/invite.html",
            {
                "form": form,
                "errors": dict(errors),
                "csrf_token": csrf_token,
                "grant_options": options,
                "secretariat": secretariat,
                "language_options": [(code, lang.name) for code, lang in i18n.LANGUAGES.items()],
            },
            status_code,
        )

    @get("/invitations", operation_id="InvitationsPage")
    async def list_page(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        settings: Settings,
        clock: Clock,
        done: str | None = None,
    ) -> Template | Redirect:
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, "/invitations")
        language = language_of(request)
        csrf = await context_of(request.scope).csrf_token(db)
        invitations = await InvitationService(db, clock, settings).visible(actor=person)
        rows = [
            {
                "id": inv.id,
                "email": inv.email,
                "role": gettext(language, ROLE_NAMES[inv.role]),
                "object": await _title(db, inv.role, inv.resource_id),
                "state": gettext(language, STATE_NAMES[inv.state]),
                "open": inv.state == "open",
                "created_at": inv.created_at,
            }
            for inv in invitations
        ]
        notice = NOTICES.get(done or "")
        return page(
            request,
            "people/invitations.html",
            {
                "invitations": rows,
                "csrf_token": csrf,
                "notice": gettext(language, notice) if notice else None,
                "may_invite": person.has_role(Role.secretariat, *CO_INVITING),
            },
        )

    @post("/invitations/{invitation_id:uuid}/revoke", operation_id="WithdrawInvitation", status_code=303)
    async def revoke(
        self,
        request: AnyRequest,
        tx: asyncpg.Connection,
        settings: Settings,
        clock: Clock,
        invitation_id: UUID,
    ) -> Redirect:
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, "/invitations")
        await InvitationService(tx, clock, settings).revoke(invitation_id, actor=person)
        return Redirect(i18n.path_in(language_of(request), "/invitations") + "?done=revoked", status_code=303)

    # -- accepting --------------------------------------------------------------------------------------------

    @get("/invitation/{token:str}", operation_id="InvitationPage")
    async def invitation_page(
        self, request: AnyRequest, db: asyncpg.Connection, settings: Settings, clock: Clock, token: str
    ) -> Template:
        csrf = await context_of(request.scope).csrf_token(db)
        try:
            row = await InvitationService(db, clock, settings).open_invitation(token)
        except (InvitationNotFound, InvitationUsed, InvitationRevoked, InvitationExpired) as exc:
            return self._refused(request, exc)
        return await self._accept_page(
            request, db, csrf, token, row.email, row.role, row.invited_by_name, {}, {}
        )

    @post("/invitation/{token:str}", operation_id="AcceptInvitationForm", status_code=303)
    async def accept(
        self, request: AnyRequest, tx: asyncpg.Connection, settings: Settings, clock: Clock, token: str
    ) -> Template | Redirect:
        raw = await request.form()
        service = InvitationService(tx, clock, settings)
        context = context_of(request.scope)
        language = language_of(request)
        person = signed_in(request)
        try:
            if person is not None and person.user_id is not None:
                await service.accept(token, user_id=person.user_id)
                return Redirect(
                    i18n.path_in(language, "/account") + "?done=invitation-accepted", status_code=303
                )
            form = {name: field_text(raw, name) for name in ("display_name", "language")}
            chosen = form["language"] if form["language"] in i18n.LANGUAGES else language
            errors: dict[str, str] = {}
            if not form["display_name"] or len(form["display_name"]) > 200:
                errors["display_name"] = ENTER_NAME
            if not errors:
                try:
                    _, user_id = await service.accept_with_new_account(
                        token,
                        display_name=form["display_name"],
                        password=str(raw.get("password") or ""),
                        language=chosen,
                    )
                except PasswordRefused as exc:
                    errors["password"] = exc.message
                except AccountExistsForInvitation:
                    return Redirect(
                        i18n.path_in(language, "/signin")
                        + "?"
                        + urlencode({"next": i18n.path_in(language, f"/invitation/{token}")}),
                        status_code=303,
                    )
            if errors:
                row = await service.open_invitation(token)
                csrf = context.session.csrf_token if context.session is not None else ""
                return await self._accept_page(
                    request,
                    tx,
                    csrf,
                    token,
                    row.email,
                    row.role,
                    row.invited_by_name,
                    form,
                    translated(language, errors),
                    422,
                )
        except (InvitationNotFound, InvitationUsed, InvitationRevoked, InvitationExpired) as exc:
            return self._refused(request, exc)
        await context.sign_in(tx, user_id, user_agent=request.headers.get("user-agent", ""))
        return Redirect(i18n.path_in(chosen, "/account") + "?done=invitation-accepted", status_code=303)

    async def _accept_page(
        self,
        request: AnyRequest,
        conn: asyncpg.Connection,
        csrf_token: str,
        token: str,
        email: str,
        role: str,
        inviter: str,
        form: Mapping[str, str],
        errors: Mapping[str, str],
        status_code: int = 200,
    ) -> Template:
        language = language_of(request)
        person = signed_in(request)
        has_account = person is None and await AccountRepository(conn).profile_by_email(email) is not None
        signin = (
            i18n.path_in(language, "/signin")
            + "?"
            + urlencode({"next": i18n.path_in(language, f"/invitation/{token}")})
        )
        context: dict[str, Any] = {
            "csrf_token": csrf_token,
            "token": token,
            "email": email,
            "role": gettext(language, ROLE_NAMES[Role(role)]),
            "inviter": inviter,
            "person": person,
            "signed_in_as": (person.email or "") if person else "",
            "same_address": person is not None and (person.email or "").casefold() == email.casefold(),
            "has_account": has_account,
            "signin_url": signin,
            "form": {"language": language, **form},
            "errors": dict(errors),
            "language_options": [(code, lang.name) for code, lang in i18n.LANGUAGES.items()],
        }
        return page(request, "people/accept_invitation.html", context, status_code)

    def _refused(self, request: AnyRequest, exc: RefusedInvitation) -> Template:
        status = (
            404 if isinstance(exc, InvitationNotFound) else 410 if isinstance(exc, InvitationExpired) else 409
        )
        reason = gettext(language_of(request), REFUSALS[type(exc)])
        return page(request, "people/invitation_refused.html", {"reason": reason}, status)
