"""Accounts SQL: what a person declares about themselves (the users columns of migration 0025), the one-time links
of verification and reset (account_links), and a deleted account's erasure."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.core import audit


class Profile(msgspec.Struct, kw_only=True):
    id: UUID
    email: str
    display_name: str
    preferred_language: str
    stakeholder_group: str | None
    country: str | None
    email_verified_at: datetime | None
    is_active: bool
    created_at: datetime


class Link(msgspec.Struct, kw_only=True):
    id: UUID
    purpose: str
    user_id: UUID
    email: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    current_email: str  # the account's address now: a link sent to another one is void


PROFILE_COLUMNS = """id, email::text AS email, display_name, preferred_language, stakeholder_group, country,
email_verified_at, is_active, created_at"""
# A new sign-up, unverified. Nothing when the address already has an account (the caller then says nothing
# different: it mails that address instead).
INSERT_SIGNUP = f"""
INSERT INTO users (email, display_name, password_hash, preferred_language, stakeholder_group, country,
                   email_verified_at)
VALUES ($1, $2, $3, $4, $5, $6, NULL)
ON CONFLICT (email) DO NOTHING
RETURNING {PROFILE_COLUMNS}"""
INSERT_INVITED = f"""
INSERT INTO users (email, display_name, password_hash, preferred_language) VALUES ($1, $2, $3, $4)
RETURNING {PROFILE_COLUMNS}"""
SELECT_PROFILE = f"SELECT {PROFILE_COLUMNS} FROM users WHERE id = $1"
SELECT_PROFILE_BY_EMAIL = f"SELECT {PROFILE_COLUMNS} FROM users WHERE email = $1 AND deleted_at IS NULL"
MARK_VERIFIED = """
UPDATE users SET email_verified_at = $2, updated_at = $2 WHERE id = $1 AND email_verified_at IS NULL"""
SET_LANGUAGE = "UPDATE users SET preferred_language = $2, updated_at = $3 WHERE id = $1"

INSERT_LINK = """
INSERT INTO account_links (token_hash, purpose, user_id, email, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6)"""
# Locked: two tabs following the same link cannot both use it.
SELECT_LINK = """
SELECT l.id, l.purpose, l.user_id, l.email::text AS email, l.created_at, l.expires_at, l.used_at,
       u.email::text AS current_email
FROM account_links l JOIN users u ON u.id = l.user_id
WHERE l.token_hash = $1 AND l.purpose = $2 AND u.is_active
FOR UPDATE OF l"""
USE_LINK = "UPDATE account_links SET used_at = $2 WHERE id = $1 AND used_at IS NULL"
# A new link of one purpose voids the older ones: only the latest e-mail works.
VOID_LINKS = """
UPDATE account_links SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL"""

# A used link's notice keeps its path no longer (the path holds the token): people/account_notices.forget_link.
FORGET_NOTICE_LINK = "UPDATE notices SET link = NULL WHERE idempotency_key = $1 AND link IS NOT NULL"

# Deletion: nothing personal stays in the row (the public record and the audit log point at it by id).
ERASE_USER = """
UPDATE users SET email = $2, display_name = '', password_hash = NULL, external_subject = NULL, is_active = false,
                 stakeholder_group = NULL, country = NULL, deleted_at = $3, updated_at = $3
WHERE id = $1 AND deleted_at IS NULL"""
DELETE_USER_LINKS = "DELETE FROM account_links WHERE user_id = $1"
# What the audit log says the person did, and what was done to their account (their own data export).
SELECT_AUDIT_OF = """
SELECT seq, occurred_at, actor, action, subject_type, subject_id, data FROM audit_log
WHERE actor = $1 OR (subject_type = 'user' AND subject_id = $2) ORDER BY seq LIMIT $3"""
SELECT_INVITATIONS_OF = """
SELECT id, email::text AS email, role, resource_id, created_at, accepted_at, revoked_at, invited_by FROM invitations
WHERE accepted_by = $1 OR invited_by = $2 ORDER BY created_at"""


class AccountRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def insert_signup(
        self,
        *,
        email: str,
        display_name: str,
        password_hash: str,
        language: str,
        stakeholder_group: str | None,
        country: str | None,
    ) -> Profile | None:
        row = await self.conn.fetchrow(
            INSERT_SIGNUP, email, display_name, password_hash, language, stakeholder_group, country
        )
        return Profile(**row) if row else None

    async def insert_invited(
        self, *, email: str, display_name: str, password_hash: str, language: str
    ) -> Profile:
        return Profile(
            **await self.conn.fetchrow(INSERT_INVITED, email, display_name, password_hash, language)
        )

    async def profile(self, user_id: UUID) -> Profile | None:
        row = await self.conn.fetchrow(SELECT_PROFILE, user_id)
        return Profile(**row) if row else None

    async def profile_by_email(self, email: str) -> Profile | None:
        row = await self.conn.fetchrow(SELECT_PROFILE_BY_EMAIL, email)
        return Profile(**row) if row else None

    async def mark_verified(self, user_id: UUID, now: datetime) -> bool:
        status: str = await self.conn.execute(MARK_VERIFIED, user_id, now)
        return status.endswith(" 1")

    async def set_language(self, user_id: UUID, language: str, now: datetime) -> None:
        await self.conn.execute(SET_LANGUAGE, user_id, language, now)

    async def insert_link(
        self,
        *,
        token_hash: str,
        purpose: str,
        user_id: UUID,
        email: str,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        await self.conn.execute(VOID_LINKS, user_id, purpose, now)
        await self.conn.execute(INSERT_LINK, token_hash, purpose, user_id, email, now, expires_at)

    async def link(self, token_hash: str, purpose: str) -> Link | None:
        row = await self.conn.fetchrow(SELECT_LINK, token_hash, purpose)
        return Link(**row) if row else None

    async def use_link(self, link_id: UUID, now: datetime) -> None:
        await self.conn.execute(USE_LINK, link_id, now)

    async def forget_notice_link(self, notice_key: str) -> None:
        await self.conn.execute(FORGET_NOTICE_LINK, notice_key)

    async def erase(self, user_id: UUID, placeholder_email: str, now: datetime) -> bool:
        """Empty the account of everything personal (it can no longer sign in); whether it was there to erase."""
        status: str = await self.conn.execute(ERASE_USER, user_id, placeholder_email, now)
        await self.conn.execute(DELETE_USER_LINKS, user_id)
        return status.endswith(" 1")

    async def audit_of(self, user_id: UUID, limit: int) -> list[dict[str, object]]:
        await audit.chain_pending(self.conn)  # the writes committed before this read are in it
        rows = await self.conn.fetch(SELECT_AUDIT_OF, f"user:{user_id}", str(user_id), limit)
        return [dict(r) for r in rows]

    async def invitations_of(self, user_id: UUID) -> list[dict[str, object]]:
        return [dict(r) for r in await self.conn.fetch(SELECT_INVITATIONS_OF, user_id, f"user:{user_id}")]
