"""System jobs: the audit chainer (a loop started with the worker: written audit rows are chained and sealed
every ``IGF_HUB_AUDIT_CHAIN_INTERVAL`` seconds), the audit log's signed checkpoint, published when the log has
grown (at most every ``IGF_HUB_AUDIT_CHECKPOINT_INTERVAL`` seconds), and the purge of expired browser sessions."""

from __future__ import annotations

from typing import Any

from igf_hub.core import audit, audit_checkpoints
from igf_hub.core.clock import Clock
from igf_hub.core.cron import cron
from igf_hub.core.settings import Settings
from igf_hub.web import sessions


async def publish_audit_checkpoint(ctx: dict[str, Any]) -> int | None:
    """Sign a checkpoint of the audit log when one is due; returns its tree size (None: nothing new)."""
    settings: Settings = ctx["settings"]
    clock: Clock = ctx["clock"]
    async with ctx["pool"].acquire() as conn:
        outcome = await audit_checkpoints.make_checkpoint(
            conn, settings, now=clock.now(), min_interval=settings.audit.checkpoint_interval
        )
    return outcome.checkpoint.tree_size if outcome.created and outcome.checkpoint else None


async def purge_web_sessions(ctx: dict[str, Any]) -> int:
    """Delete the browser sessions past their idle or absolute expiry (an expired one is refused anyway: this
    only keeps the table small); returns how many."""
    async with ctx["pool"].acquire() as conn:
        return await sessions.purge_expired(conn, ctx["settings"], ctx["clock"])


CHAINER = "audit_chainer"


async def start_audit_chainer(ctx: dict[str, Any]) -> None:
    chainer = audit.Chainer(ctx["pool"], interval=ctx["settings"].audit.chain_interval)
    await chainer.start()
    ctx[CHAINER] = chainer


async def stop_audit_chainer(ctx: dict[str, Any]) -> None:
    chainer: audit.Chainer | None = ctx.pop(CHAINER, None)
    if chainer is not None:
        await chainer.stop()  # rows written since wait in audit_intake for the next worker or reader


FUNCTIONS: list[Any] = [publish_audit_checkpoint, purge_web_sessions]
# Every minute: the job itself decides whether a checkpoint is due, so the interval is a setting.
CRON_JOBS: list[Any] = [
    cron(publish_audit_checkpoint, second={40}, unique=True, run_at_startup=True),
    cron(purge_web_sessions, minute={17}, second={20}, unique=True),  # hourly
]
ON_STARTUP = [start_audit_chainer]
ON_SHUTDOWN = [stop_audit_chainer]
