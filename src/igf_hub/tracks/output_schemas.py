"""Bodies for track outputs (draft -> published -> superseded), their comment windows and comments."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from igf_hub.core.pagination import Page
from igf_hub.core.schemas import Classification, HttpUrl, LanguageTag, LongText, ShortText, Year
from igf_hub.core.signing import RecordSignature
from igf_hub.core.vocab import StakeholderGroup
from igf_hub.tracks.call_schemas import AwareDatetime

Title = Annotated[str, msgspec.Meta(min_length=2, max_length=300)]
Languages = Annotated[list[LanguageTag], msgspec.Meta(min_length=1, max_length=20)]
CommentText = Annotated[str, msgspec.Meta(min_length=1, max_length=10_000)]


class OutputKind(enum.StrEnum):
    report = "report"
    recommendations = "recommendations"
    toolkit = "toolkit"
    statement = "statement"
    other = "other"


class OutputStatus(enum.StrEnum):
    draft = "draft"
    published = "published"
    superseded = "superseded"


class DissentingView(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A minority or dissenting view, recorded as its own section of the output."""

    text: Annotated[str, msgspec.Meta(min_length=1, max_length=20_000)]
    held_by: ShortText | None = None  # e.g. "some civil society participants"


class OutputCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    title: Title
    kind: OutputKind
    year: Year
    languages: Languages = msgspec.field(default_factory=lambda: ["en"])
    url: HttpUrl | None = None
    text: LongText | None = None
    dissenting_views: Annotated[list[DissentingView], msgspec.Meta(max_length=50)] = []
    classification: Classification = msgspec.field(default_factory=Classification)

    def __post_init__(self) -> None:
        if self.url is None and not self.text:
            raise ValueError("an output needs a url, a text, or both")


class OutputPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """Edits a draft. The kind and year are fixed for every version of an output."""

    title: Title | msgspec.UnsetType = msgspec.UNSET
    languages: Languages | msgspec.UnsetType = msgspec.UNSET
    url: HttpUrl | msgspec.UnsetType | None = msgspec.UNSET
    text: LongText | msgspec.UnsetType | None = msgspec.UNSET
    dissenting_views: Annotated[list[DissentingView], msgspec.Meta(max_length=50)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    classification: Classification | msgspec.UnsetType = msgspec.UNSET


class CommentWindowOpen(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    closes_at: AwareDatetime


class CommentWindow(msgspec.Struct, kw_only=True):
    opens_at: datetime
    closes_at: datetime
    is_open: bool


class Output(msgspec.Struct, kw_only=True):
    id: UUID
    track_id: UUID
    track_slug: str
    series_id: UUID
    output_version: int
    supersedes: UUID | None
    superseded_by: UUID | None
    title: str
    kind: OutputKind
    year: int
    languages: list[str]
    url: str | None
    text: str | None
    dissenting_views: list[DissentingView]
    classification: Classification
    status: OutputStatus
    citable_id: str | None
    comment_window: CommentWindow | None
    published_at: datetime | None
    superseded_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    # The IGF's signature of the published version (README, "Signed records"); none for a draft.
    signature: RecordSignature | None = None


class OutputSummary(msgspec.Struct, kw_only=True):
    id: UUID
    track_slug: str
    title: str
    kind: OutputKind
    year: int
    status: OutputStatus
    output_version: int
    citable_id: str | None
    published_at: datetime | None
    classification: Classification


class OutputPage(Page[OutputSummary]):
    pass


class CommentCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    text: CommentText
    stakeholder_group: StakeholderGroup | None = None


class Comment(msgspec.Struct, kw_only=True):
    id: UUID
    output_id: UUID
    on_version: int
    stakeholder_group: StakeholderGroup | None
    text: str
    created_at: datetime


class CommentPage(Page[Comment]):
    pass
