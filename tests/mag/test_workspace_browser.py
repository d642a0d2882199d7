"""The Secretariat's MAG journey in a real browser (issue 19): from "My work" the Secretariat opens the 2026
cycle's call for nominations, processes the nominations, and on each appoint page watches the what-if warn before
a fourth consecutive term (appointed with a published exception) and before the government share passes 40 %;
then reads the balance dashboard. axe-core checks every page it visits, in English and French, and the dashboard
in Arabic; one appointment is made again with JavaScript off.

The helpers (sign_in_secretariat, shortlist, open_appoint_page, appoint) are for other journeys too.
"""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import httpx
from playwright.async_api import Browser, BrowserContext, Locator, Page

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.web.i18n import LANGUAGES
from tests.mag.support import Mag
from tests.mag.workspace import government_at_the_limit, nominate, returning_member
from tests.support import twofactor
from tests.support.auth import TokenFactory
from tests.support.browser import assert_accessible, console_errors
from tests.support.web import Site
from tests.web.conftest import PASSWORD, site

__all__ = ["site"]

YEAR = 2026


async def sign_in_secretariat(
    browser: Browser,
    site: Site,
    tokens: TokenFactory,
    db: asyncpg.Pool,
    settings: Settings,
    clock: Clock,
    *,
    javascript: bool = True,
) -> tuple[BrowserContext, Page]:
    """A new Secretariat member signed in through the pages with password and TOTP (required of the Secretariat),
    in a fresh browser context."""
    person = await tokens.user(Role.secretariat, password=PASSWORD)
    secret, _ = await twofactor.enrol(db, settings, clock, person.id)
    context = await browser.new_context(java_script_enabled=javascript)
    page = await context.new_page()
    await page.goto(f"{site.url}/en/signin")
    await page.fill("#field-email", person.user.email)
    await page.fill("#field-password", PASSWORD)
    await page.locator("form[action$='/signin'] button[type=submit]").click()
    await page.wait_for_load_state()
    await page.fill("#field-code", twofactor.code(secret, clock))
    await page.locator("form[action$='/signin/second-factor'] button[type=submit]").first.click()
    await page.wait_for_url(f"{site.url}/en/account")
    clock.advance(timedelta(seconds=30))  # the next sign-in's code is a new one
    return context, page


async def follow(page: Page, target: Locator) -> None:
    """Click a link or a form's button and wait for the page it leads to."""
    async with page.expect_navigation():
        await target.click()


async def checked(page: Page, url: str, *, javascript: bool = True) -> None:
    """Open ``url`` (or stay, if it is open) and check it: its language and direction, and axe-core."""
    if page.url != url:
        answer = await page.goto(url)
        assert answer is not None and answer.status == 200, (url, answer and answer.status)
    language = url.split("/")[3]
    assert await page.get_attribute("html", "lang") == language
    assert await page.get_attribute("html", "dir") == LANGUAGES[language].direction
    if javascript:
        await assert_accessible(page)


async def shortlist(page: Page, name: str) -> None:
    """From a cycle's page: open ``name``'s nomination and shortlist it."""
    await follow(page, page.get_by_role("link", name=name, exact=True))
    await follow(page, page.get_by_role("button", name="Shortlist"))
    assert "The nomination's status is changed." in await page.get_by_role("status").inner_text()


async def open_appoint_page(page: Page, name: str) -> str:
    """From a shortlisted nomination's page: the appoint page, with its what-if; the warnings' text."""
    await follow(page, page.get_by_role("link", name=f"Appoint {name}"))
    assert await page.locator("h1").inner_text() == f"Appoint {name}"
    return await page.locator("#warnings").inner_text()


async def appoint(page: Page, *, reason: str | None = None) -> None:
    """On the appoint page: appoint as filled in (with an exception's reason), and land on the cycle's page."""
    if reason is not None:
        await page.get_by_label("Reason for a term-limit exception (only beyond the limit)").fill(reason)
    await follow(page, page.get_by_role("button", name="Appoint", exact=True))
    assert "The nominee is appointed." in await page.get_by_role("status").inner_text()


async def test_the_secretariat_opens_a_cycle_processes_nominations_and_appoints_with_the_balance_in_view(
    browser: Browser,
    site: Site,
    client: httpx.AsyncClient,
    mag: Mag,
    tokens: TokenFactory,
    db: asyncpg.Pool,
    settings: Settings,
    clock: Clock,
) -> None:
    # The record so far, through the API: Vera served 2023-2025; the 2026 cycle is planned with five seats
    # filled, two of them government (40 %, at the limit).
    vera = await returning_member(mag, "Vera Veteran", range(YEAR - 3, YEAR))
    await mag.cycle(YEAR, target_size=7)
    await government_at_the_limit(mag, YEAR)
    context, page = await sign_in_secretariat(browser, site, tokens, db, settings, clock)
    errors = console_errors(page)
    base = f"{site.url}/en"

    # "My work" leads to the cycles; the Secretariat opens the 2026 call for nominations.
    await page.goto(f"{base}/workspace")
    await follow(page, page.get_by_role("link", name="MAG cycles"))
    await checked(page, f"{base}/mag/cycles")
    await follow(page, page.get_by_role("link", name=str(YEAR), exact=True))
    await checked(page, f"{base}/mag/cycles/{YEAR}")
    await follow(page, page.get_by_role("button", name="Open the call for nominations"))
    assert "The cycle's status is changed." in await page.get_by_role("status").inner_text()
    assert "Call for nominations open" in await page.locator("#status-heading + p").inner_text()

    # Nominations arrive through the API, as the public sends them.
    await nominate(client, await tokens.user(), YEAR, "Vera Veteran", person_id=vera["id"])
    await nominate(
        client,
        await tokens.user(),
        YEAR,
        "Omar Official",
        stakeholder_group="government",
        country="EG",
        gender="male",
    )
    await page.reload()
    await checked(page, page.url)

    # Vera: the what-if warns of a fourth consecutive term; appointing without a reason is refused in the form.
    await shortlist(page, "Vera Veteran")
    await checked(page, page.url)
    warned = await open_appoint_page(page, "Vera Veteran")
    assert "Vera Veteran would serve 4 consecutive terms, more than the limit of 3." in warned
    await checked(page, page.url)
    await follow(page, page.get_by_role("button", name="Appoint", exact=True))
    summary = await page.get_by_role("alert").inner_text()
    assert "write the reason for an exception to appoint anyway" in summary
    assert errors == [
        "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
    ]
    errors.clear()  # the browser reports the refused form's 422 status itself
    await checked(page, page.url)  # the error state passes axe too
    await appoint(page, reason="Continuity of the working group on AI governance she chairs")

    # Omar: the what-if warns that the government share would pass 40 %.
    await shortlist(page, "Omar Official")
    warned = await open_appoint_page(page, "Omar Official")
    assert "Appointing Omar Official would take the government share from 33.3% to 42.9%" in warned
    assert "past the limit of 40%" in warned

    # The dashboard as it is (Vera's exception published), in English, French and Arabic.
    await checked(page, f"{base}/mag/cycles/{YEAR}/balance")
    assert "Vera Veteran, consecutive term 4" in await page.locator("#exceptions").inner_text()
    for language in ("fr", "ar"):
        await checked(page, f"{site.url}/{language}/mag/cycles/{YEAR}/balance")
    for path in ("/mag/cycles", f"/mag/cycles/{YEAR}"):
        await checked(page, f"{site.url}/fr{path}")
    await page.goto(f"{site.url}/fr/mag/cycles/{YEAR}")
    await follow(page, page.get_by_role("link", name="Omar Official", exact=True))
    await checked(page, page.url)
    await follow(page, page.get_by_role("link", name="Nommer Omar Official"))
    await checked(page, page.url)
    assert "au-delà de la limite de 40" in await page.locator("#warnings").inner_text()
    assert errors == []
    await context.close()

    # The same appointment with JavaScript off: a warning is not a refusal, so Omar is appointed.
    context, page = await sign_in_secretariat(browser, site, tokens, db, settings, clock, javascript=False)
    await page.goto(f"{base}/mag/cycles/{YEAR}")
    await follow(page, page.get_by_role("link", name="Omar Official", exact=True))
    assert "past the limit of 40%" in await open_appoint_page(page, "Omar Official")
    await appoint(page)
    await page.goto(f"{base}/mag/cycles/{YEAR}/balance")
    assert "The government share, 42.9%, is past its limit of 40%." in await page.locator("main").inner_text()
    await context.close()
    roster = (await client.get(f"/v1/mag/cycles/{YEAR}/appointments?limit=100")).json()["items"]
    assert {a["person"]["name"]: a["term_number"] for a in roster}["Vera Veteran"] == 4
    assert "Omar Official" in {a["person"]["name"] for a in roster}
