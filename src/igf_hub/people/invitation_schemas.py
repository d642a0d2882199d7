"""Invitation bodies: what an inviter sends, what the API shows, and how an invitee accepts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from igf_hub.auth.principal import Role
from igf_hub.core.schemas import Email, Moment

Language = Annotated[str, msgspec.Meta(pattern="^(ar|zh|en|fr|ru|es)$")]


class InvitationCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Email
    role: Role
    # The object the role is bound to: the NRI, the track, the donor, the consumer organisation (required for
    # those roles); for a MAG member, optionally the appointment, with the cycle's dates below.
    resource_id: UUID | None = None
    is_chair: bool = False
    valid_from: Moment | None = None
    valid_until: Moment | None = None
    language: Language = "en"  # the language of the invitation e-mail (and of the account it may create)
    note: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class InvitationAccept(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class InvitationRow(msgspec.Struct, kw_only=True):
    id: UUID
    email: str
    role: str
    resource_id: UUID | None
    is_chair: bool
    valid_from: datetime | None
    valid_until: datetime | None
    language: str
    note: str
    invited_by: str
    invited_by_name: str
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    accepted_by: UUID | None
    revoked_at: datetime | None


class Invitation(msgspec.Struct, kw_only=True):
    id: UUID
    email: str
    role: Role
    resource_id: UUID | None
    is_chair: bool
    valid_from: datetime | None
    valid_until: datetime | None
    language: str
    note: str
    invited_by: str
    created_at: datetime
    expires_at: datetime
    state: str  # open, accepted, revoked, expired
    accepted_at: datetime | None
    accepted_by: UUID | None
    revoked_at: datetime | None
