"""The OAuth 2 flows end to end through HTTP, and every way a token is refused."""

from __future__ import annotations

import base64
import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
import pytest
from joserfc import jws, jwt
from joserfc.jwk import KeySet, RSAKey

from igf_hub.auth import keys
from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.conftest import BASE_URL
from tests.support.auth import TokenFactory, pkce_pair

CONSOLE = "igf-hub-console"
REDIRECT = f"{BASE_URL}/signin/callback"
PASSWORD = "correct horse battery staple"


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


async def _authorize(client: httpx.AsyncClient, email: str, password: str, challenge: str) -> httpx.Response:
    params = {
        "response_type": "code",
        "client_id": CONSOLE,
        "redirect_uri": REDIRECT,
        "scope": "api",
        "state": "s-123",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page = await client.get("/oauth/authorize", params=params)
    assert page.status_code == 200 and 'name="password"' in page.text
    return await client.post("/oauth/authorize", data={**params, "email": email, "password": password})


async def _code_flow(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    verifier, challenge = pkce_pair()
    redirect = await _authorize(client, email, password, challenge)
    assert redirect.status_code == 302, redirect.text
    location = urlsplit(redirect.headers["location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    assert query["state"] == ["s-123"]
    token = await client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": REDIRECT,
            "client_id": CONSOLE,
            "code_verifier": verifier,
        },
    )
    assert token.status_code == 200, token.text
    body: dict[str, Any] = token.json() | {"code": query["code"][0], "verifier": verifier}
    return body


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_authorization_code_with_pkce_end_to_end(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    person = await tokens.user(
        (Role.nri_coordinator, tokens_resource := __import__("uuid").uuid4()), password=PASSWORD
    )
    issued = await _code_flow(client, person.user.email)
    assert issued["token_type"] == "Bearer" and issued["expires_in"] == 900
    assert issued["refresh_token"]
    me = await client.get("/v1/me", headers=_bearer(issued["access_token"]))
    assert me.status_code == 200, me.text
    assert me.json()["subject"] == f"user:{person.id}"
    assert me.json()["roles"] == ["nri_coordinator"]
    assert me.json()["grants"][0]["resource_id"] == str(tokens_resource)


async def test_a_code_is_used_once_and_needs_its_verifier(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    person = await tokens.user(password=PASSWORD)
    issued = await _code_flow(client, person.user.email)
    replay = await client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": issued["code"],
            "redirect_uri": REDIRECT,
            "client_id": CONSOLE,
            "code_verifier": issued["verifier"],
        },
    )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"

    _, challenge = pkce_pair()
    redirect = await _authorize(client, person.user.email, PASSWORD, challenge)
    code = parse_qs(urlsplit(redirect.headers["location"]).query)["code"][0]
    wrong = await client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": CONSOLE,
            "code_verifier": pkce_pair()[0],
        },
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"


async def test_pkce_is_required_and_redirect_uris_are_checked(client: httpx.AsyncClient) -> None:
    no_pkce = await client.get(
        "/oauth/authorize", params={"response_type": "code", "client_id": CONSOLE, "redirect_uri": REDIRECT}
    )
    assert no_pkce.status_code == 400 and "code_challenge" in no_pkce.text
    _, challenge = pkce_pair()
    elsewhere = await client.get(
        "/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": CONSOLE,
            "redirect_uri": "https://evil.example/cb",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert elsewhere.status_code == 400
    assert "location" not in elsewhere.headers  # never redirect to an unregistered address


async def test_refresh_tokens_rotate(client: httpx.AsyncClient, tokens: TokenFactory) -> None:
    person = await tokens.user(Role.funder, password=PASSWORD)
    issued = await _code_flow(client, person.user.email)
    refreshed = await client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": issued["refresh_token"], "client_id": CONSOLE},
    )
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["refresh_token"] != issued["refresh_token"]
    assert (await client.get("/v1/me", headers=_bearer(refreshed.json()["access_token"]))).status_code == 200
    reused = await client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": issued["refresh_token"], "client_id": CONSOLE},
    )
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"


async def test_wrong_password_and_rate_limit(
    client: httpx.AsyncClient, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    person = await tokens.user(password=PASSWORD)
    _, challenge = pkce_pair()
    for _ in range(3):  # the test settings allow 3 failures
        failed = await _authorize(client, person.user.email, "not the password", challenge)
        assert failed.status_code == 401 and "Wrong e-mail or password" in failed.text
    limited = await _authorize(client, person.user.email, PASSWORD, challenge)
    assert limited.status_code == 429 and 0 < int(limited.headers["retry-after"]) <= 900
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM oauth_authorization_codes") == 0


async def test_client_credentials_by_basic_and_by_form_post(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    admin = await tokens.user(Role.secretariat)
    made = await client.post(
        "/v1/clients", json={"name": "UNGIS pull", "grants": [{"role": "consumer"}]}, headers=admin.headers
    )
    assert made.status_code == 201, made.text
    client_id, secret = made.json()["client_id"], made.json()["client_secret"]

    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    by_basic = await client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert by_basic.status_code == 200, by_basic.text
    assert "refresh_token" not in by_basic.json()
    by_post = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert by_post.status_code == 200, by_post.text
    me = (await client.get("/v1/me", headers=_bearer(by_post.json()["access_token"]))).json()
    assert me == {
        "subject": f"client:{client_id}",
        "kind": "client",
        "email": None,
        "roles": ["consumer"],
        "grants": [],
    }

    wrong = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": "nope"},
    )
    assert wrong.status_code in (400, 401) and wrong.json()["error"] == "invalid_client"
    public = await client.post(
        "/oauth/token", data={"grant_type": "client_credentials", "client_id": CONSOLE}
    )
    assert public.json()["error"] in ("invalid_client", "unauthorized_client")


async def _sign(db: asyncpg.Pool, claims: dict[str, Any], key_set: KeySet | None = None) -> str:
    if key_set is None:
        async with db.acquire() as conn:
            key_set = await keys.private_key_set(conn, keys.vault_for(Settings()))
    key = next(iter(key_set))
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "at+jwt"}, claims, key)


def _claims(settings: Settings, subject: str, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": settings.base_url,
        "aud": [settings.auth.audience],
        "sub": subject,
        "client_id": CONSOLE,
        "iat": now,
        "exp": now + 600,
        "jti": "t",
        "scope": "api",
    }
    return base | overrides


async def test_our_own_hand_signed_token_is_accepted(
    client: httpx.AsyncClient, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings
) -> None:
    """The control for the refusals below: the same construction with nothing wrong passes."""
    person = await tokens.user()
    token = await _sign(db, _claims(settings, str(person.id)))
    assert (await client.get("/v1/me", headers=_bearer(token))).status_code == 200


@pytest.mark.parametrize(
    "case",
    ["wrong key", "wrong audience", "wrong issuer", "not a jwt", "basic scheme"],
)
async def test_bad_tokens_are_refused_with_401(
    case: str, client: httpx.AsyncClient, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings
) -> None:
    person = await tokens.user(Role.secretariat)
    claims = _claims(settings, str(person.id))
    if case == "wrong key":
        async with db.acquire() as conn:
            real_kid = next(iter(await keys.private_key_set(conn, keys.vault_for(settings)))).kid
        assert real_kid is not None
        imposter = KeySet([RSAKey.generate_key(2048, parameters={"kid": real_kid})])
        headers = _bearer(await _sign(db, claims, imposter))
    elif case == "wrong audience":
        headers = _bearer(await _sign(db, claims | {"aud": ["someone-else"]}))
    elif case == "wrong issuer":
        headers = _bearer(await _sign(db, claims | {"iss": "https://idp.example"}))
    elif case == "not a jwt":
        headers = _bearer("abc.def")
    else:
        headers = {"Authorization": "Basic YTpi"}
    response = await client.get("/v1/me", headers=headers)
    body = _problem(response, 401)
    assert body["type"] == "/problems/unauthorized"
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_expired_token_is_refused(
    client: httpx.AsyncClient, tokens: TokenFactory, clock: Clock
) -> None:
    person = await tokens.user()
    assert (await client.get("/v1/me", headers=person.headers)).status_code == 200
    clock.advance(timedelta(seconds=900 + 31))  # past expiry and the 30 s leeway
    _problem(await client.get("/v1/me", headers=person.headers), 401)


async def test_a_deactivated_account_loses_access(
    client: httpx.AsyncClient, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    person = await tokens.user(Role.secretariat)
    async with db.acquire() as conn:
        await conn.execute("UPDATE users SET is_active = false WHERE id = $1", person.id)
    _problem(await client.get("/v1/me", headers=person.headers), 401)


async def test_role_guards_refuse_with_403(client: httpx.AsyncClient, tokens: TokenFactory) -> None:
    funder = await tokens.user(Role.funder)
    body = _problem(
        await client.post("/v1/users", json={"email": "x@example.org"}, headers=funder.headers), 403
    )
    assert body["required_roles"] == ["secretariat"]
    _problem(await client.post("/v1/users", json={"email": "x@example.org"}), 401)


async def test_time_limited_grants_apply_only_in_their_window(
    client: httpx.AsyncClient, tokens: TokenFactory, clock: Clock
) -> None:
    admin = await tokens.user(Role.secretariat)
    member = await tokens.user()
    start = clock.now() + timedelta(days=1)
    granted = await client.post(
        f"/v1/users/{member.id}/grants",
        json={
            "role": "mag_member",
            "is_chair": True,
            "valid_from": start.isoformat(),
            "valid_until": (start + timedelta(days=365)).isoformat(),
        },
        headers=admin.headers,
    )
    assert granted.status_code == 201, granted.text
    assert (await client.get("/v1/me", headers=member.headers)).json()["roles"] == []
    clock.advance(timedelta(days=1, seconds=1))
    member_now = await tokens.token_for(member.id)  # a token minted "now" by the shifted clock's standards
    assert (await client.get("/v1/me", headers=_bearer(member_now))).json()["roles"] == ["mag_member"]
    admin_now = _bearer(await tokens.token_for(admin.id))  # the admin's first token has expired by now
    duplicate = await client.post(
        f"/v1/users/{member.id}/grants", json={"role": "mag_member"}, headers=admin_now
    )
    assert _problem(duplicate, 409)["type"] == "/problems/grant-already-exists"
    revoked = await client.delete(f"/v1/users/{member.id}/grants/{granted.json()['id']}", headers=admin_now)
    assert revoked.status_code == 204
    assert (await client.get("/v1/me", headers=_bearer(member_now))).json()["roles"] == []
    again = await client.delete(f"/v1/users/{member.id}/grants/{granted.json()['id']}", headers=admin_now)
    _problem(again, 404)


async def test_discovery_and_key_rotation(
    client: httpx.AsyncClient, tokens: TokenFactory, db: asyncpg.Pool, clock: Clock
) -> None:
    config = (await client.get("/.well-known/openid-configuration")).json()
    assert config["issuer"] == BASE_URL and config["jwks_uri"] == f"{BASE_URL}/.well-known/jwks.json"
    assert "S256" in config["code_challenge_methods_supported"]
    person = await tokens.user()
    before = (await client.get("/.well-known/jwks.json")).json()["keys"]
    assert len(before) == 1 and "d" not in before[0]  # public parts only
    async with db.acquire() as conn:
        new_kid = await keys.rotate(conn, keys.vault_for(Settings()), now=clock.now())
    after = {k["kid"] for k in (await client.get("/.well-known/jwks.json")).json()["keys"]}
    assert after == {before[0]["kid"], new_kid}
    assert (await client.get("/v1/me", headers=person.headers)).status_code == 200  # old key still verifies
    fresh = await tokens.token_for(person.id)
    assert jws.extract_compact(fresh.encode()).headers()["kid"] == new_kid
    assert (await client.get("/v1/me", headers=_bearer(fresh))).status_code == 200


async def test_sign_in_pages_send_security_headers(client: httpx.AsyncClient) -> None:
    _, challenge = pkce_pair()
    page = await client.get(
        "/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": CONSOLE,
            "redirect_uri": REDIRECT,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    console = await client.get("/signin")
    for response in (page, console):
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"
    assert "script-src" not in page.headers["content-security-policy"]  # the sign-in form runs no script
