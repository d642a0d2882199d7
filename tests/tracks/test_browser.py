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
