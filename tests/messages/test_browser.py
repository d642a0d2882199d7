"""The Messages' pages in a real browser (Chromium through Playwright), each checked with axe-core, on the
demonstration data: every page type in the six languages, reading a Message in French then in Arabic with
JavaScript on and off, and a signed-in person commenting on a paragraph."""

from __future__ import annotations

import asyncpg
import pytest
from playwright.async_api import Browser

from igf_hub.demo.loader import DemoReport
from tests.messages.test_pages import ids_by_title
from tests.support.auth import TokenFactory
from tests.support.browser import assert_accessible, check_page, console_errors
from tests.web.conftest import PASSWORD


async def paths(db: asyncpg.Pool) -> dict[str, str]:
    """One page of each type, chosen from the demonstration data to show the most."""
    ids = await ids_by_title(db)
    revised = ids["Trusted data flows for development"]
    numbers = [
        r["number"]
        for r in await db.fetch(
            "SELECT number FROM message_versions WHERE message_id = $1 AND language = 'en' ORDER BY number",
            revised,
        )
    ]
    return {
        "archive": "/messages",
        "reading": f"/messages/{ids['Affordable devices for meaningful access']}",  # comments, responses
        "machine-translation": f"/messages/{ids['Contenidos locales en lenguas indígenas']}?text=zh",
        "versions": f"/messages/{revised}/versions",
        "diff": f"/messages/{revised}/diff?from={numbers[0]}&to={numbers[-1]}",
    }


@pytest.mark.parametrize("kind", ["archive", "reading", "machine-translation", "versions", "diff"])
async def test_every_message_page_meets_the_bar(
    browser: Browser, live_url: str, db: asyncpg.Pool, demo: DemoReport, kind: str
) -> None:
    """Each page type in the six languages, with JavaScript on (axe: zero violations) and off, within the budget."""
    await check_page(browser, live_url, (await paths(db))[kind])


async def test_an_arabic_text_reads_right_to_left(
    browser: Browser, live_url: str, db: asyncpg.Pool, demo: DemoReport
) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{live_url}/ar{(await paths(db))['reading']}")
    assert await page.evaluate("getComputedStyle(document.querySelector('article')).direction") == "rtl"
    assert await page.locator("article").get_attribute("lang") == "ar"
    await context.close()


@pytest.mark.parametrize("javascript", [True, False])
async def test_read_a_message_in_french_then_in_arabic(
    browser: Browser, live_url: str, db: asyncpg.Pool, demo: DemoReport, javascript: bool
) -> None:
    mid = (await ids_by_title(db))["Affordable devices for meaningful access"]
    context = await browser.new_context(java_script_enabled=javascript, locale="fr-FR")
    page = await context.new_page()
    await page.goto(f"{live_url}/")
    await page.locator("#messages-open").get_by_role("link", name="Des appareils abordables").click()
    await page.wait_for_url(f"{live_url}/fr/messages/{mid}")
    assert await page.locator("h1").inner_text() == "Des appareils abordables pour un accès significatif"
    await page.locator("a.pid").nth(1).click()  # a paragraph's anchor
    assert page.url.endswith("#p2")
    await page.get_by_role("link", name="العربية").click()
    await page.wait_for_url(f"{live_url}/ar/messages/{mid}")
    assert await page.get_attribute("html", "dir") == "rtl"
    assert await page.locator("h1").inner_text() == "أجهزة ميسورة التكلفة من أجل نفاذ هادف"
    await context.close()


@pytest.mark.parametrize("javascript", [True, False])
async def test_sign_in_comment_on_a_paragraph_and_sign_out(
    browser: Browser,
    live_url: str,
    db: asyncpg.Pool,
    demo: DemoReport,
    tokens: TokenFactory,
    javascript: bool,
) -> None:
    mid = (await ids_by_title(db))["Affordable devices for meaningful access"]
    person = await tokens.user(password=PASSWORD)
    context = await browser.new_context(java_script_enabled=javascript)
    page = await context.new_page()
    errors = console_errors(page)
    await page.goto(f"{live_url}/en/messages/{mid}")
    await page.get_by_role("link", name="Sign in to comment on paragraph 3").click()
    await page.locator("input[name=email]").fill(person.user.email)
    await page.locator("input[name=password]").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{live_url}/en/messages/{mid}/comment?paragraph=p3")
    if javascript:  # axe runs as a script in the page
        await assert_accessible(page)
    # A form sent incomplete names what is missing, and the summary's link leads to the field.
    await page.get_by_role("button", name="Send the comment").click()
    summary = page.locator(".error-summary")
    assert "Write your comment." in await summary.inner_text()
    if javascript:
        await assert_accessible(page)
    await summary.get_by_role("link", name="Write your comment.").click()
    assert await page.evaluate("document.activeElement.id") == "field-body"
    await page.locator("#field-body").fill("Libraries need reliable power as much as devices.")
    await page.locator("#field-stakeholder_group").select_option("academia")
    await page.locator("#field-country").select_option("KE")
    await page.get_by_role("button", name="Send the comment").click()
    await page.wait_for_url(f"{live_url}/en/messages/{mid}?commented=1#comment-*")
    listed = page.locator("#p3 li.comment")
    assert "Libraries need reliable power as much as devices." in await listed.last.inner_text()
    assert "Thank you: your comment has been added" in await page.locator("[role=status]").inner_text()
    if javascript:
        await assert_accessible(page)
    # Sign out from the page's header: the reading view offers to sign in again.
    await page.get_by_role("banner").get_by_role("button", name="Sign out", exact=True).click()
    await page.wait_for_url(f"{live_url}/en/signin?done=signed-out")
    await page.goto(f"{live_url}/en/messages/{mid}")
    assert await page.get_by_role("link", name="Sign in to comment on paragraph 3").count() == 1
    # The form sent incomplete answers 422 and the sign-in page has no favicon (404): the browser logs both.
    assert [e for e in errors if not e.startswith("Failed to load resource")] == [], errors
    await context.close()
