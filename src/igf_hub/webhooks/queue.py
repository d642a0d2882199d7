"""What the webhooks domain puts in the Secretariat's work queue (core/wiring.py ``QueueSource``): the consumers'
endpoints that are failing, or were disabled for failing."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from igf_hub.auth.principal import Principal
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.core.wiring import QueueItem, QueueSource
from igf_hub.web.i18n import N_
from igf_hub.webhooks.queue_repository import QueueRepository


async def failing_endpoints(
    conn: asyncpg.Connection, actor: Principal, clock: Clock, settings: Settings
) -> Sequence[QueueItem]:
    return [
        QueueItem(
            title=f"{r['consumer']}: {r['url']}", link=f"/consumers/{r['consumer_id']}", since=r["since"]
        )
        for r in await QueueRepository(conn).failing_endpoints()
    ]


WORK_QUEUE = [
    QueueSource(
        name="webhooks.failing_endpoints",
        heading=N_("Webhook endpoints failing"),
        items=failing_endpoints,
        order=60,
    )
]
