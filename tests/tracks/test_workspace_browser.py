"""Issue 19's track facilitator journey in a real browser (Chromium through Playwright), axe-core on every page:
a facilitator finds their track on "My work", opens a call for input, reads the submission that arrives and
closes the call, starts a draft output and publishes it (the publishing step with JavaScript off), and an IGF
Message then cites the published output, which the output's page lists. English and French on every page,
Arabic (right to left) on one.

The helpers (``sign_in``, ``checked``, ``open_call``, ``start_draft``, ``publish``) are for other journeys
through the workspace (the combined "done when" journey of #19)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page

from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.support.auth import Caller, TokenFactory
from tests.support.browser import assert_accessible, console_errors
from tests.support.web import Site, serve
from tests.tracks.conftest import Tracks, dc_body

PASSWORD = "a quiet river under the old bridge"


@pytest.fixture
async def site(settings: Settings, clock: Clock, client: httpx.AsyncClient) -> AsyncIterator[Site]:
    async with serve(settings, clock) as served:
        yield served


async def sign_in(context: BrowserContext, base: str, email: str, password: str, then: str) -> Page:
    """A page of ``context`` signed in through the sign-in form, at ``then`` (a path with its language)."""
    page = await context.new_page()
    await page.goto(f"{base}/en/signin?next={then}")
    await page.locator("input[name=email]").fill(email)
    await page.locator("input[name=password]").fill(password)
    await page.locator("form[action$='/signin'] button[type=submit]").click()
    await page.wait_for_url(f"{base}{then}")
    return page


async def checked(page: Page, language: str, errors: list[str]) -> None:
    """The page is in ``language`` (and its direction), axe-core finds nothing, and no script failed."""
    assert await page.get_attribute("html", "lang") == language
    assert await page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
    await assert_accessible(page)
    assert errors == [], errors


async def open_call(page: Page, title: str, description: str, deadline: str) -> str:
    """On a track's workspace page: open a call for input; the call's workspace path (without a query)."""
    await page.locator("input[name=call_title]").fill(title)
    await page.locator("textarea[name=call_description]").fill(description)
    await page.locator("input[name=call_closes_at]").fill(deadline)
    await page.locator("form[action$='/calls'] button[type=submit]").click()
    await page.wait_for_url("**/workspace/tracks/calls/*?done=call-opened")
    return page.url.split("?")[0]


async def start_draft(page: Page, title: str, text: str, kind: str, year: int) -> str:
    """On a track's workspace page: start a draft output; the draft's workspace URL (without a query)."""
    form = page.locator("form[action$='/outputs']")
    await form.locator("input[name=title]").fill(title)
    await form.locator("textarea[name=text]").fill(text)
    await form.locator("select[name=kind]").select_option(kind)
    await form.locator("input[name=year]").fill(str(year))
    await form.locator("button[type=submit]").click()
    await page.wait_for_url("**/workspace/tracks/outputs/*?done=draft-started")
    return page.url.split("?")[0]


async def publish(page: Page) -> str:
    """On a draft's workspace page: publish it; the citable id the page then shows."""
    await page.locator("form[action$='/publish'] button[type=submit]").click()
    await page.wait_for_url("**/workspace/tracks/outputs/*?done=published")
    return (await page.locator("code.citable-id").inner_text()).strip()


async def facilitator_of(tracks: Tracks, tokens: TokenFactory, slug: str) -> Caller:
    person = await tokens.user(password=PASSWORD, display_name="Faith Facilitator")
    bound = await tracks.client.post(
        f"/v1/tracks/{slug}/facilitators", json={"user_id": str(person.id)}, headers=tracks.admin.headers
    )
    assert bound.status_code == 201, bound.text
    return person


async def test_a_facilitator_runs_a_call_for_input_and_publishes_an_output_a_message_cites(
    browser: Browser, site: Site, tracks: Tracks, tokens: TokenFactory, clock: Clock
) -> None:
    await tracks.active(dc_body("dc-open-standards"))
    person = await facilitator_of(tracks, tokens, "dc-open-standards")
    base = site.url

    context = await browser.new_context()
    page = await sign_in(context, base, person.user.email, PASSWORD, "/en/workspace")
    errors = console_errors(page)
    await page.locator("a[href='/en/workspace/tracks']").click()  # "My tracks" on "My work"
    await page.wait_for_url(f"{base}/en/workspace/tracks")
    await checked(page, "en", errors)
    await page.locator("a[href='/en/workspace/tracks/dc-open-standards']").click()
    await page.wait_for_url(f"{base}/en/workspace/tracks/dc-open-standards")
    await checked(page, "en", errors)

    # A call for input: opened, a submission arrives, read, closed.
    deadline = (clock.now() + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M")
    call_url = await open_call(page, "Open standards you rely on", "Tell us which, and why.", deadline)
    await checked(page, "en", errors)
    someone = await tokens.user()
    call_id = call_url.rsplit("/", 1)[1]
    sent = await tracks.client.post(
        f"/v1/tracks/calls/{call_id}/submissions",
        json={"stakeholder_group": "civil_society", "text": "We rely on HTML and IPv6.", "country": "GH"},
        headers=someone.headers,
    )
    assert sent.status_code == 201, sent.text
    await page.goto(call_url.replace("/en/", "/fr/"))
    assert "We rely on HTML and IPv6." in await page.locator("ol.submissions").inner_text()
    await checked(page, "fr", errors)
    await page.locator("form[action$='/close'] button[type=submit]").click()
    await page.wait_for_url("**/fr/workspace/tracks/calls/*?done=call-closed")
    assert await page.locator("form[action$='/close']").count() == 0
    await checked(page, "fr", errors)
    closed = await tracks.client.get(f"/v1/tracks/calls/{call_id}")
    assert closed.json()["state"] == "closed"

    # An output: drafted in French, read in Arabic, published with JavaScript off.
    await page.goto(f"{base}/fr/workspace/tracks/dc-open-standards")
    await checked(page, "fr", errors)
    draft_url = await start_draft(page, "Rapport annuel", "Ce que nous avons fait.", "report", 2026)
    await checked(page, "fr", errors)
    await page.goto(draft_url.replace("/fr/", "/ar/"))
    await checked(page, "ar", errors)
    await page.goto(f"{base}/fr/workspace/tracks")
    await checked(page, "fr", errors)

    no_script = await browser.new_context(java_script_enabled=False)
    plain = await sign_in(no_script, base, person.user.email, PASSWORD, "/en/workspace/tracks")
    await plain.goto(draft_url.replace("/fr/", "/en/"))
    cited_as = await publish(plain)
    assert cited_as == "igf:dc-open-standards:2026:1:v1"
    await no_script.close()

    # An IGF Message cites the published output; once it is public, the output's page lists it.
    output_id = draft_url.rsplit("/", 1)[1]
    made = await tracks.client.post(
        "/v1/messages",
        json={
            "year": 2026,
            "theme": "Open standards",
            "title": "Standards keep the Internet open",
            "body": "Open standards matter.",
            "classification": {"wsis_action_lines": ["C2"], "sdgs": [9], "gdc_objectives": [1]},
            "provenance": [{"kind": "track_output", "id": output_id}],
        },
        headers=tracks.admin.headers,
    )
    assert made.status_code == 201, made.text
    assert made.json()["provenance"][0]["citable_id"] == cited_as
    opened = await tracks.client.post(
        f"/v1/messages/{made.json()['id']}/transitions",
        json={"to": "public_comment"},
        headers={
            **tracks.admin.headers,
            "If-Match": made.headers.get("message-etag") or made.headers["etag"],
        },
    )
    assert opened.status_code == 200, opened.text
    await page.goto(draft_url.replace("/fr/", "/en/"))
    assert await page.locator("code.citable-id").inner_text() == cited_as
    cited_by = page.locator("section[aria-labelledby='cited-by'] a")
    assert await cited_by.get_attribute("href") == f"/en/messages/{made.json()['id']}"
    await checked(page, "en", errors)
    await context.close()
