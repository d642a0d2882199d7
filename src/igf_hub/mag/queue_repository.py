"""The SQL of what the MAG domain puts in the Secretariat's work queue (mag/queue.py)."""

from __future__ import annotations

import asyncpg

# Per cycle: the nominations nobody has decided on yet, and since when the oldest waits.
NOMINATIONS_TO_PROCESS = """
SELECT c.year, count(*) AS waiting, min(n.created_at) AS oldest
FROM mag_nominations n JOIN mag_cycles c ON c.id = n.cycle_id
WHERE n.status = 'submitted' AND c.status IN ('planning', 'call_open')
GROUP BY c.year
ORDER BY min(n.created_at), c.year"""


class QueueRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def nominations_to_process(self) -> list[asyncpg.Record]:
        return list(await self.conn.fetch(NOMINATIONS_TO_PROCESS))
