"""Pages tested in a real browser: Playwright for Python driving Debian's ``chromium``, and axe-core.

- ``browser``: one headless Chromium for the test session (``executable_path``: Playwright's own browser
  downloads are never used). Each test opens its own context (``browser.new_context(...)``), so cookies and
  cache start empty, and ``java_script_enabled=False`` gives a reader without JavaScript.
- ``live_url``: the test's app served over real HTTP on 127.0.0.1 (a free port), its lifespan run by ``client``.
- ``assert_accessible(page)``: axe-core (the script bundled by ``axe-playwright-python``) finds no violation.
- ``first_load(browser, url)``: what a first visit (empty cache) transfers, for the 100 KB page budget.
- ``check_page(browser, live_url, path)``: the whole bar for one public page, in one call: in each of the six
  languages it loads (``lang``, ``dir``), axe finds nothing, no console error; with JavaScript off it loads
  and shows its main heading; the first load is within the budget.

Tests using ``browser`` run in one xdist group (tests/conftest.py), so two Chromiums never compete for the
two cores.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn
from axe_playwright_python.async_playwright import Axe
from litestar import Litestar
from playwright.async_api import Browser, Page, Response, async_playwright

from igf_hub.web.i18n import LANGUAGES

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="needs Debian's chromium package (apt-get install chromium); .ci/run installs it",
)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if CHROMIUM is None:
        pytest.skip("needs Debian's chromium package (apt-get install chromium); .ci/run installs it")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@asynccontextmanager
async def serving(app: Litestar) -> AsyncIterator[str]:
    """``app`` over real HTTP on a free loopback port; its lifespan must already run (the ``client`` fixture)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # uvicorn exposes a flag, not an event
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def live_url(app: Litestar, client: httpx.AsyncClient) -> AsyncIterator[str]:
    async with serving(app) as url:
        yield url


_AXE = Axe()


async def assert_accessible(page: Page) -> None:
    """axe-core's WCAG 2.x A/AA rules (and its best practices) find nothing on the page as it is now."""
    results = await _AXE.run(page)
    assert results.violations_count == 0, f"{page.url}:\n{results.generate_report()}"


def console_errors(page: Page) -> list[str]:
    """Start collecting the page's console errors and uncaught exceptions (call before ``goto``)."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


PAGE_BUDGET = 100 * 1024  # bytes a first load of a public page may transfer: HTML + CSS + JS, no web fonts


async def first_load(browser: Browser, url: str) -> dict[str, int]:
    """Bytes transferred (compressed bodies and headers) by a first visit to ``url``, per resource type, with
    every response checked to come from the same origin."""
    context = await browser.new_context()  # an empty cache
    page = await context.new_page()
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))
    await page.goto(url, wait_until="networkidle")
    origin = "/".join(url.split("/")[:3])
    transferred: dict[str, int] = {}
    for response in responses:
        assert response.url.startswith(origin + "/"), f"{response.url} is not from {origin}"
        sizes = await response.request.sizes()
        kind = response.request.resource_type
        transferred[kind] = (
            transferred.get(kind, 0) + sizes["responseBodySize"] + sizes["responseHeadersSize"]
        )
    await context.close()
    return transferred


async def check_page(
    browser: Browser, live_url: str, path: str, languages: Iterable[str] = LANGUAGES
) -> None:
    """``path`` (without a language prefix, e.g. ``/nris``) meets the bar of every public page."""
    for language in languages:
        url = f"{live_url}/{language}{path}"
        for javascript in (True, False):
            context = await browser.new_context(java_script_enabled=javascript)
            page = await context.new_page()
            errors = console_errors(page)
            answer = await page.goto(url)
            assert answer is not None and answer.status == 200, (url, answer and answer.status)
            assert await page.get_attribute("html", "lang") == language, url
            assert await page.get_attribute("html", "dir") == LANGUAGES[language].direction, url
            assert (await page.locator("h1").inner_text()).strip(), f"{url} has no main heading"
            if javascript:
                await assert_accessible(page)
            assert errors == [], (url, javascript, errors)  # the policy blocked nothing, no script failed
            await context.close()
    transferred = await first_load(browser, f"{live_url}/en{path}")
    assert sum(transferred.values()) <= PAGE_BUDGET, (path, transferred)
