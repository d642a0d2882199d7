"""Consumer staff in a real browser (issue 20): register an endpoint with the handshake step by step, send a test
event, and find it in the delivery log; axe-core on every page, in English and Spanish, one page in Arabic, and
the same path once with JavaScript off. The consumer is a real HTTP server on 127.0.0.1; the test runs the
dispatcher's passes itself (the worker's job), so nothing waits on time."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, BrowserContext, Page

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.webhooks.dispatcher import Dispatcher
from tests.support.auth import TokenFactory
from tests.support.browser import assert_accessible, console_errors
from tests.support.consumer import ConsumerServer
from tests.support.web import Site, serve
from tests.webhooks.conftest import UNGIS

PASSWORD = "correct horse battery staple"


@pytest.fixture
async def site(settings: Settings, clock: Clock) -> AsyncIterator[Site]:
    async with serve(settings, clock) as served:
        yield served


async def sign_in(context: BrowserContext, site: Site, email: str) -> Page:
    page = await context.new_page()
    await page.goto(f"{site.url}/en/signin?next=/en/consumers")
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{site.url}/en/consumers")
    return page


async def register_and_test(
    page: Page, consumer: ConsumerServer, dispatcher: Dispatcher, *, javascript: bool
) -> str:
    """From the consumers list: register an endpoint, store its secret in the consumer, verify it, send a
    test event, and find it in the delivery log; returns the delivery log's URL."""

    async def check() -> None:
        if javascript:  # axe-core is a script
            await assert_accessible(page)

    await check()
    await page.get_by_role("link", name="UNGIS").click()
    await check()
    await page.get_by_role("link", name="Register an endpoint").first.click()
    await check()
    await page.get_by_label("Address of your receiver").fill(consumer.url())
    await page.get_by_role("button", name="Register the endpoint").click()
    await page.wait_for_url("**/endpoints/*?done=registered")
    assert "The endpoint is registered." in await page.get_by_role("status").inner_text()
    await check()
    await page.get_by_text("Show the signing secret").click()
    secret = (await page.locator("code.secret").first.inner_text()).strip()
    assert secret.startswith("whsec_")
    consumer.trust(secret)
    endpoint_url = page.url.split("?")[0]

    await page.get_by_role("button", name="Send the verification ping").click()
    await page.wait_for_url("**/deliveries/*?done=pinged")
    await dispatcher.run_once()
    await page.reload()
    assert "HTTP 204" in await page.locator("table.attempts").inner_text()
    await check()

    await page.goto(endpoint_url)
    assert "Verified" in await page.locator("#handshake + ol").inner_text()
    received = len(consumer.received)
    await page.get_by_role("button", name="Send a test event").click()
    await page.wait_for_url("**/deliveries/*?done=pinged")
    test_event = page.url.split("?")[0]
    await dispatcher.run_once()
    assert len(consumer.received) == received + 1 and consumer.received[-1].signature_ok

    await page.get_by_role("link", name="Delivery log").first.click()
    await page.wait_for_url("**/deliveries")
    await check()
    href = "/" + test_event.split("/", 3)[3]  # the path of the test event's delivery page
    row = page.locator(f'table.deliveries a[href="{href}"]')
    assert await row.count() == 1, "the test event is in the delivery log"
    await row.click()
    assert "Delivered" in await page.locator("dl.facts").inner_text()
    return page.url


async def test_consumer_staff_register_test_and_find_the_delivery(
    browser: Browser,
    site: Site,
    tokens: TokenFactory,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
) -> None:
    staff = await tokens.user((Role.consumer, UNGIS), password=PASSWORD)
    context = await browser.new_context()
    page = await sign_in(context, site, staff.user.email)
    errors = console_errors(page)
    delivery_url = await register_and_test(page, consumer, dispatcher, javascript=True)

    # The same pages in Spanish, and the endpoint page in Arabic (right to left): axe-core on each.
    endpoint_link = await page.locator("dl.facts a").first.get_attribute("href")
    assert endpoint_link is not None
    paths = [
        "/consumers",
        f"/consumers/{UNGIS}",
        f"/consumers/{UNGIS}/endpoints/new",
        f"/consumers/{UNGIS}/deliveries",
        delivery_url.split("/en", 1)[1],
        endpoint_link.removeprefix("/en"),
    ]
    for path in paths:
        await page.goto(f"{site.url}/es{path}")
        assert await page.get_attribute("html", "lang") == "es"
        await assert_accessible(page)
    await page.goto(f"{site.url}/ar{endpoint_link.removeprefix('/en')}")
    assert await page.get_attribute("html", "dir") == "rtl"
    await assert_accessible(page)
    assert errors == []  # no script failed on any page
    # A refused form is accessible too (its 422 is the one console message): its error summary links to the field.
    await page.goto(f"{site.url}/en/consumers/{UNGIS}/endpoints/new")
    await page.get_by_label("Address of your receiver").fill("https://10.0.0.1/hooks")
    await page.get_by_role("button", name="Register the endpoint").click()
    assert "This address cannot receive webhooks" in await page.get_by_role("alert").inner_text()
    await assert_accessible(page)
    await context.close()


async def test_the_same_path_without_javascript(
    browser: Browser,
    site: Site,
    tokens: TokenFactory,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
) -> None:
    staff = await tokens.user((Role.consumer, UNGIS), password=PASSWORD)
    context = await browser.new_context(java_script_enabled=False)
    page = await sign_in(context, site, staff.user.email)
    await register_and_test(page, consumer, dispatcher, javascript=False)
    await context.close()
