"""Bodies in and out for Messages, their versions, transitions and history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from igf_hub.core.pagination import Page
from igf_hub.core.schemas import Classification, LanguageTag, Year
from igf_hub.core.signing import RecordSignature
from igf_hub.core.vocab import MagStakeholderGroup
from igf_hub.messages.content import PARAGRAPH_ID_PATTERN
from igf_hub.messages.states import MessageState

Theme = Annotated[str, msgspec.Meta(min_length=2, max_length=200)]
Title = Annotated[str, msgspec.Meta(min_length=2, max_length=300)]
ParagraphId = Annotated[str, msgspec.Meta(pattern=PARAGRAPH_ID_PATTERN, examples=["p3"])]
ParagraphText = Annotated[str, msgspec.Meta(min_length=1, max_length=20_000)]
Body = Annotated[
    str,
    msgspec.Meta(
        min_length=1, max_length=200_000, description="Markdown; paragraphs are separated by blank lines"
    ),
]
Reason = Annotated[str, msgspec.Meta(min_length=3, max_length=5_000)]
ReferenceKind = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z_]{1,40}$", examples=["session_report"])]


class ParagraphIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    id: ParagraphId | None = None  # omit for a new paragraph; give an earlier id to continue that paragraph
    text: ParagraphText


class Paragraph(msgspec.Struct, kw_only=True):
    id: str
    text: str


class TextIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A text: either ``body`` (Markdown; ids are matched to the previous version) or explicit ``paragraphs``."""

    title: Title
    body: Body | None = None
    paragraphs: Annotated[list[ParagraphIn], msgspec.Meta(min_length=1, max_length=500)] | None = None

    def __post_init__(self) -> None:
        if (self.body is None) == (self.paragraphs is None):
            raise ValueError("give exactly one of body (Markdown) or paragraphs")


class ProvenanceIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: ReferenceKind  # session_report, track_output, nri_report, message_comment
    id: UUID
    paragraph_ids: list[ParagraphId] = []  # the paragraphs this source fed; empty: the whole Message
    note: Annotated[str, msgspec.Meta(max_length=1_000)] | None = None


class ProvenanceEntry(msgspec.Struct, kw_only=True):
    kind: str
    id: UUID
    title: str
    href: str
    citable_id: str | None
    paragraph_ids: list[str]
    note: str | None
    url: str | None = None  # href made absolute for readers outside the API


class MessageCreate(TextIn, kw_only=True, forbid_unknown_fields=True):
    year: Year
    theme: Theme
    sub_theme: Theme | None = None
    language: LanguageTag = "en"  # the drafting language: its texts are the authoritative ones
    classification: Classification = msgspec.field(default_factory=Classification)
    provenance: Annotated[list[ProvenanceIn], msgspec.Meta(max_length=1_000)] = []
    drafters: Annotated[list[UUID], msgspec.Meta(max_length=50)] = []
    supersedes: UUID | None = None  # a published Message this one replaces when it is published


class MessagePatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    theme: Theme | msgspec.UnsetType = msgspec.UNSET
    sub_theme: Theme | msgspec.UnsetType | None = msgspec.UNSET
    classification: Classification | msgspec.UnsetType = msgspec.UNSET
    provenance: Annotated[list[ProvenanceIn], msgspec.Meta(max_length=1_000)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    drafters: Annotated[list[UUID], msgspec.Meta(max_length=50)] | msgspec.UnsetType = msgspec.UNSET


class VersionCreate(TextIn, kw_only=True, forbid_unknown_fields=True):
    language: LanguageTag | None = None  # default: the source language
    translation_of: int | None = (
        None  # for another language: the source version translated (default: current)
    )
    machine_translation: bool = False


class LanguageText(msgspec.Struct, kw_only=True):
    language: str
    version_number: int
    title: str
    body: str
    paragraphs: list[Paragraph]
    content_sha256: str
    is_authoritative: bool
    machine_translation: bool
    translation_of: int | None
    created_at: datetime


class Version(msgspec.Struct, kw_only=True):
    message_id: UUID
    number: int
    language: str
    title: str
    body: str
    paragraphs: list[Paragraph]
    content_sha256: str
    is_authoritative: bool
    machine_translation: bool
    translation_of: int | None
    created_by: str
    created_at: datetime


class VersionSummary(msgspec.Struct, kw_only=True):
    number: int
    language: str
    title: str
    content_sha256: str
    is_authoritative: bool
    machine_translation: bool
    translation_of: int | None
    created_at: datetime


class CommentRoundInfo(msgspec.Struct, kw_only=True):
    number: int
    version_number: int
    opens_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    is_open: bool


class MessageLinks(msgspec.Struct, kw_only=True):
    self: str
    versions: str
    comments: str
    ballot: str
    history: str
    export_json: str
    export_markdown: str
    page: str | None  # the public page, once published


class Message(msgspec.Struct, kw_only=True):
    id: UUID
    year: int
    theme: str
    sub_theme: str | None
    title: str
    state: MessageState
    source_language: str
    version: int  # the ETag: changes with every write to the Message
    current_version_number: int
    content_sha256: str
    approved_version_number: int | None
    approved_content_sha256: str | None
    languages: list[LanguageText]  # the authoritative text, then translations of that same version
    classification: Classification
    provenance: list[ProvenanceEntry]
    comment_round: CommentRoundInfo | None
    comment_count: int
    undisposed_comment_count: int
    supersedes: UUID | None
    superseded_by: UUID | None
    approved_at: datetime | None
    approved_by: str | None
    published_at: datetime | None
    withdrawn_reason: str | None
    created_at: datetime
    updated_at: datetime
    links: MessageLinks
    # A Message loaded from the archive: where it was published, and when and from what source it was loaded.
    source_url: str | None = None
    imported_at: datetime | None = None
    import_source: str | None = None
    # The IGF's signature of the approved version (README, "Signed records"); none before approval.
    signature: RecordSignature | None = None


class MessageSummary(msgspec.Struct, kw_only=True):
    id: UUID
    year: int
    theme: str
    sub_theme: str | None
    title: str
    state: MessageState
    source_language: str
    languages: list[str]
    current_version_number: int
    classification: Classification
    created_at: datetime
    updated_at: datetime


class MessagePage(Page[MessageSummary]):
    pass


class VersionPage(Page[VersionSummary]):
    pass


class HistoryEntry(msgspec.Struct, kw_only=True):
    kind: str
    from_state: str | None
    to_state: str | None
    version_number: int | None
    reason: str | None
    actor: str
    at: datetime


# -- transitions: one body per target state, told apart by "to" -------------------------------------------


class OpenPublicComment(
    msgspec.Struct, kw_only=True, forbid_unknown_fields=True, tag_field="to", tag="public_comment"
):
    days: Annotated[int, msgspec.Meta(ge=1, le=365)] | None = None  # default and minimum from settings


class CloseCommentPeriod(
    msgspec.Struct, kw_only=True, forbid_unknown_fields=True, tag_field="to", tag="synthesis"
):
    pass


class SubmitForReview(
    msgspec.Struct, kw_only=True, forbid_unknown_fields=True, tag_field="to", tag="mag_review"
):
    ballot_days: Annotated[int, msgspec.Meta(ge=1, le=90)] | None = None
    # Groups for members the MAG roster does not seat (a hand-made mag_member grant); the roster's always win.
    member_groups: dict[UUID, MagStakeholderGroup] = {}


class SendBack(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, tag_field="to", tag="draft"):
    reason: Reason


class Approve(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, tag_field="to", tag="approved"):
    pass


class Publish(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, tag_field="to", tag="published"):
    pass


class Supersede(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, tag_field="to", tag="superseded"):
    superseded_by: UUID


class Withdraw(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, tag_field="to", tag="withdrawn"):
    reason: Reason


Transition = (
    OpenPublicComment
    | CloseCommentPeriod
    | SubmitForReview
    | SendBack
    | Approve
    | Publish
    | Supersede
    | Withdraw
)
