"""The SQL of what the webhooks domain puts in the Secretariat's work queue (webhooks/queue.py)."""

from __future__ import annotations

import asyncpg

# Endpoints failing now, or disabled for failing, the longest-failing first.
FAILING_ENDPOINTS = """
SELECT e.id, e.url, e.consumer_id, c.name AS consumer, coalesce(e.failing_since, e.last_failure_at) AS since
FROM webhook_endpoints e JOIN consumers c ON c.id = e.consumer_id
WHERE e.failing_since IS NOT NULL OR e.disabled_reason = 'failing'
ORDER BY coalesce(e.failing_since, e.last_failure_at) NULLS LAST, e.id"""


class QueueRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def failing_endpoints(self) -> list[asyncpg.Record]:
        return list(await self.conn.fetch(FAILING_ENDPOINTS))
