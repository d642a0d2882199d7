"""Tests read ``audit_log`` directly: chain the committed audit rows first, as every reader of the log does."""

from __future__ import annotations

import asyncpg

from igf_hub.core import audit


async def chain_audit(db: asyncpg.Pool | asyncpg.Connection) -> int:
    """Move the committed ``audit_intake`` rows into the chain (sealed), as the worker or a reader would;
    returns how many. Call it before reading ``audit_log`` in a test."""
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn:
            return await audit.chain_pending(conn)
    return await audit.chain_pending(db)
