"""The migration runner: numbered plain ``.sql`` files, forward-only, checksummed, under a polled advisory lock.

Used by ``igf-hub migrate``, by ``serve`` on start, and by the test harness on the template database.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from pathlib import Path

import asyncpg
import msgspec
import structlog

log = structlog.get_logger("igf_hub.migrate")

# Polled, never the blocking pg_advisory_lock: a blocked second migrator's waiting statement would make
# CREATE INDEX CONCURRENTLY in the first one wait forever (measured deadlock; STYLE.md section 4).
LOCK_KEY = 0x1F6_0B_0001
POLL_SECONDS = 0.2
NO_TRANSACTION_MARKER = "-- igf:no-transaction"
FILENAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""
SELECT_APPLIED = "SELECT version, checksum, applied_at FROM schema_migrations ORDER BY version"
INSERT_APPLIED = "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)"


def default_directory() -> Path:
    """The wheel carries ``igf_hub/migrations``; a source checkout has ``migrations/`` beside ``src/``."""
    packaged = Path(__file__).resolve().parents[1] / "migrations"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[3] / "migrations"


class MigrationError(Exception):
    pass


class Migration(msgspec.Struct, frozen=True):
    version: str  # the file name without .sql, e.g. "0002_core"
    path: Path
    checksum: str
    transactional: bool


class MigrationStatus(msgspec.Struct, frozen=True):
    version: str
    applied: bool
    applied_at: str | None = None


def discover(directory: Path) -> list[Migration]:
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        if not FILENAME.match(path.name):
            raise MigrationError(f"{path.name}: migration files are named NNNN_snake_name.sql")
        text = path.read_text(encoding="utf-8")
        migrations.append(
            Migration(
                version=path.stem,
                path=path,
                checksum=hashlib.sha256(text.encode()).hexdigest(),
                transactional=not text.startswith(NO_TRANSACTION_MARKER),
            )
        )
    numbers = [m.version[:4] for m in migrations]
    if len(numbers) != len(set(numbers)):
        raise MigrationError(f"two migration files share a number: {numbers}")
    return migrations


async def _lock(conn: asyncpg.Connection, wait_seconds: float) -> None:
    deadline = time.monotonic() + wait_seconds
    while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY):
        if time.monotonic() > deadline:
            raise MigrationError(f"another migrator has held the lock for more than {wait_seconds:.0f}s")
        await asyncio.sleep(POLL_SECONDS)


def _check_history(migrations: list[Migration], applied: dict[str, str]) -> None:
    known = {m.version: m for m in migrations}
    for version, checksum in applied.items():
        if version not in known:
            raise MigrationError(f"{version}.sql was applied but is missing from the migrations directory")
        if known[version].checksum != checksum:
            raise MigrationError(
                f"{version}.sql changed after it was applied; landed migrations are never edited: "
                "restore the file and add a new numbered migration"
            )


async def migrate(
    conn: asyncpg.Connection, directory: Path | None = None, *, lock_wait: float = 300
) -> list[str]:
    """Apply every pending migration in order; return the versions applied (``[]`` when up to date)."""
    migrations = discover(directory or default_directory())
    await _lock(conn, lock_wait)
    try:
        await conn.execute(CREATE_TABLE)
        applied = {r["version"]: r["checksum"] for r in await conn.fetch(SELECT_APPLIED)}
        _check_history(migrations, applied)
        done = []
        for m in migrations:
            if m.version in applied:
                continue
            started = time.perf_counter()
            sql = m.path.read_text(encoding="utf-8")
            if m.transactional:
                async with conn.transaction():
                    await conn.execute(sql)  # simple-query protocol: many statements, no arguments
                    await conn.execute(INSERT_APPLIED, m.version, m.checksum)
            else:
                await conn.execute(sql)
                await conn.execute(INSERT_APPLIED, m.version, m.checksum)
            log.info(
                "migration.applied",
                version=m.version,
                ms=round((time.perf_counter() - started) * 1000, 1),
                statements=sql.count(";"),
            )
            done.append(m.version)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)


async def status(conn: asyncpg.Connection, directory: Path | None = None) -> list[MigrationStatus]:
    migrations = discover(directory or default_directory())
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    rows = {r["version"]: r for r in await conn.fetch(SELECT_APPLIED)} if exists else {}
    _check_history(migrations, {v: r["checksum"] for v, r in rows.items()})
    return [
        MigrationStatus(
            version=m.version,
            applied=m.version in rows,
            applied_at=rows[m.version]["applied_at"].isoformat() if m.version in rows else None,
        )
        for m in migrations
    ]
