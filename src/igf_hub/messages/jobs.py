"""Scheduled work for IGF Messages (arq): comment periods close at ``closes_at``, ballots at their deadline, and
members who have not taken a position are reminded before it. Each due item is handled in its own
transaction and re-checked under its row lock, so a job that runs twice (or late) does the work once."""

from __future__ import annotations

from typing import Any

import structlog

from igf_hub.core.cron import cron
from igf_hub.messages.ballot_repository import BallotRepository
from igf_hub.messages.ballot_service import BallotService
from igf_hub.messages.comment_repository import CommentRepository
from igf_hub.messages.lifecycle_service import MessageLifecycle
from igf_hub.messages.notices import CLOSING_NOTICE, notify_comment_closing

log = structlog.get_logger("igf_hub.messages.jobs")


async def close_due_comment_periods(ctx: dict[str, Any]) -> int:
    pool, clock, settings = ctx["pool"], ctx["clock"], ctx["settings"]
    async with pool.acquire() as conn:
        due = await CommentRepository(conn).due_round_messages(clock.now())
    closed = 0
    for message_id in due:
        async with pool.acquire() as conn, conn.transaction():
            closed += await MessageLifecycle(conn, clock, settings).close_comment_period_by_schedule(
                message_id
            )
    if closed:
        log.info("messages.comment_periods_closed", count=closed)
    return closed


async def close_due_ballots(ctx: dict[str, Any]) -> int:
    pool, clock, settings = ctx["pool"], ctx["clock"], ctx["settings"]
    async with pool.acquire() as conn:
        due = await BallotRepository(conn).due_messages(clock.now())
    closed = 0
    for message_id in due:
        try:
            async with pool.acquire() as conn, conn.transaction():
                closed += await BallotService(conn, clock, settings).close_by_deadline(message_id)
        except Exception:  # as above: isolate failures per Message
            log.exception("messages.ballot_close_failed", message_id=str(message_id))
    if closed:
        log.info("messages.ballots_closed", count=closed)
    return closed


async def remind_ballot_members(ctx: dict[str, Any]) -> int:
    async with ctx["pool"].acquire() as conn, conn.transaction():
        sent = await BallotService(conn, ctx["clock"], ctx["settings"]).send_reminders()
    if sent:
        log.info("messages.ballot_reminders_sent", count=sent)
    return sent


async def warn_closing_comment_windows(ctx: dict[str, Any]) -> int:
    """The followers of a Message whose comment window closes within 48 hours hear of it, once per window (the
    notice's key is the Message and its round: running again, or late, adds nothing)."""
    now = ctx["clock"].now()
    async with ctx["pool"].acquire() as conn, conn.transaction():
        sent = 0
        for window in await CommentRepository(conn).closing_rounds(now, now + CLOSING_NOTICE):
            sent += await notify_comment_closing(conn, window, now)
    if sent:
        log.info("messages.comment_closing_notices", count=sent)
    return sent


async def sweep_message_windows(ctx: dict[str, Any]) -> dict[str, int]:
    """The minute-by-minute sweep: every window that is due closes, every reminder that is due goes out."""
    return {
        "comment_periods_closed": await close_due_comment_periods(ctx),
        "ballots_closed": await close_due_ballots(ctx),
        "reminders_sent": await remind_ballot_members(ctx),
        "closing_notices": await warn_closing_comment_windows(ctx),
    }


FUNCTIONS: list[Any] = [
    sweep_message_windows,
    close_due_comment_periods,
    close_due_ballots,
    remind_ballot_members,
    warn_closing_comment_windows,
]
CRON_JOBS: list[Any] = [cron(sweep_message_windows, second={20}, unique=True, run_at_startup=True)]
