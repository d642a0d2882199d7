"""Token signing keys: generated on first start, stored in the database encrypted, rotatable.

The private half is encrypted with the deployment's key (``IGF_HUB_AUTH_SIGNING_KEYS_KEY``, core/vault.py), bound
to its key id, so a database dump alone cannot mint tokens. Only the active key keeps a private half: retiring
a key erases it, and the public half stays in the published JWKS while a token it signed can still be valid.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import structlog
from joserfc.jwk import KeySet, RSAKey

from igf_hub.auth.repository import (
    ERASE_RETIRED_SIGNING_KEYS,
    INSERT_SIGNING_KEY,
    LOCK_SIGNING_KEYS,
    REENCRYPT_SIGNING_KEY,
    RETIRE_ACTIVE_SIGNING_KEY,
    SELECT_ACTIVE_SIGNING_KEY,
    SELECT_PUBLISHED_SIGNING_KEYS,
)
from igf_hub.core.settings import Settings
from igf_hub.core.vault import Vault, VaultError, open_vault

log = structlog.get_logger("igf_hub.auth.keys")

ALGORITHM = "RS256"
KEY_FILE = "auth-signing-keys.key"
VARIABLE = "IGF_HUB_AUTH_SIGNING_KEYS_KEY"
# Serialises key changes across processes (several API pods starting at once).
LOCK_KEY = 0x1F6_0A_0013


def vault_for(settings: Settings) -> Vault:
    return open_vault(
        settings.auth.signing_keys_key,
        variable=VARIABLE,
        key_file=KEY_FILE,
        environment=settings.environment,
        data_dir=settings.data_dir,
        purpose="token-signing key",
    )


async def _insert_new_key(conn: asyncpg.Connection, vault: Vault) -> str | None:
    kid = secrets.token_urlsafe(12)
    key = RSAKey.generate_key(2048, parameters={"kid": kid, "alg": ALGORITHM, "use": "sig"})
    private = json.dumps(key.as_dict(private=True)).encode()
    inserted: str | None = await conn.fetchval(
        INSERT_SIGNING_KEY,
        kid,
        ALGORITHM,
        vault.encrypt(private, kid.encode()),
        dict(key.as_dict(private=False)),
    )
    return inserted


async def ensure_signing_key(conn: asyncpg.Connection, vault: Vault, *, now: datetime) -> str:
    """The active key id, on every start: creates the first key, replaces a key stored in clear (before
    migration 0013) with a new encrypted one, and re-encrypts the active key under the current encryption key."""
    async with conn.transaction():
        await conn.execute(LOCK_SIGNING_KEYS, LOCK_KEY)
        erased = await conn.fetch(ERASE_RETIRED_SIGNING_KEYS)
        if erased:
            log.info("auth.signing_keys_erased", kids=[r["kid"] for r in erased], reason="retired")
        row = await conn.fetchrow(SELECT_ACTIVE_SIGNING_KEY)
        if row is None:
            kid = await _insert_new_key(conn, vault)
            assert kid is not None  # the lock is held: nobody else inserts
            return kid
        if row["in_clear"]:
            # A key that was ever stored in clear may be in old dumps and backups: stop signing with it.
            new_kid = await _rotate_locked(conn, vault, now)
            log.warning(
                "auth.signing_key_replaced", old_kid=row["kid"], kid=new_kid, reason="stored in clear"
            )
            return new_kid
        kid = str(row["kid"])
        blob = bytes(row["private_ciphertext"])
        if not vault.is_current(blob):
            try:
                private = vault.decrypt(blob, kid.encode())
            except VaultError as exc:
                raise VaultError(f"{exc}; list the previous key after the new one in {VARIABLE}") from None
            await conn.execute(REENCRYPT_SIGNING_KEY, kid, vault.encrypt(private, kid.encode()))
            log.info("auth.signing_key_reencrypted", kid=kid)
        return kid


async def _rotate_locked(conn: asyncpg.Connection, vault: Vault, now: datetime) -> str:
    await conn.execute(RETIRE_ACTIVE_SIGNING_KEY, now)
    kid = await _insert_new_key(conn, vault)
    assert kid is not None  # none is active any more
    return kid


async def rotate(conn: asyncpg.Connection, vault: Vault, *, now: datetime) -> str:
    """Retire the active key (still published for verification, its private half erased) and make a new one."""
    async with conn.transaction():
        await conn.execute(LOCK_SIGNING_KEYS, LOCK_KEY)
        return await _rotate_locked(conn, vault, now)


async def private_key_set(conn: asyncpg.Connection, vault: Vault) -> KeySet:
    row = await conn.fetchrow(SELECT_ACTIVE_SIGNING_KEY)
    if row is None or row["private_ciphertext"] is None:
        raise RuntimeError("no encrypted active signing key: igf-hub creates one at start-up")
    private = vault.decrypt(bytes(row["private_ciphertext"]), str(row["kid"]).encode())
    return KeySet.import_key_set({"keys": [json.loads(private)]})


async def published_jwks(
    conn: asyncpg.Connection, *, now: datetime, max_token_age: timedelta
) -> dict[str, Any]:
    rows = await conn.fetch(SELECT_PUBLISHED_SIGNING_KEYS, now - max_token_age)
    return {"keys": [r["public_jwk"] for r in rows]}
