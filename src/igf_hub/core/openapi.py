"""The error responses the OpenAPI document promises: RFC 9457 problem+json, as ``app.py`` renders them.

Litestar documents a 400 on every handler that validates input with its own default body
(``{status_code, detail, extra}`` as ``application/json``), which this service never sends: every error is
rendered as ``application/problem+json``. :func:`document_problems` states the truth on each handler before
the document is built (lazily, on the first request for it), so clients and the schema-driven fuzz tests
(tests/hardening) check error bodies against what the API really returns.
"""

from __future__ import annotations

from typing import Any, cast

import msgspec
from litestar import Litestar
from litestar.constants import RESERVED_KWARGS
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.routes import HTTPRoute

from igf_hub.core.errors import FieldError

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
    return bool(own or route.path_parameters)


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
