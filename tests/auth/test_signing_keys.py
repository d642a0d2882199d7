"""Issue 14 item 4: a token that lives too long is refused, and the signing keys are encrypted at rest."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from joserfc import jwt

from igf_hub.auth import keys
from igf_hub.core.clock import Clock
from igf_hub.core.settings import AuthSettings, Settings, load_settings
from tests.support.auth import TokenFactory


async def _signed(db: asyncpg.Pool, settings: Settings, clock: Clock, subject: str, **claims: Any) -> str:
    async with db.acquire() as conn:
        key = next(iter(await keys.private_key_set(conn)))
    now = int(clock.timestamp())
    base = {"iss": settings.base_url, "aud": [settings.auth.audience], "sub": subject, "client_id": "c",
            "iat": now, "exp": now + 600, "scope": "api"}  # fmt: skip
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
