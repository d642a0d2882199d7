"""Who is calling: a Principal carries the roles and object bindings the request may use."""

from __future__ import annotations

import enum
from typing import Any
from uuid import UUID

import msgspec
from litestar import Request

# The one scope the API grants: a token may call the API, within what its holder's roles allow. Roles and object
# bindings (data, checked per request) decide what a caller may do; a token without this scope (e.g. "openid"
# only, or an empty scope) is refused on every route.
API_SCOPE = "api"


class Role(enum.StrEnum):
    secretariat = "secretariat"
    mag_member = "mag_member"
    nri_coordinator = "nri_coordinator"
    track_facilitator = "track_facilitator"
    funder = "funder"
    consumer = "consumer"


class PrincipalKind(enum.StrEnum):
    user = "user"
    client = "client"
    anonymous = "anonymous"


class Grant(msgspec.Struct, frozen=True, kw_only=True):
    """A role, optionally bound to one object (an NRI, a track, a donor, a consumer organisation)."""

    role: Role
    resource_id: UUID | None = None
    is_chair: bool = False


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    kind: PrincipalKind
    subject: str  # "user:<uuid>", "client:<client_id>" or "anonymous": what the audit log records
    user_id: UUID | None = None
    client_id: str | None = None
    email: str | None = None
    display_name: str | None = None  # a person's name as pages show it (may be empty)
    scopes: frozenset[str] = frozenset()
    grants: tuple[Grant, ...] = ()

    @property
    def is_authenticated(self) -> bool:
        return self.kind is not PrincipalKind.anonymous

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(g.role for g in self.grants)

    def has_role(self, *roles: Role) -> bool:
        return any(g.role in roles for g in self.grants)

    def resources(self, role: Role) -> frozenset[UUID]:
        """The objects this principal is bound to in ``role`` (e.g. the NRIs it coordinates)."""
        return frozenset(g.resource_id for g in self.grants if g.role is role and g.resource_id is not None)

    def is_bound(self, role: Role, resource_id: UUID) -> bool:
        return resource_id in self.resources(role)

    @property
    def is_mag_chair(self) -> bool:
        return any(g.role is Role.mag_member and g.is_chair for g in self.grants)


ANONYMOUS = Principal(kind=PrincipalKind.anonymous, subject="anonymous")
SYSTEM = Principal(kind=PrincipalKind.client, subject="system", grants=(Grant(role=Role.secretariat),))

# The request every handler takes: its user is the Principal the authentication middleware put there.
AnyRequest = Request[Principal, Any, Any]
