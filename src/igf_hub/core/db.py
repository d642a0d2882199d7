"""The asyncpg pool and the two request dependencies: ``db`` (reads) and ``tx`` (one transaction per write)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import msgspec
from litestar import Litestar
from litestar.datastructures import State

# A database that is down, restarting or saturated must not hold a request forever: a new connection gets
# CONNECT_TIMEOUT seconds to be established, a request waits at most ``db.acquire_timeout`` seconds (setting;
# ACQUIRE_TIMEOUT where no settings are at hand) for a pooled connection (connecting included), and an API
# statement at most API_COMMAND_TIMEOUT seconds (a frozen server or a half-open TCP connection otherwise waits
# on the kernel's keepalive, for hours). Each raises TimeoutError, which the API answers with 503 and
# Retry-After. Every acquire in the API goes through :func:`acquire` (or passes a timeout): one acquire
# without a bound made every signed-in request hang while the pool was saturated.
CONNECT_TIMEOUT = 5.0
ACQUIRE_TIMEOUT = 10.0
API_COMMAND_TIMEOUT = 60.0
# What a ROLLBACK on a connection that died mid-request raises: the server already ended its transaction.
_CONNECTION_GONE = (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError)


def _encode_json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


async def init_connection(conn: asyncpg.Connection) -> None:
    # jsonb's binary format carries a version byte: the text format with msgspec round-trips cleanly.
    for typename in ("json", "jsonb"):
        await conn.set_type_codec(
            typename, schema="pg_catalog", format="text", encoder=_encode_json, decoder=msgspec.json.decode
        )


async def create_pool(
    url: str,
    *,
    application_name: str,
    min_size: int = 1,
    max_size: int = 10,
    command_timeout: float | None = None,
) -> asyncpg.Pool:
    pool: asyncpg.Pool = await asyncpg.create_pool(
        url,
        min_size=min_size,
        max_size=max_size,
        init=init_connection,
        timeout=CONNECT_TIMEOUT,
        command_timeout=command_timeout,
        server_settings={
            "application_name": application_name,
            "timezone": "UTC",
            # The keyset pages are written as ``($1 IS NULL OR (key, id) > ($1, $2))``: only a plan made for
            # the actual cursor can walk the index from it. asyncpg prepares every statement, and after five
            # runs PostgreSQL may switch to a generic plan that scans and sorts the whole table per page
            # (found on the funding ledger: 25 ms pages became 400 ms at 100k rows).
            "plan_cache_mode": "force_custom_plan",
        },
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
        command_timeout=API_COMMAND_TIMEOUT,
    )
    try:
        yield
    finally:
        await app.state.pool.close()


def acquire(state: State) -> Any:
    """``async with acquire(app.state) as conn``: a pooled connection, waiting at most the configured time."""
    return state.pool.acquire(timeout=state.settings.db.acquire_timeout)


async def provide_db(state: State) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection without BEGIN: for handlers that only read."""
    async with acquire(state) as conn:
        try:
            yield conn
        except BaseException as exc:
            if _closed_under(conn, exc):
                raise _closed_error() from exc
            raise


async def provide_tx(state: State) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection inside one transaction: committed before the response, rolled back on any error."""
    async with acquire(state) as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            yield conn
        except BaseException as exc:
            # If the connection died mid-request its transaction died with it: report the request's own
            # error (a lost connection: 503), not the ROLLBACK that cannot be sent.
            with contextlib.suppress(*_CONNECTION_GONE):
                await transaction.rollback()
            if _closed_under(conn, exc):
                raise _closed_error() from exc
            raise
        await transaction.commit()


def _closed_under(conn: asyncpg.Connection, exc: BaseException) -> bool:
    """Whether ``exc`` says the server closed ``conn`` while a request held it. asyncpg then detaches the
    request's proxy, and the request's next statement fails with "connection has been released back to the
    pool": PostgreSQL went away (503), not a bug of ours (500)."""
    return isinstance(exc, asyncpg.InterfaceError) and getattr(conn, "_con", conn) is None  # proxy's link


def _closed_error() -> asyncpg.PostgresConnectionError:
    return asyncpg.ConnectionDoesNotExistError("the connection to PostgreSQL was closed during the request")
