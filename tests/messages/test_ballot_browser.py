"""Dispositions and the MAG ballot in a real browser (Chromium through Playwright), in one journey: the
Secretariat answers the comments (one alone, two identical ones at once) and starts the MAG review; a member
finds the ballot in their queue and takes a position, another casts theirs with JavaScript off; the Secretariat
approves and publishes. axe-core on every page, in English and Spanish, Arabic on one page.

The helpers are the steps as a person does them, for issue 20's "done when" journey to reuse:
``dispose_in_browser``, ``dispose_identical_in_browser``, ``start_review_in_browser``,
``take_position_in_browser``, ``decide_in_browser``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from uuid import UUID

import asyncpg
import httpx
import pytest
from playwright.async_api import Browser, Page

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.messages.support import comment, message, move, position, refresh
from tests.messages.test_drafting_browser import sign_in_in_browser
from tests.support import twofactor
from tests.support.auth import TokenFactory
from tests.support.browser import assert_accessible, console_errors
from tests.support.web import Site, serve
from tests.web.conftest import PASSWORD

SAME = "Please name small operators explicitly."


@pytest.fixture
async def site(settings: Settings, clock: Clock, tokens: TokenFactory) -> AsyncIterator[Site]:
    async with serve(settings, clock) as served:
        yield served


# -- reusable steps -----------------------------------------------------------------------------------------


async def dispose_in_browser(
    page: Page,
    site: Site,
    message_id: UUID | str,
    comment_id: UUID | str,
    outcome: str,
    rationale: str,
    *,
    version_number: int | None = None,
    language: str = "en",
    check: bool = True,
) -> None:
    """From the dispositions page, open one comment's form and record its disposition."""
    await page.goto(f"{site.url}/{language}/messages/{message_id}/dispositions")
    await page.locator(f"a[href$='/dispositions/{comment_id}']").click()
    await page.wait_for_load_state()
    if check:
        await assert_accessible(page)
    await page.select_option("#field-outcome", outcome)
    await page.fill("#field-rationale", rationale)
    if version_number is not None:
        await page.select_option("#field-version_number", str(version_number))
    await page.locator("form[action*='/dispositions/'] button[type=submit]").click()
    await page.wait_for_url(f"{site.url}/{language}/messages/{message_id}/dispositions*")


async def dispose_identical_in_browser(
    page: Page,
    site: Site,
    message_id: UUID | str,
    outcome: str,
    rationale: str,
    *,
    language: str = "en",
    check: bool = True,
) -> None:
    """Answer the first group of identical comments with one disposition (every comment of it ticked)."""
    await page.goto(f"{site.url}/{language}/messages/{message_id}/dispositions")
    await page.locator("a[href*='/dispositions/bulk?']").first.click()
    await page.wait_for_load_state()
    if check:
        await assert_accessible(page)
    await page.select_option("#field-outcome", outcome)
    await page.fill("#field-rationale", rationale)
    await page.locator("form[action$='/dispositions/bulk'] button[type=submit]").click()
    await page.wait_for_url(f"{site.url}/{language}/messages/{message_id}/dispositions")


async def start_review_in_browser(
    page: Page, site: Site, message_id: UUID | str, *, language: str = "en", check: bool = True
) -> None:
    """Every comment answered: start the MAG review (the Secretariat); it opens the ballot page."""
    await page.goto(f"{site.url}/{language}/messages/{message_id}/dispositions")
    if check:
        await assert_accessible(page)
    await page.locator("form[action$='/start-review'] button[type=submit]").click()
    await page.wait_for_url(f"{site.url}/{language}/messages/{message_id}/ballot")


async def take_position_in_browser(
    page: Page,
    site: Site,
    message_id: UUID | str,
    value: str,
    *,
    text: str = "",
    group: str | None = None,
    language: str = "en",
    check: bool = True,
) -> None:
    """Take (or change) one's position on the ballot page; ``group`` when the MAG roster has none for them."""
    await page.goto(f"{site.url}/{language}/messages/{message_id}/ballot")
    if check:
        await assert_accessible(page)
    await page.select_option("#field-position", value)
    await page.fill("#field-text", text)
    if group is not None:
        await page.select_option("#field-stakeholder_group", group)
    await page.locator("form[action$='/ballot/position'] button[type=submit]").click()
    await page.wait_for_url(f"{site.url}/{language}/messages/{message_id}/ballot?saved=1*")


async def decide_in_browser(
    page: Page, site: Site, message_id: UUID | str, action: str, *, language: str = "en", check: bool = True
) -> None:
    """Approve (the Chair or the Secretariat) or publish (the Secretariat) from the ballot page."""
    await page.goto(f"{site.url}/{language}/messages/{message_id}/ballot")
    if check:
        await assert_accessible(page)
    await page.locator(f"form:has(input[name=action][value={action}]) button[type=submit]").click()
    await page.wait_for_load_state()
    assert "/ballot/decision" not in page.url, await page.content()


# -- the journey --------------------------------------------------------------------------------------------


async def test_dispositions_and_a_mag_ballot_in_the_browser(
    browser: Browser,
    site: Site,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    db: asyncpg.Pool,
    settings: Settings,
    clock: Clock,
) -> None:
    secretariat = await tokens.user(Role.secretariat, password=PASSWORD)
    secret, _ = await twofactor.enrol(db, settings, clock, secretariat.id)
    members = [await tokens.user(Role.mag_member, password=PASSWORD) for _ in range(4)]
    people = [await tokens.user() for _ in range(3)]
    mid = (await message(client, secretariat)).json()["id"]
    await move(client, secretariat, mid, {"to": "public_comment"})
    made = [
        (await comment(client, people[0], mid, body=SAME)).json(),
        (await comment(client, people[1], mid, body=SAME.upper())).json(),
        (await comment(client, people[2], mid, body="Cite the ITU figures.", paragraph_id="p2")).json(),
    ]
    clock.advance(timedelta(days=21, seconds=1))
    await refresh(tokens, secretariat)
    await move(client, secretariat, mid, {"to": "synthesis"})

    # The Secretariat answers the comments and starts the review.
    staff = await browser.new_context()
    page = await staff.new_page()
    errors = console_errors(page)
    await sign_in_in_browser(page, site, secretariat.user.email, secret=secret, clock=clock)
    await page.goto(f"{site.url}/en/messages/{mid}/dispositions")
    assert await page.locator("form[action$='/start-review'] button[disabled]").count() == 1
    await assert_accessible(page)
    await dispose_in_browser(
        page, site, mid, made[2]["id"], "out_of_scope", "Figures go in the report.", language="es"
    )
    await dispose_identical_in_browser(page, site, mid, "not_accepted", "Small operators are named in p2.")
    await page.goto(f"{site.url}/ar/messages/{mid}/dispositions")
    assert await page.get_attribute("html", "dir") == "rtl"
    await assert_accessible(page)
    await start_review_in_browser(page, site, mid, language="es")
    await assert_accessible(page)

    # A member finds it in their queue and raises a concern, then withdraws it.
    member = await browser.new_context()
    mine = await member.new_page()
    await sign_in_in_browser(mine, site, members[0].user.email)
    for language in ("en", "es"):
        await mine.goto(f"{site.url}/{language}/messages/ballots")
        await assert_accessible(mine)
    await mine.locator(f"a[href$='/messages/{mid}/ballot']").first.click()
    await mine.wait_for_load_state()
    await take_position_in_browser(
        mine, site, mid, "concern", text="Paragraph 3 overreaches.", group="government", language="es"
    )
    await assert_accessible(mine)
    await take_position_in_browser(mine, site, mid, "yes", language="en")
    await assert_accessible(mine)
    await member.close()

    # Another casts theirs with JavaScript off.
    quiet = await browser.new_context(java_script_enabled=False)
    off = await quiet.new_page()
    await sign_in_in_browser(off, site, members[1].user.email)
    await take_position_in_browser(off, site, mid, "no_objection", group="civil_society", check=False)
    assert "No objection" in await off.locator("#my-current-position").inner_text()
    await quiet.close()

    await refresh(tokens, *members)
    await position(client, members[2], mid, "yes", group="private_sector")
    await position(client, members[3], mid, "recuse", group="technical_community", text="I co-wrote it.")

    # The Secretariat approves and publishes; the public page shows it, delivery pending (no consumer here).
    await decide_in_browser(page, site, mid, "approve")
    await decide_in_browser(page, site, mid, "publish", language="es")
    assert page.url == f"{site.url}/es/messages/{mid}"
    await assert_accessible(page)
    assert await page.locator("#delivery-ungis").count() == 1
    state = await db.fetchval("SELECT state FROM messages WHERE id = $1", UUID(mid))
    assert state == "published"
    assert errors == []
    await staff.close()
