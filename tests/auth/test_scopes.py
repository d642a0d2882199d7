"""Issue 14 item 9: the API grants one scope, ``api``; a token without it is refused on every route (403,
``insufficient_scope``), and the token endpoint never issues a token with an empty scope."""

from __future__ import annotations

import base64
import time
from typing import Any

import asyncpg
import httpx
import pytest
from joserfc import jwt

from igf_hub.auth import keys
from igf_hub.auth.principal import Role
from igf_hub.core.settings import Settings
from tests.support.auth import TokenFactory


async def _token(db: asyncpg.Pool, settings: Settings, subject: str, **claims: Any) -> str:
    async with db.acquire() as conn:
        key = next(iter(await keys.private_key_set(conn, keys.vault_for(settings))))
    now = int(time.time())
    payload = {
        "iss": settings.base_url,
        "aud": [settings.auth.audience],
        "sub": subject,
        "client_id": "igf-hub-console",
        "iat": now,
        "exp": now + 600,
    } | claims
    return jwt.encode(
        {"alg": "RS256", "kid": key.kid}, {k: v for k, v in payload.items() if v is not None}, key
    )


@pytest.mark.parametrize(
    ("scope", "accepted"),
    [
        ("api", True),
        ("openid api", True),
        ("", False),
        ("openid", False),
        ("API", False),
        ("apix", False),
        (None, False),
    ],
)
async def test_only_tokens_with_the_api_scope_are_accepted(
    scope: str | None,
    accepted: bool,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    db: asyncpg.Pool,
    settings: Settings,
) -> None:
    person = await tokens.user(Role.secretariat)
    headers = {"Authorization": f"Bearer {await _token(db, settings, str(person.id), scope=scope)}"}
    for path in ("/v1/me", "/v1/nris"):  # signed-in only, and public (which a token would widen)
        response = await client.get(path, headers=headers)
        if accepted:
            assert response.status_code == 200, response.text
        else:
            assert response.status_code == 403, response.text
            assert response.json()["type"] == "/problems/insufficient-scope"
            assert "does not carry the scope 'api'" in response.json()["detail"]
            assert 'error="insufficient_scope", scope="api"' in response.headers["www-authenticate"]


async def test_the_token_endpoint_grants_api_or_refuses(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    admin = await tokens.user(Role.secretariat)
    made = (await client.post("/v1/clients", json={"name": "puller"}, headers=admin.headers)).json()
    basic = {
        "Authorization": "Basic "
        + base64.b64encode(f"{made['client_id']}:{made['client_secret']}".encode()).decode()
    }

    async def issue(**form: str) -> httpx.Response:
        return await client.post(
            "/oauth/token", data={"grant_type": "client_credentials", **form}, headers=basic
        )

    for form in ({}, {"scope": "api"}, {"scope": "api openid"}):
        issued = await issue(**form)
        assert issued.status_code == 200 and issued.json()["scope"] == "api", (form, issued.text)
        me = await client.get("/v1/me", headers={"Authorization": f"Bearer {issued.json()['access_token']}"})
        assert me.status_code == 200
    for scope in ("openid", "admin"):  # nothing the API accepts: refused, rather than an empty-scope token
        refused = await issue(scope=scope)
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_scope", refused.text
