"""The intersessional work's pages in a real browser (Chromium through Playwright) on the demonstration data:
the list and a track's page in the six languages, with JavaScript on (axe: zero violations) and off, within the
page budget."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from igf_hub.demo.loader import DemoReport
from tests.support.browser import check_page


@pytest.mark.parametrize(
    "path", ["/tracks", "/tracks/bpf-local-content", "/tracks/dc-community-connectivity"]
)
async def test_every_track_page_meets_the_bar(
    browser: Browser, live_url: str, demo: DemoReport, path: str
) -> None:
    await check_page(browser, live_url, path)


async def test_a_citable_id_is_text_and_with_javascript_gains_a_copy_button(
    browser: Browser, live_url: str, demo: DemoReport
) -> None:
    url = f"{live_url}/fr/tracks/bpf-local-content"
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await page.goto(url)
    cited = (await page.locator("code.citable-id").first.inner_text()).strip()
    assert cited and await page.locator("button.copy").count() == 0  # no button that would do nothing
    await context.close()
    context = await browser.new_context()
    await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_url)
    page = await context.new_page()
    await page.goto(url)
    button = page.locator("button.copy").first
    assert (await button.inner_text()) == "Copier"
    await button.click()
    await page.wait_for_function("document.querySelector('button.copy').textContent === 'Copié'")
    assert await page.evaluate("navigator.clipboard.readText()") == cited
    await context.close()
