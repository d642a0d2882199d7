"""Read what people were told: run the after-commit subscribers of committed events and send what is due over
the real SMTP server, then read a person's inbox (the notices table, through people's repository)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from igf_hub.core import outbox
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.people import mailer
from igf_hub.people.repository import NoticeRepository


async def deliver(pool: asyncpg.Pool, settings: Settings, clock: Clock) -> int:
    """What the worker does after commit: dispatch the outbox (subscribers create notices), then send the mail
    that is due. Returns how many mails went."""
    while await outbox.dispatch_pending(pool):
        pass
    return await mailer.send_due(pool, settings, clock)


async def inbox(pool: asyncpg.Pool, user_id: UUID) -> list[tuple[str, dict[str, Any]]]:
    """The person's notices, oldest first, as (kind, params)."""
    async with pool.acquire() as conn:
        found, _ = await NoticeRepository(conn).inbox(user_id, 100, 0)
    return [(n.kind, n.params) for n in reversed(found)]


async def set_language(pool: asyncpg.Pool, user_id: UUID, language: str) -> None:
    await pool.execute("UPDATE users SET preferred_language = $2 WHERE id = $1", user_id, language)
