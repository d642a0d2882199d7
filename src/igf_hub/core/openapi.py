"""The error responses the OpenAPI document promises: RFC 9457 problem+json, as core/errors.py and core/problems.py render them.

Litestar documents a 400 on every handler that validates input with its own default body
(``{status_code, detail, extra}`` as ``application/json``), which this service never sends: every error is
rendered as ``application/problem+json``. :func:`document_problems` states the truth on each handler before
the document is built (lazily, on the first request for it), so clients and the schema-driven fuzz tests
(tests/hardening) check error bodies against what the API really returns.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any, cast

import msgspec
from litestar import Litestar
from litestar.constants import RESERVED_KWARGS
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    PathItem,
    Reference,
    RequestBody,
    Schema,
)
from litestar.routes import HTTPRoute

from igf_hub.core.errors import FieldError
from igf_hub.core.outbox import EventDoc

PROBLEM_MEDIA_TYPE = "application/problem+json"


class Problem(msgspec.Struct, kw_only=True):
    """An RFC 9457 problem; some carry more members (e.g. ``current_state`` and ``allowed`` on a 409)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] = []


_INVALID_INPUT = ResponseSpec(
    data_container=Problem,
    media_type=PROBLEM_MEDIA_TYPE,
    description="Malformed input (`/problems/malformed-body`, invalid parameters); `errors` points at each one",
    generate_examples=False,
)
_CLIENT_ERROR = ResponseSpec(
    data_container=Problem,
    media_type=PROBLEM_MEDIA_TYPE,
    description="Any other refusal (401, 403, 404, 409, 412, 422, 428, 429 …) as a problem",
    generate_examples=False,
)


def _validates_input(route: HTTPRoute, handler: HTTPRouteHandler) -> bool:
    """The rule Litestar uses to document its 400: a body, a path parameter or any other parameter."""
    dependencies = handler.resolve_dependencies()
    own = [
        name
        for name in handler.parsed_fn_signature.parameters
        if name == "data" or (name not in RESERVED_KWARGS and name not in dependencies)
    ]
    if own or route.path_parameters:
        return True
    # Parameters read by a dependency (e.g. the transparency exports' filters) are input too.
    for method in handler.http_methods:
        handler_and_model = route.route_handler_map.get(method)
        if handler_and_model is not None and handler_and_model[0] is handler:
            model = handler_and_model[1]
            if model.expected_query_params or model.expected_header_params or model.expected_cookie_params:
                return True
    return False


def document_problems(app: Litestar) -> None:
    """Document 400 and any other 4xx as problem+json on every handler that validates input or has guards.

    Handlers that do neither (e.g. the OAuth token endpoint, whose errors follow RFC 6749) are left alone,
    and a status a handler documents itself is never replaced.
    """
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            validates = _validates_input(route, handler)
            if not (validates or handler.resolve_guards()):
                continue
            documented: dict[Any, ResponseSpec] = {"4XX": _CLIENT_ERROR}  # OpenAPI's status range key
            if validates:
                documented[400] = _INVALID_INPUT
            documented.update(handler.responses or {})
            handler.responses = cast("dict[int, ResponseSpec]", documented)


# -- the webhooks section (OpenAPI 3.1): every event consumers receive, with the schema of its data ----------

CLOUDEVENTS_MEDIA_TYPE = "application/cloudevents+json"
_THIN_DATA = {
    "title": "ThinData",
    "description": "Sent instead of the data when the body would pass 64 KiB: fetch `links.event` for it.",
    "type": "object",
    "required": ["thin", "id", "size", "links"],
    "properties": {
        "thin": {"const": True},
        "id": {"type": "string", "description": "the event's subject"},
        "size": {"type": "integer", "description": "bytes of the full body"},
        "links": {
            "type": "object",
            "required": ["event"],
            "properties": {
                "event": {"type": "string", "format": "uri"},
                "self": {"type": "string", "format": "uri"},
            },
        },
    },
}


def data_schema_pointer(event_type: str) -> str:
    """Where the schema of an event type's ``data`` sits in the OpenAPI document (a JSON Pointer)."""
    media = CLOUDEVENTS_MEDIA_TYPE.replace("~", "~0").replace("/", "~1")
    return f"/webhooks/{event_type}/post/requestBody/content/{media}/schema/properties/data"


def data_schema_url(base_url: str, event_type: str) -> str:
    """The CloudEvents ``dataschema`` of an event: the OpenAPI document, at its data's schema."""
    return f"{base_url}/schema/openapi.json#{data_schema_pointer(event_type)}"


@functools.cache
def _schema_components(type_: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """msgspec's schema of a type, once per process (every app built, e.g. one per test, asked again); only
    read below: ``inline_schema`` builds new dicts."""
    (root,), defs = msgspec.json.schema_components([type_])
    return root, defs


def inline_schema(type_: Any) -> dict[str, Any]:
    """The JSON Schema of a msgspec type with every ``$ref`` resolved in place: the webhooks section cannot
    register components (Litestar rebuilds them from the routes), and event data types are not recursive."""
    root, defs = _schema_components(type_)

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    resolved: dict[str, Any] = resolve(root)
    return resolved


def _envelope(doc: EventDoc) -> dict[str, Any]:
    text = {"type": "string"}
    return {
        "title": f"CloudEvent {doc.type}",
        "type": "object",
        "required": [
            "specversion",
            "id",
            "source",
            "type",
            "subject",
            "time",
            "datacontenttype",
            "dataschema",
            "sequence",
            "data",
        ],
        "properties": {
            "specversion": {"const": "1.0"},
            "id": {
                **text,
                "format": "uuid",
                "description": "the event's id (stable across retries and replays)",
            },
            "source": {**text, "format": "uri", "description": "the igf_hub deployment's base URL"},
            "type": {"const": doc.type},
            "subject": {**text, "description": "the id of the object the event is about"},
            "time": {**text, "format": "date-time"},
            "datacontenttype": {"const": "application/json"},
            "dataschema": {
                **text,
                "format": "uri",
                "description": "this schema's data member, in this document",
            },
            "sequence": {
                **text,
                "pattern": "^[0-9]{20}$",
                "description": "the event's position in the whole feed (zero-padded; gaps are normal)",
            },
            "data": {"anyOf": [inline_schema(doc.data), _THIN_DATA]},
        },
    }


# The headers of every delivery (Standard Webhooks 1.0; webhook-key-id is igf_hub's, with v1a signatures).
_DELIVERY_HEADERS = [
    Parameter(
        name=name,
        param_in="header",
        required=required,
        description=description,
        schema=Schema(type=OpenAPIType.STRING),
    )
    for name, required, description in (
        (
            "webhook-id",
            True,
            "the message id: the same on every retry (de-duplicate by it); a replay gets a new one",
        ),
        (
            "webhook-timestamp",
            True,
            "seconds since the epoch when this attempt was signed (refuse if 5+ min away)",
        ),
        (
            "webhook-signature",
            True,
            "space-separated v1,<HMAC-SHA256> per live secret, and v1a,<Ed25519> if asked",
        ),
        (
            "webhook-key-id",
            False,
            "the kid (GET /v1/events/signing-keys) of the key behind the v1a signature",
        ),
    )
]


def webhooks_section(events: Iterable[EventDoc]) -> dict[str, PathItem | Reference]:
    """One OpenAPI webhook per event type consumers receive: the CloudEvent body igf_hub POSTs, signed."""
    section: dict[str, PathItem | Reference] = {}
    for doc in events:
        body = OpenAPIMediaType(schema=cast("Schema", _envelope(doc)))
        section[doc.type] = PathItem(
            post=Operation(
                summary=doc.summary,
                description=f"{doc.summary} Sent as a structured-mode CloudEvent, signed per Standard Webhooks.",
                operation_id=f"Webhook_{doc.type.replace('.', '_')}",
                tags=["Webhooks"],
                parameters=list(_DELIVERY_HEADERS),
                request_body=RequestBody(content={CLOUDEVENTS_MEDIA_TYPE: body}, required=True),
                responses={"2XX": OpenAPIResponse(description="Received: any 2xx acknowledges the event")},
            )
        )
    return section
