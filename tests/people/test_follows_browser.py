"""Following in a real browser (Chromium through Playwright), checked with axe-core: a signed-out reader sees
"Sign in to follow"; a person follows a track from its page, finds it on the account's list and unfollows it
there, in English and in Arabic (right to left)."""

from __future__ import annotations

import asyncpg
import pytest
from playwright.async_api import Browser

from igf_hub.demo.loader import DemoReport
from tests.support.auth import TokenFactory
from tests.support.browser import assert_accessible, console_errors
from tests.support.web import Site
from tests.web.conftest import PASSWORD


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_follow_a_track_then_unfollow_it_from_the_account(
    browser: Browser, site: Site, tokens: TokenFactory, demo: DemoReport, db: asyncpg.Pool, language: str
) -> None:
    track = await db.fetchrow("SELECT slug, name FROM tracks ORDER BY slug LIMIT 1")
    assert track is not None
    person = await tokens.user(password=PASSWORD)
    context = await browser.new_context()
    page = await context.new_page()
    errors = console_errors(page)
    track_page = f"{site.url}/{language}/tracks/{track['slug']}"
    await page.goto(track_page)
    await assert_accessible(page)
    await page.locator(".follow a").click()  # "Sign in to follow", then back to the track
    await page.locator("input[name=email]").fill(person.user.email)
    await page.locator("input[name=password]").fill(PASSWORD)
    await page.locator("form[action$='/signin'] button[type=submit]").click()
    await page.wait_for_url(track_page)
    await page.locator(".follow button").click()
    await page.wait_for_url(track_page)
    assert await page.locator("form[action$='/account/following/remove']").count() == 1
    await assert_accessible(page)
    await page.goto(f"{site.url}/{language}/account")
    await page.locator(f"a[href='/{language}/account/following']").click()
    await page.wait_for_url(f"{site.url}/{language}/account/following")
    assert await page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
    assert track["name"] in await page.locator("table").inner_text()
    await assert_accessible(page)
    await page.locator("table button").click()
    await page.wait_for_url(f"{site.url}/{language}/account/following")
    assert await page.locator("table").count() == 0
    await assert_accessible(page)
    assert errors == []
    await context.close()
