"""What the MAG domain puts in the Secretariat's work queue (core/wiring.py ``QueueSource``): the nominations
not yet processed, one line per cycle (nominations are private: no nominee is named here)."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from igf_hub.auth.principal import Principal
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.core.wiring import QueueItem, QueueSource
from igf_hub.mag.queue_repository import QueueRepository
from igf_hub.web.i18n import N_


async def nominations_to_process(
    conn: asyncpg.Connection, actor: Principal, clock: Clock, settings: Settings
) -> Sequence[QueueItem]:
    return [
        QueueItem(
            title=f"MAG {r['year']}", link=f"/mag/cycles/{r['year']}", since=r["oldest"], count=r["waiting"]
        )
        for r in await QueueRepository(conn).nominations_to_process()
    ]


WORK_QUEUE = [
    QueueSource(
        name="mag.nominations_to_process",
        heading=N_("MAG nominations to process"),
        items=nominations_to_process,
        order=50,
    )
]
