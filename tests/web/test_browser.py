"""The web layer in a real browser (Chromium through Playwright), each page checked with axe-core."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser

from igf_hub.demo.loader import DemoReport
from tests.support import screenshots
from tests.support.browser import PAGE_BUDGET, assert_accessible, check_page, first_load, needs_chromium


async def test_the_home_page_meets_the_bar_in_every_language(
    browser: Browser, live_url: str, demo: DemoReport
) -> None:
    """With the demonstration data, so that every home section has something to show."""
    await check_page(browser, live_url, "/")
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{live_url}/zh/")
    assert await page.locator("#nri-regions table tbody tr").count() == 5
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
    browser: Browser, live_url: str, language: str, demo: DemoReport
) -> None:
    """Everything a first visit transfers (compressed bodies and headers), against 100 KB."""
    transferred = await first_load(browser, f"{live_url}/{language}/")
    assert {"document", "stylesheet", "script"} <= transferred.keys()
    assert sum(transferred.values()) <= PAGE_BUDGET, transferred


async def test_the_not_found_page_is_accessible(browser: Browser, live_url: str) -> None:
    for language in ("ar", "zh"):
        context = await browser.new_context()
        page = await context.new_page()
        answer = await page.goto(f"{live_url}/{language}/no-such-page")
        assert answer is not None and answer.status == 404
        await assert_accessible(page)
        await context.close()


@needs_chromium
@pytest.mark.xdist_group("browser")
async def test_the_screenshot_command_writes_each_page(
    live_url: str, demo: DemoReport, tmp_path: Path
) -> None:
    written = await screenshots.take(live_url, tmp_path)
    assert [p.name for p in written] == [f"{name}.png" for name, _, _ in screenshots.SHOTS]
    assert all(p.read_bytes().startswith(b"\x89PNG") and p.stat().st_size > 10_000 for p in written)


@pytest.mark.parametrize("path", ["/transparency", "/signin"])
async def test_the_other_public_pages_stay_within_the_page_budget(
    browser: Browser, live_url: str, path: str, demo: DemoReport
) -> None:
    """The pages built before the layout (funding's transparency page, the sign-in page) are held to it too."""
    transferred = await first_load(browser, f"{live_url}{path}")
    assert "document" in transferred
    assert sum(transferred.values()) <= PAGE_BUDGET, transferred


@needs_chromium
async def test_a_message_in_arabic_renders_with_an_arabic_font(
    browser: Browser, live_url: str, demo: DemoReport
) -> None:
    """The README's Arabic screenshot shows letters, not empty boxes: Chromium finds an installed font with the
    Arabic glyphs for the Message's title (DejaVu Sans, from Debian's fonts-dejavu-core, which chromium's
    fontconfig pulls in)."""
    context = await browser.new_context()
    page = await context.new_page()
    (_, path, follow) = next(shot for shot in screenshots.SHOTS if shot[0] == "message-ar")
    assert follow is not None
    await page.goto(f"{live_url}{path}")
    await page.get_by_role("link", name=follow, exact=True).first.click()
    await page.wait_for_load_state("load")
    title = "اتصال يصل إلى آخر قرية"  # the demonstration data's Arabic text of that Message
    assert await page.locator("h1").inner_text() == title
    cdp = await context.new_cdp_session(page)
    await cdp.send("DOM.enable")
    await cdp.send("CSS.enable")
    root = await cdp.send("DOM.getDocument")
    heading = await cdp.send("DOM.querySelector", {"nodeId": root["root"]["nodeId"], "selector": "h1"})
    fonts = (await cdp.send("CSS.getPlatformFontsForNode", {"nodeId": heading["nodeId"]}))["fonts"]
    # Every letter of the title was drawn with a real font (a missing glyph would count under no family).
    letters = sum(1 for c in title if not c.isspace())
    assert sum(f["glyphCount"] for f in fonts) >= letters, fonts
    assert all(f["familyName"] for f in fonts), fonts
    await context.close()
