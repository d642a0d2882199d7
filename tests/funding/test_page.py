"""The public /transparency page in headless Chromium: it loads without console errors, its numbers equal the
API's (with and without JavaScript), its charts are drawn and its download links work."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from litestar import Litestar
from lxml import html

from igf_hub.funding.page import money
from tests.funding.browser import CHROMIUM, chromium
from tests.funding.conftest import Client, Ledger
from tests.funding.test_access import SECRET_NAME
from tests.funding.test_transparency import known_ledger

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="needs Debian's chromium package (apt-get install chromium); .ci/run installs it",
)

METRICS = ["pledged_usd", "committed_usd", "received_usd", "in_kind_usd", "outstanding_pledges_usd", "donors"]
READ_METRICS = (
    "JSON.stringify(Array.from(document.querySelectorAll('[data-metric]'))"
    ".map(e => [e.dataset.metric, e.dataset.value, e.textContent.trim()]))"
)


@pytest.fixture
async def base_url(app: Litestar, client: Client) -> AsyncIterator[str]:
    """The app served over real HTTP on loopback (its lifespan already runs under ``client``)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    await task


def _expected(summary: dict[str, Any]) -> dict[str, tuple[str, str]]:
    out = {}
    for name in METRICS:
        value = summary[name]
        out[name] = (str(value), str(value) if name == "donors" else f"USD {money(Decimal(value))}")
    return out


async def test_the_page_shows_the_apis_numbers_without_console_errors(
    client: Client, ledger: Ledger, base_url: str, tmp_path: Path
) -> None:
    await known_ledger(ledger)
    secret = await ledger.donor(legal_name=SECRET_NAME, is_anonymous=True)
    given = await ledger.contribution(secret["id"])
    await ledger.event(given["id"], kind="pledge", amount="300.00")
    await ledger.event(given["id"], amount="250.00")

    async with chromium() as browser:
        for query in ("", "?year=2024"):
            summary = (await client.get(f"/v1/transparency/summary{query}")).json()
            pledges = (await client.get(f"/v1/transparency/pledges{query}")).json()["rows"]
            for javascript in (True, False):
                page = await browser.new_page()
                await page.open(f"{base_url}/transparency{query}", javascript=javascript)
                assert page.errors == [], page.errors
                shown = {
                    name: (raw, text) for name, raw, text in json.loads(await page.evaluate(READ_METRICS))
                }
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
                    await page.screenshot(tmp_path / "transparency.png")
                    # The year selector submits itself with JavaScript on.
                    loaded = browser.expect(page.session, "Page.loadEventFired")
                    await page.evaluate(
                        "const s = document.getElementById('year'); s.value = '2024'; "
                        "s.dispatchEvent(new Event('change'))"
                    )
                    await asyncio.wait_for(loaded, timeout=20)
                    assert (await page.evaluate("location.search")) == "?year=2024"
                    assert page.errors == []

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
