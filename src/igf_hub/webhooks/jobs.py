"""Webhook work in the arq worker.

The dispatcher is a long-running task started by the worker's startup hook (``ON_STARTUP``); arq itself
runs the scheduled and operator work: recoveries ("recover since T"), endpoint health (auto-disable,
notices), retention, and a dispatch pass as the backstop when no dispatcher runs in this process. Every
job reads its work from PostgreSQL, so a flushed Redis only delays it until the next cron pass.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import structlog

from igf_hub.core.cron import cron
from igf_hub.webhooks import health, ssrf
from igf_hub.webhooks.dispatcher import Dispatcher
from igf_hub.webhooks.metrics import DeliveryMetrics

log = structlog.get_logger("igf_hub.webhooks")
DISPATCHER = "webhooks_dispatcher"
METRICS = "webhooks_metrics"


def _dispatcher(ctx: dict[str, Any]) -> Dispatcher:
    metrics: DeliveryMetrics | None = ctx.get(METRICS)
    return Dispatcher(
        ctx["pool"],
        ctx["http"],
        ctx["settings"],
        ctx["clock"],
        on_attempt=metrics.observe if metrics is not None else None,
    )


async def start_dispatcher(ctx: dict[str, Any]) -> None:
    ssrf.warn_about_allowlist(ctx["settings"].webhooks.allowed_hosts)
    metrics = ctx[METRICS] = DeliveryMetrics()
    metrics.start(ctx["redis"])
    if ctx["settings"].webhooks.run_dispatcher:
        dispatcher = _dispatcher(ctx)
        await dispatcher.start()
        ctx[DISPATCHER] = dispatcher


async def stop_dispatcher(ctx: dict[str, Any]) -> None:
    dispatcher: Dispatcher | None = ctx.pop(DISPATCHER, None)
    if dispatcher is not None:
        await dispatcher.stop()
    metrics: DeliveryMetrics | None = ctx.pop(METRICS, None)
    if metrics is not None:
        await metrics.stop(ctx["redis"])  # the last attempts' counts too


async def webhooks_dispatch(ctx: dict[str, Any]) -> int:
    """One pass of delivery: what is due now is sent and recorded (the backstop without a dispatcher)."""
    return await _dispatcher(ctx).run_once()


async def webhooks_recover(ctx: dict[str, Any], recovery_id: str) -> int | None:
    """Create the deliveries of a "recover since T" request (enqueued by the API after its commit)."""
    return await health.run_recovery(ctx["pool"], ctx["clock"], UUID(recovery_id))


async def webhooks_maintenance(ctx: dict[str, Any]) -> dict[str, int]:
    """Every minute: lost recoveries, five-day auto-disable, health notices, and the dispatch backstop."""
    pool, clock = ctx["pool"], ctx["clock"]
    recoveries = await health.run_pending_recoveries(pool, clock)
    disabled = len(await health.auto_disable(pool, clock))
    notices = await health.notify(pool, clock)
    dispatcher: Dispatcher | None = ctx.get(DISPATCHER)
    if dispatcher is not None and not dispatcher.running:  # the loop died: bring it back
        log.error("webhooks.dispatcher_restarted")
        await dispatcher.start()
    sent = 0 if dispatcher is not None else await webhooks_dispatch(ctx)
    return {"recoveries": recoveries, "disabled": disabled, "notices": notices, "sent": sent}


async def webhooks_retention(ctx: dict[str, Any]) -> None:
    await health.purge(ctx["pool"], ctx["clock"], ctx["settings"].webhooks.retention_days)


FUNCTIONS: list[Any] = [webhooks_dispatch, webhooks_recover, webhooks_maintenance, webhooks_retention]
CRON_JOBS: list[Any] = [
    cron(webhooks_maintenance, second={30}, unique=True),
    cron(webhooks_retention, minute={17}, second={0}, unique=True),
]
ON_STARTUP = [start_dispatcher]
ON_SHUTDOWN = [stop_dispatcher]
