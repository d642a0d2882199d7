"""The sign-in pages over real HTTP: the form pattern, the shared throttle and lock-out, where sign-in leads, and
developer access."""

from __future__ import annotations

import re

import asyncpg
import httpx
import pytest

from tests.support.audit import chain_audit
from tests.support.auth import TokenFactory, pkce_pair
from tests.support.web import Site, WebClient
from tests.web.conftest import PASSWORD

LIMIT = 3  # signin_max_failures in the tests' settings


async def _try(browser: WebClient, email: str, password: str) -> httpx.Response:
    return await browser.post(
        "/signin", {"csrf_token": await browser.token(), "email": email, "password": password}
    )


async def test_missing_fields_are_named_in_the_summary_and_at_each_field(site: Site) -> None:
    async with site.browser() as browser:
        answer = await browser.post(
            "/signin", {"csrf_token": await browser.token(), "email": "", "password": ""}
        )
        assert answer.status_code == 422
        page = answer.text
        assert 'class="error-summary" role="alert"' in page
        assert '<a href="#field-email">Enter your e-mail address.</a>' in page
        assert '<a href="#field-password">Enter your password.</a>' in page
        assert 'id="field-email-error"' in page and 'aria-describedby="field-email-error"' in page
        assert "<title>Error: Sign in" in page


async def test_a_wrong_password_keeps_the_email_but_never_the_password(
    site: Site, tokens: TokenFactory
) -> None:
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser:
        answer = await _try(browser, person.user.email, "wrong password here")
        assert answer.status_code == 401
        assert "The e-mail address or the password is wrong." in answer.text
        assert f'value="{person.user.email}"' in answer.text
        assert "wrong password here" not in answer.text
        assert re.search(r'name="password" type="password" value=""', answer.text)
        assert browser.cookie is not None  # still the visitor session: the next try needs its token


async def test_web_and_oauth_sign_in_share_one_throttle(site: Site, tokens: TokenFactory) -> None:
    """The same counts as the OAuth login: failures on either page add up, then even the right password waits."""
    person = await tokens.user(password=PASSWORD)
    _, challenge = pkce_pair()
    oauth = {
        "response_type": "code",
        "client_id": "igf-hub-console",
        "redirect_uri": f"{site.url}/signin/callback",
        "scope": "api",
        "state": "s",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    async with site.browser() as browser, httpx.AsyncClient(base_url=site.url) as api:
        for _ in range(LIMIT - 1):
            assert (await _try(browser, person.user.email, "wrong")).status_code == 401
        failed = await api.post(
            "/oauth/authorize", data={**oauth, "email": person.user.email, "password": "wrong"}
        )
        assert failed.status_code == 401
        limited = await _try(browser, person.user.email, PASSWORD)
        assert limited.status_code == 429
        assert 0 < int(limited.headers["retry-after"]) <= 900
        assert "Too many failed sign-ins. Try again in 15 minutes." in limited.text
        assert f'value="{person.user.email}"' in limited.text


async def test_the_lock_out_is_audited_from_the_web_page_too(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser:
        statuses = [(await _try(browser, person.user.email, "wrong")).status_code for _ in range(22)]
    # 3 per (e-mail, address), then 429 from the same address; the account count still grows past its limit.
    assert statuses[:LIMIT] == [401] * LIMIT and set(statuses[LIMIT:]) == {429}
    async with db.acquire() as conn:
        await chain_audit(conn)
        locked = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'user.sign_in_locked_out' AND subject_id = $1",
            str(person.id),
        )
        await chain_audit(conn)
        signed_in = await conn.fetchval("SELECT count(*) FROM audit_log WHERE action = 'user.signed_in'")
    assert (locked, signed_in) == (1, 0)


async def test_signing_in_is_audited(site: Site, tokens: TokenFactory, db: asyncpg.Pool) -> None:
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser:
        assert (await _try(browser, person.user.email, PASSWORD)).status_code == 303
    async with db.acquire() as conn:
        await chain_audit(conn)
        row = await conn.fetchrow("SELECT actor, data FROM audit_log WHERE action = 'user.signed_in'")
    assert row["actor"] == f"user:{person.id}"
    assert "web session" in str(row["data"])


@pytest.mark.parametrize(
    ("next_path", "lands"),
    [
        ("/developer-access", "/developer-access"),
        ("/messages/abc?lang=fr", "/messages/abc?lang=fr"),
        ("//attacker.example/", "/en/account"),
        ("https://attacker.example/", "/en/account"),
        ("/\\attacker.example", "/en/account"),
        ("/account\r\nSet-Cookie: x=y", "/en/account"),
    ],
)
async def test_signing_in_leads_only_to_a_page_of_this_site(
    site: Site, tokens: TokenFactory, next_path: str, lands: str
) -> None:
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser:
        answer = await browser.sign_in(person.user.email, PASSWORD, next_path=next_path)
        assert answer.status_code == 303
        assert answer.headers["location"] == lands


async def test_pages_for_signed_in_people_send_others_to_sign_in_and_back(
    site: Site, tokens: TokenFactory
) -> None:
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser:
        away = await browser.get("/developer-access")
        assert away.status_code == 303
        assert away.headers["location"] == "/en/signin?next=%2Fen%2Fdeveloper-access"
        form = await browser.get(away.headers["location"])
        assert 'name="next" value="/en/developer-access"' in form.text
        back = await browser.sign_in(person.user.email, PASSWORD, next_path="/en/developer-access")
        assert back.headers["location"] == "/en/developer-access"


async def test_developer_access_gives_a_token_the_api_accepts(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser, httpx.AsyncClient(base_url=site.url) as api:
        await browser.sign_in(person.user.email, PASSWORD)
        page = await browser.get("/developer-access")
        assert "Create an access token" in page.text
        assert not re.search(r"<script(?![^>]*\bsrc=)", page.text)  # no inline script: works without one
        created = await browser.post(
            "/developer-access", {"csrf_token": await browser.token("/developer-access")}
        )
        assert created.status_code == 200
        assert created.headers["cache-control"] == "no-store"
        match = re.search(r'<pre id="access-token"[^>]*>([^<]+)</pre>', created.text)
        assert match
        me = await api.get("/v1/me", headers={"Authorization": f"Bearer {match.group(1)}"})
        assert me.status_code == 200
        assert me.json()["subject"] == f"user:{person.id}"
    async with db.acquire() as conn:
        await chain_audit(conn)
        assert (
            await conn.fetchval("SELECT count(*) FROM audit_log WHERE action = 'user.access_token_created'")
            == 1
        )


async def test_the_old_console_address_leads_to_developer_access(site: Site) -> None:
    async with site.browser() as browser:
        answer = await browser.get("/signin/callback?code=x&state=y")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/en/developer-access"


async def test_a_signed_in_person_sees_their_name_on_the_sign_in_page(
    site: Site, tokens: TokenFactory
) -> None:
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser:
        await browser.sign_in(person.user.email, PASSWORD)
        page = await browser.get("/signin")
        assert f"You are signed in as {person.user.email}." in page.text
        assert 'action="/en/signout"' in page.text


async def test_signing_in_in_french_stays_in_french(site: Site, tokens: TokenFactory) -> None:
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser:
        page = await browser.get("/fr/signin")
        assert '<html lang="fr" dir="ltr">' in page.text
        assert 'action="/fr/signin"' in page.text and "Mot de passe" in page.text
        token = await browser.token("/fr/signin")
        wrong = await browser.post(
            "/fr/signin", {"csrf_token": token, "email": person.user.email, "password": "x"}
        )
        assert "le mot de passe est incorrect." in wrong.text
        form = {"csrf_token": token, "email": person.user.email, "password": PASSWORD}
        answer = await browser.post("/fr/signin", form)
        assert answer.headers["location"] == "/fr/account"
        assert "Vous êtes connecté en tant que" in (await browser.get("/fr/account")).text
