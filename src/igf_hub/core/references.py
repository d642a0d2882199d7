"""Citable references across domains, without importing each other.

A domain declares a resolver for each kind of object it owns (``"track_output"``, ``"nri_report"`` …) in its
``wiring.py`` (installed at start-up by ``core/wiring.py``); another domain (IGF Messages citing its provenance) resolves ``(kind, id)`` through here and
gets ``None`` when the object does not exist.
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
