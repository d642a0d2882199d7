"""The ``data`` of each track and output event consumers receive (the OpenAPI ``webhooks`` section). Tracks and
calls are public from their proposal; an output is public once its comment window opens or it is published."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from igf_hub.core.outbox import EventDoc
from igf_hub.core.schemas import Classification
from igf_hub.tracks.output_schemas import Output
from igf_hub.tracks.schemas import TrackStatus, TrackType


class TrackEvent(msgspec.Struct, kw_only=True):
    """What every track.* event carries (plus what the change was: ``from_status``, ``reason``, ``user_id``,
    ``changed``, ``stakeholder_group`` and ``country`` of a participant …)."""

    id: UUID
    slug: str
    type: TrackType
    status: TrackStatus
    classification: Classification


class TrackCallEvent(TrackEvent, kw_only=True):
    call_id: UUID
    opens_at: datetime
    closes_at: datetime


class CallSubmission(msgspec.Struct, kw_only=True):
    call_id: UUID
    submission_id: UUID
    track_slug: str
    stakeholder_group: str


class OutputEvent(Output, kw_only=True):
    """The output as ``GET /v1/tracks/outputs/{id}`` returns it, with its track's type and its link."""

    track_type: TrackType
    href: str
    changed: list[str] | msgspec.UnsetType = msgspec.UNSET  # track_output.updated: the fields that changed


class OutputDeleted(msgspec.Struct, kw_only=True):
    id: UUID
    track_id: UUID
    track_slug: str


class OutputComment(msgspec.Struct, kw_only=True):
    id: UUID
    comment_id: UUID
    track_slug: str


_TRACK = {
    "track.proposed": "A track was proposed (a Dynamic Coalition with its formation).",
    "track.imported": "A track was loaded from the Secretariat's records, with its real status and years active.",
    "track.updated": "A track's description or classification changed.",
    "track.activated": "The track became active.",
    "track.inactive": "A Dynamic Coalition fell inactive.",
    "track.reactivated": "An inactive Dynamic Coalition is active again.",
    "track.concluded": "The track concluded.",
    "track.facilitator_added": "A facilitator was added.",
    "track.facilitator_removed": "A facilitator was removed.",
    "track.mag_liaison_added": "A MAG liaison was added.",
    "track.mag_liaison_removed": "A MAG liaison was removed.",
    "track.participant_joined": "Someone joined the track.",
    "track.participant_updated": "A participant changed their details.",
    "track.participant_left": "A participant left.",
}
_OUTPUT = {
    "track_output.updated": "A draft open for comment was edited.",
    "track_output.comment_window_opened": "A draft was opened for community comment: it becomes public.",
    "track_output.published": "An output was published with its citable id.",
    "track_output.superseded": "A published output was superseded by its next version.",
}

TRACK_EVENTS = [
    *(EventDoc(type=t, summary=s, data=TrackEvent) for t, s in _TRACK.items()),
    EventDoc(type="track.call_created", summary="A call for input was announced.", data=TrackCallEvent),
    EventDoc(type="track.call_updated", summary="A call for input changed.", data=TrackCallEvent),
    EventDoc(
        type="track.call_submission_received", summary="A submission to a call arrived.", data=CallSubmission
    ),
    *(EventDoc(type=t, summary=s, data=OutputEvent) for t, s in _OUTPUT.items()),
    EventDoc(
        type="track_output.deleted",
        summary="A draft that was open for comment was deleted.",
        data=OutputDeleted,
    ),
    EventDoc(
        type="track_output.comment_received", summary="A community comment arrived.", data=OutputComment
    ),
]
