"""The Secretariat's people and roles page (``/secretariat/people``): who holds which role, for what and for
when; grant a role to a person with dates (valid from / until), revoke one. Each form calls IdentityService, the
service of the API's ``GrantRole`` and ``RevokeRole`` (audited there as role.granted / role.revoked), in a
savepoint: a refusal is a sentence in the form, the input kept, nothing written. Inviting someone who has no
account yet is the invitations page (people/invitation_pages.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
from litestar import get, post
from litestar.response import Redirect, Template

from igf_hub.auth.errors import GrantAlreadyExists, GrantNotFound
from igf_hub.auth.guards import requires_secretariat
from igf_hub.auth.pages import ROLE_NAMES
from igf_hub.auth.principal import AnyRequest, Role
from igf_hub.auth.schemas import GrantCreate
from igf_hub.auth.service import IdentityService
from igf_hub.core import schemas
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.web import i18n
from igf_hub.web.errors import PageController
from igf_hub.web.i18n import N_, gettext
from igf_hub.web.navigation import WorkItem
from igf_hub.web.sessions import context_of
from igf_hub.web.templating import render

PATH = "/secretariat/people"
NO_STORE = {"Cache-Control": "no-store"}
WORKSPACE = [
    WorkItem(
        path=PATH,
        label=N_("People and roles"),
        roles=frozenset({Role.secretariat}),
        description=N_("Who holds which role; grant and revoke roles with dates."),
        order=12,
    )
]
NO_ACCOUNT = N_(
    "No account has this e-mail address. Invite the person instead: the invitation gives the role."
)
CHOOSE_ROLE = N_("Choose a role from the list.")
OBJECT_ID = N_("Enter the identifier of what the role is for, or leave it empty.")
DATE_FORM = N_("Enter a date like 2027-01-31, or leave it empty.")
DATES_ORDER = N_("The end date must be after the start date.")
CHAIR_ONLY_MAG = N_("Only a MAG member can be the Chair.")
ALREADY = N_("This person already holds this role for this object.")
GONE = N_("This grant no longer exists: someone revoked it already.")
NOTICES = {"granted": N_("The role is granted."), "revoked": N_("The role is revoked.")}
FIELDS = ("email", "role", "resource_id", "valid_from", "valid_until", "is_chair")


def _moment(text: str) -> str | None:
    return f"{text}T00:00:00Z" if text else None


def _date_ok(text: str) -> bool:
    return not text or (
        len(text) == 10 and text[4] == "-" and text[7] == "-" and text.replace("-", "").isdigit()
    )


class RolePages(PageController):
    guards = [requires_secretariat]

    @get(PATH, operation_id="PeopleAndRolesPage")
    async def show(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        done: str | None = None,
    ) -> Template:
        """Who holds which role, and the form to grant one."""
        csrf = await context_of(request.scope).csrf_token(db)
        return await self._page(request, db, clock, settings, csrf, {}, {}, done=done)

    @post(f"{PATH}/grant", operation_id="GrantRoleForm", status_code=303)
    async def grant(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Template | Redirect:
        """Give a person a role for a period (POST /v1/users/{id}/grants)."""
        raw = await request.form()
        form = {name: str(raw.get(name) or "").strip() for name in FIELDS}
        errors: dict[str, str] = {}
        service = IdentityService(tx, clock, settings)
        user = await service.find_user_by_email(form["email"]) if form["email"] else None
        if user is None:
            errors["email"] = NO_ACCOUNT
        if form["role"] not in {r.value for r in Role}:
            errors["role"] = CHOOSE_ROLE
        resource_id: UUID | None = None
        if form["resource_id"]:
            try:
                resource_id = UUID(form["resource_id"])
            except ValueError:
                errors["resource_id"] = OBJECT_ID
        for name in ("valid_from", "valid_until"):
            if not _date_ok(form[name]):
                errors[name] = DATE_FORM
        grant: GrantCreate | None = None
        if not errors:
            try:
                grant = msgspec.convert(
                    {
                        "role": form["role"],
                        "resource_id": str(resource_id) if resource_id else None,
                        "is_chair": form["is_chair"] == "on",
                        "valid_from": _moment(form["valid_from"]),
                        "valid_until": _moment(form["valid_until"]),
                    },
                    GrantCreate,
                    dec_hook=schemas.dec_hook,  # the API's decoder of bounded times
                )
            except msgspec.ValidationError as exc:
                message = str(exc)
                if "is_chair" in message:
                    errors["is_chair"] = CHAIR_ONLY_MAG
                elif "valid_until" in message:
                    errors["valid_until"] = DATES_ORDER
                else:
                    errors["valid_from"] = DATE_FORM
        if grant is not None and user is not None:
            try:
                async with tx.transaction():  # a savepoint: a refusal leaves nothing written
                    await service.grant_role(user.id, grant, actor=request.user)
            except GrantAlreadyExists:
                errors["role"] = ALREADY
        if errors:
            session = context_of(request.scope).session
            csrf = session.csrf_token if session is not None else ""
            return await self._page(request, tx, clock, settings, csrf, form, errors, status_code=422)
        return Redirect(i18n.path_in(i18n.request_language(request), PATH) + "?done=granted", status_code=303)

    @post(
        f"{PATH}/{{user_id:uuid}}/grants/{{grant_id:uuid}}/revoke",
        operation_id="RevokeRoleForm",
        status_code=303,
    )
    async def revoke(
        self,
        request: AnyRequest,
        tx: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        user_id: UUID,
        grant_id: UUID,
    ) -> Template | Redirect:
        """Take back one grant (DELETE /v1/users/{id}/grants/{grant_id})."""
        try:
            async with tx.transaction():
                await IdentityService(tx, clock, settings).revoke_grant(user_id, grant_id, actor=request.user)
        except GrantNotFound:
            session = context_of(request.scope).session
            csrf = session.csrf_token if session is not None else ""
            return await self._page(request, tx, clock, settings, csrf, {}, {"revoke": GONE}, status_code=422)
        return Redirect(i18n.path_in(i18n.request_language(request), PATH) + "?done=revoked", status_code=303)

    async def _page(
        self,
        request: AnyRequest,
        conn: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        csrf_token: str,
        form: Mapping[str, str],
        errors: Mapping[str, str],
        *,
        done: str | None = None,
        status_code: int = 200,
    ) -> Template:
        language = i18n.request_language(request)
        holdings = await IdentityService(conn, clock, settings).holdings(actor=request.user)
        now = clock.now()
        rows: list[dict[str, Any]] = [
            {
                "user_id": h.user_id,
                "grant_id": h.id,
                "person": h.display_name or h.email,
                "email": h.email,
                "role": gettext(language, ROLE_NAMES[h.role]),
                "chair": h.is_chair,
                "resource_id": h.resource_id,
                "valid_from": h.valid_from,
                "valid_until": h.valid_until,
                "in_force": (h.valid_from is None or h.valid_from <= now)
                and (h.valid_until is None or h.valid_until > now),
            }
            for h in holdings
        ]
        notice = NOTICES.get(done or "")
        context = {
            "rows": rows,
            "form": dict(form),
            "errors": {name: gettext(language, text) for name, text in errors.items()},
            "csrf_token": csrf_token,
            "role_options": [("", gettext(language, N_("Choose one")))]
            + [(role.value, gettext(language, ROLE_NAMES[role])) for role in Role],
            "notice": gettext(language, notice) if notice else None,
        }
        return render(request, "auth/people.html", context, status_code=status_code, headers=NO_STORE)
