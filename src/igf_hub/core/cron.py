"""Scheduled (cron) jobs whose missed runs are coalesced into one.

arq computes a cron job's next run from the previous *scheduled* run, not from now, and enqueues at most one
run per heartbeat (every 0.5 s). After a worker stall, a suspended host or a clock stepped forward, every
missed slot was run in turn: a 15-day gap gave 268 runs of the minute-by-minute window sweep in 80 s, and
would have gone on for hours. Every job here is idempotent and works from the current state ("close what is
due now"), so one run catches up with all of them. Each jobs.py builds its CRON_JOBS with :func:`cron`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

import arq
from arq.cron import CronJob


def _system_now(tz: tzinfo | None) -> datetime:
    return datetime.now(tz)


@dataclasses.dataclass
class CoalescedCronJob(CronJob):
    """arq's cron job, except that the run after an overdue one is the first slot after now."""

    now: Callable[[tzinfo | None], datetime] = _system_now  # tests pass a fixed time

    def calculate_next(self, prev_run: datetime) -> None:
        # arq calls this right after enqueuing the run for ``prev_run``: when that one was overdue, the slots
        # between it and now are not run again one by one.
        super().calculate_next(max(prev_run, self.now(prev_run.tzinfo)))


def cron(coroutine: Any, **options: Any) -> CoalescedCronJob:
    """Like ``arq.cron`` (same options), coalescing missed runs."""
    job = arq.cron(coroutine, **options)
    return CoalescedCronJob(**{f.name: getattr(job, f.name) for f in dataclasses.fields(job)})
