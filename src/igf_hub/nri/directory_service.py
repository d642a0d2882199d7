"""The directory of NRIs: lists, CSV rows and statistics over what the caller may see (public: NRIs that
were ever recognised; coordinators also see their own; the Secretariat sees everything)."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal, Role
from igf_hub.core.clock import Clock
from igf_hub.core.pagination import decode_cursor, encode_cursor, split_page
from igf_hub.core.settings import Settings
from igf_hub.nri.repository import NriRepository
from igf_hub.nri.schemas import Nri, NriFilters, NriPage, NriStats


class NriDirectory:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.repo = NriRepository(conn)

    async def page(self, filters: NriFilters, *, cursor: str | None, limit: int, actor: Principal) -> NriPage:
        after = decode_cursor(cursor, tuple[str, UUID]) if cursor else None
        rows = await self.repo.page(
            filters,
            visible_all=actor.has_role(Role.secretariat),
            mine=sorted(actor.resources(Role.nri_coordinator)),
            after=after,
            limit=limit + 1,
        )
        items, more = split_page(rows, limit)
        return NriPage(items=items, next_cursor=encode_cursor(items[-1].name, items[-1].id) if more else None)

    async def export(self, filters: NriFilters, *, actor: Principal) -> list[Nri]:
        return await self.repo.export(
            filters,
            visible_all=actor.has_role(Role.secretariat),
            mine=sorted(actor.resources(Role.nri_coordinator)),
        )

    async def stats(self, filters: NriFilters, *, actor: Principal) -> NriStats:
        row = await self.repo.stats(
            filters,
            visible_all=actor.has_role(Role.secretariat),
            mine=sorted(actor.resources(Role.nri_coordinator)),
        )
        return msgspec.convert(row, NriStats)
