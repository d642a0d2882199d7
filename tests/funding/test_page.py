"""The public /transparency page in headless Chromium (Playwright): it loads without console errors, its numbers equal the
API's (with and without JavaScript), its charts are drawn and its download links work; inside the layout, it meets
the bar of every public page in the six languages (axe-core, right to left in Arabic, the page budget)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import html
from playwright.async_api import Browser

from igf_hub.demo.loader import DemoReport
from igf_hub.web.formatting import money_text, number_text
from tests.funding.conftest import Client, Ledger
from tests.funding.test_access import SECRET_NAME
from tests.funding.test_transparency import known_ledger
from tests.support.browser import check_page, console_errors, needs_chromium

pytestmark = needs_chromium

METRICS = ["pledged_usd", "committed_usd", "received_usd", "in_kind_usd", "outstanding_pledges_usd", "donors"]
READ_METRICS = (
    "JSON.stringify(Array.from(document.querySelectorAll('[data-metric]'))"
    ".map(e => [e.dataset.metric, e.dataset.value, e.textContent.trim()]))"
)


def _expected(summary: dict[str, Any]) -> dict[str, tuple[str, str]]:
    out = {}
    for name in METRICS:
        value = summary[name]
        shown = number_text(value, "en") if name == "donors" else money_text(Decimal(value), "USD", "en")
        out[name] = (str(value), shown)
    return out


async def test_the_page_shows_the_apis_numbers_without_console_errors(
    client: Client, ledger: Ledger, browser: Browser, live_url: str, tmp_path: Path
) -> None:
    await known_ledger(ledger)
    secret = await ledger.donor(legal_name=SECRET_NAME, is_anonymous=True)
    given = await ledger.contribution(secret["id"])
    await ledger.event(given["id"], kind="pledge", amount="300.00")
    await ledger.event(given["id"], amount="250.00")

    for query in ("", "?year=2024"):
        summary = (await client.get(f"/v1/transparency/summary{query}")).json()
        pledges = (await client.get(f"/v1/transparency/pledges{query}")).json()["rows"]
        for javascript in (True, False):
            context = await browser.new_context(java_script_enabled=javascript)
            page = await context.new_page()
            errors = console_errors(page)
            await page.goto(f"{live_url}/transparency{query}")
            assert errors == [], errors
            shown = {name: (raw, text) for name, raw, text in json.loads(await page.evaluate(READ_METRICS))}
            for name, expected in _expected(summary).items():
                assert shown[name] == expected, (query, javascript, name)
            charts = await page.evaluate(
                "Array.from(document.querySelectorAll('svg[data-chart]')).map(s => s.dataset.chart)"
            )
            assert charts == ["received-per-year", "stakeholder-share", "pledges-per-donor"]
            table = await page.evaluate(
                "Array.from(document.querySelectorAll('#pledges tbody tr')).map(r => "
                "[r.dataset.donor, r.cells[1].dataset.value, r.cells[2].dataset.value])"
            )
            # An anonymous donor's row has no id (data-donor is empty).
            assert table == [[r["donor_id"] or "", r["pledged_usd"], r["fulfilled_usd"]] for r in pledges]
            body = await page.evaluate("document.body.innerText")
            assert SECRET_NAME not in body and "Anonymous (private sector)" in body
            if javascript and not query:
                await page.screenshot(path=tmp_path / "transparency.png", full_page=True)
                # The year selector submits itself with JavaScript on.
                await page.select_option("#year", "2024")
                await page.wait_for_url(f"{live_url}/en/transparency?year=2024")
                assert errors == []
            await context.close()

    # Without any browser at all, the numbers are in the server-rendered HTML, and every download link works.
    raw = await client.get("/transparency")
    document = html.fromstring(raw.text)
    summary = (await client.get("/v1/transparency/summary")).json()
    assert document.xpath('string(//*[@data-metric="received_usd"]/@data-value)') == summary["received_usd"]
    links = document.xpath('//ul[@id="downloads"]//a/@href')
    assert len(links) == 5
    for link in links:
        assert (await client.get(link)).status_code == 200, link
    assert (tmp_path / "transparency.png").stat().st_size > 10_000


async def test_the_page_meets_the_bar_in_every_language(
    browser: Browser, live_url: str, demo: DemoReport
) -> None:
    """On the demonstration data (donors in several currencies, anonymous ones, pledges and grants)."""
    await check_page(browser, live_url, "/transparency")
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{live_url}/ar/transparency")
    assert await page.locator("h1").inner_text() == "تمويل منتدى حوكمة الإنترنت: من أين يأتي المال"
    assert await page.locator("svg[data-chart]").count() == 3
    # Money in the reader's language: Babel writes French amounts with a comma and the symbol after.
    await page.goto(f"{live_url}/fr/transparency")
    received = await page.locator('[data-metric="received_usd"]').inner_text()
    assert received.endswith("$US") and "," in received, received
    await context.close()
