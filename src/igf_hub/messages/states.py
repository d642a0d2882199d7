"""The Message lifecycle as data: the allowed transitions, and in which states each kind of change may happen."""

from __future__ import annotations

import enum


class MessageState(enum.StrEnum):
    draft = "draft"
    public_comment = "public_comment"
    synthesis = "synthesis"
    mag_review = "mag_review"
    approved = "approved"
    published = "published"
    superseded = "superseded"
    withdrawn = "withdrawn"


S = MessageState

TRANSITIONS: dict[MessageState, frozenset[MessageState]] = {
    S.draft: frozenset({S.public_comment, S.withdrawn}),
    S.public_comment: frozenset({S.synthesis, S.withdrawn}),
    S.synthesis: frozenset({S.public_comment, S.mag_review, S.withdrawn}),
    S.mag_review: frozenset({S.approved, S.draft, S.withdrawn}),
    S.approved: frozenset({S.published, S.withdrawn}),
    S.published: frozenset({S.superseded, S.withdrawn}),
    S.superseded: frozenset(),
    S.withdrawn: frozenset(),
}

# The event each transition emits (every transition is audited and emitted).
TRANSITION_EVENTS: dict[MessageState, str] = {
    S.public_comment: "message.public_comment_opened",
    S.synthesis: "message.public_comment_closed",
    S.mag_review: "message.mag_review_started",
    S.draft: "message.sent_back",
    S.approved: "message.approved",
    S.published: "message.published",
    S.superseded: "message.superseded",
    S.withdrawn: "message.withdrawn",
}

# The source text under comment is frozen; after approval everything is.
SOURCE_EDITABLE = frozenset({S.draft, S.synthesis, S.mag_review})
# Translations of the current source text help commenters too, so they may be added while comment is open.
TRANSLATABLE = frozenset({S.draft, S.public_comment, S.synthesis, S.mag_review})
# Theme, classification and provenance: what the MAG ballots on must not move under it.
METADATA_EDITABLE = frozenset({S.draft, S.synthesis})
DISPOSABLE = frozenset({S.public_comment, S.synthesis, S.draft})


def allowed_from(state: MessageState) -> frozenset[MessageState]:
    return TRANSITIONS[state]
