"""CSRF protection over real HTTP: every refusal is a 403 page in plain words, and nothing is changed."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from igf_hub.core.clock import Clock
from tests.support.auth import TokenFactory
from tests.support.web import Site
from tests.web.conftest import PASSWORD


async def _sessions(db: asyncpg.Pool) -> int:
    async with db.acquire() as conn:
        count: int = await conn.fetchval("SELECT count(*) FROM web_sessions WHERE user_id IS NOT NULL")
        return count


async def test_a_sign_in_form_without_its_token_is_refused(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser:
        await browser.get("/signin")
        refused = await browser.post("/signin", {"email": person.user.email, "password": PASSWORD})
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
        assert "This page is out of date" in refused.text
        assert "Nothing was changed" in refused.text
    assert await _sessions(db) == 0


async def test_a_wrong_token_is_refused(site: Site, tokens: TokenFactory) -> None:
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser:
        token = await browser.token()
        form = {"csrf_token": token[:-2] + "xx", "email": person.user.email, "password": PASSWORD}
        assert (await browser.post("/signin", form)).status_code == 403


async def test_the_token_of_another_session_is_refused(site: Site, tokens: TokenFactory) -> None:
    """An attacker's own valid token does not fit the victim's session."""
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as attacker, site.browser() as victim:
        stolen = await attacker.token()
        await victim.get("/signin")
        form = {"csrf_token": stolen, "email": person.user.email, "password": PASSWORD}
        refused = await victim.post("/signin", form)
        assert refused.status_code == 403
        assert "This page is out of date" in refused.text


async def test_a_form_without_any_session_is_refused(site: Site) -> None:
    async with site.browser() as browser:
        refused = await browser.post(
            "/signin", {"csrf_token": "anything", "email": "a@b.org", "password": "x"}
        )
        assert refused.status_code == 403
        assert "Your session has ended" in refused.text
        assert "does not keep cookies" in refused.text


async def test_a_form_of_an_expired_session_says_so(site: Site, tokens: TokenFactory, clock: Clock) -> None:
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser:
        assert (await browser.sign_in(person.user.email, PASSWORD)).status_code == 303
        token = await browser.token("/account")
        clock.advance(timedelta(days=1))
        refused = await browser.post("/signout/everywhere", {"csrf_token": token})
        assert refused.status_code == 403
        assert "not used for a while" in refused.text


@pytest.mark.parametrize(
    ("origin", "fetch_site"),
    [
        ("https://attacker.example", "cross-site"),
        ("https://attacker.example", None),  # an older browser: Origin alone
        (None, "cross-site"),  # Sec-Fetch-Site alone
        (None, "same-site"),  # a sibling subdomain is another site too
        (
            "null",
            "cross-site",
        ),  # the origin hidden, the browser's own word still says where the form came from
    ],
)
async def test_a_cross_site_form_is_refused_even_with_the_right_token(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, origin: str | None, fetch_site: str | None
) -> None:
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser:
        token = await browser.token()
        form = {"csrf_token": token, "email": person.user.email, "password": PASSWORD}
        refused = await browser.post("/signin", form, origin=origin, fetch_site=fetch_site)
        assert refused.status_code == 403
        assert "This form came from another website" in refused.text
        assert refused.headers["cache-control"] == "no-store"
    assert await _sessions(db) == 0


async def test_a_post_from_our_own_pages_without_fetch_metadata_is_accepted(
    site: Site, tokens: TokenFactory
) -> None:
    """A client that sends neither Origin nor Sec-Fetch-Site is not a browser another site drives: the token
    decides."""
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser:
        form = {"csrf_token": await browser.token(), "email": person.user.email, "password": PASSWORD}
        assert (await browser.post("/signin", form, origin=None, fetch_site=None)).status_code == 303


@pytest.mark.parametrize(("origin", "fetch_site"), [("null", "same-origin"), ("null", None)])
async def test_our_own_form_is_accepted_with_its_origin_hidden(
    site: Site, tokens: TokenFactory, origin: str, fetch_site: str | None
) -> None:
    """Chromium posts our own forms with "Origin: null" (our Referrer-Policy is no-referrer): found by the browser
    journey, which could not sign in. Sec-Fetch-Site decides; without it, the token does."""
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser:
        form = {"csrf_token": await browser.token(), "email": person.user.email, "password": PASSWORD}
        assert (await browser.post("/signin", form, origin=origin, fetch_site=fetch_site)).status_code == 303


async def test_the_token_changes_at_sign_in(site: Site, tokens: TokenFactory) -> None:
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser:
        before = await browser.token()
        await browser.post(
            "/signin", {"csrf_token": before, "email": person.user.email, "password": PASSWORD}
        )
        after = await browser.token("/account")
        assert after != before
        assert (await browser.post("/signout", {"csrf_token": before})).status_code == 403
        assert (await browser.post("/signout", {"csrf_token": after})).status_code == 303


async def test_a_new_page_form_is_protected_without_a_line_of_csrf_code(
    site: Site, tokens: TokenFactory
) -> None:
    """/test/form is a page route that knows nothing of CSRF: the middleware checks it all the same."""
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser:
        await browser.sign_in(person.user.email, PASSWORD)
        refused = await browser.post("/test/form", {"note": "hello"})
        assert refused.status_code == 403
        token = await browser.token("/account")
        accepted = await browser.post("/test/form", {"note": "hello", "csrf_token": token})
        assert accepted.json() == {"note": "hello", "user": f"user:{person.id}"}  # the form is still readable
        by_header = await browser.post("/test/form", {"note": "again"}, headers={"X-CSRF-Token": token})
        assert by_header.status_code == 200
        cross_site = await browser.post(
            "/test/form",
            {"note": "x", "csrf_token": token},
            origin="https://attacker.example",
            fetch_site=None,
        )
        assert cross_site.status_code == 403
        # A route that opts out says so explicitly (opt=csrf.exempt(reason)).
        assert (
            await browser.post("/test/exempt-form", {}, origin="https://attacker.example")
        ).text == "accepted"


async def test_the_refusal_page_is_in_the_readers_language(site: Site) -> None:
    async with site.browser() as browser:
        await browser.get("/fr/signin")
        refused = await browser.post("/fr/signin", {"email": "a@example.org", "password": "x"})
        assert refused.status_code == 403
        assert '<html lang="fr" dir="ltr">' in refused.text
        assert "plus à jour" in refused.text
