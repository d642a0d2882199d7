"""Token signing keys: generated on first start, stored in the database, rotatable.

Retired keys stay in the published JWKS for as long as a token they signed can still be valid.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from joserfc.jwk import KeySet, RSAKey

ALGORITHM = "RS256"

SELECT_ACTIVE = "SELECT kid, private_jwk FROM signing_keys WHERE retired_at IS NULL"
SELECT_PUBLISHED = """
SELECT public_jwk FROM signing_keys WHERE retired_at IS NULL OR retired_at > $1 ORDER BY created_at DESC"""
INSERT_KEY = """
INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING RETURNING kid"""
RETIRE_ACTIVE = "UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL RETURNING kid"


def _new_key() -> tuple[str, dict[str, Any], dict[str, Any]]:
    kid = secrets.token_urlsafe(12)
    key = RSAKey.generate_key(2048, parameters={"kid": kid, "alg": ALGORITHM, "use": "sig"})
    return kid, dict(key.as_dict(private=True)), dict(key.as_dict(private=False))


async def ensure_signing_key(conn: asyncpg.Connection) -> str:
    """The active key id, creating the first key if there is none (safe under concurrent starts)."""
    row = await conn.fetchrow(SELECT_ACTIVE)
    if row is not None:
        return str(row["kid"])
    kid, private, public = _new_key()
    if await conn.fetchval(INSERT_KEY, kid, ALGORITHM, private, public) is None:
        row = await conn.fetchrow(SELECT_ACTIVE)  # another process created it first
        return str(row["kid"])
    return kid


async def rotate(conn: asyncpg.Connection, *, now: datetime) -> str:
    """Retire the active key (still published for verification) and make a new one active."""
    async with conn.transaction():
        await conn.execute(RETIRE_ACTIVE, now)
        kid, private, public = _new_key()
        await conn.execute(INSERT_KEY, kid, ALGORITHM, private, public)
    return kid


async def private_key_set(conn: asyncpg.Connection) -> KeySet:
    row = await conn.fetchrow(SELECT_ACTIVE)
    if row is None:
        raise RuntimeError("no active signing key: igf-hub creates one at start-up")
    return KeySet.import_key_set({"keys": [row["private_jwk"]]})


async def published_jwks(
    conn: asyncpg.Connection, *, now: datetime, max_token_age: timedelta
) -> dict[str, Any]:
    rows = await conn.fetch(SELECT_PUBLISHED, now - max_token_age)
    return {"keys": [r["public_jwk"] for r in rows]}
