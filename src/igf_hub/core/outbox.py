"""Domain events: rows in ``outbox`` written in the same transaction as the change that caused them.

Other domains subscribe without importing the publisher, in their ``wiring.py`` (``core/wiring.py`` installs
the subscribers at start-up). Two paths: in-transaction handlers run inside the publishing transaction (a
projection that must commit with the change: webhook deliveries, funding's NRI directory, the Messages roster);
after-commit handlers, by event type (``message.approved``), run in the worker, in one transaction with marking
the event dispatched, so each runs once per committed event and a failing one cannot undo the change (the
path notices to people will take). The worker marks events dispatched even while no handler is declared, so a
handler added later starts from the events after it, not from the whole history.

Every event says whether it is ``public``: about something anyone could read through the API at that moment.
The publishing domain decides (a draft Message, an unrecognised NRI, a nomination are not). Non-public events
reach igf_hub's own subscribers but never the consumer feed; the change that makes an object public publishes
an event carrying its public state, so consumers start from there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
import structlog

log = structlog.get_logger("igf_hub.outbox")

INSERT_EVENT = """
INSERT INTO outbox (type, subject, data, public) VALUES ($1, $2, $3, $4)
RETURNING id, event_id, type, subject, data, occurred_at, public"""
CLAIM_PENDING = """
SELECT id, event_id, type, subject, data, occurred_at, public FROM outbox
WHERE dispatched_at IS NULL ORDER BY id LIMIT $1
FOR UPDATE SKIP LOCKED"""
MARK_DISPATCHED = "UPDATE outbox SET dispatched_at = now() WHERE id = ANY($1::bigint[])"


class Event(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    event_id: UUID
    type: str
    subject: str
    data: dict[str, Any]
    occurred_at: datetime
    public: bool = True


class EventDoc(msgspec.Struct, frozen=True, kw_only=True):
    """One event type consumers receive, as integrators read it (the OpenAPI ``webhooks`` section): what it
    means and the type of its ``data`` (a msgspec Struct; unknown members may be added later)."""

    type: str
    summary: str
    data: Any


Handler = Callable[[asyncpg.Connection, Event], Awaitable[None]]
_handlers: dict[str, list[Handler]] = {}
_in_transaction: list[Handler] = []


def subscribe(event_type: str, handler: Handler) -> None:
    """Register ``handler`` for an event type (``"*"`` for all), run later by the worker after commit (once,
    however often it is registered). Domains declare theirs in their ``wiring.py``."""
    handlers = _handlers.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def subscribe_in_transaction(handler: Handler) -> None:
    """Register ``handler`` to run inside the publishing transaction (webhooks write their delivery rows
    there, so an event and its deliveries commit or roll back together). Keep such handlers to SQL."""
    if handler not in _in_transaction:
        _in_transaction.append(handler)


async def publish(
    conn: asyncpg.Connection, event_type: str, *, subject: object, data: Any, public: bool = True
) -> Event:
    """Write a domain event in the caller's transaction (``type`` is dotted: ``nri.recognised``). Events of one
    transaction are ordered as published: publish the change that causes the others first. ``public=False``
    for an event about something the API does not show everyone yet (see the module's note)."""
    row = await conn.fetchrow(INSERT_EVENT, event_type, str(subject), msgspec.to_builtins(data), public)
    event = Event(**row)
    for handler in _in_transaction:
        await handler(conn, event)
    return event


async def dispatch_pending(pool: asyncpg.Pool, *, batch: int = 100) -> int:
    """Run subscribers for committed, undispatched events; returns how many events were handled."""
    async with pool.acquire() as conn, conn.transaction():
        events = [Event(**r) for r in await conn.fetch(CLAIM_PENDING, batch)]
        for event in events:
            for handler in [*_handlers.get(event.type, ()), *_handlers.get("*", ())]:
                await handler(conn, event)
        if events:
            await conn.execute(MARK_DISPATCHED, [e.id for e in events])
    if events:
        log.info("outbox.dispatched", events=len(events))
    return len(events)
