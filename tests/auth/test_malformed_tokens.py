"""Issue 14 item 3: a forged token with a malformed header or odd claims is a 401, never a 500.

The header is read before verification (to choose the issuer's key set), so every part of it is hostile
input: a ``kid`` that is not a string once made every route answer 500 (``unhashable type: 'list'``).
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import asyncpg
import httpx
import pytest
from joserfc import jwt

from igf_hub.auth import keys
from igf_hub.core.settings import Settings
from tests.support.auth import TokenFactory

SIGNATURE = base64.urlsafe_b64encode(b"\x01" * 256).rstrip(b"=").decode()


def _segment(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims(settings: Settings, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": settings.base_url,
        "aud": [settings.auth.audience],
        "sub": "x",
        "client_id": "c",
        "iat": now,
        "exp": now + 600,
        "scope": "api",
    }
    return base | overrides


FORGED_HEADERS: dict[str, Any] = {
    "kid is a list": {"alg": "RS256", "kid": ["x"]},
    "kid is an object": {"alg": "RS256", "kid": {"a": 1}},
    "kid is a number": {"alg": "RS256", "kid": 7},
    "kid is null": {"alg": "RS256", "kid": None},
    "alg missing": {"kid": "x"},
    "alg none": {"alg": "none", "kid": "x"},
    "alg HS256": {"alg": "HS256", "kid": "x"},
    "alg is a list": {"alg": ["RS256"], "kid": "x"},
    "alg unknown": {"alg": "RS257", "kid": "x"},
    "crit extension": {"alg": "RS256", "kid": "x", "crit": ["exp"], "exp": 1},
    "header is a list": ["RS256"],
    "header is a string": "RS256",
    "header is null": None,
    "header not JSON": b"{alg: RS256",
    "header not UTF-8": b'{"alg": "\xff\xfe"}',
}


@pytest.mark.parametrize("case", list(FORGED_HEADERS))
async def test_a_malformed_header_is_401(case: str, client: httpx.AsyncClient, settings: Settings) -> None:
    token = f"{_segment(FORGED_HEADERS[case])}.{_segment(_claims(settings))}.{SIGNATURE}"
    await _refused(client, token)


@pytest.mark.parametrize(
    "token",
    [
        "!!!.@@@.###",  # not base64url
        "a.b",
        "a.b.c.d",
        "..",
        f"{_segment({'alg': 'RS256', 'kid': 'x'})}.{_segment([1, 2])}.{SIGNATURE}",  # claims not an object
        f"{_segment({'alg': 'RS256', 'kid': 'x'})}.{_segment({'iss': ['a', 'b']})}.{SIGNATURE}",
        f"{_segment({'alg': 'RS256', 'kid': 'x'})}.{_segment({'iss': {'a': 1}})}.{SIGNATURE}",
        "é.é.é".encode(),  # not ASCII at all
    ],
)
async def test_a_malformed_token_is_401(token: str | bytes, client: httpx.AsyncClient) -> None:
    await _refused(client, token)


@pytest.mark.parametrize(
    "overrides",
    [
        {"sub": ["a"]},
        {"sub": {"a": 1}},
        {"sub": 5},
        {"exp": "never"},
        {"exp": None},
        {"exp": float("nan")},  # compares false with everything: it would never expire
        {"iat": float("nan")},
        {"exp": float("inf")},
        {"iat": True},
        {"iat": "yesterday"},
        {"aud": {"a": 1}},
        {"scope": ["api"]},
        {"client_id": ["c"]},
    ],
    ids=lambda o: ",".join(f"{k}={v!r}" for k, v in o.items()),
)
async def test_odd_claims_signed_with_our_key_are_401(
    overrides: dict[str, Any],
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    db: asyncpg.Pool,
    settings: Settings,
) -> None:
    """Even a token our own key signed is refused, not a 500, when a claim has the wrong type."""
    async with db.acquire() as conn:
        key = next(iter(await keys.private_key_set(conn, keys.vault_for(settings))))
    token = jwt.encode({"alg": "RS256", "kid": key.kid}, _claims(settings, **overrides), key)
    await _refused(client, token)


async def _refused(client: httpx.AsyncClient, token: str | bytes) -> None:
    raw = token if isinstance(token, bytes) else token.encode()
    for path in ("/v1/me", "/v1/nris"):  # a guarded route and a public one: both read the token
        response = await client.get(path, headers={b"Authorization": b"Bearer " + raw})
        assert response.status_code == 401, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
        assert "Traceback" not in response.text


@pytest.mark.parametrize("alg", ["ES256", "EdDSA", "PS256"])
async def test_an_algorithm_that_does_not_match_our_key_is_401(
    alg: str, client: httpx.AsyncClient, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings
) -> None:
    async with db.acquire() as conn:
        kid = next(iter(await keys.private_key_set(conn, keys.vault_for(settings)))).kid
    await _refused(client, f"{_segment({'alg': alg, 'kid': kid})}.{_segment(_claims(settings))}.{SIGNATURE}")
