"""Browser sessions in a real browser (Chromium through Playwright): sign in, see your name, sign out; the
cookie as the browser keeps it; a form posted from another site refused."""

from __future__ import annotations

import asyncpg
import pytest
from playwright.async_api import Browser, Route

from igf_hub.web.sessions import COOKIE_NAME
from tests.support.auth import TokenFactory
from tests.support.browser import assert_accessible, console_errors
from tests.support.web import Site
from tests.web.conftest import PASSWORD

NAME = "Amina Diallo"


async def _person(tokens: TokenFactory, db: asyncpg.Pool) -> str:
    person = await tokens.user(password=PASSWORD)
    async with db.acquire() as conn:
        await conn.execute("UPDATE users SET display_name = $1 WHERE id = $2", NAME, person.id)
    return person.user.email


@pytest.mark.parametrize("javascript", [True, False])
async def test_sign_in_see_your_name_and_sign_out(
    browser: Browser, site: Site, tokens: TokenFactory, db: asyncpg.Pool, javascript: bool
) -> None:
    email = await _person(tokens, db)
    context = await browser.new_context(java_script_enabled=javascript)
    page = await context.new_page()
    errors = console_errors(page)
    await page.goto(f"{site.url}/en/signin")
    if javascript:  # axe-core is a script: it checks the pages with JavaScript on (the markup is the same)
        await assert_accessible(page)
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{site.url}/en/account")
    assert NAME in await page.locator("#signed-in-as").inner_text()
    assert await page.get_by_role("banner").locator(".signed-in-as").inner_text() == f"Signed in as {NAME}"
    if javascript:
        await assert_accessible(page)

    # Chromium keeps the __Host- cookie from http://127.0.0.1 (a secure context), as the README says.
    (cookie,) = [c for c in await context.cookies() if c["name"] == COOKIE_NAME]
    assert cookie["httpOnly"] and cookie["secure"]
    assert (cookie["sameSite"], cookie["path"], cookie["domain"]) == ("Lax", "/", "127.0.0.1")
    assert cookie["expires"] == -1  # a session cookie: gone when the browser closes
    if javascript:
        assert await page.evaluate("document.cookie") == ""  # HttpOnly: scripts see nothing

    # The account page's own button (the header has one too).
    await page.get_by_role("main").get_by_role("button", name="Sign out", exact=True).click()
    await page.wait_for_url(f"{site.url}/en/signin?done=signed-out")
    assert await page.get_by_role("status").inner_text() == "You are signed out."
    # The signed-in session is gone; the sign-in form the browser now shows has a new visitor session.
    assert [c["value"] for c in await context.cookies() if c["name"] == COOKIE_NAME] != [cookie["value"]]
    await page.goto(f"{site.url}/en/account")
    assert page.url.startswith(f"{site.url}/en/signin")  # signed out for real
    assert errors == []
    await context.close()


async def test_a_wrong_password_is_explained_at_the_top_and_at_the_field(
    browser: Browser, site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    email = await _person(tokens, db)
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{site.url}/en/signin")
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill("not the password")
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_load_state()
    summary = page.get_by_role("alert")
    assert "The e-mail address or the password is wrong." in await summary.inner_text()
    await summary.get_by_role("link").click()  # the summary leads to the field
    assert await page.evaluate("document.activeElement.id") == "field-email"
    assert await page.get_by_label("E-mail address").input_value() == email  # kept
    assert await page.get_by_label("Password").input_value() == ""  # never sent back
    await assert_accessible(page)
    await context.close()


async def test_a_form_posted_from_another_site_is_refused(
    browser: Browser, site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    email = await _person(tokens, db)
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{site.url}/en/signin")
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{site.url}/en/account")
    token = await page.locator("input[name=csrf_token]").first.input_value()

    # Another site (localhost is not 127.0.0.1) with a form aimed at ours, even carrying a valid token.
    attacker = site.url.replace("127.0.0.1", "localhost") + "/prize"
    form = (
        f'<!doctype html><html lang="en"><title>Prize</title><form method="post" '
        f'action="{site.url}/en/signout/everywhere"><input type="hidden" name="csrf_token" value="{token}">'
        "<button>Claim your prize</button></form></html>"
    )

    async def fulfil(route: Route) -> None:
        await route.fulfill(status=200, content_type="text/html", body=form)

    await context.route(attacker, fulfil)
    await page.goto(attacker)
    async with page.expect_navigation() as navigation:
        await page.get_by_role("button", name="Claim your prize").click()
    response = await navigation.value
    assert response is not None and response.status == 403
    assert await page.locator("h1").inner_text() == "This form came from another website"
    await page.goto(f"{site.url}/en/account")
    assert page.url == f"{site.url}/en/account"  # still signed in: nothing was changed
    await context.close()
