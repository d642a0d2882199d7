"""The account pages anyone may open, in a real browser (Chromium through Playwright): in the six languages, with
JavaScript on (axe: zero violations) and off, within the page budget; and a form in error as axe sees it."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from tests.support.browser import assert_accessible, check_page


@pytest.mark.parametrize(
    "path",
    [
        "/signup",
        "/signup/sent",
        "/verify-email",
        "/password-reset",
        "/link-sent/reset_password",
        "/verify-email/a-link-no-one-was-sent",
        "/password-reset/a-link-no-one-was-sent",
    ],
)
async def test_every_account_page_meets_the_bar(browser: Browser, live_url: str, path: str) -> None:
    if path.endswith("a-link-no-one-was-sent"):
        # A refused link is a 404 page that explains and offers a new link: axe checks it in two languages.
        for language in ("en", "ar"):
            context = await browser.new_context()
            page = await context.new_page()
            answer = await page.goto(f"{live_url}/{language}{path}")
            assert answer is not None and answer.status == 404
            assert await page.locator("#link-refused").count() == 1
            await assert_accessible(page)
            await context.close()
        return
    await check_page(browser, live_url, path)


async def test_the_sign_up_form_in_error_is_accessible(browser: Browser, live_url: str) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{live_url}/ru/signup")
    await page.locator("#field-email").fill("no-at-sign")
    await page.locator("#field-password").fill("short")
    await page.locator("form[action='/ru/signup'] button[type=submit]").click()
    await page.wait_for_load_state()
    assert await page.locator(".error-summary li").count() == 3  # address, name, password
    await assert_accessible(page)
    await context.close()
