"""NRI jobs: the nightly scan that flags recognised NRIs without recent activity reports as inactive, and the
daily notices that last year's activity report is due or overdue."""

from __future__ import annotations

from typing import Any

import structlog

from igf_hub.auth.principal import SYSTEM
from igf_hub.core.clock import Clock
from igf_hub.core.cron import cron
from igf_hub.core.settings import Settings
from igf_hub.nri import notices
from igf_hub.nri.repository import NriRepository
from igf_hub.nri.service import NriService

log = structlog.get_logger("igf_hub.nri.jobs")


async def scan_inactive_nris(ctx: dict[str, Any]) -> int:
    """Flag every recognised NRI whose last activity is older than the configured number of years.

    Each NRI changes in its own transaction (status, audit row and the ``nri.inactive`` event telling its
    coordinators why), re-checked under a row lock, so a rerun or a concurrent scan flags nothing twice.
    """
    settings: Settings = ctx["settings"]
    clock: Clock = ctx["clock"]
    async with ctx["pool"].acquire() as conn:
        cutoff = NriService(conn, clock, settings).inactivity_cutoff()
        candidates = await NriRepository(conn).stale_recognised(cutoff)
    flagged = 0
    for nri_id in candidates:
        async with ctx["pool"].acquire() as conn, conn.transaction():
            if await NriService(conn, clock, settings).mark_inactive(nri_id, actor=SYSTEM) is not None:
                flagged += 1
    log.info("nri.inactivity_scanned", candidates=len(candidates), flagged=flagged, cutoff=cutoff.isoformat())
    return flagged


async def notify_report_deadlines(ctx: dict[str, Any]) -> int:
    """Tell coordinators that last year's activity report is due or overdue (once per NRI, year and kind)."""
    async with ctx["pool"].acquire() as conn, conn.transaction():
        created = await notices.notify_report_deadlines(conn, ctx["settings"], ctx["clock"].now())
    log.info("nri.report_deadlines_notified", notices=created)
    return created


FUNCTIONS: list[Any] = [scan_inactive_nris, notify_report_deadlines]
CRON_JOBS: list[Any] = [
    cron(scan_inactive_nris, hour={2}, minute={17}, unique=True),
    cron(notify_report_deadlines, hour={7}, minute={5}, unique=True),
]
