from __future__ import annotations

from typing import Any

import asyncpg

from igf_hub.core import audit
from igf_hub.core.audit import AuditEntry

LIST_AUDIT = """
SELECT seq, occurred_at, actor, action, subject_type, subject_id, data, request_id, prev_hash, hash
FROM audit_log
WHERE ($1::text IS NULL OR actor = $1)
  AND ($2::text IS NULL OR action = $2)
  AND ($3::text IS NULL OR subject_type = $3)
  AND ($4::text IS NULL OR subject_id = $4)
  AND ($5::timestamptz IS NULL OR occurred_at >= $5)
  AND ($6::timestamptz IS NULL OR occurred_at < $6)
  AND ($7::bigint IS NULL OR seq < $7)
ORDER BY seq DESC
LIMIT $8"""


class AuditRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def list(self, filters: dict[str, Any], *, before_seq: int | None, limit: int) -> list[AuditEntry]:
        await audit.chain_pending(self.conn)  # the writes committed before this read are in it
        rows = await self.conn.fetch(
            LIST_AUDIT,
            filters["actor"],
            filters["action"],
            filters["subject_type"],
            filters["subject_id"],
            filters["since"],
            filters["until"],
            before_seq,
            limit,
        )
        return [AuditEntry(**r) for r in rows]
