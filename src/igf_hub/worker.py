"""The arq worker: functions and cron jobs collected from each domain's jobs.py, each domain's wiring.py (the
subscribers of the events its jobs publish, among them), plus the outbox dispatcher."""

from __future__ import annotations

from types import ModuleType
from typing import Any, ClassVar

import structlog
from arq.connections import RedisSettings

from igf_hub.core import audit, mail, outbox, queue, wiring
from igf_hub.core.clock import Clock
from igf_hub.core.cron import cron
from igf_hub.core.db import create_pool
from igf_hub.core.settings import Settings
from igf_hub.funding import jobs as funding_jobs
from igf_hub.funding import wiring as funding_wiring
from igf_hub.mag import jobs as mag_jobs
from igf_hub.mag import wiring as mag_wiring
from igf_hub.messages import jobs as messages_jobs
from igf_hub.messages import wiring as messages_wiring
from igf_hub.nri import jobs as nri_jobs
from igf_hub.nri import wiring as nri_wiring
from igf_hub.people import jobs as people_jobs
from igf_hub.people import wiring as people_wiring
from igf_hub.reports import wiring as reports_wiring
from igf_hub.system import jobs as system_jobs
from igf_hub.system import wiring as system_wiring
from igf_hub.tracks import jobs as tracks_jobs
from igf_hub.tracks import wiring as tracks_wiring
from igf_hub.webhooks import jobs as webhooks_jobs
from igf_hub.webhooks import transport as webhooks_transport
from igf_hub.webhooks import wiring as webhooks_wiring

log = structlog.get_logger("igf_hub.worker")


async def dispatch_outbox(ctx: dict[str, Any]) -> int:
    """Run the after-commit subscribers of committed events and mark them dispatched (see core/outbox.py)."""
    total = 0
    while handled := await outbox.dispatch_pending(ctx["pool"]):
        total += handled
    return total


# Each domain's jobs.py exposes FUNCTIONS (arq functions) and CRON_JOBS (arq cron jobs); list the module here.
JOB_MODULES: list[ModuleType] = [
    mag_jobs,
    tracks_jobs,
    nri_jobs,
    messages_jobs,
    webhooks_jobs,
    funding_jobs,
    system_jobs,
    people_jobs,
]

FUNCTIONS: list[Any] = [dispatch_outbox, *(f for m in JOB_MODULES for f in getattr(m, "FUNCTIONS", []))]
CRON_JOBS: list[Any] = [
    cron(dispatch_outbox, second={0, 15, 30, 45}, unique=True, run_at_startup=True),
    *(c for m in JOB_MODULES for c in getattr(m, "CRON_JOBS", [])),
]
# Long-running work (the webhook dispatcher): a jobs.py may also expose ON_STARTUP / ON_SHUTDOWN lists of
# ``async def hook(ctx)``, run after the pool and HTTP client exist and before they close.
ON_STARTUP: list[Any] = [h for m in JOB_MODULES for h in getattr(m, "ON_STARTUP", [])]
ON_SHUTDOWN: list[Any] = [h for m in JOB_MODULES for h in getattr(m, "ON_SHUTDOWN", [])]

# Jobs publish events too (nri.inactive, message.published ...): every domain's subscribers, resolvers and
# event families are installed here as in the API (app.WIRING lists the same; tests/architecture checks both).
WIRING: list[wiring.Wiring] = [
    messages_wiring.WIRING,
    nri_wiring.WIRING,
    tracks_wiring.WIRING,
    mag_wiring.WIRING,
    funding_wiring.WIRING,
    system_wiring.WIRING,
    webhooks_wiring.WIRING,
    people_wiring.WIRING,
    reports_wiring.WIRING,
]


# The webhook dispatcher keeps two pooled connections for as long as it runs (claims and results) and LISTENs on
# a third of its own, outside the pool: a worker holds IGF_HUB_DB_POOL_MAX + 1 connections at most.
DISPATCHER_HELD_CONNECTIONS = 2


def worker_settings(settings: Settings, clock: Clock | None = None) -> type:
    """arq's WorkerSettings as a class built from our Settings (arq reads class attributes)."""
    audit.configure(settings)  # this deployment's seal key (a missing production key stops us here)
    mail.require_configured(settings)  # production sends real mail or is told not to
    wiring.install(WIRING)
    if settings.webhooks.run_dispatcher and settings.db.pool_max <= DISPATCHER_HELD_CONNECTIONS:
        raise ValueError(
            f"IGF_HUB_DB_POOL_MAX is {settings.db.pool_max}, but a worker that runs the webhook dispatcher needs "
            f"at least {DISPATCHER_HELD_CONNECTIONS + 1} pooled connections: the dispatcher keeps "
            f"{DISPATCHER_HELD_CONNECTIONS} and the jobs need the rest"
        )

    async def startup(ctx: dict[str, Any]) -> None:
        ctx["settings"] = settings
        ctx["clock"] = clock or Clock()
        ctx["pool"] = await create_pool(
            settings.db.url,
            application_name="igf-hub.worker",
            min_size=settings.db.pool_min,
            max_size=settings.db.pool_max,
        )
        # The webhook sender's client (httpx's API over aiohttp): one connection per delivery in flight.
        ctx["http"] = webhooks_transport.client(settings.webhooks.max_in_flight)
        for hook in ON_STARTUP:
            await hook(ctx)
        log.info("worker.started", functions=len(FUNCTIONS), cron_jobs=len(CRON_JOBS))

    async def shutdown(ctx: dict[str, Any]) -> None:
        for hook in reversed(ON_SHUTDOWN):
            await hook(ctx)
        await ctx["http"].aclose()
        await ctx["pool"].close()

    class WorkerSettings:
        functions: ClassVar[list[Any]] = FUNCTIONS
        cron_jobs: ClassVar[list[Any]] = CRON_JOBS
        on_startup = staticmethod(startup)
        on_shutdown = staticmethod(shutdown)
        redis_settings: ClassVar[RedisSettings] = queue.worker_redis_settings(settings.redis.url)
        job_serializer = staticmethod(queue.job_serializer)
        job_deserializer = staticmethod(queue.job_deserializer)
        max_jobs = 50
        job_timeout = settings.worker_job_timeout
        keep_result = 3600
        handle_signals = True

    return WorkerSettings
