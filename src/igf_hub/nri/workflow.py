"""The recognition state machine and the editing rules, as data the service enforces."""

from __future__ import annotations

from igf_hub.nri.schemas import NriStatus

S = NriStatus
# The recognition workflow. Inactivity is set by the nightly scan; reactivation comes with a new report.
TRANSITIONS: dict[NriStatus, frozenset[NriStatus]] = {
    S.draft: frozenset({S.submitted, S.withdrawn}),
    S.submitted: frozenset({S.under_review, S.withdrawn}),
    S.under_review: frozenset({S.recognised, S.changes_requested, S.declined, S.withdrawn}),
    S.changes_requested: frozenset({S.submitted, S.withdrawn}),
    S.recognised: frozenset({S.inactive, S.withdrawn}),
    S.inactive: frozenset({S.recognised, S.withdrawn}),
    S.declined: frozenset(),
    S.withdrawn: frozenset(),
}
EVENT_OF: dict[NriStatus, str] = {
    S.submitted: "nri.submitted",
    S.under_review: "nri.review_started",
    S.recognised: "nri.recognised",
    S.changes_requested: "nri.changes_requested",
    S.declined: "nri.declined",
    S.inactive: "nri.inactive",
    S.withdrawn: "nri.withdrawn",
}
CLOSED = frozenset({S.declined, S.withdrawn})
# Statuses with a standing claim to meet the criteria: the public channel may not be removed there.
CLAIMED = frozenset({S.submitted, S.under_review, S.recognised, S.inactive})
COORDINATOR_EDITABLE = frozenset({S.draft, S.changes_requested})
# What the recognition decision rests on: coordinators change these only in draft or changes_requested.
RECOGNITION_FIELDS = frozenset(
    {
        "type",
        "youth_scope",
        "parent_nri_id",
        "name",
        "acronym",
        "countries",
        "scope_note",
        "year_founded",
        "committee",
        "meeting_report_url",
        "meeting_report_text",
    }
)
# Contact and profile fields stay editable after recognition.
CONTACT_FIELDS = frozenset(
    {"website", "mailing_list_url", "contact_email", "focal_points", "languages", "description"}
)
PUBLIC_HISTORY_KEYS = frozenset(
    {"from", "to", "reason", "fields", "year", "changes_requested", "fields_requested"}
)
