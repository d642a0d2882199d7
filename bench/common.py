"""Shared by the benchmarks: embedded servers in a temporary directory, fresh migrated databases, percentiles,
Markdown tables and a description of the machine."""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import structlog

from igf_hub.core import migrate
from igf_hub.embedded import Embedded


@contextlib.contextmanager
def embedded_servers(*, durable: bool = True) -> Iterator[tuple[Embedded, Path]]:
    """PostgreSQL + Valkey for one benchmark run, thrown away afterwards. ``durable``: fsync and synchronous
    commit on, as in production (the test suite turns them off)."""
    with tempfile.TemporaryDirectory(prefix="igf-hub-bench-") as tmp:
        os.chmod(tmp, 0o755)  # noqa: S103 - PostgreSQL runs as 'nobody' when we are root and must traverse it
        embedded = Embedded(Path(tmp), fast=not durable).start()
        try:
            yield embedded, Path(tmp)
        finally:
            embedded.stop()


def admin_url(database_url: str) -> str:
    return database_url.rsplit("/", 1)[0] + "/postgres"


async def fresh_database(any_database_url: str, name: str) -> str:
    """CREATE DATABASE ``name`` on the same server and apply every migration; its URL."""
    admin = await asyncpg.connect(admin_url(any_database_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = any_database_url.rsplit("/", 1)[0] + f"/{name}"
    conn = await asyncpg.connect(url)
    try:
        await migrate.migrate(conn)
    finally:
        await conn.close()
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of sorted ``values`` (0 for none)."""
    if not values:
        return 0.0
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    right = ["---:" if i else "---" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(right) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def machine(postgres_version: str | None = None) -> str:
    """One line naming the machine the numbers came from."""
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "? GiB"
    with contextlib.suppress(OSError, ValueError):
        kib = int(Path("/proc/meminfo").read_text().split("MemTotal:", 1)[1].split()[0])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    git = ""
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        git = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parents[1],
        ).stdout.strip()
    parts = [
        f"{len(os.sched_getaffinity(0))} CPUs ({cpu})",
        f"{memory} RAM",
        f"Python {platform.python_version()}",
        f"PostgreSQL {postgres_version}" if postgres_version else "",
        platform.platform(terse=True),
        datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        f"commit {git}" if git else "",
        "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()),  # a busy machine shows here
    ]
    return ", ".join(p for p in parts if p)


def quiet_logs() -> None:
    """igf_hub's own log lines (migrations, seeding) below WARNING are dropped; the rest go to stderr."""
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )


def say(*parts: object) -> None:
    """Progress goes to stderr, so stdout carries only the Markdown results."""
    print(*parts, file=sys.stderr, flush=True)  # noqa: T201
