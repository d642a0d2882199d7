"""The asyncpg pool and the two request dependencies: ``db`` (reads) and ``tx`` (one transaction per write)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import msgspec
from litestar import Litestar
from litestar.datastructures import State


def _encode_json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


async def init_connection(conn: asyncpg.Connection) -> None:
    # jsonb's binary format carries a version byte: the text format with msgspec round-trips cleanly.
    for typename in ("json", "jsonb"):
        await conn.set_type_codec(
            typename, schema="pg_catalog", format="text", encoder=_encode_json, decoder=msgspec.json.decode
        )


async def create_pool(
    url: str, *, application_name: str, min_size: int = 1, max_size: int = 10
) -> asyncpg.Pool:
    pool: asyncpg.Pool = await asyncpg.create_pool(
        url,
        min_size=min_size,
        max_size=max_size,
        init=init_connection,
        server_settings={"application_name": application_name, "timezone": "UTC"},
    )
    return pool


@asynccontextmanager
async def pool_lifespan(app: Litestar) -> AsyncIterator[None]:
    settings = app.state.settings
    app.state.pool = await create_pool(
        settings.db.url,
        application_name="igf-hub.api",
        min_size=settings.db.pool_min,
        max_size=settings.db.pool_max,
    )
    try:
        yield
    finally:
        await app.state.pool.close()


async def provide_db(state: State) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection without BEGIN: for handlers that only read."""
    async with state.pool.acquire() as conn:
        yield conn


async def provide_tx(state: State) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection inside one transaction: committed before the response, rolled back on any error."""
    async with state.pool.acquire() as conn, conn.transaction():
        yield conn
