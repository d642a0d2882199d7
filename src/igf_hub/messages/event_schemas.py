"""The ``data`` of each event the messages domain publishes to consumers, as the OpenAPI ``webhooks`` section
documents it. Transitions carry the whole Message as ``GET /v1/messages/{id}`` returns it; the others say
what changed and link nothing (consumers read the Message when they need more). ``message.created`` is not here: a new Message is a private draft."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from igf_hub.core.outbox import EventDoc
from igf_hub.core.schemas import Classification
from igf_hub.messages.ballot_rule import Position
from igf_hub.messages.ballot_schemas import ClosedReason
from igf_hub.messages.comment_schemas import DispositionOutcome
from igf_hub.messages.schemas import Message
from igf_hub.messages.states import TRANSITION_EVENTS, MessageState


class VersionSaved(msgspec.Struct, kw_only=True):
    id: UUID
    version_number: int
    language: str
    content_sha256: str


class MessageUpdated(msgspec.Struct, kw_only=True):
    id: UUID
    changed: list[str]  # the metadata fields that changed (theme, sub_theme, classification, provenance …)
    classification: Classification


class CommentPosted(msgspec.Struct, kw_only=True):
    message_id: UUID
    comment_id: UUID
    round_number: int
    paragraph_id: str | None
    stakeholder_group: str
    country: str | None


class CommentDisposed(msgspec.Struct, kw_only=True):
    message_id: UUID
    comment_id: UUID
    outcome: DispositionOutcome


class BallotOpened(msgspec.Struct, kw_only=True):
    message_id: UUID
    ballot_number: int
    version_number: int
    content_sha256: str
    closes_at: datetime
    eligible: int


class BallotClosed(msgspec.Struct, kw_only=True):
    message_id: UUID
    ballot_number: int
    version_number: int
    reason: ClosedReason
    passes: bool


class BallotPosition(msgspec.Struct, kw_only=True):
    message_id: UUID
    ballot_number: int
    member_id: UUID
    position: Position


class BallotReminder(msgspec.Struct, kw_only=True):
    message_id: UUID
    ballot_number: int
    closes_at: datetime
    pending_member_ids: list[UUID]


class MessageImported(msgspec.Struct, kw_only=True):
    """A published Message loaded from the archive (docs/archive-import.md): never approved here."""

    id: UUID
    year: int
    theme: str
    state: MessageState
    published_at: datetime  # the real publication date
    source_url: str
    source: str  # where the Secretariat loaded it from


_TRANSITIONS = {
    MessageState.public_comment: "Opened for public comment: the Message becomes public; its whole public state.",
    MessageState.synthesis: "The comment period ended (on its date, or closed by the Secretariat).",
    MessageState.mag_review: "Submitted to the MAG; a ballot on the current version follows.",
    MessageState.draft: "Sent back from MAG review to drafting (it stays public).",
    MessageState.approved: "Approved by the MAG: the complete approved Message, equal to its GET.",
    MessageState.published: "Published as an IGF Message.",
    MessageState.superseded: "Superseded by a newer published Message (``superseded_by``).",
    MessageState.withdrawn: "Withdrawn (only for a Message that was public).",
}

MESSAGE_EVENTS = [
    EventDoc(
        type="message.version_saved",
        summary="A new immutable version (a text or a translation) was saved.",
        data=VersionSaved,
    ),
    EventDoc(
        type="message.updated", summary="Theme, classification or provenance changed.", data=MessageUpdated
    ),
    *(
        EventDoc(type=TRANSITION_EVENTS[state], summary=summary, data=Message)
        for state, summary in _TRANSITIONS.items()
    ),
    EventDoc(
        type="message.imported",
        summary="A published Message was loaded from the archive, with its real publication date.",
        data=MessageImported,
    ),
    EventDoc(type="message.comment_posted", summary="A public comment was posted.", data=CommentPosted),
    EventDoc(
        type="message.comment_disposed", summary="A comment received its disposition.", data=CommentDisposed
    ),
    EventDoc(
        type="message.ballot_opened", summary="A MAG ballot opened on the current version.", data=BallotOpened
    ),
    EventDoc(
        type="message.ballot_position_taken", summary="A MAG member took a position.", data=BallotPosition
    ),
    EventDoc(
        type="message.ballot_position_changed",
        summary="A MAG member changed their position.",
        data=BallotPosition,
    ),
    EventDoc(
        type="message.ballot_reminder",
        summary="A ballot nears its deadline; who has not taken a position.",
        data=BallotReminder,
    ),
    EventDoc(
        type="message.ballot_closed",
        summary="The ballot closed (approval, deadline, a new version …).",
        data=BallotClosed,
    ),
]
