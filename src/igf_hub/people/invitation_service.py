"""Invitations: someone is asked by e-mail to take a role already bound (MAG member for a cycle, coordinator of an
NRI, funder of a donor, consumer staff, track facilitator); accepting creates or links the account and grants it.

Who may invite whom (checked here, for the API and the pages alike):
- the Secretariat: anyone, to any role;
- an NRI coordinator: co-coordinators of an NRI they coordinate, nothing else;
- a track facilitator: co-facilitators of a track they facilitate, nothing else.

The invitation link holds 32 random bytes; only their SHA-256 is stored. It is used once (the row is locked and
marked accepted in the transaction that grants), expires (``IGF_HUB_PEOPLE_INVITATION_TTL``) and can be
withdrawn. Every step is audited (``invitation.created``, ``invitation.accepted``, ``invitation.revoked``, and
the grant's own ``role.granted``), without events: accounts are not an event family. The grant's source is
``invitation``. The object the role is bound to is not looked up here (people/ imports no domain): the
Secretariat names it, a coordinator or facilitator can name only their own.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from uuid import UUID

import anyio.to_thread
import asyncpg

from igf_hub.auth import password_rules, passwords
from igf_hub.auth.errors import GrantAlreadyExists
from igf_hub.auth.pages import ROLE_NAMES
from igf_hub.auth.principal import Principal, PrincipalKind, Role
from igf_hub.auth.schemas import GrantCreate
from igf_hub.auth.service import IdentityService
from igf_hub.core import changelog
from igf_hub.core.clock import Clock
from igf_hub.core.errors import FieldError, Forbidden, Unprocessable
from igf_hub.core.settings import Settings
from igf_hub.people import account_notices
from igf_hub.people.account_repository import AccountRepository
from igf_hub.people.account_service import new_token, token_hash
from igf_hub.people.errors import (
    InvitationExpired,
    InvitationNotFound,
    InvitationRevoked,
    InvitationUsed,
    NotYourInvitation,
)
from igf_hub.people.invitation_repository import InvitationRepository
from igf_hub.people.invitation_schemas import Invitation, InvitationCreate, InvitationRow
from igf_hub.web import i18n

SOURCE = "invitation"
# Roles whose grant is bound to one object: an invitation to them names it.
BOUND = frozenset({Role.nri_coordinator, Role.track_facilitator, Role.funder, Role.consumer})
# Roles whose holders may invite others to the same role for the same object.
CO_INVITING = frozenset({Role.nri_coordinator, Role.track_facilitator})
LIST_LIMIT = 200


class AccountExistsForInvitation(Unprocessable):
    slug, title = "account-exists", "An account already has this e-mail address: sign in to accept"


def state_of(row: InvitationRow, now: datetime) -> str:
    if row.accepted_at is not None:
        return "accepted"
    if row.revoked_at is not None:
        return "revoked"
    return "expired" if now >= row.expires_at else "open"


class InvitationService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.conn, self.clock, self.settings = conn, clock, settings
        self.repo = InvitationRepository(conn)
        self.identity = IdentityService(conn, clock, settings)

    def public(self, row: InvitationRow) -> Invitation:
        return Invitation(
            id=row.id,
            email=row.email,
            role=Role(row.role),
            resource_id=row.resource_id,
            is_chair=row.is_chair,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            language=row.language,
            note=row.note,
            invited_by=row.invited_by_name or row.invited_by,
            created_at=row.created_at,
            expires_at=row.expires_at,
            state=state_of(row, self.clock.now()),
            accepted_at=row.accepted_at,
            accepted_by=row.accepted_by,
            revoked_at=row.revoked_at,
        )

    @staticmethod
    def may_invite(actor: Principal, role: Role, resource_id: UUID | None) -> bool:
        if actor.has_role(Role.secretariat):
            return True
        return role in CO_INVITING and resource_id is not None and actor.is_bound(role, resource_id)

    async def invite(self, data: InvitationCreate, *, actor: Principal) -> Invitation:
        """Record the invitation and mail its link to ``data.email``. NotYourInvitation (403) when the actor may not
        invite to this role and object; 422 naming the field when the role needs an object and has none."""
        if not actor.is_authenticated:
            raise Forbidden("sign in to invite someone")
        if not self.may_invite(actor, data.role, data.resource_id):
            raise NotYourInvitation(
                "you may invite only co-coordinators of an NRI you coordinate, or co-facilitators of a track you "
                "facilitate; the IGF Secretariat invites to every other role",
                errors=[
                    FieldError("/resource_id" if data.role in CO_INVITING else "/role", "not yours to give")
                ],
            )
        if data.role in BOUND and data.resource_id is None:
            raise Unprocessable(
                f"a {data.role.value} invitation names the object the role is for",
                errors=[FieldError("/resource_id", "required for this role")],
            )
        try:
            GrantCreate(
                role=data.role,
                resource_id=data.resource_id,
                is_chair=data.is_chair,
                valid_from=data.valid_from,
                valid_until=data.valid_until,
            )
        except ValueError as exc:
            raise Unprocessable(str(exc), errors=[FieldError("/is_chair", str(exc))]) from None
        token, hashed = new_token()
        now = self.clock.now()
        ttl = self.settings.people.invitation_ttl
        inviter = actor.display_name or actor.email or "The IGF Secretariat"
        row = await self.repo.insert(
            hashed,
            email=data.email,
            role=data.role.value,
            resource_id=data.resource_id,
            is_chair=data.is_chair,
            valid_from=data.valid_from,
            valid_until=data.valid_until,
            language=data.language,
            note=data.note.strip(),
            invited_by=actor.subject,
            invited_by_name=inviter,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )
        await changelog.record(
            self.conn,
            "invitation.created",
            actor=actor.subject,
            subject_type="invitation",
            subject_id=row.id,
            data={
                "email": row.email,
                "role": row.role,
                "resource_id": row.resource_id,
                "is_chair": row.is_chair,
            },
            publish=False,  # accounts are not an event family
        )
        await account_notices.send(
            self.conn,
            self.clock,
            account_notices.INVITATION,
            email=row.email,
            language=row.language,
            link=f"/invitation/{token}",
            params={
                "inviter": inviter,
                "role": i18n.gettext(row.language, ROLE_NAMES[data.role]),
                "note": row.note,
                "days": max(ttl // 86400, 1),
            },
            key=f"invitation:{row.id}",
        )
        return self.public(row)

    async def open_invitation(self, token: str) -> InvitationRow:
        """The invitation of a link, if it may be accepted now; else why not (404, 409 used or withdrawn, 410)."""
        row = await self.repo.by_token(token_hash(token))
        if row is None:
            raise InvitationNotFound("this invitation link is not valid: check that it was copied whole")
        state = state_of(row, self.clock.now())
        if state == "accepted":
            raise InvitationUsed("this invitation has already been accepted")
        if state == "revoked":
            raise InvitationRevoked("this invitation was withdrawn by whoever sent it")
        if state == "expired":
            raise InvitationExpired("this invitation has expired: ask whoever sent it for a new one")
        return row

    async def accept(self, token: str, *, user_id: UUID) -> Invitation:
        """Grant the invitation's role to the account ``user_id`` (the signed-in person, whatever their address);
        the invitation is used. Holding the role already is no error: the invitation is used all the same."""
        row = await self.open_invitation(token)
        user = await self.identity.get_user(user_id)
        subject = f"user:{user_id}"
        grant = GrantCreate(
            role=Role(row.role),
            resource_id=row.resource_id,
            is_chair=row.is_chair,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
        )
        acting = Principal(kind=PrincipalKind.user, subject=subject, user_id=user_id)
        # Held already (another invitation, or the Secretariat granted it): the invitation is used all the same.
        with contextlib.suppress(GrantAlreadyExists):
            await self.identity.grant_role(user_id, grant, actor=acting, source=SOURCE)
        accepted = await self.repo.accept(row.id, user_id, self.clock.now())
        if accepted is None:  # the row is locked: only a concurrent revoke can get here first
            raise InvitationRevoked("this invitation was withdrawn by whoever sent it")
        # The mail's notice keeps the link's path (the token) no longer.
        await AccountRepository(self.conn).forget_notice_link(
            account_notices.notice_key(f"invitation:{row.id}", row.email)
        )
        await changelog.record(
            self.conn,
            "invitation.accepted",
            actor=subject,
            subject_type="invitation",
            subject_id=row.id,
            data={"user_id": user_id, "email": user.email, "invited_email": row.email, "role": row.role},
            publish=False,  # accounts are not an event family
        )
        return self.public(accepted)

    async def accept_with_new_account(
        self, token: str, *, display_name: str, password: str, language: str
    ) -> tuple[Invitation, UUID]:
        """Make the account of the invited address (confirmed: the link reached it) and accept for it.
        AccountExistsForInvitation when the address has an account already (sign in and accept)."""
        row = await self.open_invitation(token)
        accounts = AccountRepository(self.conn)
        if await accounts.profile_by_email(row.email) is not None:
            raise AccountExistsForInvitation("an account already has this e-mail address: sign in to accept")
        password_rules.check(password, email=row.email, name=display_name)
        password_hash = await anyio.to_thread.run_sync(passwords.hash_secret, password)
        profile = await accounts.insert_invited(
            email=row.email, display_name=display_name, password_hash=password_hash, language=language
        )
        await changelog.record(
            self.conn,
            "user.created",
            actor=f"user:{profile.id}",
            subject_type="user",
            subject_id=profile.id,
            data={"email": profile.email, "via": "invitation", "invitation_id": row.id},
            publish=False,  # accounts are not an event family
        )
        return await self.accept(token, user_id=profile.id), profile.id

    async def revoke(self, invitation_id: UUID, *, actor: Principal) -> Invitation:
        """Withdraw an open invitation: the Secretariat, or whoever may invite to the same role and object."""
        row = await self.repo.by_id(invitation_id)
        if row is None or not self.may_invite(actor, Role(row.role), row.resource_id):
            raise InvitationNotFound(f"no invitation {invitation_id} that you may withdraw")
        if row.accepted_at is not None:
            raise InvitationUsed("this invitation has already been accepted: revoke the role instead")
        if row.revoked_at is not None:
            raise InvitationRevoked("this invitation was already withdrawn")
        revoked = await self.repo.revoke(row.id, actor.subject, self.clock.now())
        assert revoked is not None  # the row is locked and was open
        await changelog.record(
            self.conn,
            "invitation.revoked",
            actor=actor.subject,
            subject_type="invitation",
            subject_id=row.id,
            data={"email": row.email, "role": row.role, "resource_id": row.resource_id},
            publish=False,  # accounts are not an event family
        )
        return self.public(revoked)

    async def visible(self, *, actor: Principal) -> list[Invitation]:
        """The latest invitations the actor may see: all for the Secretariat, else those to the roles and objects
        they could invite to."""
        bindings = [
            (g.role.value, g.resource_id) for g in actor.grants if g.role in CO_INVITING and g.resource_id
        ]
        rows = await self.repo.visible(
            everything=actor.has_role(Role.secretariat), bindings=bindings, limit=LIST_LIMIT
        )
        return [self.public(r) for r in rows]
