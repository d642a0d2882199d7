"""The NRI pages in a real browser (Chromium through Playwright), checked with axe-core, on the demonstration
data: the directory and a profile in the six languages, and searching for an NRI in Spanish with JavaScript on
and off."""

from __future__ import annotations

import asyncpg
import pytest
from playwright.async_api import Browser

from igf_hub.demo.loader import DemoReport
from igf_hub.web.i18n import LANGUAGES
from tests.support.browser import assert_accessible, console_errors


@pytest.mark.parametrize("language", list(LANGUAGES))
async def test_the_directory_is_accessible(
    browser: Browser, live_url: str, demo: DemoReport, language: str
) -> None:
    """The directory, then the same form sent back with an error: zero violations, in every language."""
    context = await browser.new_context()
    page = await context.new_page()
    errors = console_errors(page)
    await page.goto(f"{live_url}/{language}/nris?region=african")
    assert await page.get_attribute("html", "lang") == language
    assert await page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
    assert (
        await page.locator("#nri-results tbody tr").count() == 6
    )  # as GET /v1/nris?regional_group=african answers
    await assert_accessible(page)
    if language == "ar":
        assert await page.evaluate("getComputedStyle(document.querySelector('table')).direction") == "rtl"
    assert errors == [], (language, errors)  # the policy blocked nothing, no script failed
    answer = await page.goto(f"{live_url}/{language}/nris?year=1999")
    assert answer is not None and answer.status == 400
    assert await page.locator(".error-summary a[href='#field-year']").count() == 1
    await assert_accessible(page)
    await context.close()


@pytest.mark.parametrize("language", list(LANGUAGES))
async def test_a_profile_is_accessible(
    browser: Browser, live_url: str, db: asyncpg.Pool, demo: DemoReport, language: str
) -> None:
    """A profile with a committee, reports and history: zero violations, in every language."""
    nri_id = await db.fetchval("SELECT id FROM nris WHERE name = 'Kenya Open Internet Dialogue'")
    context = await browser.new_context()
    page = await context.new_page()
    errors = console_errors(page)
    await page.goto(f"{live_url}/{language}/nris/{nri_id}")
    assert await page.get_attribute("html", "lang") == language
    assert await page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
    assert await page.locator("h1").inner_text() == "Kenya Open Internet Dialogue (KOID)"
    await assert_accessible(page)
    assert errors == [], (language, errors)
    await context.close()


@pytest.mark.parametrize("javascript", [True, False])
async def test_search_for_an_nri_in_spanish(
    browser: Browser, live_url: str, demo: DemoReport, javascript: bool
) -> None:
    """From the home page to the directory, a search with a filter, and the initiative's profile."""
    context = await browser.new_context(java_script_enabled=javascript, locale="es-ES")
    page = await context.new_page()
    await page.goto(f"{live_url}/")
    assert page.url == f"{live_url}/es/"
    await page.get_by_role("link", name="Buscar en el directorio de iniciativas").click()
    await page.wait_for_url(f"{live_url}/es/nris")
    await page.get_by_label("Buscar", exact=True).fill("Internet")
    await page.get_by_label("Tipo").select_option(label="Regional")
    await page.get_by_role("button", name="Aplicar filtros").click()
    await page.wait_for_url("**/es/nris?*")
    assert "q=Internet" in page.url and "type=regional" in page.url
    rows = page.locator("#nri-results tbody tr")
    assert await rows.count() == 2  # the Americas and Caribbean, and the North Atlantic forums
    await page.get_by_role("link", name="Americas and Caribbean Internet Forum").click()
    await page.wait_for_url(f"{live_url}/es/nris/*")
    assert await page.locator("h1").inner_text() == "Americas and Caribbean Internet Forum (ACIF)"
    assert await page.get_attribute("html", "lang") == "es"
    # The breadcrumb leads back to the directory.
    await page.locator("nav.breadcrumbs a").nth(1).click()
    await page.wait_for_url(f"{live_url}/es/nris")
    await context.close()
