"""Funding in the worker: overdue pledges are computed on read, from the injected clock; a daily job tells the
donor's funders and the Secretariat of each (funding/notices.py). Its NRI directory follows NRI events through
funding/wiring.py, in whichever process publishes them."""

from __future__ import annotations

from typing import Any

import structlog

from igf_hub.core.cron import cron
from igf_hub.funding import notices

log = structlog.get_logger("igf_hub.funding.jobs")


async def notify_overdue_pledges(ctx: dict[str, Any]) -> int:
    """Tell the funders and the Secretariat of each pledge that became overdue (once per pledge and due date)."""
    async with ctx["pool"].acquire() as conn, conn.transaction():
        created = await notices.notify_overdue_pledges(conn, ctx["clock"], ctx["settings"])
    log.info("funding.overdue_pledges_notified", notices=created)
    return created


FUNCTIONS: list[Any] = [notify_overdue_pledges]
CRON_JOBS: list[Any] = [cron(notify_overdue_pledges, hour={7}, minute={35}, unique=True)]
