"""Scheduled jobs run once after a stall or a stepped clock, not once per missed slot: the real arq worker's
cron scheduling (``Worker.run_cron``, what each heartbeat calls) on the test's Valkey, with "now" given."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, tzinfo

from arq import create_pool
from arq.worker import Worker

from igf_hub.core import queue
from igf_hub.core.cron import CoalescedCronJob
from igf_hub.messages import jobs as messages_jobs
from igf_hub.worker import CRON_JOBS

HEARTBEAT = 0.5  # seconds: arq's default poll delay, the spacing of run_cron calls


def test_every_scheduled_job_coalesces_its_missed_runs() -> None:
    assert CRON_JOBS and all(isinstance(job, CoalescedCronJob) for job in CRON_JOBS)


async def test_a_15_day_gap_gives_one_run_then_the_regular_schedule(redis_url: str) -> None:
    sweep = next(
        j for j in CRON_JOBS if j.coroutine is messages_jobs.sweep_message_windows
    )  # :20 each minute
    current = datetime(2026, 3, 1, 12, 0, 25, tzinfo=UTC)

    def now(tz: tzinfo | None) -> datetime:
        return current

    job = dataclasses.replace(sweep, now=now)
    pool = await create_pool(queue.worker_redis_settings(redis_url))
    worker = Worker(functions=[], cron_jobs=[job], redis_pool=pool, handle_signals=False, timezone=UTC)
    try:
        job.next_run = current - timedelta(days=15)  # the worker stalled (or the clock jumped) 15 days
        for _ in range(40):  # 20 s of heartbeats
            await worker.run_cron(current, HEARTBEAT)
            current += timedelta(seconds=HEARTBEAT)
        runs = [j for j in await pool.queued_jobs() if j.function == job.name]
    finally:
        await worker.close()
    assert len(runs) == 1, f"{len(runs)} runs enqueued for one missed stretch"
    assert job.next_run == datetime(2026, 3, 1, 12, 1, 20, 123_456, tzinfo=UTC)  # the next slot after now
