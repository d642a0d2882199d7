"""The calendar address page in a real browser (Chromium through Playwright), checked with axe-core: reached from
the account page, an address made and shown once, in English and in Arabic (right to left)."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser

from tests.support.auth import TokenFactory
from tests.support.browser import assert_accessible, console_errors
from tests.support.web import Site
from tests.web.conftest import PASSWORD


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_make_a_calendar_address_from_the_account_page(
    browser: Browser, site: Site, tokens: TokenFactory, language: str
) -> None:
    person = await tokens.user(password=PASSWORD)
    context = await browser.new_context()
    page = await context.new_page()
    errors = console_errors(page)
    await page.goto(f"{site.url}/en/signin")
    await page.get_by_label("E-mail address").fill(person.user.email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{site.url}/en/account")
    await page.goto(f"{site.url}/{language}/account")
    await page.locator(f"a[href='/{language}/account/calendar']").click()
    await page.wait_for_url(f"{site.url}/{language}/account/calendar")
    assert await page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
    await assert_accessible(page)
    await page.locator("form[action$='/account/calendar'] button").click()
    address = (await page.locator("code.citable-id").inner_text()).strip()
    assert address.startswith(f"{site.url}/{language}/calendars/people/") and address.endswith(".ics")
    await assert_accessible(page)
    async with httpx.AsyncClient() as calendar_program:
        answer = await calendar_program.get(address)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/calendar")
    assert errors == []
    await context.close()
