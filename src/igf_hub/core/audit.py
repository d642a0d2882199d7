"""The audit log: one hash-chained, append-only row per state change, written in the change's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import msgspec
import structlog

INSERT_AUDIT = """
INSERT INTO audit_log (actor, action, subject_type, subject_id, data, request_id, prev_hash, hash)
VALUES ($1, $2, $3, $4, $5, $6, '', '')
RETURNING seq"""

# Recompute every row's digest from its stored content and the previous row's stored hash.
SELECT_BROKEN_LINKS = """
SELECT seq, reason FROM (
    SELECT seq,
           CASE
             WHEN prev_hash IS DISTINCT FROM coalesce(lag(hash) OVER w, repeat('0', 64)) THEN 'prev_hash does not match'
             WHEN seq <> coalesce(lag(seq) OVER w, 0) + 1 THEN 'a row is missing before this one'
             WHEN hash <> audit_row_digest(prev_hash, seq, occurred_at, actor, action, subject_type, subject_id,
                                           data, request_id) THEN 'content does not match its hash'
           END AS reason
    FROM audit_log WINDOW w AS (ORDER BY seq)
) checked
WHERE reason IS NOT NULL
ORDER BY seq"""
SELECT_HEAD = "SELECT count(*) AS rows, max(seq) AS seq, (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1) AS hash FROM audit_log"


class AuditEntry(msgspec.Struct, kw_only=True):
    seq: int
    occurred_at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    data: dict[str, Any]
    request_id: str | None
    prev_hash: str
    hash: str


class ChainBreak(msgspec.Struct, frozen=True):
    seq: int
    reason: str


class VerifyReport(msgspec.Struct, kw_only=True):
    rows: int
    head_seq: int | None
    head_hash: str | None
    breaks: list[ChainBreak]

    @property
    def ok(self) -> bool:
        return not self.breaks


def _plain(data: Any) -> Any:
    """Structs, dates and UUIDs become JSON-safe values before they are stored."""
    return msgspec.to_builtins(data)


async def append(
    conn: asyncpg.Connection,
    *,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: object,
    data: Any = None,
) -> int:
    """Record ``action`` by ``actor`` on a subject, in the caller's transaction; returns the chain position."""
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    seq: int = await conn.fetchval(
        INSERT_AUDIT, actor, action, subject_type, str(subject_id), _plain(data or {}), request_id
    )
    return seq


async def verify(conn: asyncpg.Connection) -> VerifyReport:
    head = await conn.fetchrow(SELECT_HEAD)
    breaks = [ChainBreak(seq=r["seq"], reason=r["reason"]) for r in await conn.fetch(SELECT_BROKEN_LINKS)]
    return VerifyReport(rows=head["rows"], head_seq=head["seq"], head_hash=head["hash"], breaks=breaks)
