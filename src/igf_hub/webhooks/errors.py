"""Webhook refusals (rendered as RFC 9457 problems by app.py)."""

from __future__ import annotations

from igf_hub.core.errors import Conflict, DomainError, NotFound, Unprocessable


class ConsumerNotFound(NotFound):
    slug, title = "consumer-not-found", "No such consumer"


class ConsumerNameTaken(Conflict):
    slug, title = "consumer-name-taken", "A consumer with this name exists"


class EndpointNotFound(NotFound):
    slug, title = "endpoint-not-found", "No such endpoint"


class DeliveryNotFound(NotFound):
    slug, title = "delivery-not-found", "No such delivery"


class EventNotFound(NotFound):
    slug, title = "event-not-found", "No such event"


class RecoveryNotFound(NotFound):
    slug, title = "recovery-not-found", "No such recovery"


class InvalidEndpoint(Unprocessable):
    slug, title = "invalid-endpoint", "The endpoint cannot be accepted"


class DeliveryStillPending(Conflict):
    slug, title = "delivery-pending", "The delivery is still being attempted"


class UnknownQueryParameter(DomainError):
    status, slug, title = (
        400,
        "unknown-query-parameter",
        "The request has a query parameter this list does not take",
    )
