"""The Secretariat's pages in a real browser (issue 19), one journey: the work queue, the NRIs awaiting review and
the review page, people and roles, the audit log and its check, with axe-core on each, in English and French, the queue in Arabic (right to left); asking for
changes with a reason per field, a refusal shown in the form; then the decision (recognise) with JavaScript off.

Steps shared with issue 19's combined journey: ``enrol_secretariat``, ``request_changes_in_browser``,
``recognise_in_browser``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
import httpx
from playwright.async_api import Browser, Page

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.messages.test_drafting_browser import sign_in_in_browser
from tests.nri.helpers import PRINCIPLES, act, register
from tests.support import twofactor
from tests.support.auth import TokenFactory
from tests.support.browser import assert_accessible, console_errors
from tests.support.web import Site
from tests.web.conftest import PASSWORD, site

__all__ = ["site"]


async def enrol_secretariat(tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock) -> Any:
    """A Secretariat person with a password and two-factor set up; (the person, their TOTP secret)."""
    person = await tokens.user(Role.secretariat, password=PASSWORD)
    secret, _ = await twofactor.enrol(db, settings, clock, person.id)
    return person, secret


async def start_review_in_browser(page: Page, site: Site, nri_id: str, *, language: str = "en") -> None:
    await page.goto(f"{site.url}/{language}/secretariat/nris/{nri_id}")
    await page.locator("form[action$='/start-review'] button[type=submit]").click()
    await page.wait_for_url(f"{site.url}/{language}/secretariat/nris/{nri_id}?done=review-started")


async def request_changes_in_browser(
    page: Page, site: Site, nri_id: str, reason: str, fields: dict[str, str], *, language: str = "en"
) -> None:
    """On the review page of an NRI under review: a reason for each field named, the general reason, sent."""
    for field, text in fields.items():
        await page.fill(f"#field-field_{field}", text)
    await page.fill("#field-reason", reason)
    await page.locator("form[action$='/request-changes'] button[type=submit]").click()
    await page.wait_for_url(f"{site.url}/{language}/secretariat/nris/{nri_id}?done=changes-requested")


async def recognise_in_browser(
    page: Page, site: Site, nri_id: str, reason: str, *, language: str = "en"
) -> None:
    await page.goto(f"{site.url}/{language}/secretariat/nris/{nri_id}")
    await page.fill("#field-recognise_reason", reason)
    await page.locator("form[action$='/recognise'] button[type=submit]").click()
    await page.wait_for_url(f"{site.url}/{language}/secretariat/nris/{nri_id}?done=recognised")


async def _submitted(client: httpx.AsyncClient, tokens: TokenFactory, **overrides: Any) -> str:
    coordinator = await tokens.user()
    nri = await register(client, coordinator, **overrides)
    answer = await act(client, coordinator, nri["id"], "submit", {"affirmed_principles": PRINCIPLES})
    assert answer.status_code == 200, answer.text
    return str(nri["id"])


async def test_the_secretariat_reviews_nris_from_its_work_queue(
    browser: Browser,
    site: Site,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    db: asyncpg.Pool,
    settings: Settings,
    clock: Clock,
) -> None:
    kenya = await _submitted(client, tokens)
    senegal = await _submitted(client, tokens, name="Forum sénégalais", countries=["SN"])
    person, secret = await enrol_secretariat(tokens, db, settings, clock)

    context = await browser.new_context()
    page = await context.new_page()
    errors = console_errors(page)
    await sign_in_in_browser(page, site, person.user.email, secret=secret, clock=clock)
    await page.goto(f"{site.url}/en/secretariat/queue")
    await assert_accessible(page)
    await page.locator(f"a[href='/en/secretariat/nris/{kenya}']").click()
    await page.wait_for_url(f"{site.url}/en/secretariat/nris/{kenya}")
    await assert_accessible(page)
    await start_review_in_browser(page, site, kenya)
    await assert_accessible(page)
    # A reason per field but none for the decision: refused in the form, what was written kept.
    await page.fill("#field-field_website", "The site does not load.")
    await page.locator("form[action$='/request-changes'] button[type=submit]").click()
    await page.wait_for_load_state()
    assert await page.locator(".error-summary").count() == 1
    assert await page.input_value("#field-field_website") == "The site does not load."
    await assert_accessible(page)
    await request_changes_in_browser(
        page, site, kenya, "One field needs work.", {"website": "The site does not load."}
    )
    assert "Website: The site does not load." in " ".join((await page.inner_text("main")).split())
    await assert_accessible(page)

    # French: the list and a review page; the queue in Arabic, right to left.
    await page.goto(f"{site.url}/fr/secretariat/nris")
    await assert_accessible(page)
    await start_review_in_browser(page, site, senegal, language="fr")
    await assert_accessible(page)
    await page.goto(f"{site.url}/fr/secretariat/queue")
    await assert_accessible(page)
    # People and roles, the audit log and its check, in both languages.
    for language in ("en", "fr"):
        for path in ("/secretariat/people", "/secretariat/audit", "/secretariat/audit/verify"):
            await page.goto(f"{site.url}/{language}{path}")
            await assert_accessible(page)
    await page.goto(f"{site.url}/ar/secretariat/queue")
    assert await page.get_attribute("html", "dir") == "rtl"
    await assert_accessible(page)
    # The refused form answered 422, which the browser logs; nothing else went wrong.
    assert [e for e in errors if "status of 422" not in e] == []
    await context.close()

    # The decision with JavaScript off: the forms are plain forms.
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    clock.advance(timedelta(seconds=30))  # a fresh TOTP code: the first one is not accepted twice
    await sign_in_in_browser(page, site, person.user.email, secret=secret, clock=clock, language="fr")
    await recognise_in_browser(page, site, senegal, "Répond à tous les critères.", language="fr")
    await page.goto(f"{site.url}/fr/nris")
    assert "Forum sénégalais" in await page.inner_text("main")
    await context.close()
