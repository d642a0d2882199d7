"""Run the real arq worker in the test's event loop until its queue is empty (``burst``)."""

from __future__ import annotations

from typing import Any

from arq.worker import Worker

from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.worker import worker_settings


async def run_worker_burst(settings: Settings, clock: Clock, *, max_burst_jobs: int = -1) -> Worker:
    """Process every queued job once (cron jobs do not run: enqueue a cron function to test it)."""
    ws: Any = worker_settings(settings, clock)
    worker = Worker(
        functions=ws.functions,
        on_startup=ws.on_startup,
        on_shutdown=ws.on_shutdown,
        redis_settings=ws.redis_settings,
        job_serializer=ws.job_serializer,
        job_deserializer=ws.job_deserializer,
        burst=True,
        poll_delay=0.01,
        handle_signals=False,
        max_burst_jobs=max_burst_jobs,
    )
    try:
        await worker.main()
    finally:
        await worker.close()
    return worker
