"""The search page in a real browser: axe-core finds nothing on it in any language, and the journey "search for
an NRI in Spanish" from the header's search box, with JavaScript on and off."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from igf_hub.demo.loader import DemoReport
from tests.support.browser import assert_accessible, check_page, console_errors


async def test_the_search_page_meets_the_bar_in_every_language(
    browser: Browser, live_url: str, demo: DemoReport
) -> None:
    """Results with their marks, the kinds and the next-page link; then the empty form."""
    await check_page(browser, live_url, "/search?q=internet")
    await check_page(browser, live_url, "/search", languages=["en", "ar"])


@pytest.mark.parametrize("language", ["en", "ar", "zh"])
async def test_a_refused_search_is_accessible(browser: Browser, live_url: str, language: str) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    errors = console_errors(page)
    answer = await page.goto(f"{live_url}/{language}/search?q=forum&page=0")
    assert answer is not None and answer.status == 400
    await assert_accessible(page)
    assert [e for e in errors if "status of 400" not in e] == []  # the browser reports the 400 itself
    await context.close()


@pytest.mark.parametrize("javascript", [True, False])
async def test_search_for_an_nri_in_spanish(
    browser: Browser, live_url: str, demo: DemoReport, javascript: bool
) -> None:
    """From the header's search box on the home page: a Spanish word in another form than the NRI's text, the
    results in Spanish first with the word marked, narrowed to initiatives, then the initiative's profile."""
    context = await browser.new_context(java_script_enabled=javascript, locale="es-ES")
    page = await context.new_page()
    await page.goto(f"{live_url}/")
    assert page.url == f"{live_url}/es/"
    await page.get_by_role("searchbox", name="Buscar en el sitio").fill("provincia")
    await page.locator(".site-search").get_by_role("button", name="Buscar").click()
    await page.wait_for_url(f"{live_url}/es/search?q=provincia")
    assert await page.title() == "Resultados de la búsqueda «provincia» · IGF Hub"
    first = page.locator(".search-results > li").first
    assert await first.locator("h3 a").inner_text() == "Foro Argentino de Gobernanza de Internet"
    assert await first.locator("mark").first.inner_text() == "provincias"
    await page.get_by_role("link", name="Iniciativas nacionales y regionales (1)").click()
    await page.wait_for_url("**/es/search?q=provincia&kind=nri")
    await page.get_by_role("link", name="Foro Argentino de Gobernanza de Internet").click()
    await page.wait_for_url(f"{live_url}/es/nris/*")
    assert await page.locator("h1").inner_text() == "Foro Argentino de Gobernanza de Internet (FAGI)"
    assert await page.get_attribute("html", "lang") == "es"
    await context.close()
