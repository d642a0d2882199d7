"""Coordinators of an NRI: users bound to it by an ``nri_coordinator`` role grant (source ``nri``).

Coordinators invite or remove co-coordinators; the Secretariat reassigns. A grant or revocation applies
from the holder's next request, since grants are loaded per request.
"""

from __future__ import annotations

import contextlib
from uuid import UUID

import asyncpg

from igf_hub.auth.errors import GrantAlreadyExists, UserNotFound
from igf_hub.auth.principal import Principal, Role
from igf_hub.auth.schemas import GrantCreate, User
from igf_hub.core import changelog
from igf_hub.core.clock import Clock
from igf_hub.core.errors import FieldError
from igf_hub.core.settings import Settings
from igf_hub.nri.errors import AlreadyCoordinator, FieldsLocked, LastCoordinator, NriNotFound, UnknownUser
from igf_hub.nri.schemas import Coordinator, CoordinatorInvite, Nri
from igf_hub.nri.service import NriService, event_data, is_public
from igf_hub.nri.workflow import CLOSED


class CoordinatorService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.conn = conn
        self.nris = NriService(conn, clock, settings)
        self.identity = self.nris.identity

    async def load_managed(self, nri_id: UUID, *, actor: Principal) -> Nri:
        return await self.nris.load_managed(nri_id, actor=actor)

    async def coordinators(self, nri_id: UUID, *, actor: Principal) -> list[Coordinator]:
        await self.load_managed(nri_id, actor=actor)
        holders = await self.identity.bound_holders(Role.nri_coordinator, nri_id)
        return [Coordinator(user_id=u.id, email=u.email, display_name=u.display_name) for u in holders]

    async def add_coordinator(
        self, nri_id: UUID, invite: CoordinatorInvite, *, actor: Principal
    ) -> Coordinator:
        nri = await self.load_managed(nri_id, actor=actor)
        if nri.status in CLOSED:
            raise FieldsLocked(f"the NRI is {nri.status.value}: its coordinators no longer change")
        user: User | None = None
        if invite.email is not None:
            user = await self.identity.find_user_by_email(invite.email)
        elif invite.user_id is not None:
            with contextlib.suppress(UserNotFound):
                user = await self.identity.get_user(invite.user_id)
        if user is None or not user.is_active:
            raise UnknownUser(
                "no active user with this id or e-mail: the Secretariat creates accounts",
                errors=[FieldError("/email" if invite.email else "/user_id", "no such active user")],
            )
        try:
            await self.identity.grant_role(
                user.id, GrantCreate(role=Role.nri_coordinator, resource_id=nri.id), actor=actor, source="nri"
            )
        except GrantAlreadyExists:
            raise AlreadyCoordinator(f"{user.email} already coordinates {nri.name}") from None
        await self._coordinators_changed(nri, "nri.coordinator_added", user.id, actor)
        return Coordinator(user_id=user.id, email=user.email, display_name=user.display_name)

    async def remove_coordinator(self, nri_id: UUID, user_id: UUID, *, actor: Principal) -> None:
        nri = await self.load_managed(nri_id, actor=actor)
        holders = await self.identity.bound_holders(Role.nri_coordinator, nri_id)
        if user_id not in {u.id for u in holders}:
            raise NriNotFound(f"{user_id} does not coordinate {nri.name}")
        if len(holders) == 1:
            raise LastCoordinator("add another coordinator first: an NRI keeps at least one")
        user = await self.identity.get_user(user_id)
        # (RoleGrant.role holds the row's str: compare by value, never by identity)
        grants = [g for g in user.grants if g.role == Role.nri_coordinator and g.resource_id == nri_id]
        if not grants:
            raise NriNotFound(f"{user_id} holds no coordinator grant for {nri.name}")
        for grant in grants:
            await self.identity.revoke_grant(user_id, grant.id, actor=actor)
        await self._coordinators_changed(nri, "nri.coordinator_removed", user_id, actor)

    async def _coordinators_changed(self, nri: Nri, action: str, user_id: UUID, actor: Principal) -> None:
        data = {"user_id": str(user_id)}
        await changelog.record(
            self.conn,
            action,
            actor=actor.subject,
            subject_type="nri",
            subject_id=nri.id,
            data=data,
            event_data=event_data(nri, **data),
            public=is_public(nri),
        )
