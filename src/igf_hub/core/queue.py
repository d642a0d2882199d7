"""The arq (Redis/Valkey) connection shared by the API and the worker; msgpack via msgspec, never pickle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import redis.exceptions
import structlog
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from litestar import Litestar
from litestar.datastructures import State
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

log = structlog.get_logger("igf_hub.queue")

# The worker rides out a Valkey restart or failover: a command that cannot reach Valkey is retried with backoff
# (0.1 s doubling to 1 s, about 30 s in all) before the error ends the process and its supervisor restarts it.
# Without this, arq's poll loop dies on the first refused connection and takes the webhook dispatcher, which
# never needs Valkey, down with it. The API does not retry: a request that needs Valkey gets 503 at once.
WORKER_RETRIES = 35


def redis_settings(url: str) -> RedisSettings:
    return RedisSettings.from_dsn(url)


class _LoggedBackoff(ExponentialBackoff):
    def compute(self, failures: int) -> float:
        delay: float = super().compute(failures)
        log.warning("queue.unreachable", failures=failures, retry_in=round(delay, 2))
        return delay


def worker_redis_settings(url: str) -> RedisSettings:
    """The worker's connection settings: like the API's, plus retries that outlast a Valkey restart."""
    settings = redis_settings(url)
    settings.retry_on_error = [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError]
    settings.retry = Retry(_LoggedBackoff(cap=1.0, base=0.05), WORKER_RETRIES)
    return settings


def job_serializer(obj: object) -> bytes:
    return msgspec.msgpack.encode(obj)


def job_deserializer(data: bytes) -> dict[str, Any]:
    job: dict[str, Any] = msgspec.msgpack.decode(data)
    return job


async def connect(url: str) -> ArqRedis:
    pool: ArqRedis = await create_pool(
        redis_settings(url), job_serializer=job_serializer, job_deserializer=job_deserializer
    )
    return pool


@asynccontextmanager
async def queue_lifespan(app: Litestar) -> AsyncIterator[None]:
    app.state.queue = await connect(app.state.settings.redis.url)
    try:
        yield
    finally:
        await app.state.queue.aclose()


def provide_queue(state: State) -> ArqRedis:
    queue: ArqRedis = state.queue
    return queue
