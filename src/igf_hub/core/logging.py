"""Structured logging: JSON in production, readable in a terminal; a request id on every line."""

from __future__ import annotations

import contextvars
import logging
import sys
import time
import uuid
from collections.abc import Mapping
from typing import Any

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from igf_hub.core.asgi import StatusRecorder

REQUEST_ID_HEADER = "x-request-id"


def configure_logging(*, fmt: str = "console", level: str = "info") -> None:
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level.upper()]),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
    # Libraries log through the standard library (uvicorn, arq, asyncpg): render their lines the same way.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            # A library's exc_info becomes the same "exception" text our own lines carry.
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
            foreign_pre_chain=[
                structlog.contextvars.merge_contextvars,
                structlog.stdlib.add_logger_name,
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    logging.captureWarnings(True)  # Python's warnings too, instead of plain text on stderr
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access", "httpx"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    for name in ("uvicorn", "uvicorn.error", "arq"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


def _valid_request_id(value: str) -> bool:
    return 0 < len(value) <= 128 and value.isascii() and value.isprintable()


access_log = structlog.get_logger("igf_hub.access")
_LOGGED_PATH = "igf_hub.logged_path"


def log_path_as(scope: Scope, shown: str) -> None:
    """Write ``shown`` instead of the request's path in its access line: for an address that is itself a secret
    (a person's calendar address), which must not end up in the logs."""
    scope.setdefault("state", {})[_LOGGED_PATH] = shown


class _Bound:
    __slots__ = ("tokens", "values")

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self.tokens: Mapping[str, contextvars.Token[Any]] = {}

    def __enter__(self) -> None:
        self.tokens = structlog.contextvars.bind_contextvars(**self.values)

    def __exit__(self, *exc: object) -> None:
        structlog.contextvars.reset_contextvars(**self.tokens)


def bound(**values: Any) -> _Bound:
    """``with bound(key=value):`` every log line written inside the block carries ``values``; the previous
    values come back after it.

    What structlog's ``bound_contextvars`` does, without its cost per request: that copies the whole context on
    entry to save the old values and sets each key twice on exit. This keeps the tokens of the one
    ``ContextVar.set`` per key and resets them, which restores exactly what was there before.
    """
    return _Bound(values)


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    """Take the caller's X-Request-Id (or make one), bind it to every log line of the request, and write one
    access line per request (method, route, status, duration)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        recorder = StatusRecorder(send)
        with bound(request_id=_request_id(scope)):
            try:
                await app(scope, receive, recorder)
            finally:
                access_log.info(
                    "request.completed",
                    method=scope["method"],
                    path=(scope.get("state") or {}).get(_LOGGED_PATH) or scope["path"],
                    status=recorder.status,
                    ms=round((time.perf_counter() - started) * 1000, 2),
                )

    return middleware


def request_id_of(scope: Scope) -> str:
    """The request's id (the one its log lines and its X-Request-Id header carry)."""
    return _request_id(scope)


def _request_id(scope: Scope) -> str:
    state = scope.setdefault("state", {})
    if "request_id" not in state:
        incoming = next(
            (v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"x-request-id"), ""
        )
        state["request_id"] = incoming if _valid_request_id(incoming) else uuid.uuid4().hex
    request_id: str = state["request_id"]
    return request_id


async def add_request_id_header(message: Message, scope: Scope) -> None:
    """A before_send hook: it sees every response, including errors raised before any middleware ran."""
    if message["type"] == "http.response.start":
        headers = [h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"]
        message["headers"] = [*headers, (b"x-request-id", _request_id(scope).encode())]
