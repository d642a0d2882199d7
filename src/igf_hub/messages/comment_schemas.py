"""Bodies in and out for public comments and their dispositions."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from igf_hub.core.pagination import Page
from igf_hub.core.schemas import CountryCode, LanguageTag
from igf_hub.core.vocab import StakeholderGroup
from igf_hub.messages.schemas import ParagraphId


class DispositionOutcome(enum.StrEnum):
    accepted = "accepted"
    partially_accepted = "partially_accepted"
    not_accepted = "not_accepted"
    out_of_scope = "out_of_scope"
    duplicate = "duplicate"


# Outcomes that say the text changed: they must name the version that took the comment in.
TAKEN_IN = frozenset({DispositionOutcome.accepted, DispositionOutcome.partially_accepted})


class CommentCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    body: Annotated[str, msgspec.Meta(min_length=3, max_length=10_000)]
    stakeholder_group: StakeholderGroup
    country: CountryCode
    paragraph_id: ParagraphId | None = None  # omit to comment on the Message as a whole
    language: LanguageTag = "en"
    display_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None  # shown publicly


class DispositionSet(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    outcome: DispositionOutcome
    rationale: Annotated[str, msgspec.Meta(min_length=3, max_length=5_000)]
    version_number: int | None = None  # the version that took it in (required when accepted, even partly)
    duplicate_of: UUID | None = None  # required for duplicate


class CommentRef(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    id: UUID
    version: int  # the comment's version as read (its ETag): a comment changed since refuses the request


class DispositionBulk(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One disposition for several comments (identical ones, typically), recorded for all of them or none."""

    comments: Annotated[list[CommentRef], msgspec.Meta(min_length=1, max_length=500)]
    outcome: DispositionOutcome
    rationale: Annotated[str, msgspec.Meta(min_length=3, max_length=5_000)]
    version_number: int | None = None
    duplicate_of: UUID | None = None


class CommentHide(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[
        str, msgspec.Meta(min_length=3, max_length=1_000)
    ]  # public: shown in the comment's place


class CommentHidden(msgspec.Struct, kw_only=True):
    """A comment hidden by its Message's drafters or the Secretariat: the public reads this reason instead of
    the text; the comment stays in the record (and its disposition is still required)."""

    reason: str
    hidden_at: datetime


class Disposition(msgspec.Struct, kw_only=True):
    outcome: DispositionOutcome
    rationale: str
    version_number: int | None
    duplicate_of: UUID | None
    recorded_by: str
    recorded_at: datetime


class Comment(msgspec.Struct, kw_only=True):
    id: UUID
    message_id: UUID
    round_number: int
    version_number: int
    paragraph_id: str | None
    stakeholder_group: StakeholderGroup
    country: str
    language: str
    display_name: str | None
    body: str
    created_at: datetime
    disposition: Disposition | None
    version: int  # the ETag for recording the disposition
    is_mine: bool = False
    hidden: CommentHidden | None = (
        None  # hidden: ``body`` is empty except for the drafters and the Secretariat
    )


class CommentPage(Page[Comment]):
    pass
