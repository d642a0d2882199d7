"""A budget for long streaming responses (the public exports), so that clients who never read cannot take the
database away from everyone else.

An export holds a pooled connection (one consistent snapshot) for as long as it streams, and a client that
stops reading stops the stream mid-way: a dozen anonymous connections that asked for an export and never read
held the whole pool, ``/readyz`` reported PostgreSQL down and every other request waited for a connection.
So a streaming handler first claims a :class:`StreamSlot` (the ``stream_slot`` dependency):

- at most ``exports.max_per_client`` at once per client address (429 beyond) and ``exports.max_concurrent``
  per process, never more than half the pool (503 beyond), both with Retry-After, before the response starts;
- the slot takes its pooled connection before the response starts too, so a saturated pool is a 503, not a
  200 that never sends a byte;
- :func:`stream_guard_middleware` (on the streaming routes) gives every 64 KiB of the body
  ``exports.send_timeout`` seconds to leave: a client that takes nothing for that long is cut off. Whatever
  happened, the middleware then closes the stream, returns the connection and frees the slot.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from typing import Any

import asyncpg
import structlog
from litestar import Request
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import ASGIApp, HTTPResponseBodyEvent, Message, Receive, Scope, Send

from igf_hub.core.errors import DomainError, TooManyRequests
from igf_hub.core.openapi import PROBLEM_MEDIA_TYPE, Problem

log = structlog.get_logger("igf_hub.streaming")

_SLOT = "igf_hub.stream_slot"
RETRY_AFTER_SECONDS = 30
SEND_PIECE = 64 * 1024  # bytes: the send timeout applies to each piece of this size (uvicorn's write buffer)


class StreamsBusy(DomainError):
    status, slug, title = 503, "streams-busy", "Too many downloads are running"


# What a streaming handler documents besides its own statuses (429 is among every handler's 4XX problems).
STREAM_RESPONSES = {
    503: ResponseSpec(
        data_container=Problem,
        media_type=PROBLEM_MEDIA_TYPE,
        description="Too many downloads are running (`/problems/streams-busy`), or the database cannot be "
        "reached; retry after `Retry-After` seconds",
        generate_examples=False,
    )
}


class _ClientTooSlow(Exception):
    """Raised from ``send`` when the client took nothing for longer than the send timeout."""


class StreamBudget:
    """How many streams run, in total and per client address (one event loop: no lock needed)."""

    def __init__(self, *, max_concurrent: int, max_per_client: int, pool_max: int) -> None:
        self.max_concurrent = max(1, min(max_concurrent, pool_max // 2))
        self.max_per_client = max(1, max_per_client)
        self.running = 0
        self.by_client: dict[str, int] = {}

    def claim(self, client: str) -> None:
        retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if self.by_client.get(client, 0) >= self.max_per_client:
            raise TooManyRequests(
                f"at most {self.max_per_client} downloads may run at once from one address; retry when one "
                "has finished",
                headers=retry,
            )
        if self.running >= self.max_concurrent:
            raise StreamsBusy(
                f"the server is already sending {self.running} downloads; retry in {RETRY_AFTER_SECONDS} s",
                headers=retry,
            )
        self.running += 1
        self.by_client[client] = self.by_client.get(client, 0) + 1

    def release(self, client: str) -> None:
        self.running -= 1
        left = self.by_client.pop(client) - 1
        if left:
            self.by_client[client] = left


class StreamSlot:
    """One claimed place in the budget: the connection and the stream it serves, released together."""

    def __init__(self, budget: StreamBudget, client: str) -> None:
        self.budget = budget
        self.client = client
        self.pool: asyncpg.Pool | None = None
        self.conn: asyncpg.Connection | None = None
        self.stream: AsyncGenerator[bytes, None] | None = None

    async def connection(self, pool: asyncpg.Pool, *, wait: float) -> asyncpg.Connection:
        self.pool = pool
        self.conn = await pool.acquire(timeout=wait)
        return self.conn

    def held(self) -> asyncpg.Connection:
        """The connection taken by :meth:`connection` (e.g. for a check before the response starts)."""
        if self.conn is None:
            raise RuntimeError("no connection was taken for this stream")
        return self.conn

    def hold(self, stream: AsyncGenerator[bytes, None]) -> AsyncGenerator[bytes, None]:
        """The response body: closed by the middleware however the response ends (even if never started)."""
        self.stream = stream
        return stream

    async def release(self) -> None:
        try:
            if self.stream is not None:
                await self.stream.aclose()  # ends its transaction
        finally:
            try:
                if self.pool is not None and self.conn is not None:
                    await self.pool.release(self.conn)
            finally:
                self.budget.release(self.client)


async def provide_stream_slot(request: Request[Any, Any, Any]) -> StreamSlot:
    """The ``stream_slot`` dependency: claim a place in the budget or refuse with 429/503."""
    state = request.scope.get("state", {})
    if state.get(_SLOT, False) is not None:
        # Only the middleware frees slots: a handler without it would leak one per request.
        raise RuntimeError("a stream_slot needs stream_guard_middleware on its route")
    budget: StreamBudget = request.app.state.stream_budget
    client = request.client.host if request.client else "unknown"
    budget.claim(client)
    slot = state[_SLOT] = StreamSlot(budget, client)
    return slot


def pieces(message: Message) -> list[Message]:
    """A body message as pieces of at most SEND_PIECE bytes, so that the send timeout measures progress (no
    piece taken in that time), not the rate: one page of an export is about a megabyte, which a slow but
    steady client could not take within the timeout in one go."""
    body: bytes = message.get("body", b"") if message["type"] == "http.response.body" else b""
    if len(body) <= SEND_PIECE:
        return [message]
    more = bool(message.get("more_body", False))
    starts = range(0, len(body), SEND_PIECE)
    out: list[Message] = []
    for start in starts:
        piece: HTTPResponseBodyEvent = {
            "type": "http.response.body",
            "body": body[start : start + SEND_PIECE],
            "more_body": more or start + SEND_PIECE < len(body),
        }
        out.append(piece)
    return out


def _too_slow(exc: BaseException) -> bool:
    """Whether ``exc`` is (or wraps: task groups and Litestar's "after response started") a send timeout."""
    pending, seen = [exc], 0
    while pending and seen < 50:
        current = pending.pop()
        seen += 1
        if isinstance(current, _ClientTooSlow):
            return True
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return False


def stream_guard_middleware(app: ASGIApp) -> ASGIApp:
    """Route middleware for handlers that take a ``stream_slot``: send timeout, and the slot's release."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        state = scope.setdefault("state", {})
        state[_SLOT] = None  # marks the route as guarded: the dependency puts the claimed slot here
        timeout = scope["litestar_app"].state.settings.exports.send_timeout

        async def timed_send(message: Message) -> None:
            for piece in pieces(message):
                try:
                    async with asyncio.timeout(timeout):
                        await send(piece)
                except TimeoutError:
                    raise _ClientTooSlow from None

        try:
            await app(scope, receive, timed_send)
        except Exception as exc:
            if not _too_slow(exc):
                raise
            # The response has started: nothing more can be said to this client. Returning without finishing
            # it makes the server close the connection.
            log.warning("stream.client_too_slow", path=scope["path"], seconds=timeout)
        finally:
            slot: StreamSlot | None = state.get(_SLOT)
            if slot is not None:
                with contextlib.suppress(*_CLOSE_ERRORS):
                    await slot.release()

    return middleware


# Closing a stream whose connection died (the database restarted mid-export) must still free the slot.
_CLOSE_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError)
