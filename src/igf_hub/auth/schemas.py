"""Identity bodies: users, machine clients, role grants."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from igf_hub.auth.principal import Role
from igf_hub.core.schemas import Email, HttpUrl, Moment

# Its rules (length, known passwords) are checked by the service, in sentences (auth/password_rules.py).
Password = Annotated[str, msgspec.Meta(max_length=1024)]
DisplayName = Annotated[str, msgspec.Meta(max_length=200)]


class GrantCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    role: Role
    resource_id: UUID | None = None
    is_chair: bool = False
    valid_from: Moment | None = None
    valid_until: Moment | None = None

    def __post_init__(self) -> None:
        if self.is_chair and self.role is not Role.mag_member:
            raise ValueError("is_chair applies only to the mag_member role")
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")


class RoleGrant(msgspec.Struct, kw_only=True):
    id: UUID
    role: Role
    resource_id: UUID | None
    is_chair: bool
    valid_from: datetime | None
    valid_until: datetime | None
    source: str


class Holding(RoleGrant, kw_only=True):
    """One role grant with the person who holds it."""

    user_id: UUID
    email: str
    display_name: str


class UserCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Email
    display_name: DisplayName = ""
    password: Password | None = None
    grants: list[GrantCreate] = []


class User(msgspec.Struct, kw_only=True):
    id: UUID
    email: str
    display_name: str
    is_active: bool
    created_at: datetime
    grants: list[RoleGrant] = []


class ClientCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=2, max_length=200)]
    grants: list[GrantCreate] = []
    # A public client (people signing in through a browser app) has redirect URIs and no secret.
    redirect_uris: list[HttpUrl] = []
    public: bool = False


class Client(msgspec.Struct, kw_only=True):
    id: UUID
    client_id: str
    name: str
    grant_types: list[str]
    redirect_uris: list[str]
    token_endpoint_auth_method: str
    created_at: datetime
    grants: list[RoleGrant] = []


class ClientCreated(Client, kw_only=True):
    """Returned once: the secret is stored only as a hash."""

    client_secret: str | None = None


class Me(msgspec.Struct, kw_only=True):
    subject: str
    kind: str
    email: str | None
    roles: list[str]
    grants: list[RoleGrant]
