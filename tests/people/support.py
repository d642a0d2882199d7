"""People for notice tests: real accounts through IdentityService, in a language."""

from __future__ import annotations

import secrets
from uuid import UUID

import asyncpg

from igf_hub.auth.principal import Role
from igf_hub.auth.schemas import GrantCreate, UserCreate
from igf_hub.auth.service import IdentityService
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.support.auth import TEST_ACTOR


async def person(
    pool: asyncpg.Pool,
    settings: Settings,
    clock: Clock,
    *roles: Role,
    language: str = "en",
    name: str = "",
    email: str | None = None,
) -> tuple[UUID, str]:
    """A new account (id, e-mail) reading igf_hub in ``language``."""
    address = email or f"person-{secrets.token_hex(4)}@example.org"
    async with pool.acquire() as conn, conn.transaction():
        user = await IdentityService(conn, clock, settings).create_user(
            UserCreate(email=address, display_name=name, grants=[GrantCreate(role=r) for r in roles]),
            actor=TEST_ACTOR,
        )
        await conn.execute("UPDATE users SET preferred_language = $2 WHERE id = $1", user.id, language)
    return user.id, address


async def mail_rows(pool: asyncpg.Pool) -> list[dict[str, object]]:
    rows = await pool.fetch("SELECT * FROM notice_mails ORDER BY id")
    return [dict(r) for r in rows]


async def send_log(pool: asyncpg.Pool) -> list[dict[str, object]]:
    rows = await pool.fetch("SELECT * FROM notice_send_log ORDER BY id")
    return [dict(r) for r in rows]
