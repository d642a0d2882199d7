"""What a domain plugs into the others, declared as data and installed by the processes that run it.

Domains do not import each other: they meet through the outbox (events), ``core/references`` (citable objects)
and ``core/metrics`` (collectors). Each domain says, in one ``WIRING`` value of its ``<domain>/wiring.py``,
beside its controllers and jobs, what it takes part with: the event families it publishes for consumers (and
their resources' paths), their catalogue, its subscribers and reference resolvers, its metrics. ``app.py`` and
``worker.py`` list every domain's ``WIRING`` and ``install`` them at start-up. Importing a module registers
nothing (tests/architecture/test_wiring.py keeps it so).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import asyncpg

from igf_hub.core import metrics, notice_kinds, outbox, references, signing
from igf_hub.core.clock import Clock
from igf_hub.core.notice_kinds import NoticeKind
from igf_hub.core.outbox import EventDoc, Handler
from igf_hub.core.references import Citer
from igf_hub.core.report_sections import ORDER, SectionSource
from igf_hub.core.settings import Settings


@dataclass(frozen=True, kw_only=True)
class EventFamily:
    """Events named ``<name>.*`` that consumers may subscribe to (webhooks and the pull log)."""

    name: str
    # The API path of the objects its events are about (``/v1/messages/{id}``): a thin body links to it.
    resource_path: str | None = None


@dataclass(frozen=True, kw_only=True)
class QueueItem:
    """One thing waiting for the Secretariat: what (the object's own name), where to act on it (a page path
    without the language prefix), and since when it waits or by when it is due."""

    title: str
    link: str
    since: datetime | None = None
    due: date | datetime | None = None
    count: int | None = None  # how many things the line stands for, when it stands for several


# The items one source has now: (the request's connection, the person asking, the clock, the settings).
QueueItems = Callable[[asyncpg.Connection, Any, Clock, Settings], Awaitable[Sequence[QueueItem]]]


@dataclass(frozen=True, kw_only=True)
class QueueSource:
    """A kind of work for the Secretariat's work queue (``/secretariat/queue``), declared by the domain that
    owns it, its SQL in that domain's repository."""

    name: str  # e.g. "nri.awaiting_review"
    heading: str  # marked with N_(), translated when shown
    items: QueueItems
    order: int = 100  # smaller first


@dataclass(frozen=True, kw_only=True)
class ConsumerDelivery:
    """How one kind of event about one object reached one of the IGF's named consumers (UNGIS, the CSTD)."""

    consumer: str  # the consumer's name, e.g. "UNGIS"
    kind: str  # ungis | cstd
    event_type: str
    delivered_at: datetime | None  # None: not delivered (yet)


# Per named consumer and event type, the delivery of the events about ``subject`` (the object's id): (the
# request's connection, the event types, the subject). Declared by the domain that delivers events.
DeliveryStatus = Callable[[asyncpg.Connection, Sequence[str], str], Awaitable[Sequence[ConsumerDelivery]]]


@dataclass(frozen=True, kw_only=True)
class Wiring:
    domain: str
    families: Sequence[EventFamily] = ()
    # Every event type of those families, with the schema of its data (the OpenAPI ``webhooks`` section).
    events: Sequence[EventDoc] = ()
    # Run inside each publishing transaction, for every event (keep them to SQL; see outbox.publish).
    in_transaction: Sequence[Handler] = ()
    # Run by the worker after commit: event type (or "*") to handlers (see outbox.dispatch_pending).
    after_commit: Mapping[str, Sequence[Handler]] = field(default_factory=dict)
    # Kinds of object other domains may cite (``"track_output"``), and how to resolve one.
    references: Mapping[str, references.Resolver] = field(default_factory=dict)
    # How to find the domain's public objects that cite an object of another (``references.cited_by``).
    citers: Sequence[Citer] = ()
    # Sections of /metrics, by name.
    collectors: Mapping[str, metrics.Collector] = field(default_factory=dict)
    # The kinds of notice the domain sends people (people/notices.py says how to add one).
    notice_kinds: Sequence[NoticeKind] = ()
    # Kinds of record it signs when it publishes them, and how to sign those published before signing began
    # (``igf-hub publication-keys backfill``).
    signed_records: Mapping[str, signing.Backfill] = field(default_factory=dict)
    # Its sections of the yearly report, by name: how each computes its figures for a year
    # (core/report_sections.py; the reports domain assembles them).
    report_sections: Mapping[str, SectionSource] = field(default_factory=dict)
    # What it puts in the Secretariat's work queue.
    work_queue: Sequence[QueueSource] = ()
    # How events about an object reached the named consumers (one domain declares it: the one delivering).
    delivery_status: DeliveryStatus | None = None


_installed: dict[str, Wiring] = {}
_families: dict[str, EventFamily] = {}


def install(wirings: Sequence[Wiring]) -> None:
    """Register every domain's subscribers, resolvers, collectors and event families in this process.
    Idempotent: the app and the worker call it at start-up, and several apps may share a process (tests)."""
    for wiring in wirings:
        for handler in wiring.in_transaction:
            outbox.subscribe_in_transaction(handler)
        for event_type, handlers in wiring.after_commit.items():
            for handler in handlers:
                outbox.subscribe(event_type, handler)
        for kind, resolver in wiring.references.items():
            references.register(kind, resolver)
        for citer in wiring.citers:
            references.register_citer(citer)
        for name, collector in wiring.collectors.items():
            metrics.register_collector(name, collector)
        notice_kinds.register(wiring.notice_kinds)
        for family in wiring.families:
            _families[family.name] = family
        _installed[wiring.domain] = wiring


def installed() -> list[str]:
    """The domains whose wiring this process installed."""
    return sorted(_installed)


def work_queue() -> list[QueueSource]:
    """The work queue's sources, as the installed domains declare them, in order."""
    sources = [source for wiring in _installed.values() for source in wiring.work_queue]
    return sorted(sources, key=lambda source: (source.order, source.name))


async def deliveries(
    conn: asyncpg.Connection, event_types: Sequence[str], subject: str
) -> list[ConsumerDelivery]:
    """How the events about ``subject`` reached the named consumers; empty when no installed domain delivers."""
    for wiring in _installed.values():
        if wiring.delivery_status is not None:
            return list(await wiring.delivery_status(conn, event_types, subject))
    return []


def families() -> Mapping[str, EventFamily]:
    """The event families consumers may subscribe to, as the installed domains declare them."""
    return _families


def report_sections() -> dict[str, SectionSource]:
    """The yearly report's sections the installed domains declare, in the report's order."""
    found = {name: source for w in _installed.values() for name, source in w.report_sections.items()}
    ranked = sorted(found, key=lambda name: (ORDER.index(name) if name in ORDER else len(ORDER), name))
    return {name: found[name] for name in ranked}


def catalogue(wirings: Sequence[Wiring]) -> list[EventDoc]:
    """Every event type consumers receive, in the domains' order."""
    return [doc for wiring in wirings for doc in wiring.events]
