"""The web layer in a real browser (Chromium through Playwright), each page checked with axe-core."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Response

from igf_hub.demo.loader import DemoReport
from igf_hub.web.i18n import LANGUAGES
from tests.support.browser import assert_accessible, console_errors

PAGE_BUDGET = 100 * 1024  # bytes transferred for a first load: HTML + CSS + JS, no web fonts


async def test_the_home_page_is_accessible_in_every_language(
    browser: Browser, live_url: str, demo: DemoReport
) -> None:
    """With the demonstration data, so that every home section has something to show."""
    for language in LANGUAGES:
        context = await browser.new_context()
        page = await context.new_page()
        errors = console_errors(page)
        await page.goto(f"{live_url}/{language}/")
        assert await page.get_attribute("html", "lang") == language
        assert await page.locator("#nri-regions table tbody tr").count() == 5
        await assert_accessible(page)
        assert errors == [], (language, errors)  # the policy blocked nothing, no script failed
        await context.close()


async def test_arabic_reads_right_to_left(browser: Browser, live_url: str) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{live_url}/ar/")
    assert await page.get_attribute("html", "dir") == "rtl"
    assert await page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    # The layout mirrors: the site's name sits on the right of the header.
    brand = await page.locator(".brand").bounding_box()
    width = await page.evaluate("document.documentElement.clientWidth")
    assert brand is not None and brand["x"] > width / 2
    await context.close()


@pytest.mark.parametrize("javascript", [True, False])
async def test_the_language_switcher_is_remembered(browser: Browser, live_url: str, javascript: bool) -> None:
    context = await browser.new_context(java_script_enabled=javascript, locale="fr-FR")
    page = await context.new_page()
    await page.goto(f"{live_url}/")  # the browser asks for French
    assert page.url == f"{live_url}/fr/"
    assert await page.get_attribute("html", "lang") == "fr"
    await page.get_by_role("link", name="Español").click()
    await page.wait_for_url(f"{live_url}/es/")
    assert await page.get_attribute("html", "lang") == "es"
    assert await page.locator("h1").inner_text() == "El Foro para la Gobernanza de Internet, de forma abierta"
    await page.goto(f"{live_url}/")  # the choice outlives the browser's preference
    assert page.url == f"{live_url}/es/"
    await context.close()


async def test_the_skip_link_reaches_the_main_content_by_keyboard(browser: Browser, live_url: str) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{live_url}/en/")
    await page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert await focused.inner_text() == "Skip to the main content"
    assert await focused.evaluate("e => getComputedStyle(e).outlineStyle") != "none"  # focus is visible
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "main"
    await context.close()


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_a_first_load_stays_within_the_page_budget(
    browser: Browser, live_url: str, language: str
) -> None:
    """Everything a first visit transfers (compressed bodies and headers), against 100 KB."""
    context = await browser.new_context()  # an empty cache
    page = await context.new_page()
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))
    await page.goto(f"{live_url}/{language}/", wait_until="networkidle")
    transferred = 0
    kinds = set()
    for response in responses:
        sizes = await response.request.sizes()
        transferred += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        kinds.add(response.request.resource_type)
        assert response.url.startswith(live_url), response.url  # nothing from another origin
    assert {"document", "stylesheet", "script"} <= kinds
    assert transferred <= PAGE_BUDGET, f"{transferred} bytes"
    await context.close()


async def test_the_not_found_page_is_accessible(browser: Browser, live_url: str) -> None:
    for language in ("ar", "zh"):
        context = await browser.new_context()
        page = await context.new_page()
        answer = await page.goto(f"{live_url}/{language}/no-such-page")
        assert answer is not None and answer.status == 404
        await assert_accessible(page)
        await context.close()
