"""The arq (Redis/Valkey) connection shared by the API and the worker; msgpack via msgspec, never pickle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgspec
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from litestar import Litestar
from litestar.datastructures import State


def redis_settings(url: str) -> RedisSettings:
    return RedisSettings.from_dsn(url)


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
