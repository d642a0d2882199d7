"""Prometheus metrics: request rate and latency by route, plus gauges read from the system at scrape time.

Domains add families computed at scrape time (webhook deliveries by outcome, their backlog …) with
:func:`register_collector`; core imports no domain. Each app has its own registry, so tests and several apps in one process don't collide.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

from igf_hub.core.asgi import StatusRecorder
from igf_hub.core.clock import Clock
from igf_hub.core.db import ACQUIRE_TIMEOUT

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


disable_created_metrics()  # type: ignore[no-untyped-call]  # *_created series add only noise


# Families a domain computes itself at scrape time from the database and Valkey (e.g. counters its workers
# keep in Valkey, which no API process could count): ``read(conn, redis, clock)``.
Collector = Callable[[asyncpg.Connection, Any, Clock], Awaitable[Sequence[Metric]]]
_collectors: dict[str, Collector] = {}


def register_collector(name: str, read: Collector) -> None:
    """Idempotent per name (installed from each domain's ``wiring.py`` by every app and worker)."""
    _collectors[name] = read


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "igf_hub_http_requests",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "igf_hub_http_request_duration_seconds",
            "HTTP request latency by route",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        # Each (method, route, status)'s two series, looked up once: prometheus_client's labels() checks and
        # converts the values and takes a lock on every call.
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def _observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
        series[0].inc()
        series[1].observe(seconds)

    def middleware(self, app: ASGIApp) -> ASGIApp:
        async def measure(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            started = time.perf_counter()
            recorder = StatusRecorder(send)
            try:
                await app(scope, receive, recorder)
            finally:
                # The route template, never the raw path: ids in paths would explode the label set.
                route = scope.get("path_template") or "unmatched"
                self._observe(scope["method"], route, recorder.status, time.perf_counter() - started)

        return measure

    async def render(self, pool: asyncpg.Pool, queue: Any, clock: Clock) -> bytes:
        families: list[Metric] = [self._pool_family(pool), await self._queue_family(queue)]
        async with pool.acquire(timeout=ACQUIRE_TIMEOUT) as conn:
            for collect in _collectors.values():
                families.extend(await collect(conn, queue, clock))
        lines = [generate_latest(self.registry)]
        lines += [generate_latest(_Static(f)) for f in families]
        return b"".join(lines)

    @staticmethod
    def _pool_family(pool: asyncpg.Pool) -> GaugeMetricFamily:
        family = GaugeMetricFamily(
            "igf_hub_db_pool_connections", "Database pool connections", labels=["state"]
        )
        family.add_metric(["open"], pool.get_size())
        family.add_metric(["idle"], pool.get_idle_size())
        family.add_metric(["max"], pool.get_max_size())
        return family

    @staticmethod
    async def _queue_family(queue: Any) -> GaugeMetricFamily:
        family = GaugeMetricFamily("igf_hub_queue_depth", "Jobs waiting in the arq queue", labels=["queue"])
        family.add_metric(["arq:queue"], await queue.zcard("arq:queue"))
        return family


class _Static:
    """A one-family collector, so generate_latest renders scrape-time families in the standard format."""

    def __init__(self, family: Metric) -> None:
        self.family = family

    def collect(self) -> list[Metric]:
        return [self.family]
