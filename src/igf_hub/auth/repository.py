"""Identity SQL: users, clients, role grants, authorization codes, refresh tokens and token-signing keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from igf_hub.auth.schemas import Client, GrantCreate, RoleGrant, User

USER_COLUMNS = "id, email::text AS email, display_name, is_active, created_at"
INSERT_USER = f"""
INSERT INTO users (email, display_name, password_hash) VALUES ($1, $2, $3)
RETURNING {USER_COLUMNS}"""
SELECT_USER = f"SELECT {USER_COLUMNS} FROM users WHERE id = $1"
SELECT_USER_BY_EMAIL = f"SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = $1"
SELECT_USER_BY_EXTERNAL = f"SELECT {USER_COLUMNS} FROM users WHERE external_subject = $1"
COUNT_USERS = "SELECT count(*) FROM users"
SELECT_EMAIL_VERIFIED = "SELECT email_verified_at IS NOT NULL FROM users WHERE id = $1"
LIST_USERS = f"""
SELECT {USER_COLUMNS} FROM users WHERE ($1::timestamptz IS NULL OR (created_at, id) > ($1, $2))
ORDER BY created_at, id LIMIT $3"""

CLIENT_COLUMNS = "id, client_id, name, grant_types, redirect_uris, token_endpoint_auth_method, created_at"
INSERT_CLIENT = f"""
INSERT INTO oauth_clients (client_id, client_secret_hash, name, redirect_uris, grant_types,
                           token_endpoint_auth_method, scope)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING {CLIENT_COLUMNS}"""
UPSERT_PUBLIC_CLIENT = """
INSERT INTO oauth_clients (client_id, name, redirect_uris, grant_types, token_endpoint_auth_method, scope)
VALUES ($1, $2, $3, '{authorization_code,refresh_token}', 'none', 'api')
ON CONFLICT (client_id) DO UPDATE SET redirect_uris = EXCLUDED.redirect_uris"""
SELECT_CLIENT_AUTH = """
SELECT id, client_id, client_secret_hash, name, redirect_uris, grant_types, token_endpoint_auth_method, scope
FROM oauth_clients WHERE client_id = $1 AND is_active"""

GRANT_COLUMNS = "id, role, resource_id, is_chair, valid_from, valid_until, source"
INSERT_GRANT = f"""
INSERT INTO role_grants (user_id, client_id, role, resource_id, is_chair, valid_from, valid_until, source)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING {GRANT_COLUMNS}"""
DELETE_GRANT = "DELETE FROM role_grants WHERE id = $1 AND coalesce(user_id, client_id) = $2 RETURNING id"
SELECT_GRANTS_OF = (
    f"SELECT {GRANT_COLUMNS} FROM role_grants WHERE coalesce(user_id, client_id) = $1 ORDER BY role"
)

# Who holds what: every person's grants, by role then name (the Secretariat's people page).
SELECT_HOLDINGS = f"""
SELECT u.id AS user_id, u.email::text AS email, u.display_name, {", ".join("g." + c.strip() for c in GRANT_COLUMNS.split(","))}
FROM role_grants g JOIN users u ON u.id = g.user_id
ORDER BY g.role, u.display_name, u.email, g.valid_from NULLS FIRST, g.id
LIMIT $1"""

# The grants in force now, for the principal of a request.
SELECT_USER_PRINCIPAL = """
SELECT u.email::text AS email, u.display_name, g.role, g.resource_id, g.is_chair
FROM users u LEFT JOIN role_grants g
  ON g.user_id = u.id AND (g.valid_from IS NULL OR g.valid_from <= $2) AND (g.valid_until IS NULL OR g.valid_until > $2)
WHERE u.id = $1 AND u.is_active"""
SELECT_CLIENT_PRINCIPAL = """
SELECT g.role, g.resource_id, g.is_chair
FROM oauth_clients c LEFT JOIN role_grants g
  ON g.client_id = c.id AND (g.valid_from IS NULL OR g.valid_from <= $2) AND (g.valid_until IS NULL OR g.valid_until > $2)
WHERE c.client_id = $1 AND c.is_active"""

SELECT_HOLDERS = """
SELECT DISTINCT g.user_id FROM role_grants g JOIN users u ON u.id = g.user_id
WHERE g.role = $1 AND u.is_active AND (g.valid_from IS NULL OR g.valid_from <= $2)
  AND (g.valid_until IS NULL OR g.valid_until > $2)
ORDER BY g.user_id"""

# Users holding a role bound to one object (e.g. the coordinators of one NRI), in force at $3.
SELECT_BOUND_HOLDERS = """
SELECT DISTINCT u.id, u.email::text AS email, u.display_name, u.is_active, u.created_at
FROM role_grants g JOIN users u ON u.id = g.user_id
WHERE g.role = $1 AND g.resource_id = $2 AND u.is_active AND (g.valid_from IS NULL OR g.valid_from <= $3)
  AND (g.valid_until IS NULL OR g.valid_until > $3)
ORDER BY email"""

INSERT_CODE = """
INSERT INTO oauth_authorization_codes (code_hash, client_id, user_id, redirect_uri, scope, code_challenge,
                                       code_challenge_method, nonce, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"""
# Single use: taking the code deletes it, so a replayed code finds nothing.
TAKE_CODE = """
DELETE FROM oauth_authorization_codes WHERE code_hash = $1 AND client_id = $2
RETURNING client_id, user_id, redirect_uri, scope, code_challenge, code_challenge_method, expires_at, auth_time"""
INSERT_REFRESH = """
INSERT INTO oauth_refresh_tokens (token_hash, client_id, user_id, scope, expires_at, family_id)
VALUES ($1, $2, $3, $4, $5, coalesce($6, gen_random_uuid()))"""
SELECT_REFRESH = """
SELECT token_hash, client_id, user_id, scope, expires_at, revoked_at, family_id FROM oauth_refresh_tokens
WHERE token_hash = $1 FOR UPDATE"""
REVOKE_REFRESH_FAMILY = """
UPDATE oauth_refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL RETURNING token_hash"""
REVOKE_USER_REFRESH = """
UPDATE oauth_refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL RETURNING token_hash"""
# The programs that hold a live refresh token of a person (the people who signed in to them), one row per client.
SELECT_CONNECTED_CLIENTS = """
SELECT c.client_id, c.name, min(t.issued_at) AS since, max(t.issued_at) AS last_used
FROM oauth_refresh_tokens t JOIN oauth_clients c ON c.client_id = t.client_id
WHERE t.user_id = $1 AND t.revoked_at IS NULL AND t.expires_at > $2
GROUP BY c.client_id, c.name ORDER BY max(t.issued_at) DESC"""
REVOKE_USER_CLIENT_REFRESH = """
UPDATE oauth_refresh_tokens SET revoked_at = $3 WHERE user_id = $1 AND client_id = $2 AND revoked_at IS NULL
RETURNING token_hash"""
UPDATE_PASSWORD = "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1 AND is_active"  # noqa: S105 (SQL)
REVOKE_REFRESH = (
    "UPDATE oauth_refresh_tokens SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL"
)


# Token-signing keys (auth/keys.py): changed only under the advisory lock, by whichever process starts first.
LOCK_SIGNING_KEYS = "SELECT pg_advisory_xact_lock($1)"
LOCK_BOOTSTRAP = "SELECT pg_advisory_xact_lock(hashtext('igf_hub.bootstrap_admin'))"
SELECT_ACTIVE_SIGNING_KEY = "SELECT kid, private_jwk IS NOT NULL AS in_clear, private_ciphertext FROM signing_keys WHERE retired_at IS NULL"
SELECT_PUBLISHED_SIGNING_KEYS = """
SELECT public_jwk FROM signing_keys WHERE retired_at IS NULL OR retired_at > $1 ORDER BY created_at DESC"""
INSERT_SIGNING_KEY = """
INSERT INTO signing_keys (kid, alg, private_ciphertext, public_jwk) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING RETURNING kid"""
RETIRE_ACTIVE_SIGNING_KEY = """
UPDATE signing_keys SET retired_at = $1, private_jwk = NULL, private_ciphertext = NULL
WHERE retired_at IS NULL RETURNING kid"""
ERASE_RETIRED_SIGNING_KEYS = """
UPDATE signing_keys SET private_jwk = NULL, private_ciphertext = NULL
WHERE retired_at IS NOT NULL AND (private_jwk IS NOT NULL OR private_ciphertext IS NOT NULL) RETURNING kid"""
REENCRYPT_SIGNING_KEY = "UPDATE signing_keys SET private_ciphertext = $2 WHERE kid = $1"


class IdentityRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def insert_user(self, email: str, display_name: str, password_hash: str | None) -> User:
        return User(**await self.conn.fetchrow(INSERT_USER, email, display_name, password_hash))

    async def get_user(self, user_id: UUID) -> User | None:
        row = await self.conn.fetchrow(SELECT_USER, user_id)
        return User(**row) if row else None

    async def user_for_signin(self, email: str) -> tuple[User, str | None] | None:
        row = await self.conn.fetchrow(SELECT_USER_BY_EMAIL, email)
        if row is None:
            return None
        data = dict(row)
        password_hash = data.pop("password_hash")
        return User(**data), password_hash

    async def user_by_external_subject(self, external_subject: str) -> User | None:
        row = await self.conn.fetchrow(SELECT_USER_BY_EXTERNAL, external_subject)
        return User(**row) if row else None

    async def email_verified(self, user_id: UUID) -> bool:
        """Whether the account's address is confirmed (a signed-up account is not until its link is followed)."""
        return bool(await self.conn.fetchval(SELECT_EMAIL_VERIFIED, user_id))

    async def lock_bootstrap(self) -> None:
        """Until this transaction ends: two processes starting together on an empty database take turns."""
        await self.conn.execute(LOCK_BOOTSTRAP)

    async def count_users(self) -> int:
        count: int = await self.conn.fetchval(COUNT_USERS)
        return count

    async def holdings(self, limit: int) -> list[asyncpg.Record]:
        return list(await self.conn.fetch(SELECT_HOLDINGS, limit))

    async def list_users(self, after: tuple[datetime, UUID] | None, limit: int) -> list[User]:
        created_at, user_id = after if after else (None, None)
        return [User(**r) for r in await self.conn.fetch(LIST_USERS, created_at, user_id, limit)]

    async def insert_client(
        self,
        *,
        client_id: str,
        secret_hash: str | None,
        name: str,
        redirect_uris: list[str],
        grant_types: list[str],
        auth_method: str,
        scope: str,
    ) -> Client:
        row = await self.conn.fetchrow(
            INSERT_CLIENT, client_id, secret_hash, name, redirect_uris, grant_types, auth_method, scope
        )
        return Client(**row)

    async def upsert_public_client(self, client_id: str, name: str, redirect_uris: list[str]) -> None:
        await self.conn.execute(UPSERT_PUBLIC_CLIENT, client_id, name, redirect_uris)

    async def client_for_auth(self, client_id: str) -> asyncpg.Record | None:
        return await self.conn.fetchrow(SELECT_CLIENT_AUTH, client_id)

    async def insert_grant(
        self, *, user_id: UUID | None, client_id: UUID | None, grant: GrantCreate, source: str
    ) -> RoleGrant:
        row = await self.conn.fetchrow(
            INSERT_GRANT,
            user_id,
            client_id,
            grant.role.value,
            grant.resource_id,
            grant.is_chair,
            grant.valid_from,
            grant.valid_until,
            source,
        )
        return RoleGrant(**row)

    async def delete_grant(self, grant_id: UUID, holder_id: UUID) -> bool:
        return await self.conn.fetchval(DELETE_GRANT, grant_id, holder_id) is not None

    async def grants_of(self, holder_id: UUID) -> list[RoleGrant]:
        return [RoleGrant(**r) for r in await self.conn.fetch(SELECT_GRANTS_OF, holder_id)]

    async def holders_of(self, role: str, at: datetime) -> list[UUID]:
        return [r["user_id"] for r in await self.conn.fetch(SELECT_HOLDERS, role, at)]

    async def bound_holders(self, role: str, resource_id: UUID, at: datetime) -> list[User]:
        return [User(**r) for r in await self.conn.fetch(SELECT_BOUND_HOLDERS, role, resource_id, at)]

    async def user_principal_rows(self, user_id: UUID, now: datetime) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.conn.fetch(SELECT_USER_PRINCIPAL, user_id, now)
        return rows

    async def client_principal_rows(self, client_id: str, now: datetime) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.conn.fetch(SELECT_CLIENT_PRINCIPAL, client_id, now)
        return rows

    async def insert_code(self, **values: Any) -> None:
        await self.conn.execute(
            INSERT_CODE,
            values["code_hash"],
            values["client_id"],
            values["user_id"],
            values["redirect_uri"],
            values["scope"],
            values["code_challenge"],
            values["code_challenge_method"],
            values["nonce"],
            values["expires_at"],
        )

    async def take_code(self, code_hash: str, client_id: str) -> asyncpg.Record | None:
        return await self.conn.fetchrow(TAKE_CODE, code_hash, client_id)

    async def insert_refresh(
        self,
        token_hash: str,
        client_id: str,
        user_id: UUID,
        scope: str,
        expires_at: datetime,
        family_id: UUID | None = None,
    ) -> None:
        """``family_id``: the family of the token this one replaces; None starts a new family."""
        await self.conn.execute(INSERT_REFRESH, token_hash, client_id, user_id, scope, expires_at, family_id)

    async def refresh_token(self, token_hash: str) -> asyncpg.Record | None:
        return await self.conn.fetchrow(SELECT_REFRESH, token_hash)

    async def revoke_refresh(self, token_hash: str, now: datetime) -> None:
        await self.conn.execute(REVOKE_REFRESH, token_hash, now)

    async def revoke_user_refresh_tokens(self, user_id: UUID, now: datetime) -> int:
        """Revoke every live refresh token of a person, every client; how many were live."""
        return len(await self.conn.fetch(REVOKE_USER_REFRESH, user_id, now))

    async def connected_clients(self, user_id: UUID, now: datetime) -> list[dict[str, Any]]:
        return [dict(r) for r in await self.conn.fetch(SELECT_CONNECTED_CLIENTS, user_id, now)]

    async def revoke_user_client(self, user_id: UUID, client_id: str, now: datetime) -> int:
        return len(await self.conn.fetch(REVOKE_USER_CLIENT_REFRESH, user_id, client_id, now))

    async def set_password_hash(self, user_id: UUID, password_hash: str, now: datetime) -> bool:
        status: str = await self.conn.execute(UPDATE_PASSWORD, user_id, password_hash, now)
        return status.endswith(" 1")

    async def revoke_refresh_family(self, family_id: UUID, now: datetime) -> int:
        """Revoke every live token of a family; how many were still live."""
        return len(await self.conn.fetch(REVOKE_REFRESH_FAMILY, family_id, now))
