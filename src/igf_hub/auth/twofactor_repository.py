"""SQL of two-factor sign-in (migrations/0026_two_factor.sql): TOTP secrets, recovery codes, passkeys, challenges."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
import msgspec


class TotpRow(msgspec.Struct, frozen=True, kw_only=True):
    user_id: UUID
    secret_encrypted: bytes
    created_at: datetime
    confirmed_at: datetime | None
    last_step: int


class PasskeyRow(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    user_id: UUID
    credential_id: bytes
    public_key: bytes
    sign_count: int
    name: str
    created_at: datetime
    last_used_at: datetime | None


class ChallengeRow(msgspec.Struct, frozen=True, kw_only=True):
    token_hash: str
    user_id: UUID
    purpose: str
    webauthn_challenge: bytes | None
    next_path: str | None
    created_at: datetime
    expires_at: datetime


TOTP_COLUMNS = "user_id, secret_encrypted, created_at, confirmed_at, last_step"
SELECT_TOTP = f"SELECT {TOTP_COLUMNS} FROM two_factor_totp WHERE user_id = $1"
# A new secret replaces an unconfirmed one only: a confirmed secret is changed by disabling first.
UPSERT_PENDING_TOTP = f"""
INSERT INTO two_factor_totp (user_id, secret_encrypted, created_at) VALUES ($1, $2, $3)
ON CONFLICT (user_id) DO UPDATE SET secret_encrypted = EXCLUDED.secret_encrypted, created_at = EXCLUDED.created_at
WHERE two_factor_totp.confirmed_at IS NULL
RETURNING {TOTP_COLUMNS}"""
# One statement: two requests with the same code cannot both move last_step past it.
ACCEPT_STEP = (
    "UPDATE two_factor_totp SET last_step = $2 WHERE user_id = $1 AND last_step < $2 RETURNING user_id"
)
CONFIRM_TOTP = """
UPDATE two_factor_totp SET confirmed_at = $2, last_step = $3
WHERE user_id = $1 AND confirmed_at IS NULL AND last_step < $3 RETURNING user_id"""
DELETE_TOTP = "DELETE FROM two_factor_totp WHERE user_id = $1"
USERS_WITH_TWO_FACTOR = "SELECT user_id FROM two_factor_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL"

DELETE_RECOVERY_CODES = "DELETE FROM two_factor_recovery_codes WHERE user_id = $1"
INSERT_RECOVERY_CODES = """
INSERT INTO two_factor_recovery_codes (user_id, code_hash, created_at)
SELECT $1, unnest($2::text[]), $3"""
USE_RECOVERY_CODE = """
UPDATE two_factor_recovery_codes SET used_at = $3
WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING id"""
RECOVERY_CODE_USED = (
    "SELECT used_at IS NOT NULL FROM two_factor_recovery_codes WHERE user_id = $1 AND code_hash = $2"
)
COUNT_RECOVERY_CODES_LEFT = (
    "SELECT count(*) FROM two_factor_recovery_codes WHERE user_id = $1 AND used_at IS NULL"
)

PASSKEY_COLUMNS = "id, user_id, credential_id, public_key, sign_count, name, created_at, last_used_at"
INSERT_PASSKEY = f"""
INSERT INTO passkeys (user_id, credential_id, public_key, sign_count, name, created_at)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING {PASSKEY_COLUMNS}"""
SELECT_PASSKEYS = f"SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY created_at, id"
SELECT_PASSKEY = f"SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE user_id = $1 AND credential_id = $2"
USE_PASSKEY = "UPDATE passkeys SET sign_count = $2, last_used_at = $3 WHERE id = $1"
DELETE_PASSKEY = "DELETE FROM passkeys WHERE id = $1 AND user_id = $2 RETURNING name"
DELETE_PASSKEYS = "DELETE FROM passkeys WHERE user_id = $1"

CHALLENGE_COLUMNS = "token_hash, user_id, purpose, webauthn_challenge, next_path, created_at, expires_at"
PURGE_CHALLENGES = "DELETE FROM two_factor_challenges WHERE expires_at <= $1"
INSERT_CHALLENGE = f"""
INSERT INTO two_factor_challenges (token_hash, user_id, purpose, webauthn_challenge, next_path, created_at,
                                   expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {CHALLENGE_COLUMNS}"""
SELECT_CHALLENGE = (
    f"SELECT {CHALLENGE_COLUMNS} FROM two_factor_challenges WHERE token_hash = $1 AND purpose = $2"
)
SET_WEBAUTHN_CHALLENGE = "UPDATE two_factor_challenges SET webauthn_challenge = $2 WHERE token_hash = $1"
DELETE_CHALLENGE = "DELETE FROM two_factor_challenges WHERE token_hash = $1 RETURNING token_hash"


class TwoFactorRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    # -- TOTP ----------------------------------------------------------------------------------------

    async def totp(self, user_id: UUID) -> TotpRow | None:
        row = await self.conn.fetchrow(SELECT_TOTP, user_id)
        return TotpRow(**row) if row else None

    async def put_pending_totp(self, user_id: UUID, secret_encrypted: bytes, now: datetime) -> TotpRow | None:
        """None when a confirmed secret is already there (it is left as it is)."""
        row = await self.conn.fetchrow(UPSERT_PENDING_TOTP, user_id, secret_encrypted, now)
        return TotpRow(**row) if row else None

    async def accept_step(self, user_id: UUID, step: int) -> bool:
        return await self.conn.fetchval(ACCEPT_STEP, user_id, step) is not None

    async def confirm_totp(self, user_id: UUID, now: datetime, step: int) -> bool:
        return await self.conn.fetchval(CONFIRM_TOTP, user_id, now, step) is not None

    async def delete_totp(self, user_id: UUID) -> None:
        await self.conn.execute(DELETE_TOTP, user_id)

    async def has_two_factor(self, user_id: UUID) -> bool:
        return await self.conn.fetchval(USERS_WITH_TWO_FACTOR, user_id) is not None

    # -- recovery codes ------------------------------------------------------------------------------

    async def replace_recovery_codes(self, user_id: UUID, hashes: list[str], now: datetime) -> None:
        await self.conn.execute(DELETE_RECOVERY_CODES, user_id)
        await self.conn.execute(INSERT_RECOVERY_CODES, user_id, hashes, now)

    async def delete_recovery_codes(self, user_id: UUID) -> None:
        await self.conn.execute(DELETE_RECOVERY_CODES, user_id)

    async def use_recovery_code(self, user_id: UUID, code_hash: str, now: datetime) -> bool:
        return await self.conn.fetchval(USE_RECOVERY_CODE, user_id, code_hash, now) is not None

    async def recovery_code_used(self, user_id: UUID, code_hash: str) -> bool:
        return bool(await self.conn.fetchval(RECOVERY_CODE_USED, user_id, code_hash))

    async def recovery_codes_left(self, user_id: UUID) -> int:
        count: int = await self.conn.fetchval(COUNT_RECOVERY_CODES_LEFT, user_id)
        return count

    # -- passkeys ------------------------------------------------------------------------------------

    async def insert_passkey(
        self,
        *,
        user_id: UUID,
        credential_id: bytes,
        public_key: bytes,
        sign_count: int,
        name: str,
        now: datetime,
    ) -> PasskeyRow:
        row = await self.conn.fetchrow(
            INSERT_PASSKEY, user_id, credential_id, public_key, sign_count, name, now
        )
        return PasskeyRow(**row)

    async def passkeys(self, user_id: UUID) -> list[PasskeyRow]:
        return [PasskeyRow(**row) for row in await self.conn.fetch(SELECT_PASSKEYS, user_id)]

    async def passkey(self, user_id: UUID, credential_id: bytes) -> PasskeyRow | None:
        row = await self.conn.fetchrow(SELECT_PASSKEY, user_id, credential_id)
        return PasskeyRow(**row) if row else None

    async def use_passkey(self, passkey_id: UUID, sign_count: int, now: datetime) -> None:
        await self.conn.execute(USE_PASSKEY, passkey_id, sign_count, now)

    async def delete_passkey(self, user_id: UUID, passkey_id: UUID) -> str | None:
        name: str | None = await self.conn.fetchval(DELETE_PASSKEY, passkey_id, user_id)
        return name

    async def delete_passkeys(self, user_id: UUID) -> None:
        await self.conn.execute(DELETE_PASSKEYS, user_id)

    # -- challenges ----------------------------------------------------------------------------------

    async def insert_challenge(
        self,
        *,
        token_hash: str,
        user_id: UUID,
        purpose: str,
        webauthn_challenge: bytes | None,
        next_path: str | None,
        now: datetime,
        expires_at: datetime,
    ) -> ChallengeRow:
        await self.conn.execute(PURGE_CHALLENGES, now)
        row = await self.conn.fetchrow(
            INSERT_CHALLENGE, token_hash, user_id, purpose, webauthn_challenge, next_path, now, expires_at
        )
        return ChallengeRow(**row)

    async def challenge(self, token_hash: str, purpose: str) -> ChallengeRow | None:
        row = await self.conn.fetchrow(SELECT_CHALLENGE, token_hash, purpose)
        return ChallengeRow(**row) if row else None

    async def set_webauthn_challenge(self, token_hash: str, challenge: bytes) -> None:
        await self.conn.execute(SET_WEBAUTHN_CHALLENGE, token_hash, challenge)

    async def delete_challenge(self, token_hash: str) -> bool:
        return await self.conn.fetchval(DELETE_CHALLENGE, token_hash) is not None
