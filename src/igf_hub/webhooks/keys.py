"""igf_hub's Ed25519 webhook key (the optional ``v1a`` signature): created once, private half encrypted.

Each ``v1a`` signature names its key in the ``webhook-key-id`` header (the ``kid`` of the signing-keys
document). A rotation makes a new key active at once; the old one stays published, marked retired, so a
consumer whose cached document lacks the header's ``kid`` fetches the document again instead of trying keys.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from igf_hub.webhooks import signing
from igf_hub.webhooks.repository import WebhookRepository
from igf_hub.webhooks.schemas import SigningKey, SigningKeys
from igf_hub.webhooks.vault import Vault


async def ensure_key(conn: asyncpg.Connection, vault: Vault) -> None:
    repo = WebhookRepository(conn)
    if await repo.active_signing_key() is None:
        key = signing.new_ed25519_key()
        public = signing.ed25519_public_bytes(key)
        # Two processes racing both try; the unique "one active key" index keeps the first.
        await repo.insert_signing_key(
            signing.key_id(public), vault.encrypt(signing.ed25519_private_bytes(key)), public
        )


async def active_private_key(conn: asyncpg.Connection, vault: Vault) -> tuple[str, Ed25519PrivateKey]:
    """The active key and its ``kid``."""
    await ensure_key(conn, vault)
    row = await WebhookRepository(conn).active_signing_key()
    assert row is not None  # ensured just above
    return row["kid"], signing.ed25519_from_private_bytes(vault.decrypt(row["private_ciphertext"]))


async def rotate(conn: asyncpg.Connection, vault: Vault, now: datetime) -> tuple[str | None, str]:
    """In the caller's transaction: retire the active key and make a new one active; (old kid, new kid)."""
    repo = WebhookRepository(conn)
    old = await repo.retire_signing_key(now)
    key = signing.new_ed25519_key()
    public = signing.ed25519_public_bytes(key)
    kid = signing.key_id(public)
    await repo.insert_signing_key(kid, vault.encrypt(signing.ed25519_private_bytes(key)), public)
    return old, kid


async def published(conn: asyncpg.Connection, vault: Vault) -> SigningKeys:
    await ensure_key(conn, vault)
    rows = await WebhookRepository(conn).signing_keys()
    return SigningKeys(
        keys=[
            SigningKey(
                kid=r["kid"],
                alg="Ed25519",
                public_key=signing.public_key_text(r["public_key"]),
                created_at=r["created_at"],
                retired_at=r["retired_at"],
            )
            for r in rows
        ]
    )
