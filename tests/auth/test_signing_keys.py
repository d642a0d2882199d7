"""Issue 14 item 4: a token that lives too long is refused, and the signing keys are encrypted at rest."""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import msgspec
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from igf_hub.app import create_app
from igf_hub.auth import keys
from igf_hub.auth.tokens import OWN_KEYS_MAX_AGE
from igf_hub.core import migrate
from igf_hub.core.clock import Clock
from igf_hub.core.settings import (
    AuthSettings,
    DbSettings,
    Environment,
    RedisSettings,
    Settings,
    load_settings,
)
from igf_hub.core.vault import Vault, VaultError, decode_key, new_key_text
from tests.conftest import BASE_URL, Servers, running
from tests.support.asgi import asgi
from tests.support.auth import TokenFactory


async def _signed(db: asyncpg.Pool, settings: Settings, clock: Clock, subject: str, **claims: Any) -> str:
    async with db.acquire() as conn:
        key = next(iter(await keys.private_key_set(conn, keys.vault_for(settings))))
    now = int(clock.timestamp())
    base = {
        "iss": settings.base_url,
        "aud": [settings.auth.audience],
        "sub": subject,
        "client_id": "c",
        "iat": now,
        "exp": now + 600,
        "scope": "api",
    }
    payload = {k: v for k, v in (base | claims).items() if v is not None}
    return jwt.encode({"alg": "RS256", "kid": key.kid}, payload, key)


async def test_a_token_living_longer_than_the_maximum_is_refused(
    client: httpx.AsyncClient, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    person = await tokens.user()
    now = int(clock.timestamp())
    limit = settings.auth.max_token_lifetime
    at_limit = await _signed(db, settings, clock, str(person.id), iat=now, exp=now + limit)
    assert (await client.get("/v1/me", headers={"Authorization": f"Bearer {at_limit}"})).status_code == 200
    for claims in (
        {"iat": now, "exp": now + limit + 1},
        {"iat": now, "exp": 4_102_444_800},  # 2100-01-01: what a stolen key once minted
        {"iat": now - 10 * limit, "exp": now + 60},  # issued long ago, still unexpired
        {"iat": None},  # no issue time: the lifetime cannot be checked
    ):
        token = await _signed(db, settings, clock, str(person.id), **claims)
        response = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, (claims, response.text)
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
        if claims["iat"] is not None:
            assert "longer than the 3600 s this service accepts" in response.json()["detail"]


def test_the_maximum_lifetime_is_a_setting_and_must_cover_our_own_tokens() -> None:
    settings = load_settings({"IGF_HUB_AUTH_MAX_TOKEN_LIFETIME": "1200"})
    assert settings.auth.max_token_lifetime == 1200
    with pytest.raises(msgspec.ValidationError, match="longer than IGF_HUB_AUTH_MAX_TOKEN_LIFETIME"):
        load_settings({"IGF_HUB_AUTH_ACCESS_TOKEN_TTL": "7200"})
    with pytest.raises(ValueError, match="refuse its own tokens"):
        AuthSettings(access_token_ttl=900, max_token_lifetime=600)


async def test_signing_keys_are_stored_encrypted(
    client: httpx.AsyncClient, db: asyncpg.Pool, settings: Settings
) -> None:
    async with db.acquire() as conn:
        rows = await conn.fetch("SELECT kid, private_jwk, private_ciphertext, public_jwk FROM signing_keys")
        key = next(iter(await keys.private_key_set(conn, keys.vault_for(settings))))
    assert len(rows) == 1 and rows[0]["private_jwk"] is None
    private_exponent = key.as_dict(private=True)["d"]
    assert isinstance(private_exponent, str)
    assert private_exponent.encode() not in rows[0]["private_ciphertext"]
    assert "d" not in rows[0]["public_jwk"]
    with pytest.raises(VaultError):  # another deployment's key cannot read it
        Vault([decode_key(new_key_text())]).decrypt(rows[0]["private_ciphertext"], rows[0]["kid"].encode())
    async with db.acquire() as conn:
        with pytest.raises(asyncpg.CheckViolationError):  # nothing may write a private key in clear again
            await conn.execute("UPDATE signing_keys SET private_jwk = '{}'")


async def _database_before_0013(servers: Servers) -> str:
    """A database migrated as it was before this change, holding a signing key in clear as that code wrote it."""
    name = f"t_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(servers.admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = servers.url_of(name)
    with tempfile.TemporaryDirectory() as earlier:
        for path in migrate.default_directory().glob("*.sql"):
            if path.name < "0013":
                shutil.copy(path, earlier)
        conn = await asyncpg.connect(url)
        try:
            await migrate.migrate(conn, Path(earlier))
            await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
            key = RSAKey.generate_key(2048, parameters={"kid": "clear-1", "alg": "RS256", "use": "sig"})
            await conn.execute(
                "INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk) VALUES ($1, 'RS256', $2, $3)",
                "clear-1",
                dict(key.as_dict(private=True)),
                dict(key.as_dict(private=False)),
            )
            await conn.execute(
                "INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, retired_at)"
                " VALUES ('clear-0', 'RS256', $1, $1, now() - interval '1 day')",
                dict(key.as_dict(private=True)),
            )
        finally:
            await conn.close()
    return url


async def test_a_key_stored_in_clear_is_replaced_at_start_and_stops_verifying(
    servers: Servers, redis_url: str, clock: Clock
) -> None:
    """Upgrading: the key a database dump may hold in clear is retired (its private half erased) and a new
    encrypted key signs; tokens it signed verify until they expire, then nothing it signs is accepted."""
    url = await _database_before_0013(servers)
    conn = await asyncpg.connect(url)
    try:
        await migrate.migrate(conn)
        await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
        stolen = KeySet.import_key_set(
            {"keys": [await conn.fetchval("SELECT private_jwk FROM signing_keys WHERE kid = 'clear-1'")]}
        )
    finally:
        await conn.close()
    settings = Settings(
        public_url=BASE_URL,
        db=DbSettings(url=url, pool_min=1, pool_max=3),
        redis=RedisSettings(url=redis_url),
    )
    app = create_app(settings, clock=clock)
    async with (
        running(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi(app)), base_url=BASE_URL) as client,
    ):
        pool = app.state.pool
        rows = await pool.fetch(
            "SELECT kid, private_jwk IS NULL AS erased, private_ciphertext, retired_at"
            " FROM signing_keys ORDER BY created_at"
        )
        assert all(r["erased"] for r in rows)
        by_kid = {r["kid"]: r for r in rows}
        assert by_kid["clear-1"]["retired_at"] is not None and by_kid["clear-1"]["private_ciphertext"] is None
        assert by_kid["clear-0"]["private_ciphertext"] is None
        (active,) = [r for r in rows if r["retired_at"] is None]
        assert active["kid"] not in ("clear-0", "clear-1") and active["private_ciphertext"] is not None

        person = await TokenFactory(pool, settings, clock).user()
        assert (await client.get("/v1/me", headers=person.headers)).status_code == 200  # the new key signs
        now = int(clock.timestamp())
        claims = {
            "iss": BASE_URL,
            "aud": ["igf-hub"],
            "sub": str(person.id),
            "iat": now,
            "exp": now + 600,
            "scope": "api",
        }
        forged = jwt.encode({"alg": "RS256", "kid": "clear-1"}, claims, next(iter(stolen)))
        # Issued before the upgrade and still within its lifetime: it verifies until the old key ages out.
        assert (await client.get("/v1/me", headers={"Authorization": f"Bearer {forged}"})).status_code == 200
        clock.advance(timedelta(seconds=settings.auth.access_token_ttl + 31))
        now = int(clock.timestamp())
        forged = jwt.encode(
            {"alg": "RS256", "kid": "clear-1"}, claims | {"iat": now, "exp": now + 600}, next(iter(stolen))
        )
        app.state.verifier.own.loaded_at -= OWN_KEYS_MAX_AGE + 1  # as a minute later: keys re-read
        refused = await client.get("/v1/me", headers={"Authorization": f"Bearer {forged}"})
        assert refused.status_code == 401, refused.text


async def test_the_encryption_key_rotates(database_url: str, redis_url: str, clock: Clock) -> None:
    """Put the new key first and restart: the active signing key is re-encrypted, then the old key can go."""
    old, new = new_key_text(), new_key_text()

    def configured(keys_text: str) -> Settings:
        return Settings(
            public_url=BASE_URL,
            db=DbSettings(url=database_url, pool_min=1, pool_max=3),
            redis=RedisSettings(url=redis_url),
            auth=AuthSettings(signing_keys_key=keys_text),
        )

    for keys_text in (old, f"{new},{old}", new):
        app = create_app(configured(keys_text), clock=clock)
        async with running(app):
            blob = await app.state.pool.fetchval("SELECT private_ciphertext FROM signing_keys")
            assert Vault([decode_key(keys_text.split(",")[0])]).is_current(blob)
            token = await TokenFactory(app.state.pool, configured(keys_text), clock).token_for(uuid4())
            assert token.count(".") == 2  # it signs
    # The old key alone no longer opens it: the service refuses to start, and says what to do.
    app = create_app(configured(old), clock=clock)
    with pytest.raises(BaseExceptionGroup) as refused:
        async with running(app):
            pass
    assert refused.group_contains(VaultError, match="list the previous key after the new one", depth=None)


def test_production_refuses_to_start_without_the_key() -> None:
    with pytest.raises(VaultError, match="set IGF_HUB_AUTH_SIGNING_KEYS_KEY in production"):
        keys.vault_for(Settings(environment=Environment.production))
