"""Issue 20's funding "done when", in a real browser: a funder signs in and finds their pledge's fulfilment; the
Secretariat records a receipt in EUR (previewing its USD amount and rate first) and the public /transparency page
moves by the right USD amount, checked against the rate here, independently of the code. axe-core on every page,
in English and Spanish, the finance page in Arabic; the Secretariat's recording once more with JavaScript off."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from playwright.async_api import Browser, BrowserContext, Page

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.funding.conftest import Ledger, announce_nri
from tests.support import twofactor
from tests.support.auth import TokenFactory
from tests.support.browser import assert_accessible, console_errors
from tests.support.web import Site, serve

PASSWORD = "correct horse battery staple"
RATE = Decimal("1.0850")  # USD per EUR, uploaded below: the test's own arithmetic uses it
RATES = f"currency,effective_on,usd_per_unit,source\nEUR,2024-03-01,{RATE},UN operational rates of exchange\n"


@pytest.fixture
async def site(settings: Settings, clock: Clock) -> AsyncIterator[Site]:
    async with serve(settings, clock) as served:
        yield served


async def pledge(ledger: Ledger) -> dict[str, Any]:
    """A donor that pledged 10,000 EUR for 2024 and paid 4,000 EUR of it."""
    assert (await ledger.rates(RATES)).status_code == 201
    donor = await ledger.donor(legal_name="Ministry of Digital Affairs", display_name="Digital Ministry")
    c = await ledger.contribution(donor["id"], title="Core support 2024", years=[2024])
    await ledger.event(c["id"], kind="pledge", amount="10000.00", currency="EUR", value_date="2024-03-01")
    await ledger.event(c["id"], kind="receipt", amount="4000.00", currency="EUR", value_date="2024-03-01")
    return c


async def sign_in(context: BrowserContext, site: Site, email: str, code: str | None = None) -> Page:
    page = await context.new_page()
    await page.goto(f"{site.url}/en/signin")
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    if code is not None:  # the Secretariat's required second factor
        await page.get_by_label("Code").fill(code)
        await page.get_by_role("button", name="Continue").click()
    await page.wait_for_url(f"{site.url}/en/account")
    return page


async def received_usd(page: Page, site: Site) -> Decimal:
    await page.goto(f"{site.url}/en/transparency")
    value = await page.locator('dd[data-metric="received_usd"]').get_attribute("data-value")
    assert value is not None
    return Decimal(value)


async def record_receipt(
    page: Page, site: Site, contribution: dict[str, Any], amount: str, *, javascript: bool
) -> None:
    """From the finance page: open the contribution, preview a EUR receipt, check the preview, record it."""
    await page.goto(f"{site.url}/en/finance")
    if javascript:
        await assert_accessible(page)
    await page.get_by_role("link", name=contribution["title"]).first.click()
    if javascript:
        await assert_accessible(page)
    await page.get_by_label("Kind of entry").select_option("receipt")
    await page.get_by_label("Amount", exact=True).fill(amount)
    await page.get_by_label("Currency").fill("EUR")
    await page.get_by_label("Value date").fill("2024-03-01")
    usd = (Decimal(amount) * RATE).quantize(Decimal("0.01"))
    preview = page.locator("#preview")
    if javascript:  # htmx: the preview follows the form as it changes, before any button is pressed
        await page.get_by_label("Value date").press("Tab")
        await preview.get_by_text(f"Recording this would add ${usd:,.2f}").wait_for()
    await page.get_by_role("button", name="Preview").click()
    await preview.get_by_text(f"Recording this would add ${usd:,.2f}").wait_for()
    assert "1 EUR = 1.085 USD (UN operational rates of exchange" in await preview.inner_text()
    if javascript:
        await assert_accessible(page)
    await page.get_by_role("button", name="Record the entry").click()
    await page.wait_for_url("**?done=recorded")
    assert await page.get_by_role("status").inner_text() == "The entry is recorded in the ledger."


async def test_a_funder_finds_the_fulfilment_and_a_receipt_in_eur_moves_the_transparency_page(
    browser: Browser, site: Site, tokens: TokenFactory, ledger: Ledger, clock: Clock, db: asyncpg.Pool
) -> None:
    contribution = await pledge(ledger)
    funder = await tokens.user((Role.funder, UUID(contribution["donor_id"])), password=PASSWORD)
    staff = await tokens.user(Role.secretariat, password=PASSWORD)
    secret, _ = await twofactor.enrol(tokens.pool, tokens.settings, tokens.clock, staff.id)

    # The funder signs in, goes to "My work", and finds the pledge's fulfilment: 4,000 of 10,000 EUR, 40 %.
    funder_context = await browser.new_context()
    page = await sign_in(funder_context, site, funder.user.email)
    errors = console_errors(page)
    await page.goto(f"{site.url}/en/workspace")
    await page.get_by_role("link", name="Donor portal").click()
    await page.wait_for_url(f"**/en/funder/donors/{contribution['donor_id']}")
    await assert_accessible(page)
    fulfilment = page.locator("table.fulfilment tbody tr").first
    assert "40%" in await fulfilment.inner_text()
    assert f"${Decimal(6000) * RATE:,.2f}" in await fulfilment.inner_text()  # outstanding
    await page.goto(f"{site.url}/es/funder/donors/{contribution['donor_id']}")
    await assert_accessible(page)
    assert errors == []

    # The Secretariat records 2,500 EUR received; the public page moves by 2,500 times 1.0850 = 2,712.50 USD.
    staff_context = await browser.new_context()
    office = await sign_in(staff_context, site, staff.user.email, twofactor.code(secret, clock))
    before = await received_usd(office, site)
    await record_receipt(office, site, contribution, "2500.00", javascript=True)
    after = await received_usd(office, site)
    assert after - before == Decimal("2500.00") * RATE == Decimal("2712.50")
    await assert_accessible(office)  # the transparency page as it now is
    # The grant pages, from the request to the payment, with an application on file.
    nri = uuid4()
    await announce_nri(db, nri, name="Kenya IGF")
    grant = await ledger.client.post(
        "/v1/funding/nri-grants",
        json={"programme": "igf_secretariat", "nri_id": str(nri), "year": 2026, "amount_requested": "2000"},
        headers=ledger.headers,
    )
    assert grant.status_code == 201, grant.text
    await office.goto(f"{site.url}/en/finance/grants")
    await assert_accessible(office)
    await office.get_by_role("link", name="Kenya IGF").click()
    await office.get_by_label("Amount approved, in US dollars").fill("1500")
    await office.get_by_role("button", name="Approve the grant").click()
    assert await office.get_by_role("status").inner_text() == "The grant is approved."
    await assert_accessible(office)
    for path in (
        "/es/finance",
        "/es/finance/rates",
        "/es/finance/grants",
        f"/es/finance/grants/{grant.json()['id']}",
        f"/es/finance/contributions/{contribution['id']}",
    ):
        await office.goto(f"{site.url}{path}")
        await assert_accessible(office)
    await office.goto(f"{site.url}/ar/finance/contributions/{contribution['id']}")
    assert await office.get_attribute("html", "dir") == "rtl"
    await assert_accessible(office)

    # The funder sees the new receipt count towards the pledge: 6,500 of 10,000 EUR.
    await page.goto(f"{site.url}/en/funder/donors/{contribution['donor_id']}")
    assert "65%" in await page.locator("table.fulfilment tbody tr").first.inner_text()
    await funder_context.close()
    await staff_context.close()


async def test_the_secretariat_records_and_previews_without_javascript(
    browser: Browser, site: Site, tokens: TokenFactory, ledger: Ledger, clock: Clock
) -> None:
    contribution = await pledge(ledger)
    staff = await tokens.user(Role.secretariat, password=PASSWORD)
    secret, _ = await twofactor.enrol(tokens.pool, tokens.settings, tokens.clock, staff.id)
    context = await browser.new_context(java_script_enabled=False)
    page = await sign_in(context, site, staff.user.email, twofactor.code(secret, clock))
    before = await received_usd(page, site)
    await record_receipt(page, site, contribution, "1000.00", javascript=False)
    assert await received_usd(page, site) - before == Decimal("1085.00")
    await context.close()
