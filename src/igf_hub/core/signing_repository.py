"""SQL of the signed records: the publication key history and the signatures (core/signing.py owns both)."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec

KEY_COLUMNS = "kid, public_key, valid_from, retired_at, retired_reason"
SIGNED_COLUMNS = "kind, record_id, version, document, document_sha256, jws, kid, signed_at"


class KeyRow(msgspec.Struct, kw_only=True):
    kid: str
    public_key: bytes
    valid_from: datetime
    retired_at: datetime | None
    retired_reason: str | None


class SignedRow(msgspec.Struct, kw_only=True):
    kind: str
    record_id: str
    version: int
    document: bytes
    document_sha256: bytes
    jws: str
    kid: str
    signed_at: datetime


def _key(row: asyncpg.Record | None) -> KeyRow | None:
    return KeyRow(**dict(row)) if row else None


def _signed(row: asyncpg.Record | None) -> SignedRow | None:
    return SignedRow(**dict(row)) if row else None


class SigningRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def lock_keys(self) -> None:
        """Serialise key changes (and a first use racing a rotation) until the transaction ends."""
        await self.conn.execute("SELECT pg_advisory_xact_lock(hashtext('igf_hub.publication_keys'))")

    async def keys(self) -> list[KeyRow]:
        rows = await self.conn.fetch(f"SELECT {KEY_COLUMNS} FROM publication_keys ORDER BY valid_from, kid")
        return [KeyRow(**dict(r)) for r in rows]

    async def key(self, kid: str) -> KeyRow | None:
        return _key(
            await self.conn.fetchrow(f"SELECT {KEY_COLUMNS} FROM publication_keys WHERE kid = $1", kid)
        )

    async def current_key(self) -> KeyRow | None:
        return _key(
            await self.conn.fetchrow(f"SELECT {KEY_COLUMNS} FROM publication_keys WHERE retired_at IS NULL")
        )

    async def insert_key(self, kid: str, public_key: bytes, *, valid_from: datetime) -> KeyRow:
        row = await self.conn.fetchrow(
            f"INSERT INTO publication_keys (kid, public_key, valid_from) VALUES ($1, $2, $3) "
            f"RETURNING {KEY_COLUMNS}",
            kid,
            public_key,
            valid_from,
        )
        assert row is not None
        return KeyRow(**dict(row))

    async def retire(self, kid: str, *, at: datetime, reason: str) -> None:
        await self.conn.execute(
            "UPDATE publication_keys SET retired_at = $2, retired_reason = $3 WHERE kid = $1", kid, at, reason
        )

    async def signed(self, kind: str, record_id: str, version: int) -> SignedRow | None:
        return _signed(
            await self.conn.fetchrow(
                f"SELECT {SIGNED_COLUMNS} FROM signed_records WHERE kind = $1 AND record_id = $2 AND version = $3",
                kind,
                record_id,
                version,
            )
        )

    async def latest_signed(self, kind: str, record_id: str) -> SignedRow | None:
        return _signed(
            await self.conn.fetchrow(
                f"SELECT {SIGNED_COLUMNS} FROM signed_records WHERE kind = $1 AND record_id = $2 "
                "ORDER BY version DESC LIMIT 1",
                kind,
                record_id,
            )
        )

    async def latest_signed_of_any_kind(self, record_id: str) -> SignedRow | None:
        """The newest signed version of a record, whatever its kind (record ids are UUIDs: one kind holds it)."""
        return _signed(
            await self.conn.fetchrow(
                f"SELECT {SIGNED_COLUMNS} FROM signed_records WHERE record_id = $1 "
                "ORDER BY signed_at DESC, version DESC LIMIT 1",
                record_id,
            )
        )

    async def signed_by_digest(self, digest: bytes) -> SignedRow | None:
        return _signed(
            await self.conn.fetchrow(
                f"SELECT {SIGNED_COLUMNS} FROM signed_records WHERE document_sha256 = $1 ORDER BY signed_at LIMIT 1",
                digest,
            )
        )

    async def signed_by_jws(self, jws: str) -> SignedRow | None:
        return _signed(
            await self.conn.fetchrow(
                f"SELECT {SIGNED_COLUMNS} FROM signed_records WHERE jws = $1 LIMIT 1", jws
            )
        )

    async def insert_signed(
        self,
        kind: str,
        record_id: str,
        version: int,
        *,
        document: bytes,
        digest: bytes,
        jws: str,
        kid: str,
        at: datetime,
    ) -> SignedRow:
        row = await self.conn.fetchrow(
            f"INSERT INTO signed_records ({SIGNED_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
            f"RETURNING {SIGNED_COLUMNS}",
            kind,
            record_id,
            version,
            document,
            digest,
            jws,
            kid,
            at,
        )
        assert row is not None
        return SignedRow(**dict(row))
