"""The OAuth login (/oauth/authorize) asks for the second factor too: no authorization code for the client until
it is passed, and none at all for a person whose role requires two-factor and who has not set it up."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx

from igf_hub.auth.principal import Role
from igf_hub.auth.schemas import GrantCreate
from igf_hub.auth.service import IdentityService
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.conftest import BASE_URL
from tests.support import twofactor
from tests.support.auth import TEST_ACTOR, TokenFactory, pkce_pair

PASSWORD = "correct horse battery staple"
CHALLENGE = re.compile(r'name="challenge" value="([^"]+)"')


def _params() -> dict[str, str]:
    _, challenge = pkce_pair()
    return {
        "response_type": "code",
        "client_id": "igf-hub-console",
        "redirect_uri": f"{BASE_URL}/signin/callback",
        "scope": "api",
        "state": "s-2fa",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }


async def _password(client: httpx.AsyncClient, params: dict[str, str], email: str) -> httpx.Response:
    return await client.post("/oauth/authorize", data={**params, "email": email, "password": PASSWORD})


async def _code(
    client: httpx.AsyncClient, params: dict[str, str], challenge: str, code: str
) -> httpx.Response:
    return await client.post("/oauth/authorize", data={**params, "challenge": challenge, "code": code})


async def test_the_oauth_login_asks_for_the_code_before_the_client_gets_one(
    client: httpx.AsyncClient, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    person = await tokens.user(password=PASSWORD)
    secret, codes = await twofactor.enrol(db, settings, clock, person.id)
    params = _params()
    page = await _password(client, params, person.user.email)
    assert page.status_code == 200 and "<h1>Two-factor sign-in</h1>" in page.text
    assert "location" not in page.headers  # no code yet
    match = CHALLENGE.search(page.text)
    assert match is not None
    challenge = match.group(1)

    valid = {twofactor.code(secret, clock, s) for s in (-30, 0, 30)}
    wrong = await _code(client, params, challenge, next(c for c in ("111111", "222222") if c not in valid))
    assert wrong.status_code == 401 and "That code is not right." in wrong.text
    empty = await _code(client, params, challenge, "")
    assert "Enter the 6-digit code from your authenticator app, or a recovery code." in empty.text

    done = await _code(client, params, challenge, twofactor.code(secret, clock))
    assert done.status_code == 302
    query = parse_qs(urlsplit(done.headers["location"]).query)
    assert query["state"] == ["s-2fa"] and query["code"]

    again = await _code(client, params, challenge, codes[0])  # the challenge is used up
    assert again.status_code == 401
    assert "Signing in took too long." in again.text and 'name="password"' in again.text


async def test_a_replayed_code_and_an_expired_challenge_are_refused(
    client: httpx.AsyncClient, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    person = await tokens.user(password=PASSWORD)
    secret, _ = await twofactor.enrol(db, settings, clock, person.id)
    params = _params()
    code = twofactor.code(secret, clock)
    first = CHALLENGE.search((await _password(client, params, person.user.email)).text)
    assert first is not None
    assert (await _code(client, params, first.group(1), code)).status_code == 302
    second = CHALLENGE.search((await _password(client, params, person.user.email)).text)
    assert second is not None
    replayed = await _code(client, params, second.group(1), code)
    assert replayed.status_code == 401 and "That code was already used." in replayed.text

    clock.advance(timedelta(seconds=settings.auth.two_factor_challenge_ttl))
    expired = await _code(client, params, second.group(1), twofactor.code(secret, clock))
    assert expired.status_code == 401 and "Signing in took too long." in expired.text


async def test_a_secretariat_member_without_two_factor_gets_no_code(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    person = await tokens.user(Role.secretariat, password=PASSWORD)
    refused = await _password(client, _params(), person.user.email)
    assert refused.status_code == 403 and "location" not in refused.headers
    assert "Your role requires two-factor sign-in." in refused.text


async def test_a_refresh_token_from_before_the_secretariat_role_gives_nothing_until_two_factor(
    client: httpx.AsyncClient, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    """A refresh token issued to a plain account (no second factor needed then) must not keep minting access
    tokens with the Secretariat's power once that role is granted: the refresh is refused until two-factor is on."""
    person = await tokens.user(password=PASSWORD)
    verifier, pkce = pkce_pair()
    params = _params() | {"code_challenge": pkce}
    redirect = await _password(client, params, person.user.email)
    assert redirect.status_code == 302, redirect.text
    code = parse_qs(urlsplit(redirect.headers["location"]).query)["code"][0]
    issued = await client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": params["redirect_uri"],
            "client_id": params["client_id"],
            "code_verifier": verifier,
        },
    )
    assert issued.status_code == 200, issued.text
    refresh = issued.json()["refresh_token"]
    async with db.acquire() as conn, conn.transaction():
        await IdentityService(conn, clock, settings).grant_role(
            person.id, GrantCreate(role=Role.secretariat), actor=TEST_ACTOR
        )

    def refreshing(token: str) -> dict[str, str]:
        return {"grant_type": "refresh_token", "refresh_token": token, "client_id": params["client_id"]}

    refused = await client.post("/oauth/token", data=refreshing(refresh))
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    await twofactor.enrol(db, settings, clock, person.id)
    renewed = await client.post("/oauth/token", data=refreshing(refresh))
    assert renewed.status_code == 200, renewed.text
