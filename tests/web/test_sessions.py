"""Browser sessions over real HTTP: the cookie, rotation at sign-in, sign-out, sign-out everywhere, idle and
absolute expiry, and the same principal as the API."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from uuid import uuid4

import asyncpg
import httpx
import pytest

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import AuthSettings, Environment, Settings
from igf_hub.system import jobs
from igf_hub.web.sessions import COOKIE_NAME, INSECURE_COOKIE_NAME, cookie_is_secure, cookie_name
from tests.support import twofactor
from tests.support.audit import chain_audit
from tests.support.auth import TokenFactory
from tests.support.web import Site, WebClient
from tests.web.conftest import PASSWORD

IDLE = AuthSettings().session_idle_timeout
LIFETIME = AuthSettings().session_lifetime


async def _signed_in(site: Site, tokens: TokenFactory, *roles: Role) -> tuple[WebClient, str]:
    person = await tokens.user(*roles, password=PASSWORD)
    browser = site.browser()
    answer = await browser.sign_in(person.user.email, PASSWORD)
    assert answer.status_code == 303, answer.text
    return browser, person.user.email


async def test_signing_in_starts_a_session_behind_a_host_only_secure_cookie(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser:
        await browser.get("/signin")
        visitor = browser.cookie
        answer = await browser.sign_in(person.user.email, PASSWORD)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/en/account"
        name, value, attributes = browser.set_cookies[-1]
        assert name == COOKIE_NAME == "__Host-igf_session"
        assert value == browser.cookie and value != visitor and len(value) >= 43
        # __Host-: Secure, Path=/ and no Domain; never readable by scripts; not sent on cross-site posts.
        assert attributes == {"path": "/", "httponly": "", "secure": "", "samesite": "Lax"}
        account = await browser.get("/account")
        assert account.status_code == 200
        assert person.user.email in account.text
        assert account.headers["cache-control"] == "no-store"
        assert "Cookie" in account.headers["vary"]
    async with db.acquire() as conn:
        stored = await conn.fetch("SELECT token_hash, user_id FROM web_sessions")
    # Only the SHA-256 of the cookie is stored: a copy of the database signs no one in.
    assert [(r["token_hash"], r["user_id"]) for r in stored] == [
        (hashlib.sha256(value.encode()).hexdigest(), person.id)
    ]


async def test_a_session_planted_before_sign_in_is_worthless_after_it(
    site: Site, tokens: TokenFactory
) -> None:
    """Session fixation: an attacker obtains a visitor session and gets it into the victim's browser."""
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as attacker, site.browser() as victim:
        await attacker.get("/signin")
        planted = attacker.cookie
        assert planted
        victim.cookie = planted
        assert (await victim.sign_in(person.user.email, PASSWORD)).status_code == 303
        assert victim.cookie != planted
        assert (await victim.get("/account")).status_code == 200
        attacker.cookie = planted
        refused = await attacker.get("/account")
        assert refused.status_code == 303
        assert refused.headers["location"] == "/en/signin?next=%2Fen%2Faccount"
        assert (await attacker.get("/test/whoami")).json()["kind"] == "anonymous"


async def test_signing_out_ends_the_session_for_good(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    browser, _ = await _signed_in(site, tokens)
    async with browser:
        held = browser.cookie
        token = await browser.token("/account")
        answer = await browser.post("/signout", {"csrf_token": token})
        assert answer.status_code == 303
        assert answer.headers["location"] == "/en/signin?done=signed-out"
        assert browser.set_cookies[-1][2]["max-age"] == "0"
        assert browser.cookie is None
        assert "You are signed out." in (await browser.get("/signin?done=signed-out")).text
        browser.cookie = held  # a copy of the cookie kept from before
        assert (await browser.get("/test/whoami")).json()["kind"] == "anonymous"
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM web_sessions WHERE user_id IS NOT NULL") == 0
        await chain_audit(conn)
        assert await conn.fetchval("SELECT count(*) FROM audit_log WHERE action = 'user.signed_out'") == 1


async def test_sign_out_everywhere_ends_every_session_of_that_person_only(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    person = await tokens.user(password=PASSWORD)
    other = await tokens.user(password=PASSWORD)
    laptop, phone, someone = site.browser(), site.browser(), site.browser()
    async with laptop, phone, someone:
        for browser, who in ((laptop, person), (phone, person), (someone, other)):
            assert (await browser.sign_in(who.user.email, PASSWORD)).status_code == 303
        answer = await laptop.post("/signout/everywhere", {"csrf_token": await laptop.token("/account")})
        assert answer.headers["location"] == "/en/signin?done=signed-out-everywhere"
        assert laptop.cookie is None
        assert (await phone.get("/account")).status_code == 303  # the other device is signed out too
        assert phone.cookie is None  # and told to forget its cookie
        assert (await someone.get("/account")).status_code == 200  # another person is not
    async with db.acquire() as conn:
        await chain_audit(conn)
        row = await conn.fetchrow(
            "SELECT actor, data FROM audit_log WHERE action = 'user.signed_out_everywhere'"
        )
    assert row["actor"] == f"user:{person.id}"
    assert '"sessions": 2' in row["data"] or row["data"] == {"sessions": 2}


async def test_a_session_ends_when_idle_too_long(site: Site, tokens: TokenFactory, clock: Clock) -> None:
    browser, _ = await _signed_in(site, tokens)
    async with browser:
        clock.advance(timedelta(seconds=IDLE - 120))
        assert (await browser.get("/account")).status_code == 200  # use moves the idle expiry
        clock.advance(timedelta(seconds=IDLE - 120))
        assert (await browser.get("/account")).status_code == 200
        clock.advance(timedelta(seconds=IDLE))
        refused = await browser.get("/account")
        assert refused.status_code == 303
        assert browser.cookie is None


async def test_a_session_ends_at_its_lifetime_however_much_it_is_used(
    site: Site, tokens: TokenFactory, clock: Clock
) -> None:
    browser, _ = await _signed_in(site, tokens)
    async with browser:
        used = 0
        while used + IDLE // 2 < LIFETIME:
            clock.advance(timedelta(seconds=IDLE // 2))
            used += IDLE // 2
            assert (await browser.get("/account")).status_code == 200, used
        clock.advance(timedelta(seconds=LIFETIME - used))
        assert (await browser.get("/account")).status_code == 303


async def test_a_deactivated_account_loses_its_sessions(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    browser, email = await _signed_in(site, tokens)
    async with browser:
        async with db.acquire() as conn:
            await conn.execute("UPDATE users SET is_active = false WHERE email = $1", email)
        assert (await browser.get("/test/whoami")).json()["kind"] == "anonymous"
        assert browser.cookie is None


async def test_the_session_is_the_same_principal_as_an_access_token(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, clock: Clock
) -> None:
    """Same subject, grants, object bindings and scope: a page's guards refuse what the API refuses."""
    nri = uuid4()
    person = await tokens.user((Role.nri_coordinator, nri), Role.mag_member, password=PASSWORD)
    # A token of the served site (its issuer is the address it is served at).
    token = await TokenFactory(db, site.app.state.settings, clock).token_for(person.id)
    async with site.browser() as browser, httpx.AsyncClient(base_url=site.url) as api:
        await browser.sign_in(person.user.email, PASSWORD)
        by_session = (await browser.get("/test/whoami")).json()
        by_token = (await api.get("/test/api-whoami", headers={"Authorization": f"Bearer {token}"})).json()
        assert by_session == by_token
        assert by_session["subject"] == f"user:{person.id}"
        assert {"role": "nri_coordinator", "resource_id": str(nri), "is_chair": False} in by_session["grants"]
        assert by_session["scopes"] == ["api"]
        # A guard of the API refuses the same person on a page.
        assert (await browser.get("/test/secretariat-page")).status_code == 403
        # The session cookie never acts on the API: the API reads only the Authorization header.
        anonymous = await api.get("/v1/me", headers={"Cookie": f"{COOKIE_NAME}={browser.cookie}"})
        assert anonymous.status_code == 401


async def test_the_secretariat_guard_passes_a_secretariat_session(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    person = await tokens.user(Role.secretariat, password=PASSWORD)
    secret, _ = await twofactor.enrol(db, settings, clock, person.id)  # the Secretariat signs in with two
    async with site.browser() as browser:
        assert (
            await twofactor.sign_in(browser, person.user.email, PASSWORD, secret, clock)
        ).status_code == 303
        assert (await browser.get("/test/secretariat-page")).text == "secretariat only"


@pytest.mark.parametrize(
    ("environment", "public_url", "secure"),
    [
        (
            Environment.development,
            "http://127.0.0.1:8000",
            True,
        ),  # browsers keep Secure cookies from loopback
        (Environment.development, "http://localhost:8000", True),
        (Environment.development, "http://[::1]:8000", True),
        (Environment.development, "https://hub.example.org", True),
        (Environment.development, "http://192.168.1.20:8000", False),  # a LAN address over plain HTTP
        (Environment.production, "https://hub.example.org", True),
        (Environment.production, "http://hub.example.org", True),  # production is served over TLS
    ],
)
def test_the_cookie_is_secure_wherever_a_browser_keeps_it(
    environment: Environment, public_url: str, secure: bool
) -> None:
    settings = Settings(environment=environment, public_url=public_url)
    assert cookie_is_secure(settings) is secure
    assert cookie_name(settings) == (COOKIE_NAME if secure else INSECURE_COOKIE_NAME)


async def test_the_worker_purges_expired_sessions_only(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, clock: Clock, settings: Settings
) -> None:
    old, _ = await _signed_in(site, tokens)
    async with old:
        clock.advance(timedelta(seconds=IDLE - 60))
        fresh, _ = await _signed_in(site, tokens)
        async with fresh:
            clock.advance(timedelta(seconds=120))  # the first is now idle too long, the second is not
            async with db.acquire() as conn:
                ctx = {"pool": db, "settings": settings, "clock": clock}
                assert await jobs.purge_web_sessions(ctx) == 1
                assert await conn.fetchval("SELECT count(*) FROM web_sessions") == 1
            assert (await fresh.get("/account")).status_code == 200
