"""Webhook delivery metrics for ``/metrics``: attempts by outcome, how long consumers take to answer, and how long
an event waits until it is delivered; plus the backlog, read from PostgreSQL at scrape time.

Deliveries happen in the workers, while ``/metrics`` is served by the API processes. So each worker counts in
memory (``observe`` runs on every attempt and costs no I/O) and adds its counts to Valkey hashes every few
seconds; any API process renders the hashes as Prometheus counters and histograms summed over all workers.
A flushed Valkey resets them, which Prometheus treats as a counter reset.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
import structlog
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric

from igf_hub.core.clock import Clock
from igf_hub.webhooks import policy
from igf_hub.webhooks.delivery_repository import AttemptResult, DeliveryRepository

log = structlog.get_logger("igf_hub.webhooks")

ATTEMPTS_KEY = "igf:metrics:webhook_attempts"  # field: outcome
RESPONSE_KEY = "igf:metrics:webhook_response_seconds"  # fields: bucket upper bounds, "sum", "count"
LAG_KEY = "igf:metrics:webhook_delivery_lag_seconds"
OUTCOMES = ("delivered", "retrying", "dead")
RESPONSE_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_BUCKETS = (0.1, 0.5, 1.0, 5.0, 30.0, 60.0, 300.0, 1800.0, 3600.0, 21600.0, 86400.0)
FLUSH_EVERY = 5.0  # seconds: a scrape sees a worker's counts at most this late


def outcome(result: AttemptResult) -> str:
    if policy.is_success(result.status_code):
        return "delivered"
    return "dead" if result.new_state == "dead" else "retrying"


def _bucket(value: float, bounds: Sequence[float]) -> str:
    return next((repr(b) for b in bounds if value <= b), "+Inf")


class DeliveryMetrics:
    """One per worker: counts attempts as they finish and adds them to Valkey in the background."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()
        self._sums: defaultdict[str, float] = defaultdict(float)
        self._task: asyncio.Task[None] | None = None

    def observe(self, result: AttemptResult) -> None:
        """The dispatcher's ``on_attempt`` hook."""
        state = outcome(result)
        self._counts[ATTEMPTS_KEY, state] += 1
        response = result.latency_ms / 1000
        self._histogram(RESPONSE_KEY, response, RESPONSE_BUCKETS)
        if state == "delivered":
            finished = result.attempted_at.timestamp() + response
            self._histogram(
                LAG_KEY, max(finished - result.delivery.event.occurred_at.timestamp(), 0.0), LAG_BUCKETS
            )

    def _histogram(self, key: str, value: float, bounds: Sequence[float]) -> None:
        self._counts[key, _bucket(value, bounds)] += 1
        self._counts[key, "count"] += 1
        self._sums[key] += value

    async def flush(self, redis: Any) -> None:
        counts, sums = self._counts, self._sums
        if not counts:
            return
        self._counts, self._sums = Counter(), defaultdict(float)
        try:
            async with redis.pipeline(transaction=False) as pipe:
                for (key, field), n in counts.items():
                    pipe.hincrby(key, field, n)
                for key, total in sums.items():
                    pipe.hincrbyfloat(key, "sum", total)
                await pipe.execute()
        except Exception as exc:  # Valkey away: keep the counts for the next flush rather than lose them
            self._counts.update(counts)
            for key, total in sums.items():
                self._sums[key] += total
            log.warning("webhooks.metrics_flush_failed", error=repr(exc))

    def start(self, redis: Any, every: float = FLUSH_EVERY) -> None:
        async def loop() -> None:
            while True:
                await asyncio.sleep(every)
                await self.flush(redis)

        self._task = asyncio.create_task(loop(), name="webhooks.metrics")

    async def stop(self, redis: Any) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush(redis)


# -- the API side: render at scrape time ------------------------------------------------------------------


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


async def _read(redis: Any, key: str) -> dict[str, float]:
    return {_text(k): float(v) for k, v in (await redis.hgetall(key)).items()}


def _histogram_family(name: str, help_text: str, raw: dict[str, float], bounds: Sequence[float]) -> Metric:
    cumulative, buckets = 0.0, []
    for bound in [*map(repr, bounds), "+Inf"]:
        cumulative += raw.get(bound, 0.0)
        buckets.append((bound, cumulative))
    return HistogramMetricFamily(name, help_text, buckets=buckets, sum_value=raw.get("sum", 0.0))


async def read_families(conn: asyncpg.Connection, redis: Any, now: datetime) -> list[Metric]:
    attempts = CounterMetricFamily(
        "igf_hub_webhook_attempts", "Webhook delivery attempts by outcome (all workers)", labels=["outcome"]
    )
    counted = await _read(redis, ATTEMPTS_KEY)
    for state in OUTCOMES:
        attempts.add_metric([state], counted.get(state, 0.0))
    backlog = await DeliveryRepository(conn).backlog(now)
    pending = GaugeMetricFamily("igf_hub_webhook_deliveries_pending", "Deliveries not yet delivered or dead")
    pending.add_metric([], backlog.pending)
    oldest = GaugeMetricFamily(
        "igf_hub_webhook_oldest_due_seconds", "How long the longest-waiting due delivery has been due"
    )
    oldest.add_metric([], backlog.oldest_due_seconds)
    return [
        attempts,
        _histogram_family(
            "igf_hub_webhook_response_seconds",
            "Consumers' response time per attempt (all workers)",
            await _read(redis, RESPONSE_KEY),
            RESPONSE_BUCKETS,
        ),
        _histogram_family(
            "igf_hub_webhook_delivery_lag_seconds",
            "From an event to its successful delivery (all workers)",
            await _read(redis, LAG_KEY),
            LAG_BUCKETS,
        ),
        pending,
        oldest,
    ]


async def collect(conn: asyncpg.Connection, redis: Any, clock: Clock) -> list[Metric]:
    """The webhooks section of /metrics (declared in webhooks/wiring.py)."""
    return await read_families(conn, redis, clock.now())
