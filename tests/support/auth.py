"""Principals for tests: real users and clients with real grants, and real signed access tokens.

``TokenFactory.user(...)`` creates the user through IdentityService and signs its token with the server's
own token generator and active key, so the API verifies it exactly as it verifies any token. The complete
OAuth flows (client credentials, authorization code + PKCE) are exercised in tests/auth.
"""

from __future__ import annotations

import secrets
from uuid import UUID

import asyncpg

from igf_hub.auth import keys
from igf_hub.auth.principal import Principal, PrincipalKind, Role
from igf_hub.auth.schemas import GrantCreate, User, UserCreate
from igf_hub.auth.server import AccessTokenGenerator, OAuthClient, OAuthUser
from igf_hub.auth.service import IdentityService
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings

TEST_ACTOR = Principal(kind=PrincipalKind.client, subject="tests")


class Caller:
    """A signed-in user: its id, and the headers that authenticate as it."""

    def __init__(self, user: User, token: str) -> None:
        self.user = user
        self.id: UUID = user.id
        self.token = token
        self.headers = {"Authorization": f"Bearer {token}"}


class TokenFactory:
    def __init__(self, pool: asyncpg.Pool, settings: Settings, clock: Clock) -> None:
        self.pool = pool
        self.settings = settings
        self.clock = clock

    async def user(
        self,
        *roles: Role | tuple[Role, UUID],
        email: str | None = None,
        chair: bool = False,
        password: str | None = None,
        display_name: str = "",
    ) -> Caller:
        """A user holding ``roles``; a ``(role, resource_id)`` pair binds the role to one object."""
        grants = []
        for role in roles:
            role_name, resource = role if isinstance(role, tuple) else (role, None)
            grants.append(
                GrantCreate(
                    role=role_name, resource_id=resource, is_chair=chair and role_name is Role.mag_member
                )
            )
        async with self.pool.acquire() as conn, conn.transaction():
            user = await IdentityService(conn, self.clock, self.settings).create_user(
                UserCreate(
                    email=email or f"user-{secrets.token_hex(4)}@example.org",
                    password=password,
                    display_name=display_name,
                    grants=grants,
                ),
                actor=TEST_ACTOR,
            )
        return Caller(user, await self.token_for(user.id))

    async def token_for(self, user_id: UUID) -> str:
        async with self.pool.acquire() as conn:
            key_set = await keys.private_key_set(conn, keys.vault_for(self.settings))
        generator = AccessTokenGenerator(self.settings, key_set, self.clock)
        client = OAuthClient(
            {
                "client_id": "igf-hub-console",
                "name": "console",
                "client_secret_hash": None,
                "redirect_uris": [],
                "grant_types": ["authorization_code"],
                "token_endpoint_auth_method": "none",
                "scope": "api",
            }
        )
        token: str = generator.access_token_generator(client, "authorization_code", OAuthUser(user_id), "api")
        return token


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 challenge (RFC 7636)."""
    import base64
    import hashlib

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge
