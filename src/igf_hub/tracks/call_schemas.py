"""Bodies for calls for input (windows enforced by the server's clock) and their submissions."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from igf_hub.core.pagination import Page
from igf_hub.core.schemas import CountryCode, HttpUrl, LongText, Moment, ShortText
from igf_hub.core.vocab import StakeholderGroup

CallTitle = Annotated[str, msgspec.Meta(min_length=2, max_length=300)]
AwareDatetime = Moment  # RFC 3339 with a UTC offset, bounded (core/schemas.py)


class CallState(enum.StrEnum):
    scheduled = "scheduled"
    open = "open"
    closed = "closed"


class CallCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    title: CallTitle
    description: LongText = ""
    opens_at: AwareDatetime
    closes_at: AwareDatetime


class CallPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    title: CallTitle | msgspec.UnsetType = msgspec.UNSET
    description: LongText | msgspec.UnsetType = msgspec.UNSET
    opens_at: AwareDatetime | msgspec.UnsetType = msgspec.UNSET
    closes_at: AwareDatetime | msgspec.UnsetType = msgspec.UNSET


class Call(msgspec.Struct, kw_only=True):
    id: UUID
    track_id: UUID
    track_slug: str
    title: str
    description: str
    opens_at: datetime
    closes_at: datetime
    state: CallState
    submissions: int
    created_at: datetime
    updated_at: datetime
    version: int


class CallSummary(msgspec.Struct, kw_only=True):
    id: UUID
    track_slug: str
    title: str
    opens_at: datetime
    closes_at: datetime
    state: CallState


class CallPage(Page[CallSummary]):
    pass


class OpenCall(CallSummary, kw_only=True):
    """A call open now, with its track's name (the home page lists them across tracks)."""

    track_name: str


class SubmissionCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    stakeholder_group: StakeholderGroup
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=50_000)]
    url: HttpUrl | None = None
    country: CountryCode | None = None
    organisation: ShortText | None = None


class Submission(msgspec.Struct, kw_only=True):
    """Inputs are public (the IGF publishes what it receives); who sent them is not part of this view."""

    id: UUID
    call_id: UUID
    stakeholder_group: StakeholderGroup
    country: str | None
    organisation: str | None
    text: str
    url: str | None
    submitted_at: datetime


class SubmissionPage(Page[Submission]):
    pass
