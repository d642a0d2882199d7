"""What the tracks domain puts in the Secretariat's work queue (core/wiring.py ``QueueSource``): active Dynamic
Coalitions that no longer meet the DC rules (the standing the API reports), and calls for input closing soon."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import asyncpg

from igf_hub.auth.principal import Principal
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.core.wiring import QueueItem, QueueSource
from igf_hub.tracks.queue_repository import QueueRepository
from igf_hub.tracks.repository import TrackRepository
from igf_hub.tracks.service import TrackService
from igf_hub.web.i18n import N_

CLOSING_WITHIN = timedelta(days=14)


async def dcs_losing_standing(
    conn: asyncpg.Connection, actor: Principal, clock: Clock, settings: Settings
) -> Sequence[QueueItem]:
    ids = await QueueRepository(conn).active_dcs()
    service = TrackService(conn, clock, settings)
    items = []
    for track in await TrackRepository(conn).get_many(ids) if ids else []:
        if not (await service.evaluate(track)).in_good_standing:
            items.append(QueueItem(title=track.name, link=f"/tracks/{track.slug}", since=track.activated_at))
    return sorted(items, key=lambda item: item.title)


async def calls_closing(
    conn: asyncpg.Connection, actor: Principal, clock: Clock, settings: Settings
) -> Sequence[QueueItem]:
    rows = await QueueRepository(conn).calls_closing(clock.now(), CLOSING_WITHIN)
    return [
        QueueItem(title=f"{r['track_name']}: {r['title']}", link=f"/tracks/{r['slug']}", due=r["closes_at"])
        for r in rows
    ]


WORK_QUEUE = [
    QueueSource(
        name="tracks.dcs_losing_standing",
        heading=N_("Dynamic Coalitions losing their standing"),
        items=dcs_losing_standing,
        order=30,
    ),
    QueueSource(
        name="tracks.calls_closing", heading=N_("Calls for input closing soon"), items=calls_closing, order=40
    ),
]
