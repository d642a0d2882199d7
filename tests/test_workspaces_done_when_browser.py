"""Issue 19's "done when", the NRI part, as one journey in a real browser with axe-core on every page: a
coordinator registers an NRI in French, sees two criteria unmet, fixes them and submits; the Secretariat asks for
changes with a reason per field; the coordinator reads them in the inbox, edits and submits again; the
Secretariat recognises the NRI; it appears in the public directory; the coordinator files the annual report.

The issue's other "done when" parts run once, in their own journeys (browser tests are CI's scarce resource, so
they are not repeated here): a facilitator runs a call for input and publishes an output a Message then cites —
tests/tracks/test_workspace_browser.py::test_a_facilitator_runs_a_call_for_input_and_publishes_an_output_a_message_cites;
the Secretariat appoints a MAG cycle and watches the balance dashboard warn before a fourth consecutive term and
before the government share passes 40 % — tests/mag/test_workspace_browser.py::
test_the_secretariat_opens_a_cycle_processes_nominations_and_appoints_with_the_balance_in_view.
"""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import httpx
from playwright.async_api import Browser, expect

from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.messages.test_drafting_browser import sign_in_in_browser as sign_in_with_second_factor
from tests.nri.test_review_browser import (
    enrol_secretariat,
    recognise_in_browser,
    request_changes_in_browser,
    start_review_in_browser,
)
from tests.nri.test_workspace_browser import (
    UNMET,
    file_report_in_browser,
    fix_criteria_in_browser,
    register_nri_in_browser,
    sign_in_in_browser,
    submit_nri_in_browser,
)
from tests.support.auth import TokenFactory
from tests.support.browser import assert_accessible, console_errors
from tests.support.notices import deliver, inbox
from tests.support.web import Site
from tests.web.conftest import PASSWORD, site

__all__ = ["site"]

NAME = "Forum de gouvernance de l'Internet du Sénégal"
WEBSITE_REASON = "Le site ne répond pas : donnez une adresse qui fonctionne."


async def test_an_nri_from_registration_in_french_to_recognition_and_its_annual_report(
    browser: Browser,
    site: Site,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    db: asyncpg.Pool,
    settings: Settings,
    clock: Clock,
) -> None:
    coordinator = await tokens.user(password=PASSWORD)
    secretariat, secret = await enrol_secretariat(tokens, db, settings, clock)

    # The coordinator, in French: two criteria unmet as the form is filled in, fixed, submitted.
    theirs = await browser.new_context()
    page = await theirs.new_page()
    errors = console_errors(page)
    await sign_in_in_browser(page, site.url, coordinator.user.email)
    await assert_accessible(page)
    await register_nri_in_browser(page, site.url, name=NAME, website="https://fgi.example.sn/ancien")
    await expect(page.locator(UNMET)).to_have_count(2)
    await assert_accessible(page)
    await fix_criteria_in_browser(page)
    nri_id = await submit_nri_in_browser(page, site.url)

    # The Secretariat finds it in its work queue and asks for changes, with a reason for the website.
    ours = await browser.new_context()
    review = await ours.new_page()
    await sign_in_with_second_factor(review, site, secretariat.user.email, secret=secret, clock=clock)
    await review.goto(f"{site.url}/en/secretariat/queue")
    await assert_accessible(review)
    await review.locator(f"a[href='/en/secretariat/nris/{nri_id}']").click()
    await start_review_in_browser(review, site, nri_id)
    await request_changes_in_browser(
        review, site, nri_id, "The public channel must work.", {"website": WEBSITE_REASON}
    )
    await assert_accessible(review)

    # The coordinator reads it in the inbox, edits the website and submits again.
    await deliver(db, settings, clock)
    (params,) = [p for kind, p in await inbox(db, coordinator.id) if kind == "nri.changes_requested"]
    assert params["fields"] == [{"field": "Website", "reason": WEBSITE_REASON}]  # the notice names the field
    await page.goto(f"{site.url}/fr/inbox")
    await expect(page.locator(".notices")).to_contain_text(f"Modifications demandées : {NAME}")
    await assert_accessible(page)
    await page.goto(f"{site.url}/fr/my/initiatives/{nri_id}")
    await expect(page.locator("main")).to_contain_text("The public channel must work.")
    await assert_accessible(page)
    await page.locator("[name=website]").fill("https://fgi.example.sn")
    for box in await page.locator("input[name=principles]").all():  # affirmed again with each submission
        await box.check()
    await page.locator("button[name=action][value=submit]").click()
    await page.wait_for_url(f"{site.url}/fr/my/initiatives/{nri_id}?done=submitted")
    await assert_accessible(page)

    # The Secretariat recognises it: it is in the public directory.
    await start_review_in_browser(review, site, nri_id)
    await recognise_in_browser(review, site, nri_id, "Meets every IGF criterion.")
    await assert_accessible(review)
    public = await browser.new_context()
    reader = await public.new_page()
    await reader.goto(f"{site.url}/fr/nris")
    await expect(reader.locator("main")).to_contain_text(NAME)
    await assert_accessible(reader)
    await public.close()
    await ours.close()

    # The coordinator files last year's annual report.
    clock.advance(timedelta(seconds=1))
    await file_report_in_browser(page, site.url, nri_id, clock.now().year - 1)
    assert [e for e in errors if "status of 422" not in e] == []
    await theirs.close()
