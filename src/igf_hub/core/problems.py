"""Every failure a request can meet, translated into RFC 9457 problem+json: a body or parameter that does not
match the schema (400/422 with a pointer per field), Litestar's own HTTP errors, a backing service that cannot
be reached (503 with Retry-After) and anything else (500, logged). Domain errors are rendered by
``core.errors.to_problem``; ``app.py`` maps each exception type to its translation.
"""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import msgspec
import redis.exceptions
import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.plugins.problem_details import ProblemDetailsException

from igf_hub.core.errors import FieldError, plain_detail, problem

# The logger these lines have always been written under (operators' log queries name it).
log = structlog.get_logger("igf_hub.app")

_AT_PATH = re.compile(r" - at `\$(?P<path>[^`]*)`")
_UNKNOWN_FIELD = re.compile(r"(?:unknown|missing required) field `([^`]+)`")


def _pointer(message: str, key: str | None) -> str:
    """msgspec says where (``- at `$.countries[0]` ``): turn that into a JSON Pointer (``/countries/0``)."""
    match = _AT_PATH.search(message)
    path = match.group("path") if match else (f".{key}" if key and key != "data" else "")
    path = path.replace("[...]", "")  # a value inside a mapping: point at the mapping itself
    parts = re.findall(r"\.([^.\[]+)|\[(\d+)\]", path)  # Litestar gives keys like "grants[0].role"
    pointer = "".join(f"/{name or index}" for name, index in parts)
    unknown = _UNKNOWN_FIELD.search(message)
    return f"{pointer}/{unknown.group(1)}" if unknown else pointer


def validation_problem(exc: ValidationException) -> ProblemDetailsException:
    """Malformed bodies are 400; well-formed bodies that break a constraint are 422 — both with pointers."""
    raw = exc.extra if isinstance(exc.extra, list) else []
    errors = []
    malformed = False
    # For a list body Litestar keeps only the key "data"; msgspec's own error (the cause) still says where.
    cause = (
        _AT_PATH.search(str(exc.__cause__)) if isinstance(exc.__cause__, msgspec.ValidationError) else None
    )
    list_path = (
        cause.group("path")[len(".data") :] if cause and cause.group("path").startswith(".data[") else None
    )
    for item in raw:
        message = str(item.get("message", "")) if isinstance(item, dict) else str(item)
        key = item.get("key") if isinstance(item, dict) else None
        source = item.get("source") if isinstance(item, dict) else None
        source = getattr(source, "value", source)  # Litestar passes a ParamType enum
        malformed |= "malformed" in message.lower() or "truncated" in message.lower()
        pointer = _pointer(message, key)
        if key == "data" and list_path is not None and len(raw) == 1:
            pointer = _pointer(f" - at `${list_path}`", None)
        detail = plain_detail(message)  # never a raw regex
        if source in ("query", "path", "header", "cookie"):
            pointer = f"{source}:{key}"  # not a body location: name the parameter instead
        errors.append(FieldError(pointer=pointer, detail=detail))
    if malformed or (not errors and "malformed" in (exc.detail or "").lower()):
        return problem(
            status=400,
            slug="malformed-body",
            title="The request body is not valid JSON",
            detail=errors[0].detail if errors else exc.detail,
            errors=errors,
        )
    return problem(
        status=422,
        slug="validation-failed",
        title="The request does not match the schema",
        detail="; ".join(f"{e.pointer or '(body)'}: {e.detail}" for e in errors) or exc.detail,
        errors=errors,
    )


_STATUS_SLUGS = {
    404: "not-found",
    405: "method-not-allowed",
    401: "unauthorized",
    403: "forbidden",
    413: "too-large",
}


_UNDECODABLE = re.compile(r"malformed|truncated|invalid utf-8|expected", re.IGNORECASE)


def api_http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """What the problem-details plugin answers for an HTTP error (a problem raised as such is kept whole)."""
    return (exc if isinstance(exc, ProblemDetailsException) else http_problem(exc)).to_response(request)


def http_problem(exc: HTTPException) -> ProblemDetailsException:
    if exc.status_code == 400 and _UNDECODABLE.search(exc.detail or ""):
        # The body could not be decoded at all (msgspec stops before any field is seen).
        return problem(
            status=400,
            slug="malformed-body",
            title="The request body is not valid JSON",
            detail=exc.detail,
            errors=[FieldError(pointer="", detail=exc.detail)],
        )
    slug = _STATUS_SLUGS.get(exc.status_code, f"http-{exc.status_code}")
    return problem(
        status=exc.status_code,
        slug=slug,
        title=exc.detail or slug,
        detail=exc.detail or slug,
        headers=exc.headers,
    )


# Failures that say a backing service cannot be reached right now (down, restarting, saturated), not that
# the request or the code is wrong: the client should retry, so they are 503 with Retry-After, not 500.
_POSTGRES_UNAVAILABLE = (
    asyncpg.PostgresConnectionError,  # class 08: the connection failed or was closed mid-operation
    asyncpg.exceptions.AdminShutdownError,  # 57P01: the server is shutting down
    asyncpg.exceptions.CrashShutdownError,  # 57P02
    asyncpg.exceptions.CannotConnectNowError,  # 57P03: starting up or shutting down
    asyncpg.exceptions.TooManyConnectionsError,  # 53300
    # asyncpg's protocol after the server ended the session unprompted ("cannot switch to state 12; another
    # operation (2) is in progress": it is still consuming the server's FATAL message); the pool drops it.
    asyncpg.exceptions.InternalClientError,
)
_REDIS_UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# Refused/reset connections, and a pool acquire or connect that ran out of time (core/db.py bounds them).
_NETWORK_UNAVAILABLE = (ConnectionError, TimeoutError)
RETRY_AFTER_SECONDS = 5


def unavailable_dependency(exc: BaseException) -> str | None:
    """Which backing service ``exc`` says is unreachable ("PostgreSQL", "Valkey", or "a backing service"), looking
    through what caused it: a failed ROLLBACK or pool release raises its own error on top of the lost
    connection, and Litestar groups errors raised while cleaning up dependencies."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending and len(seen) < 50:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, _POSTGRES_UNAVAILABLE):
            return "PostgreSQL"
        if isinstance(current, _REDIS_UNAVAILABLE):
            return "Valkey"
        if isinstance(current, _NETWORK_UNAVAILABLE) or (
            type(current) is OSError
            and str(current).startswith("Multiple exceptions:")  # asyncio, every address
        ):
            return _client_of(current)
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return None


def _client_of(exc: BaseException) -> str:
    """A plain socket error names no service: the library whose frames raised it does."""
    tb = exc.__traceback__
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        if module.startswith("asyncpg"):
            return "PostgreSQL"
        if module.startswith("redis"):
            return "Valkey"
        tb = tb.tb_next
    return "a backing service"


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    dependency = unavailable_dependency(exc)
    if dependency is not None:
        log.warning(
            "request.unavailable", path=request.url.path, dependency=dependency, error=repr(exc)[:300]
        )
        return problem(
            status=503,
            slug="service-unavailable",
            title="Service temporarily unavailable",
            detail=f"{dependency} cannot be reached right now; retry in {RETRY_AFTER_SECONDS} s (a write either "
            "took effect completely or not at all: read before repeating one that is not idempotent).",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ).to_response(request)
    log.exception("request.failed", path=request.url.path, error=type(exc).__name__)
    return problem(
        status=500,
        slug="internal-error",
        title="Internal server error",
        detail="The server failed to handle this request; the request id identifies it in the logs.",
    ).to_response(request)
