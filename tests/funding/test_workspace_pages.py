"""The donor portal over real HTTP (no browser): a funder sees its own donor only, through the services the API
uses; pledges with their fulfilment, each event in the original currency and in US dollars with the frozen rate
and its source; how the public sees the donor; its own records as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.funding.conftest import Ledger, announce_nri
from tests.support.auth import TokenFactory
from tests.support.web import Site, WebClient, serve

PASSWORD = "correct horse battery staple"
RATES = "currency,effective_on,usd_per_unit,source\nEUR,2024-03-01,1.0850,UN operational rates of exchange\n"


@pytest.fixture
async def site(settings: Settings, clock: Clock) -> AsyncIterator[Site]:
    async with serve(settings, clock) as served:
        yield served


async def signed_in(site: Site, tokens: TokenFactory, *roles: Role | tuple[Role, UUID]) -> WebClient:
    caller = await tokens.user(*roles, password=PASSWORD)
    browser = site.browser()
    answer = await browser.sign_in(caller.user.email, PASSWORD)
    assert answer.status_code == 303, answer.text
    return browser


async def pledged_and_partly_paid(ledger: Ledger, **donor: object) -> tuple[dict[str, Any], dict[str, Any]]:
    assert (await ledger.rates(RATES)).status_code == 201
    d = await ledger.donor(legal_name="Ministry of Digital Affairs", display_name="Digital Ministry", **donor)
    c = await ledger.contribution(d["id"], title="Core support 2024", years=[2024])
    await ledger.event(c["id"], kind="pledge", amount="10000.00", currency="EUR", value_date="2024-03-01")
    await ledger.event(c["id"], kind="receipt", amount="4000.00", currency="EUR", value_date="2024-03-01")
    return d, c


async def test_a_reader_who_is_not_signed_in_is_sent_to_sign_in(site: Site) -> None:
    async with site.browser() as browser:
        answer = await browser.get(f"/en/funder/donors/{uuid4()}")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/en/signin?next=")


async def test_a_funder_sees_its_own_donor_and_no_other(
    site: Site, tokens: TokenFactory, ledger: Ledger
) -> None:
    mine, _ = await pledged_and_partly_paid(ledger)
    other = await ledger.donor()
    async with await signed_in(site, tokens, (Role.funder, UUID(str(mine["id"])))) as funder:
        home = await funder.get("/en/funder")
        assert home.status_code == 303 and home.headers["location"] == f"/en/funder/donors/{mine['id']}"
        refused = await funder.get(f"/en/funder/donors/{other['id']}")
        assert refused.status_code == 403 and "You cannot see this page" in refused.text
        assert (await funder.get(f"/en/funder/donors/{other['id']}/records.csv")).status_code == 403
    async with await signed_in(site, tokens, Role.nri_coordinator) as coordinator:
        assert (await coordinator.get(f"/en/funder/donors/{mine['id']}")).status_code == 403
        assert (await coordinator.get("/en/funder")).status_code == 403


async def test_the_pledge_its_fulfilment_and_each_receipt_with_its_rate(
    site: Site, tokens: TokenFactory, ledger: Ledger
) -> None:
    donor, _ = await pledged_and_partly_paid(ledger)
    async with await signed_in(site, tokens, (Role.funder, UUID(str(donor["id"])))) as funder:
        page = (await funder.get(f"/en/funder/donors/{donor['id']}")).text
    # 10,000 EUR pledged and 4,000 EUR received at 1.0850: USD 10,850.00 and USD 4,340.00, so 40 % fulfilled.
    pledged, received = Decimal("10000") * Decimal("1.0850"), Decimal("4000") * Decimal("1.0850")
    assert f"${pledged:,.2f}" in page and f"${received:,.2f}" in page
    assert f"${pledged - received:,.2f}" in page  # outstanding
    assert "40%" in page
    assert "€4,000.00" in page and "€10,000.00" in page  # the original currency
    assert "1 EUR = 1.085 USD, UN operational rates of exchange, in force from March 1, 2024" in page
    assert "Public pages and files name you “Digital Ministry”." in page
    assert f"/v1/transparency/exports/iati-activities.xml?donor_id={donor['id']}" in page


async def test_an_anonymous_donor_is_told_how_it_appears(
    site: Site, tokens: TokenFactory, ledger: Ledger
) -> None:
    donor, contribution = await pledged_and_partly_paid(ledger, is_anonymous=True)
    async with await signed_in(site, tokens, (Role.funder, UUID(str(donor["id"])))) as funder:
        page = (await funder.get(f"/es/funder/donors/{donor['id']}")).text
    assert "anónim" in page.lower()
    assert f"donor_id={donor['id']}" not in page  # no public file would find it by its id
    assert f"contribution_id={contribution['id']}" in page


async def test_the_donors_own_records_as_csv(
    site: Site, tokens: TokenFactory, ledger: Ledger, db: asyncpg.Pool
) -> None:
    donor, contribution = await pledged_and_partly_paid(ledger)
    nri = uuid4()
    await announce_nri(db, nri, name="Kenya IGF")
    await ledger.contribution(donor["id"], title="For the Kenya IGF", earmark="nri_support", nri_id=str(nri))
    async with await signed_in(site, tokens, (Role.funder, UUID(str(donor["id"])))) as funder:
        page = (await funder.get(f"/en/funder/donors/{donor['id']}")).text
        assert "Kenya IGF" in page and "For the Kenya IGF" in page
        answer = await funder.get(f"/en/funder/donors/{donor['id']}/records.csv")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [
        (r["kind"], Decimal(r["amount"]), r["currency"], Decimal(r["usd_amount"]), Decimal(r["rate"]))
        for r in rows
    ] == [
        ("pledge", Decimal("10000"), "EUR", Decimal("10850.00"), Decimal("1.085")),
        ("receipt", Decimal("4000"), "EUR", Decimal("4340.00"), Decimal("1.085")),
    ]
    assert {r["rate_source"] for r in rows} == {"UN operational rates of exchange"}
    assert {r["contribution_id"] for r in rows} == {contribution["id"]}
