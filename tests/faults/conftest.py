"""Fault tests stop, start, freeze and kill real processes, so each test module gets its OWN embedded PostgreSQL
and Valkey (the session-wide pair other tests share is never touched), a migrated database on them, and real
``igf-hub worker`` subprocesses. Every wait is bounded: helpers poll with a deadline and fail saying what
they waited for."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, overload

import asyncpg
import msgspec
import pytest

from igf_hub.core import migrate, outbox
from igf_hub.core.settings import DbSettings, RedisSettings, Settings, WebhookSettings
from igf_hub.embedded import DATABASE, Embedded
from tests.conftest import BASE_URL
from tests.support.consumer import ConsumerServer, Received
from tests.webhooks.conftest import TEST_SECRETS_KEY

T = TypeVar("T")
LEASE_SECONDS = 2  # a killed worker's deliveries are claimable again this soon (production: 60)


@dataclass
class FaultServers:
    embedded: Embedded
    log_dir: Path

    @property
    def database_url(self) -> str:
        return self.embedded.database_url

    @property
    def redis_url(self) -> str:
        return self.embedded.redis_url

    def settings(self) -> Settings:
        return Settings(
            public_url=BASE_URL,
            db=DbSettings(url=self.database_url, pool_min=1, pool_max=5),
            redis=RedisSettings(url=self.redis_url),
            webhooks=WebhookSettings(
                allowed_hosts="127.0.0.1",
                secrets_key=TEST_SECRETS_KEY,
                run_dispatcher=False,
                poll_interval=0.1,
                lease_seconds=LEASE_SECONDS,
                request_timeout=5.0,
            ),
            rate_limits=False,  # the load here writes as fast as it can; the limits have their own tests
        )

    def worker_env(self) -> dict[str, str]:
        """``igf-hub worker`` on these servers, with the settings above and its dispatcher on."""
        return {
            **os.environ,
            "IGF_HUB_DATABASE_URL": self.database_url,
            "IGF_HUB_REDIS_URL": self.redis_url,
            "IGF_HUB_PUBLIC_URL": BASE_URL,
            "IGF_HUB_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
            "IGF_HUB_WEBHOOK_SECRETS_KEY": TEST_SECRETS_KEY,
            "IGF_HUB_WEBHOOK_POLL_INTERVAL": "0.1",
            "IGF_HUB_WEBHOOK_LEASE_SECONDS": str(LEASE_SECONDS),
            "IGF_HUB_WEBHOOK_REQUEST_TIMEOUT": "5",
            "IGF_HUB_LOG_FORMAT": "json",
            "IGF_HUB_LOG_LEVEL": "info",
        }


@pytest.fixture(scope="module")
def fault_embedded() -> Iterator[tuple[Embedded, Path]]:
    """This module's own PostgreSQL and Valkey: the tests may stop, start and freeze them."""
    with tempfile.TemporaryDirectory(prefix="igf-hub-faults-") as tmp:
        Path(tmp).chmod(0o755)  # PostgreSQL runs as 'nobody' when tests run as root
        embedded = Embedded(Path(tmp) / "data", fast=True).start()
        logs = Path(tmp) / "logs"
        logs.mkdir()
        try:
            yield embedded, logs
        finally:
            embedded.stop()


@pytest.fixture(scope="module")
async def fault_servers(fault_embedded: tuple[Embedded, Path]) -> FaultServers:
    embedded, logs = fault_embedded
    admin = await asyncpg.connect(embedded.database_url.rsplit("/", 1)[0] + "/postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await admin.close()
    conn = await asyncpg.connect(embedded.database_url)
    try:
        await migrate.migrate(conn)
    finally:
        await conn.close()
    return FaultServers(embedded, logs)


@overload
async def eventually(
    check: Callable[[], Awaitable[T | None]],
    *,
    within: float,
    what: str | Callable[[], str],
    every: float = ...,
) -> T: ...


@overload
async def eventually(
    check: Callable[[], T | None],
    *,
    within: float,
    what: str | Callable[[], str],
    every: float = ...,
) -> T: ...


async def eventually(
    check: Callable[[], Any],
    *,
    within: float,
    what: str | Callable[[], str],
    every: float = 0.05,
) -> Any:
    """Poll ``check`` (sync or async) until it returns something other than None/False; fail after ``within``
    seconds naming ``what`` was awaited (a callable is asked only then, e.g. for a log tail)."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result is not None and result is not False:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"not within {within} s: {what() if callable(what) else what}")
        await asyncio.sleep(every)


class WorkerProcess:
    """A real ``python -m igf_hub worker`` (arq + the webhook dispatcher), its output in a log file."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> WorkerProcess:
        with self.log_path.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "igf_hub",
                "worker",
                env=self.env,
                stdout=log,
                stderr=log,
                stdin=asyncio.subprocess.DEVNULL,
            )
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_text()[-chars:]

    async def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, nothing in flight is recorded."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGKILL)
        await asyncio.wait_for(self.proc.wait(), timeout=10)

    async def stop(self) -> None:
        if not self.alive:
            return
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), timeout=15)
        except TimeoutError:
            await self.kill()


@contextlib.asynccontextmanager
async def worker_process(servers: FaultServers, name: str, **env: str) -> AsyncIterator[WorkerProcess]:
    """A worker on these servers; ``env`` overrides its settings (e.g. IGF_HUB_WEBHOOK_RUN_DISPATCHER="false")."""
    worker = await WorkerProcess({**servers.worker_env(), **env}, servers.log_dir / f"{name}.log").start()
    try:
        yield worker
    finally:
        await worker.stop()


async def publish(url: str, event_type: str, subject: object, data: dict[str, Any]) -> outbox.Event:
    """Publish a domain event the way a domain does: in its own committed transaction (webhooks fan it out to
    one delivery row per matching endpoint inside that transaction)."""
    from igf_hub.core.db import init_connection

    conn = await asyncpg.connect(url)
    try:
        await init_connection(conn)
        async with conn.transaction():
            return await outbox.publish(conn, event_type, subject=subject, data=data)
    finally:
        await conn.close()


def with_webhooks(settings: Settings, **changes: Any) -> Settings:
    return msgspec.structs.replace(settings, webhooks=msgspec.structs.replace(settings.webhooks, **changes))


async def received(
    consumer: ConsumerServer, count: int, *, within: float, worker: WorkerProcess
) -> list[Received]:
    """Until the consumer got ``count`` requests; on failure the worker's log says why."""
    try:
        return await consumer.wait_for(count, within=within)
    except TimeoutError:
        pytest.fail(
            f"the consumer got {len(consumer.received)} of {count} requests within {within} s; worker log:\n"
            f"{worker.log_tail()}"
        )
