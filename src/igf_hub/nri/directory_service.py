"""The directory of NRIs: lists, CSV rows and statistics over what the caller may see (public: NRIs that
were ever recognised; coordinators also see their own; the Secretariat sees everything).

``q`` finds the words as written (the NRI's own ``search`` column, any NRI the caller sees) and, through the
site search (core/search.py), other forms of them in the languages the NRI works in: ``foros`` finds "Foro
Argentino". The site search holds only public NRIs, so it never widens what the caller may see."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal, Role
from igf_hub.core import search
from igf_hub.core.clock import Clock
from igf_hub.core.pagination import Keyset
from igf_hub.core.settings import Settings
from igf_hub.nri.repository import NriRepository
from igf_hub.nri.schemas import Nri, NriFilters, NriPage, NriStats


class NriDirectory:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.conn = conn
        self.repo = NriRepository(conn)

    async def _found(self, filters: NriFilters) -> list[UUID]:
        return await search.matching_ids(self.conn, "nri", filters.q) if filters.q else []

    async def page(self, filters: NriFilters, *, cursor: str | None, limit: int, actor: Principal) -> NriPage:
        keyset = Keyset(cursor, tuple[str, UUID], limit)
        rows = await self.repo.page(
            filters,
            visible_all=actor.has_role(Role.secretariat),
            mine=sorted(actor.resources(Role.nri_coordinator)),
            after=keyset.after,
            limit=keyset.fetch,
            found=await self._found(filters),
        )
        items, next_cursor = keyset.cut(rows, lambda row: (row.name, row.id))
        return NriPage(items=items, next_cursor=next_cursor)

    async def export(self, filters: NriFilters, *, actor: Principal) -> list[Nri]:
        return await self.repo.export(
            filters,
            visible_all=actor.has_role(Role.secretariat),
            mine=sorted(actor.resources(Role.nri_coordinator)),
            found=await self._found(filters),
        )

    async def stats(self, filters: NriFilters, *, actor: Principal) -> NriStats:
        row = await self.repo.stats(
            filters,
            visible_all=actor.has_role(Role.secretariat),
            mine=sorted(actor.resources(Role.nri_coordinator)),
            found=await self._found(filters),
        )
        return msgspec.convert(row, NriStats)
