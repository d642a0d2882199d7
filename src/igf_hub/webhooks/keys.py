"""igf_hub's Ed25519 webhook key (the optional ``v1a`` signature): created once, private half encrypted."""

from __future__ import annotations

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


async def active_private_key(conn: asyncpg.Connection, vault: Vault) -> Ed25519PrivateKey:
    await ensure_key(conn, vault)
    row = await WebhookRepository(conn).active_signing_key()
    assert row is not None  # ensured just above
    return signing.ed25519_from_private_bytes(vault.decrypt(row["private_ciphertext"]))


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
