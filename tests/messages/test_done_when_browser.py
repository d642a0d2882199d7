"""Issue 20's "done when", as one browser journey (Chromium through Playwright, axe-core on every page):

a Message from imported session reports through drafting, a French translation, the comment window (on the
injected clock), comments from three people, dispositions (one in bulk), the MAG ballot with five members (one
concern, one recusal), approval by the MAG Chair and publication by the Secretariat, and ``message.approved``
arriving at a real consumer HTTP server on 127.0.0.1 whose staff then find that delivery in their endpoint log.

Set up through the API rather than the pages (said here so nobody mistakes it for a page step): the UNGIS
endpoint's registration and verification (tests/webhooks/conftest.verified_endpoint; the staff's own
registration page has its journey in tests/webhooks/test_pages_browser.py), and three of the five positions.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import timedelta
from uuid import UUID

import asyncpg
import httpx
import msgspec
import pytest
from playwright.async_api import Browser, BrowserContext, Page

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings, WebhookSettings
from igf_hub.webhooks.dispatcher import Dispatcher
from tests.messages.support import position, refresh, sweep
from tests.messages.test_ballot_browser import (
    decide_in_browser,
    dispose_identical_in_browser,
    dispose_in_browser,
    start_review_in_browser,
    take_position_in_browser,
)
from tests.messages.test_drafting_browser import (
    REPORTS_CSV,
    add_translation_in_browser,
    draft_message_in_browser,
    import_session_reports_in_browser,
    open_comment_window,
    sign_in_in_browser,
)
from tests.support import twofactor
from tests.support.auth import TokenFactory
from tests.support.browser import assert_accessible, console_errors
from tests.support.consumer import ConsumerServer
from tests.support.web import Site, serve
from tests.web.conftest import PASSWORD
from tests.webhooks.conftest import TEST_SECRETS_KEY, UNGIS, verified_endpoint

BODY = (
    "Meaningful access needs affordable connectivity.\n\n"
    "Community networks need spectrum and skills.\n\n"
    "Data governance must respect human rights."
)
SAME = "Please name small operators explicitly."


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Loopback allowlisted for the consumer on 127.0.0.1; the test drives the dispatcher itself."""
    return msgspec.structs.replace(
        settings,
        webhooks=WebhookSettings(
            allowed_hosts="127.0.0.1",
            secrets_key=TEST_SECRETS_KEY,
            run_dispatcher=False,
            poll_interval=0.05,
            request_timeout=5.0,
            lease_seconds=60,
        ),
    )


@pytest.fixture
async def site(settings: Settings, clock: Clock, tokens: TokenFactory) -> AsyncIterator[Site]:
    async with serve(settings, clock) as served:
        yield served


async def signed_in(
    browser: Browser, site: Site, email: str, *, secret: bytes | None = None, clock: Clock | None = None
) -> tuple[BrowserContext, Page, list[str]]:
    context = await browser.new_context()
    page = await context.new_page()
    errors = console_errors(page)
    await sign_in_in_browser(page, site, email, secret=secret, clock=clock)
    return context, page, errors


async def comment_in_browser(
    browser: Browser, site: Site, email: str, message_id: UUID, body: str, group: str, country: str
) -> None:
    """A signed-in person comments on the whole Message from its public page."""
    context, page, errors = await signed_in(browser, site, email)
    await page.goto(f"{site.url}/es/messages/{message_id}/comment")
    await assert_accessible(page)
    await page.fill("#field-body", body)
    await page.select_option("#field-stakeholder_group", group)
    await page.select_option("#field-country", country)
    await page.locator(f"form[action$='/messages/{message_id}/comment'] button[type=submit]").click()
    await page.wait_for_url(f"{site.url}/es/messages/{message_id}?commented=1*")
    assert errors == []
    await context.close()


async def test_a_message_from_session_reports_to_the_cstd(
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
    chair = await tokens.user(Role.mag_member, chair=True, password=PASSWORD)
    chair_secret, _ = await twofactor.enrol(db, settings, clock, chair.id)
    commenters = [await tokens.user(password=PASSWORD) for _ in range(3)]
    staff = await tokens.user((Role.consumer, UNGIS), password=PASSWORD)

    async with (
        ConsumerServer(now=lambda: clock.now().timestamp()) as consumer,
        httpx.AsyncClient(follow_redirects=False) as http,
    ):
        dispatcher = Dispatcher(db, http, settings, clock, rng=random.Random(7))
        # UNGIS listens for approved Messages (registered and verified through the API: see the docstring).
        await verified_endpoint(client, secretariat, consumer, dispatcher)

        # Drafting: imported session reports, a draft citing one, a French translation, the comment window.
        office, page, errors = await signed_in(
            browser, site, secretariat.user.email, secret=secret, clock=clock
        )
        await import_session_reports_in_browser(page, site, REPORTS_CSV)
        mid = await draft_message_in_browser(
            page,
            site,
            title="Connect the next billion",
            theme="Universal connectivity",
            body=BODY,
            action_lines=["C2"],
            sdgs=[9],
            gdc_objectives=[1],
            cite="Sahel",
            language="es",
        )
        await add_translation_in_browser(
            page,
            site,
            mid,
            "fr",
            "Connecter le prochain milliard",
            [
                "Un accès utile exige une connectivité abordable.",
                "Les réseaux communautaires ont besoin de spectre et de compétences.",
                "La gouvernance des données doit respecter les droits humains.",
            ],
            confirmed=True,
        )
        await open_comment_window(page, site, mid, days=14)

        # Three people comment (two say the same thing); the window closes on the injected clock.
        await comment_in_browser(browser, site, commenters[0].user.email, mid, SAME, "civil_society", "KE")
        await comment_in_browser(
            browser, site, commenters[1].user.email, mid, SAME.lower(), "private_sector", "BR"
        )
        await comment_in_browser(
            browser, site, commenters[2].user.email, mid, "Cite the ITU figures.", "academia", "FR"
        )
        await page.goto(f"{site.url}/fr/messages/{mid}?text=fr")
        assert "Connecter le prochain milliard" in await page.locator("h1").inner_text()
        await assert_accessible(page)
        clock.advance(timedelta(days=14, seconds=1))
        await sweep(settings, clock)  # the worker's job moves the Message to synthesis at closes_at
        assert await db.fetchval("SELECT state FROM messages WHERE id = $1", mid) == "synthesis"

        # Dispositions: one alone, the two identical ones in bulk; then the MAG review starts.
        await office.close()
        office, page, errors = await signed_in(
            browser, site, secretariat.user.email, secret=secret, clock=clock
        )
        ids = [
            r["id"]
            for r in await db.fetch(
                "SELECT id FROM message_comments WHERE message_id = $1 ORDER BY created_at", mid
            )
        ]
        await dispose_in_browser(page, site, mid, ids[2], "out_of_scope", "Figures belong in the report.")
        await dispose_identical_in_browser(
            page, site, mid, "not_accepted", "Small operators are named in paragraph 2.", language="es"
        )
        await start_review_in_browser(page, site, mid)

        # The ballot: five members, one concern (withdrawn), one recusal.
        member, mine, member_errors = await signed_in(browser, site, members[0].user.email)
        await mine.goto(f"{site.url}/es/messages/ballots")
        await assert_accessible(mine)
        await take_position_in_browser(
            mine, site, mid, "concern", text="Paragraph 3 overreaches.", group="government", language="es"
        )
        await refresh(tokens, *members)
        await position(
            client, members[1], str(mid), "recuse", group="technical_community", text="I co-wrote it."
        )
        await position(client, members[2], str(mid), "yes", group="civil_society")
        await position(client, members[3], str(mid), "no_objection", group="private_sector")
        chairing, bench, chair_errors = await signed_in(
            browser, site, chair.user.email, secret=chair_secret, clock=clock
        )
        await take_position_in_browser(bench, site, mid, "yes", group="civil_society")
        assert "concern" in (await bench.locator("#requirement-no_open_concern").inner_text()).lower()
        assert await bench.locator("form:has(input[value=approve]) button[disabled]").count() == 1
        await bench.goto(f"{site.url}/ar/messages/{mid}/ballot")
        assert await bench.get_attribute("html", "dir") == "rtl"
        await assert_accessible(bench)
        await take_position_in_browser(mine, site, mid, "yes")  # the concern withdrawn
        assert member_errors == []
        await member.close()

        # The Chair approves; the Secretariat publishes; the public page says where it went.
        await decide_in_browser(bench, site, mid, "approve")
        assert "passes" in await bench.locator("#tally-verdict").inner_text()
        assert chair_errors == []
        await chairing.close()
        await decide_in_browser(page, site, mid, "publish")
        assert await db.fetchval("SELECT state FROM messages WHERE id = $1", mid) == "published"
        await dispatcher.run_once()
        arrived = [r for r in consumer.received if r.json()["type"] == "message.approved"]
        assert len(arrived) == 1 and arrived[0].signature_ok
        assert arrived[0].json()["subject"] == str(mid)
        assert arrived[0].json()["data"]["title"] == "Connect the next billion"
        await page.goto(f"{site.url}/en/messages/{mid}")
        assert (await page.locator("#delivery-ungis td").first.inner_text()).startswith("Delivered on")
        await assert_accessible(page)
        assert errors == []
        await office.close()

    # UNGIS's staff find that delivery in their endpoint log.
    desk, log, log_errors = await signed_in(browser, site, staff.user.email)
    await log.goto(f"{site.url}/es/consumers/{UNGIS}/deliveries?event_type=message.approved")
    await assert_accessible(log)
    rows = log.locator("tbody tr")
    assert await rows.count() == 1
    await rows.first.locator("a").click()
    await log.wait_for_load_state()
    await assert_accessible(log)
    facts = await log.locator("dl.facts").inner_text()
    assert "message.approved" in await log.content() and arrived[0].json()["id"] in await log.content(), facts
    assert log_errors == []
    await desk.close()
