"""Two-factor in a real browser (Chromium through Playwright): set TOTP up from the account page reading the key
the page shows, sign out, sign in with a code, with JavaScript on and off; the pages in the six languages with
axe-core; and a passkey added and used through Chromium's virtual authenticator (WebAuthn over CDP)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest
from playwright.async_api import Browser, Page

from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.web.i18n import LANGUAGES
from tests.support import twofactor
from tests.support.audit import chain_audit
from tests.support.auth import TokenFactory
from tests.support.browser import assert_accessible, console_errors
from tests.support.web import Site, serve
from tests.web.conftest import PASSWORD, add_test_routes


async def _sign_in(page: Page, url: str, email: str) -> None:
    await page.goto(f"{url}/en/signin")
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_load_state()


@pytest.mark.parametrize("javascript", [True, False])
async def test_set_up_totp_then_sign_in_with_a_code(
    browser: Browser, site: Site, tokens: TokenFactory, clock: Clock, javascript: bool
) -> None:
    person = await tokens.user(password=PASSWORD)
    context = await browser.new_context(java_script_enabled=javascript)
    page = await context.new_page()
    errors = console_errors(page)
    await _sign_in(page, site.url, person.user.email)
    await page.wait_for_url(f"{site.url}/en/account")
    await page.get_by_role("link", name="Two-factor sign-in").click()
    await page.wait_for_url(f"{site.url}/en/account/two-factor")
    if javascript:
        await assert_accessible(page)
    await page.get_by_role("button", name="Set up two-factor sign-in").click()
    await page.wait_for_url(f"{site.url}/en/account/two-factor")
    assert await page.get_by_role("img", name="QR code of the setup link").is_visible()
    if javascript:
        await assert_accessible(page)
    secret = twofactor.secret_of(await page.locator("#totp-secret").inner_text())
    assert (await page.locator("#totp-uri").inner_text()).startswith("otpauth://totp/")

    await page.get_by_label("Code from the app").fill("12345")  # a digit short: said at the field
    await page.get_by_role("button", name="Turn on two-factor sign-in").click()
    await page.wait_for_load_state()
    assert "Enter the 6-digit code" in await page.get_by_role("alert").inner_text()
    assert errors == [
        "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
    ]
    errors.clear()  # the browser reports the page's 422 status itself
    if javascript:
        await assert_accessible(page)
    await page.get_by_label("Code from the app").fill(twofactor.code(secret, clock))
    await page.get_by_role("button", name="Turn on two-factor sign-in").click()
    await page.wait_for_load_state()
    assert await page.locator("h1").inner_text() == "Your recovery codes"
    assert await page.locator("#recovery-codes li").count() == 10
    if javascript:
        await assert_accessible(page)

    await page.goto(f"{site.url}/en/account")
    await page.locator("main").get_by_role("button", name="Sign out", exact=True).click()
    await page.wait_for_url(f"{site.url}/en/signin?done=signed-out")
    clock.advance(timedelta(seconds=30))  # the next code (the one used to confirm is spent)
    await _sign_in(page, site.url, person.user.email)
    assert await page.locator("h1").inner_text() == "Two-factor sign-in"
    if javascript:
        await assert_accessible(page)
    assert not await page.get_by_role("button", name="Use a passkey").is_visible()  # no passkey: no button
    await page.get_by_label("Code", exact=True).fill(twofactor.code(secret, clock))
    await page.get_by_role("button", name="Continue").click()
    await page.wait_for_url(f"{site.url}/en/account")
    assert await page.locator("#signed-in-as").is_visible()
    assert errors == []
    await context.close()


async def test_the_two_factor_pages_in_every_language(
    browser: Browser, site: Site, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    person = await tokens.user(password=PASSWORD)
    secret, _ = await twofactor.enrol(db, settings, clock, person.id)
    context = await browser.new_context()
    page = await context.new_page()
    errors = console_errors(page)
    for language in LANGUAGES:
        await page.goto(f"{site.url}/{language}/signin")
        await page.fill("#field-email", person.user.email)
        await page.fill("#field-password", PASSWORD)
        await page.locator("form[action$='/signin'] button[type=submit]").click()
        await page.wait_for_load_state()
        assert await page.get_attribute("html", "lang") == language
        assert await page.locator("#field-code").is_visible()
        await assert_accessible(page)
        await page.fill("#field-code", twofactor.code(secret, clock))
        await page.locator("form[action$='/signin/second-factor'] button[type=submit]").first.click()
        await page.wait_for_url(f"{site.url}/{language}/account")
        await page.goto(f"{site.url}/{language}/account/two-factor")
        assert await page.get_attribute("html", "lang") == language
        assert await page.get_attribute("html", "dir") == LANGUAGES[language].direction
        await assert_accessible(page)
        await page.goto(f"{site.url}/{language}/account")
        await page.locator("main form[action$='/signout'] button").click()
        await page.wait_for_load_state()
        clock.advance(timedelta(seconds=30))
    assert errors == []
    await context.close()


@pytest.fixture
async def localhost_site(settings: Settings, clock: Clock, tokens: TokenFactory) -> AsyncIterator[Site]:
    """Served as http://localhost:PORT: browsers refuse passkeys for an IP address."""
    async with serve(settings, clock, prepare=add_test_routes, name="localhost") as served:
        yield served


async def test_a_passkey_added_on_the_account_is_the_second_factor(
    browser: Browser,
    localhost_site: Site,
    tokens: TokenFactory,
    db: asyncpg.Pool,
    settings: Settings,
    clock: Clock,
) -> None:
    url = localhost_site.url
    person = await tokens.user(password=PASSWORD)
    secret, _ = await twofactor.enrol(db, settings, clock, person.id)
    context = await browser.new_context()
    page = await context.new_page()
    errors = console_errors(page)
    cdp = await context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable")
    await cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    await _sign_in(page, url, person.user.email)
    await page.get_by_label("Code", exact=True).fill(twofactor.code(secret, clock))
    await page.get_by_role("button", name="Continue").click()
    await page.wait_for_url(f"{url}/en/account")

    await page.goto(f"{url}/en/account/two-factor")
    await page.get_by_label("Name of the passkey").fill("Test laptop")
    await page.get_by_role("button", name="Add a passkey").click()
    await page.wait_for_url(f"{url}/en/account/two-factor?done=passkey-added")
    assert await page.get_by_role("status").inner_text() == "The passkey is added."
    assert await page.get_by_role("button", name="Remove the passkey Test laptop").is_visible()
    await assert_accessible(page)

    await page.goto(f"{url}/en/account")
    await page.locator("main form[action$='/signout'] button").click()
    await page.wait_for_load_state()
    await _sign_in(page, url, person.user.email)
    await assert_accessible(page)
    await page.get_by_role("button", name="Use a passkey").click()
    await page.wait_for_url(f"{url}/en/account")
    assert errors == []
    async with db.acquire() as conn:
        await chain_audit(conn)
        event = await conn.fetchval(
            "SELECT data->>'second_factor' FROM audit_log WHERE action = 'user.signed_in' AND subject_id = $1"
            " ORDER BY id DESC LIMIT 1",
            str(person.id),
        )
        passkey = await conn.fetchrow("SELECT name, last_used_at FROM passkeys WHERE user_id = $1", person.id)
    assert event == "passkey"
    assert passkey["name"] == "Test laptop" and passkey["last_used_at"] is not None
    await context.close()
