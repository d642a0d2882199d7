from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import asyncpg
import pytest

from igf_hub.core import migrate


@pytest.fixture
async def empty_db(servers: object) -> str:
    """A database with nothing in it, to migrate from scratch."""
    import secrets

    from tests.conftest import Servers

    assert isinstance(servers, Servers)
    name = f"m_{secrets.token_hex(5)}"
    admin = await asyncpg.connect(servers.admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    return servers.url_of(name)


async def test_migrations_apply_in_order_and_are_idempotent(empty_db: str) -> None:
    conn = await asyncpg.connect(empty_db)
    try:
        applied = await migrate.migrate(conn)
        expected = [p.stem for p in sorted(migrate.default_directory().glob("*.sql"))]
        assert applied == expected
        assert await migrate.migrate(conn) == []  # a second run finds nothing to do
        status = await migrate.status(conn)
        assert all(s.applied for s in status)
        assert [s.version for s in status] == expected
    finally:
        await conn.close()


async def test_concurrent_migrators_apply_each_file_once(empty_db: str) -> None:
    a, b = await asyncpg.connect(empty_db), await asyncpg.connect(empty_db)
    try:
        first, second = await asyncio.gather(migrate.migrate(a), migrate.migrate(b))
        assert sorted([first, second], key=len) == [[], sorted(first + second)]
        assert await a.fetchval("SELECT count(*) FROM schema_migrations") == len(first + second)
    finally:
        await a.close()
        await b.close()


async def test_an_edited_applied_migration_is_refused(empty_db: str, tmp_path: Path) -> None:
    copy = tmp_path / "migrations"
    shutil.copytree(migrate.default_directory(), copy)
    conn = await asyncpg.connect(empty_db)
    try:
        await migrate.migrate(conn, copy)
        target = copy / "0002_audit_outbox.sql"
        target.write_text(target.read_text() + "\n-- an innocent-looking edit\n")
        with pytest.raises(
            migrate.MigrationError, match=r"0002_audit_outbox\.sql changed after it was applied"
        ):
            await migrate.migrate(conn, copy)
        with pytest.raises(migrate.MigrationError, match="changed after it was applied"):
            await migrate.status(conn, copy)
    finally:
        await conn.close()


async def test_a_failing_migration_leaves_nothing_behind(empty_db: str, tmp_path: Path) -> None:
    copy = tmp_path / "migrations"
    shutil.copytree(migrate.default_directory(), copy)
    (copy / "9998_good_part.sql").write_text("CREATE TABLE half_done (id int);\n")
    (copy / "9999_broken.sql").write_text("CREATE TABLE never_kept (id int);\nSELECT no_such_function();\n")
    conn = await asyncpg.connect(empty_db)
    try:
        with pytest.raises(asyncpg.UndefinedFunctionError):
            await migrate.migrate(conn, copy)
        assert await conn.fetchval("SELECT to_regclass('never_kept')") is None  # the broken file rolled back
        assert (
            await conn.fetchval("SELECT to_regclass('half_done')") is not None
        )  # earlier files stay applied
        versions = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
        assert "9998_good_part" in versions and "9999_broken" not in versions
    finally:
        await conn.close()


def test_badly_named_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "0001_ok.sql").write_text("SELECT 1;")
    (tmp_path / "2-bad name.sql").write_text("SELECT 1;")
    with pytest.raises(migrate.MigrationError, match="NNNN_snake_name"):
        migrate.discover(tmp_path)
