"""Which domain events consumers may receive, how a subscription matches them, and their CloudEvents body.

The body is rendered from the immutable event row, deterministically (jsonb's canonical text is embedded as
``data``), so every attempt, every replay and the pull log (``GET /v1/events``) carry the same bytes.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec

from igf_hub.core import wiring
from igf_hub.core.openapi import data_schema_url

# The event families a consumer may subscribe to, and the paths of their resources, are what each domain
# declares in its wiring.py (webhooks' own consumer.* and webhook.* stay internal).
PING = "webhook.ping"
THIN_ABOVE = 64 * 1024  # bytes: bigger bodies carry links instead of the resource
SPECVERSION = "1.0"

EVENT_TYPE_PATTERN = r"^(\*|[a-z_]+(\.[a-z_]+)*\.\*|[a-z_]+(\.[a-z_]+)+)$"
_EVENT_TYPE = re.compile(EVENT_TYPE_PATTERN)


def family(event_type: str) -> str:
    return event_type.split(".", 1)[0]


def deliverable_families() -> list[str]:
    return sorted(wiring.families())


def is_deliverable(event_type: str) -> bool:
    return family(event_type) in wiring.families()


def subscription_problem(pattern: str) -> str | None:
    """Why an endpoint may not subscribe to ``pattern``, or None."""
    if not _EVENT_TYPE.match(pattern):
        return f"{pattern!r} is not an event type, a family wildcard (message.*) or *"
    if pattern != "*" and not is_deliverable(pattern):
        return f"{pattern!r} is not a deliverable event; families: {', '.join(deliverable_families())}"
    return None


def _example(description: str, example: Any) -> Any:
    return msgspec.Meta(description=description, examples=[example])


_SUBJECT = "5f0c2a4e-8d1b-4c3a-9e7f-2b6d4a1c8e90"


class CloudEvent(msgspec.Struct, kw_only=True):
    """CloudEvents 1.0, structured JSON mode, with the ``sequence`` extension (the schema of bodies; each type's
    ``data`` is in the document's ``webhooks`` section, where ``dataschema`` points)."""

    specversion: Annotated[str, _example("CloudEvents version", SPECVERSION)]
    id: Annotated[
        str, _example("the event's id, stable across retries", "0b8e6a52-3f0d-4a8e-b7c4-9d2e1f6a5c3b")
    ]
    source: Annotated[str, _example("the igf_hub deployment", "https://hub.intgovforum.org")]
    type: Annotated[str, _example("the event type", "message.approved")]
    subject: Annotated[str, _example("the id of the object the event is about", _SUBJECT)]
    time: Annotated[datetime, _example("when the change committed", "2026-11-10T12:00:00Z")]
    datacontenttype: Annotated[str, _example("the media type of data", "application/json")]
    dataschema: Annotated[
        str,
        _example(
            "the schema of data, in the OpenAPI document",
            "https://hub.intgovforum.org/schema/openapi.json#/webhooks/message.approved/post/requestBody/content"
            "/application~1cloudevents+json/schema/properties/data",
        ),
    ]
    sequence: Annotated[
        str, _example("position in the whole feed, zero-padded (gaps are normal)", "00000000000000004217")
    ]
    data: Annotated[
        dict[str, Any],
        _example(
            "the event's data (see dataschema), or a thin body above 64 KiB",
            {
                "id": _SUBJECT,
                "year": 2026,
                "theme": "Universal and meaningful connectivity",
                "state": "approved",
            },
        ),
    ]


class _Envelope(msgspec.Struct, kw_only=True):
    specversion: str
    id: str
    source: str
    type: str
    subject: str
    time: datetime
    datacontenttype: str
    dataschema: str
    sequence: str
    data: msgspec.Raw


class EventRow(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    id: UUID
    type: str
    subject: str
    occurred_at: datetime
    data_json: str  # jsonb's text form


_encoder = msgspec.json.Encoder()


def sequence_text(seq: int) -> str:
    return f"{seq:020d}"


def resource_link(base_url: str, event_type: str, subject: str) -> str | None:
    declared = wiring.families().get(family(event_type))
    path = declared.resource_path if declared else None
    return f"{base_url}{path.format(id=subject)}" if path else None


def render(event: EventRow, base_url: str, *, full: bool = False) -> bytes:
    """The CloudEvent body; above THIN_ABOVE (unless ``full``) ``data`` is replaced by canonical links."""
    envelope = _Envelope(
        specversion=SPECVERSION,
        id=str(event.id),
        source=base_url,
        type=event.type,
        subject=event.subject,
        time=event.occurred_at,
        datacontenttype="application/json",
        dataschema=data_schema_url(base_url, event.type),
        sequence=sequence_text(event.seq),
        data=msgspec.Raw(event.data_json.encode()),
    )
    body = _encoder.encode(envelope)
    if full or len(body) <= THIN_ABOVE:
        return body
    links = {"event": f"{base_url}/v1/events/{event.id}"}
    if resource := resource_link(base_url, event.type, event.subject):
        links["self"] = resource
    thin = {"thin": True, "id": event.subject, "size": len(body), "links": links}
    envelope.data = msgspec.Raw(_encoder.encode(thin))
    return _encoder.encode(envelope)
