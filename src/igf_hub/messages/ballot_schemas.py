"""Bodies in and out for MAG ballots."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from igf_hub.core.vocab import MagStakeholderGroup
from igf_hub.messages.ballot_rule import BallotRule, Outcome, Position

PositionText = Annotated[str, msgspec.Meta(min_length=3, max_length=5_000)]


class BallotStatus(enum.StrEnum):
    open = "open"
    closed = "closed"


class ClosedReason(enum.StrEnum):
    deadline = "deadline"
    new_version = "new_version"
    sent_back = "sent_back"
    approved = "approved"
    withdrawn = "withdrawn"


class BallotOpen(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    days: Annotated[int, msgspec.Meta(ge=1, le=90)] | None = None
    member_groups: dict[UUID, MagStakeholderGroup] = {}


class PositionTake(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    position: Position
    text: PositionText | None = None  # required for concern (the concern) and recuse (the reason)
    # Your MAG stakeholder group, unless the Secretariat recorded it when the ballot opened.
    stakeholder_group: MagStakeholderGroup | None = None

    def __post_init__(self) -> None:
        if self.position is Position.concern and not self.text:
            raise ValueError("a concern needs its text: say what blocks you")
        if self.position is Position.recuse and not self.text:
            raise ValueError("a recusal needs its reason")


class BallotMember(msgspec.Struct, kw_only=True):
    member_id: UUID
    name: str
    stakeholder_group: MagStakeholderGroup | None
    is_chair: bool
    has_taken_position: bool


class BallotPosition(msgspec.Struct, kw_only=True):
    member_id: UUID
    name: str
    stakeholder_group: MagStakeholderGroup
    position: Position
    text: str | None
    revision: int  # the ETag for changing it
    cast_at: datetime
    updated_at: datetime


class Ballot(msgspec.Struct, kw_only=True):
    id: UUID
    message_id: UUID
    number: int
    version_number: int
    content_sha256: str
    status: BallotStatus
    closed_reason: ClosedReason | None
    opened_by: str
    opened_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    rule: BallotRule
    members: list[BallotMember]
    positions: list[BallotPosition]
    passes: bool
    needed_to_pass: str
    outcome: Outcome
