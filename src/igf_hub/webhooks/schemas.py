"""Webhook bodies: consumers, endpoints, secrets, deliveries with their attempts, recoveries, the event log."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from igf_hub.core.pagination import Page
from igf_hub.core.schemas import Classification, Email, Moment, Name
from igf_hub.webhooks.events import EVENT_TYPE_PATTERN, CloudEvent

# Attempts at 0, 5 s, 30 s, 2 min, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h (about 3 days), ±20 % jitter.
DEFAULT_RETRY_SCHEDULE = [0, 5, 30, 120, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]
DEFAULT_GRACE_SECONDS = 24 * 3600

Description = Annotated[str, msgspec.Meta(max_length=1000)]
EndpointUrl = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^https?://[^\s/$.?#][^\s]*$", max_length=2000, examples=["https://ungis.example.org/igf"]
    ),
]
EventTypePattern = Annotated[
    str, msgspec.Meta(pattern=EVENT_TYPE_PATTERN, max_length=100, examples=["message.approved", "message.*"])
]
EventTypes = Annotated[list[EventTypePattern], msgspec.Meta(min_length=1, max_length=50)]
RetryDelay = Annotated[int, msgspec.Meta(ge=0, le=7 * 24 * 3600)]
RetrySchedule = Annotated[
    list[RetryDelay],
    msgspec.Meta(
        min_length=1,
        max_length=20,
        description="seconds before each attempt; the first is 0 (send at once)",
        examples=[DEFAULT_RETRY_SCHEDULE],
    ),
]
ReplayRate = Annotated[int, msgspec.Meta(ge=1, le=1000, description="recovered deliveries per second")]
GraceSeconds = Annotated[int, msgspec.Meta(ge=0, le=7 * 24 * 3600)]


class ConsumerKind(enum.StrEnum):
    ungis = "ungis"
    cstd = "cstd"
    wsis_forum = "wsis_forum"
    other = "other"


class ConsumerCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    kind: ConsumerKind
    description: Description = ""
    contact_email: Email | None = None


class ConsumerPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    kind: ConsumerKind | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    contact_email: Email | msgspec.UnsetType | None = msgspec.UNSET


class Consumer(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    kind: ConsumerKind
    description: str
    contact_email: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class ConsumerPage(Page[Consumer]):
    pass


class ConsumerMemberAdd(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    user_id: UUID


class ConsumerClientCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name


class EndpointStatus(enum.StrEnum):
    # No ping answered with a 2xx since the URL was set: events are queued and held until one is.
    unverified = "unverified"
    active = "active"
    failing = "failing"  # consecutive failures past the threshold: one probe per backoff step
    disabled = "disabled"


class DisabledReason(enum.StrEnum):
    manual = "manual"
    gone = "gone"  # the endpoint answered 410 Gone
    failing = "failing"  # five days of continuous failure


class EndpointCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    url: EndpointUrl
    event_types: EventTypes
    filters: Classification = msgspec.field(default_factory=Classification)
    description: Description = ""
    enabled: bool = True
    retry_schedule: RetrySchedule = msgspec.field(default_factory=lambda: list(DEFAULT_RETRY_SCHEDULE))
    sign_ed25519: bool = False
    replay_rate: ReplayRate = 10


class EndpointPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    url: EndpointUrl | msgspec.UnsetType = msgspec.UNSET
    event_types: EventTypes | msgspec.UnsetType = msgspec.UNSET
    filters: Classification | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    enabled: bool | msgspec.UnsetType = msgspec.UNSET
    retry_schedule: RetrySchedule | msgspec.UnsetType = msgspec.UNSET
    sign_ed25519: bool | msgspec.UnsetType = msgspec.UNSET
    replay_rate: ReplayRate | msgspec.UnsetType = msgspec.UNSET


class Endpoint(msgspec.Struct, kw_only=True):
    id: UUID
    consumer_id: UUID
    url: str
    description: str
    event_types: list[str]
    filters: Classification
    status: EndpointStatus
    enabled: bool
    disabled_reason: DisabledReason | None
    verified_at: datetime | None
    sign_ed25519: bool
    retry_schedule: list[int]
    replay_rate: int
    consecutive_failures: int
    failing_since: Annotated[
        datetime | None, msgspec.Meta(description="the first failed attempt with no 2xx after it")
    ]
    next_probe_at: Annotated[
        datetime | None,
        msgspec.Meta(
            description="while failing: when the next probe goes, not before (the longest retry_schedule step "
            "no longer than the outage so far); a 2xx to it, or to POST .../ping, releases every waiting delivery"
        ),
    ]
    not_before: Annotated[
        datetime | None,
        msgspec.Meta(
            description="nothing but a ping is sent before this (the back-off, or your Retry-After)"
        ),
    ]
    last_success_at: datetime | None
    last_failure_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class EndpointCreated(Endpoint, kw_only=True):
    """Returned on registration: the signing secret (also readable later at .../secret)."""

    secret: str


class EndpointPage(Page[Endpoint]):
    pass


class SecretRotate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    grace_seconds: GraceSeconds = DEFAULT_GRACE_SECONDS


class PreviousSecret(msgspec.Struct, kw_only=True):
    secret: str
    expires_at: datetime


class EndpointSecrets(msgspec.Struct, kw_only=True):
    """The current secret and the rotated-out ones still signing until their grace period ends."""

    secret: str
    previous: list[PreviousSecret]


class DeliveryState(enum.StrEnum):
    pending = "pending"
    delivered = "delivered"
    dead = "dead"


class Delivery(msgspec.Struct, kw_only=True):
    id: UUID
    endpoint_id: UUID
    consumer_id: UUID
    event_id: Annotated[
        UUID,
        msgspec.Meta(description="the CloudEvent id, the same in every delivery of the event, replays too"),
    ]
    webhook_id: Annotated[
        UUID,
        msgspec.Meta(
            description="the webhook-id header: the same on every retry; a replay is a new message with its own"
        ),
    ]
    event_type: str
    subject: str
    is_ping: bool
    state: DeliveryState
    attempt_count: int
    due_at: datetime
    last_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None
    replay_of: UUID | None
    created_at: datetime


class Attempt(msgspec.Struct, kw_only=True):
    attempted_at: datetime
    status_code: int | None
    latency_ms: int
    response_excerpt: str
    error: str | None


class DeliveryDetail(Delivery, kw_only=True):
    attempts: list[Attempt]


class DeliveryPage(Page[Delivery]):
    pass


class FailedAttempt(Attempt, kw_only=True):
    delivery_id: UUID
    event_type: str


class EndpointHealth(msgspec.Struct, kw_only=True):
    """How an endpoint has been answering: its attempts over the last ``window_hours``, its failure record,
    when it is probed next, and its latest failed attempts."""

    endpoint_id: UUID
    status: EndpointStatus
    window_hours: int
    attempts: int
    succeeded: int
    success_rate: Annotated[
        float | None, msgspec.Meta(description="succeeded / attempts in the window; null without attempts")
    ]
    latency_median_ms: int | None
    latency_p95_ms: int | None
    consecutive_failures: int
    failing_since: datetime | None
    next_probe_at: datetime | None
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_errors: list[FailedAttempt]


class RecoveryCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    since: Moment
    until: Moment | None = None

    def __post_init__(self) -> None:
        if self.since.tzinfo is None or (self.until is not None and self.until.tzinfo is None):
            raise ValueError("since and until need a time zone (UTC: a trailing Z)")
        if self.until is not None and self.until <= self.since:
            raise ValueError("until must be after since")


class Recovery(msgspec.Struct, kw_only=True):
    id: UUID
    endpoint_id: UUID
    since: datetime
    until: datetime | None
    state: str
    deliveries_created: int | None
    requested_by: str
    created_at: datetime
    completed_at: datetime | None


class Notice(msgspec.Struct, kw_only=True):
    id: UUID
    consumer_id: UUID
    endpoint_id: UUID | None
    kind: str
    message: str
    created_at: datetime


class NoticePage(Page[Notice]):
    pass


class EventLog(msgspec.Struct, kw_only=True):
    """A slice of the event log. ``next_cursor`` is where to continue (``after=``), also when empty."""

    items: list[CloudEvent]
    next_cursor: str
    has_more: bool


class SigningKey(msgspec.Struct, kw_only=True):
    kid: str
    alg: str
    public_key: str  # whpk_ + base64 of the raw Ed25519 public key
    created_at: datetime
    retired_at: datetime | None


class SigningKeys(msgspec.Struct, kw_only=True):
    keys: list[SigningKey]
