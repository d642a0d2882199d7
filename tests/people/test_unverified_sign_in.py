"""An account whose e-mail address is not confirmed yet cannot sign in, with the right password or not: no browser
session, no OAuth code. The page says what to do (only to someone who knows the password)."""

from __future__ import annotations

import asyncpg
import httpx

from tests.support.auth import TokenFactory, pkce_pair
from tests.support.web import Site
from tests.web.conftest import PASSWORD


async def _unconfirmed(tokens: TokenFactory, db: asyncpg.Pool) -> str:
    person = await tokens.user(password=PASSWORD)
    async with db.acquire() as conn:
        await conn.execute("UPDATE users SET email_verified_at = NULL WHERE id = $1", person.id)
    return person.user.email


async def test_the_web_sign_in_refuses_an_unconfirmed_address(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    email = await _unconfirmed(tokens, db)
    async with site.browser() as browser:
        wrong = await browser.post(
            "/signin", {"csrf_token": await browser.token(), "email": email, "password": "not the password"}
        )
        assert wrong.status_code == 401  # a wrong password says only that
        refused = await browser.post(
            "/signin", {"csrf_token": await browser.token(), "email": email, "password": PASSWORD}
        )
        assert refused.status_code == 403
        assert "Confirm your e-mail address first" in refused.text
        account = await browser.get("/account")
        assert account.status_code == 303  # still not signed in
    async with db.acquire() as conn:
        sessions = await conn.fetchval("SELECT count(*) FROM web_sessions WHERE user_id IS NOT NULL")
    assert sessions == 0


async def test_the_oauth_login_refuses_an_unconfirmed_address(
    client: httpx.AsyncClient, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    email = await _unconfirmed(tokens, db)
    _, challenge = pkce_pair()
    params = {
        "response_type": "code",
        "client_id": "igf-hub-console",
        "redirect_uri": "http://127.0.0.1:8000/signin/callback",
        "scope": "api",
        "state": "s",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    refused = await client.post("/oauth/authorize", data={**params, "email": email, "password": PASSWORD})
    assert refused.status_code == 403 and "Confirm your e-mail address first" in refused.text
    assert "location" not in refused.headers
