"""Notice jobs: sending the mails that are due (every 5 seconds and on demand) and making the digests."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import structlog

from igf_hub.core.clock import Clock
from igf_hub.core.cron import cron
from igf_hub.core.settings import Settings
from igf_hub.people import mailer
from igf_hub.people.repository import NoticeRepository

log = structlog.get_logger("igf_hub.notices")

DIGEST_HOUR = 6  # UTC: digests are made then, of what arrived before the day (or the week) began


async def notices_send(ctx: dict[str, Any]) -> int:
    """Send every notice mail that is due (see people/mailer.py: leases, retries, the send log)."""
    settings: Settings = ctx["settings"]
    clock: Clock = ctx["clock"]
    return await mailer.send_due(ctx["pool"], settings, clock)


def digest_cutoffs(now: datetime) -> dict[str, datetime]:
    """What each digest covers, by the clock's now: a daily digest everything before today (UTC) began, a
    weekly one everything before this week's Monday began. A notice waits for the first cutoff after it."""
    today = datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)
    return {"daily": today, "weekly": today - timedelta(days=today.weekday())}


async def make_digests(pool: Any, now: datetime) -> dict[str, tuple[int, int]]:
    """Gather each person's waiting notices into one digest mail per form; (mails, notices) per form. A run
    for the same cutoff adds nothing, and a missed run is caught up by the next (everything before its
    cutoff goes)."""
    made: dict[str, tuple[int, int]] = {}
    for form, cutoff in digest_cutoffs(now).items():
        async with pool.acquire() as conn, conn.transaction():
            made[form] = await NoticeRepository(conn).make_digests(
                form, cutoff, cutoff.date().isoformat(), now
            )
    return made


async def notices_digests(ctx: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Make the daily and weekly digests due now, then send what is due."""
    clock: Clock = ctx["clock"]
    made = await make_digests(ctx["pool"], clock.now())
    log.info("notices.digests", **{form: list(counts) for form, counts in made.items()})
    await notices_send(ctx)
    return made


FUNCTIONS: list[Any] = [notices_send, notices_digests]
CRON_JOBS: list[Any] = [
    cron(notices_send, second=set(range(0, 60, 5)), unique=True, run_at_startup=True),
    cron(notices_digests, hour={DIGEST_HOUR}, minute={0}, unique=True),
]
