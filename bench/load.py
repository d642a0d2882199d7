"""A closed-loop HTTP load generator: ``concurrency`` workers on one httpx client, each sending its next request
as soon as the previous answer is read, until ``max_requests`` were sent or ``max_seconds`` passed.

Latency is measured per request from just before sending to the last byte of the body. Requests are grouped
by the class their :class:`Target` names, so one mixed run gives figures per endpoint class.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from bench.common import percentile

PER_CLIENT = 2  # requests in flight per httpx client


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


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_YEAR = re.compile(r"/(?:19|20)\d\d(?=/|$|\?)")


def endpoint_of(target: Target) -> str:
    """The request without its ids: ``GET /v1/nris/{id}``."""
    return f"{target.method} " + _YEAR.sub("/{year}", _UUID.sub("{id}", target.path))


@dataclass
class RunResult:
    elapsed: float
    classes: dict[str, ClassResult]
    endpoints: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # seconds
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
    per_client: int = PER_CLIENT,
) -> RunResult:
    """Run the closed loop; ``warmup`` requests are sent first (connections opened, caches warm) and not counted.

    The workers share one httpx client per ``per_client`` of them: one client with many requests in flight
    spends more and more CPU per request (encode/httpx#3215; measured here: 1.3 ms per request at 4 in flight,
    2.3 ms at 16, 5.8 ms at 32), which would make the client, not the server, the thing measured."""
    limits = httpx.Limits(max_connections=per_client, max_keepalive_connections=per_client)
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=base_url, limits=limits, timeout=httpx.Timeout(60.0))
            )
            for _ in range(-(-concurrency // per_client))
        ]
        warm = RunResult(0.0, defaultdict(ClassResult))
        await _loop(clients, next_target, concurrency, warmup, 60.0, warm)
        result = RunResult(0.0, defaultdict(ClassResult))
        cpu = time.process_time()
        started = time.perf_counter()
        await _loop(clients, next_target, concurrency, max_requests, max_seconds, result)
        result.elapsed = time.perf_counter() - started
        result.client_cpu = time.process_time() - cpu
    for c in result.classes.values():
        c.latencies.sort()
    result.classes = dict(result.classes)
    return result


async def _loop(
    clients: list[httpx.AsyncClient],
    next_target: Callable[[], Target],
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    into: RunResult,
) -> None:
    deadline = time.perf_counter() + max_seconds
    issued = 0

    async def worker(client: httpx.AsyncClient) -> None:
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
            latency = time.perf_counter() - started
            record = into.classes[target.cls]
            record.latencies.append(latency)
            into.endpoints[endpoint_of(target)].append(latency)
            if outcome is not None:
                record.failures[outcome] += 1

    workers = min(concurrency, max(1, max_requests))
    await asyncio.gather(*(worker(clients[i % len(clients)]) for i in range(workers)))
