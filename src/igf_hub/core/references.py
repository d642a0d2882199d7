"""Citable references across domains, without importing each other.

A domain declares a resolver for each kind of object it owns (``"track_output"``, ``"nri_report"`` …) in its
``wiring.py`` (installed at start-up by ``core/wiring.py``); another domain (IGF Messages citing its provenance) resolves ``(kind, id)`` through here and
gets ``None`` when the object does not exist.

The other way round, a domain that cites declares a *citer* (``Wiring.citers``): given ``(kind, id)``, the public
objects of its own that cite it (a track's output page shows the IGF Messages that cite it), so the cited domain
learns who cites it without importing the citing one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

import asyncpg
import msgspec


class Reference(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    id: UUID
    title: str
    href: str  # the API path that resolves to the object, e.g. /v1/tracks/outputs/<id>
    citable_id: str | None = None


Resolver = Callable[[asyncpg.Connection, UUID], Awaitable[Reference | None]]
_resolvers: dict[str, Resolver] = {}


def register(kind: str, resolver: Resolver) -> None:
    _resolvers[kind] = resolver


def kinds() -> list[str]:
    return sorted(_resolvers)


async def resolve(conn: asyncpg.Connection, kind: str, ref_id: UUID) -> Reference | None:
    """The referenced object, or None if the kind is unknown or no such object exists."""
    resolver = _resolvers.get(kind)
    return await resolver(conn, ref_id) if resolver else None


class Citation(msgspec.Struct, frozen=True, kw_only=True):
    """A public object that cites another (an IGF Message citing a track output in its provenance)."""

    kind: str  # the citing object's kind, e.g. "message"
    id: UUID
    title: str
    href: str  # its API path
    page: str | None = None  # its web page, without a language prefix (e.g. /messages/<id>)


# Given a cited (kind, id): the public objects of the declaring domain that cite it.
Citer = Callable[[asyncpg.Connection, str, UUID], Awaitable[list[Citation]]]
_citers: list[Citer] = []


def register_citer(citer: Citer) -> None:
    if citer not in _citers:  # install runs once per app, and several apps may share a process (tests)
        _citers.append(citer)


async def cited_by(conn: asyncpg.Connection, kind: str, ref_id: UUID) -> list[Citation]:
    """Every public object, of every domain that cites, citing ``(kind, ref_id)``."""
    found: list[Citation] = []
    for citer in _citers:
        found += await citer(conn, kind, ref_id)
    return found
