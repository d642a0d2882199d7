"""A closed-loop HTTP load generator: ``concurrency`` workers on one httpx client, each sending its next request
as soon as the previous answer is read, until ``max_requests`` were sent or ``max_seconds`` passed.

Latency is measured per request from just before sending to the last byte of the body. Requests are grouped
by the class their :class:`Target` names, so one mixed run gives figures per endpoint class.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from bench.common import percentile


@dataclass(frozen=True)
class Target:
    cls: str  # the endpoint class the request counts under
    method: str
    path: str
    expect: frozenset[int] = frozenset({200})
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ClassResult:
    latencies: list[float] = field(default_factory=list)  # seconds, sorted once finished
    failures: Counter[str] = field(default_factory=Counter)  # unexpected status (or transport error) -> count

    @property
    def count(self) -> int:
        return len(self.latencies)

    def p(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000


@dataclass
class RunResult:
    elapsed: float
    classes: dict[str, ClassResult]
    client_cpu: float = 0.0  # CPU seconds this (client) process spent
    server_cpu: float = 0.0  # CPU seconds the server process spent
    db_cpu: float = 0.0  # CPU seconds PostgreSQL's backends spent

    @property
    def count(self) -> int:
        return sum(c.count for c in self.classes.values())

    @property
    def failures(self) -> int:
        return sum(sum(c.failures.values()) for c in self.classes.values())


async def drive(
    base_url: str,
    next_target: Callable[[], Target],
    *,
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    warmup: int = 0,
) -> RunResult:
    """Run the closed loop; ``warmup`` requests are sent first (connections opened, caches warm) and not counted."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=httpx.Timeout(60.0)) as client:
        warm = RunResult(0.0, defaultdict(ClassResult))
        await _loop(client, next_target, concurrency, warmup, 60.0, warm)
        result = RunResult(0.0, defaultdict(ClassResult))
        cpu = time.process_time()
        started = time.perf_counter()
        await _loop(client, next_target, concurrency, max_requests, max_seconds, result)
        result.elapsed = time.perf_counter() - started
        result.client_cpu = time.process_time() - cpu
    for c in result.classes.values():
        c.latencies.sort()
    result.classes = dict(result.classes)
    return result


async def _loop(
    client: httpx.AsyncClient,
    next_target: Callable[[], Target],
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    into: RunResult,
) -> None:
    deadline = time.perf_counter() + max_seconds
    issued = 0

    async def worker() -> None:
        nonlocal issued
        while issued < max_requests and time.perf_counter() < deadline:
            issued += 1
            target = next_target()
            started = time.perf_counter()
            try:
                response = await client.request(
                    target.method, target.path, content=target.body, headers=target.headers
                )
                outcome = None if response.status_code in target.expect else str(response.status_code)
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            record = into.classes[target.cls]
            record.latencies.append(time.perf_counter() - started)
            if outcome is not None:
                record.failures[outcome] += 1

    await asyncio.gather(*(worker() for _ in range(min(concurrency, max(1, max_requests)))))
