"""The Secretariat's finance pages over real HTTP (no browser): the preview shows the USD amount and rate recording
would freeze and writes nothing; refusals come from LedgerService and RateService, said at the field; a reversal
needs its reason; rates upload all or nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.funding.conftest import Ledger, announce_nri
from tests.support import twofactor
from tests.support.auth import TokenFactory
from tests.support.web import Site, WebClient, serve

PASSWORD = "correct horse battery staple"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
RATES = "currency,effective_on,usd_per_unit,source\nEUR,2024-03-01,1.0850,UN operational rates of exchange\n"


@pytest.fixture
async def site(settings: Settings, clock: Clock) -> AsyncIterator[Site]:
    async with serve(settings, clock) as served:
        yield served


async def signed_in(site: Site, tokens: TokenFactory, *roles: Role | tuple[Role, UUID]) -> WebClient:
    caller = await tokens.user(*roles, password=PASSWORD)
    browser = site.browser()
    if Role.secretariat in roles:
        secret, _ = await twofactor.enrol(tokens.pool, tokens.settings, tokens.clock, caller.id)
        answer = await twofactor.sign_in(browser, caller.user.email, PASSWORD, secret, tokens.clock)
    else:
        answer = await browser.sign_in(caller.user.email, PASSWORD)
    assert answer.status_code == 303, answer.text
    return browser


def token_of(page: httpx.Response) -> str:
    match = TOKEN.search(page.text)
    assert match
    return match.group(1)


async def contribution(ledger: Ledger) -> dict[str, Any]:
    assert (await ledger.rates(RATES)).status_code == 201
    donor = await ledger.donor()
    return await ledger.contribution(donor["id"], title="Core support 2024")


async def events_of(db: asyncpg.Pool, contribution_id: str) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await db.fetch(
        "SELECT kind, amount, currency, usd_amount FROM funding_events WHERE contribution_id = $1 ORDER BY seq",
        UUID(contribution_id),
    )
    return rows


async def post_entry(staff: WebClient, contribution_id: str, **fields: str) -> httpx.Response:
    path = f"/en/finance/contributions/{contribution_id}"
    token = token_of(await staff.get(path))
    form = {"csrf_token": token, "kind": "receipt", "currency": "EUR", "value_date": "2024-03-01", **fields}
    return await staff.post(f"{path}/events", form)


async def test_only_the_secretariat(site: Site, tokens: TokenFactory, ledger: Ledger) -> None:
    c = await contribution(ledger)
    async with site.browser() as anonymous:
        answer = await anonymous.get("/en/finance")
        assert answer.status_code == 303 and answer.headers["location"].startswith("/en/signin?next=")
    async with await signed_in(site, tokens, (Role.funder, UUID(c["donor_id"]))) as funder:
        for path in ("/en/finance", f"/en/finance/contributions/{c['id']}", "/en/finance/rates"):
            refused = await funder.get(path)
            assert refused.status_code == 403 and "You cannot see this page" in refused.text


async def test_the_preview_shows_the_usd_amount_and_rate_and_writes_nothing(
    site: Site, tokens: TokenFactory, ledger: Ledger, db: asyncpg.Pool
) -> None:
    c = await contribution(ledger)
    async with await signed_in(site, tokens, Role.secretariat) as staff:
        preview = await post_entry(staff, c["id"], amount="1000.00", action="preview")
        assert preview.status_code == 200
        assert "Recording this would add $1,085.00, from €1,000.00 at 1 EUR = 1.085 USD" in preview.text
        assert "UN operational rates of exchange" in preview.text
        assert 'value="1000.00"' in preview.text  # the form keeps what was typed
        assert await events_of(db, c["id"]) == []
        missing = await post_entry(staff, c["id"], amount="1000.00", currency="GBP", action="preview")
        assert missing.status_code == 422
        assert (
            "There is no GBP rate in force on 2024-03-01. Upload one on the rates page first." in missing.text
        )
        assert await events_of(db, c["id"]) == []
        recorded = await post_entry(staff, c["id"], amount="1000.00", action="record")
        assert recorded.status_code == 303 and recorded.headers["location"].endswith("?done=recorded")
    rows = await events_of(db, c["id"])
    assert [(r["kind"], r["currency"], str(r["usd_amount"])) for r in rows] == [("receipt", "EUR", "1085.00")]


async def test_refusals_are_sentences_at_the_field(
    site: Site, tokens: TokenFactory, ledger: Ledger, db: asyncpg.Pool
) -> None:
    c = await contribution(ledger)
    async with await signed_in(site, tokens, Role.secretariat) as staff:
        bad = await post_entry(staff, c["id"], amount="-5", currency="EURO", value_date="2024-02-30")
        assert bad.status_code == 422
        for sentence in ("Enter the amount as a positive number", "three-letter ISO code", "year-month-day"):
            assert sentence in bad.text
        # The service's own rule: a receipt's due date (only a pledge has one).
        due = await post_entry(staff, c["id"], amount="10", due_on="2024-12-31", action="record")
        assert due.status_code == 422 and "Only a pledge has a due date" in due.text
        # Too many decimal places for the currency, which the service refuses.
        yen = await post_entry(staff, c["id"], amount="10.5", currency="JPY", action="record")
        assert yen.status_code == 422 and "no more decimal places than the currency has" in yen.text
    assert await events_of(db, c["id"]) == []


async def test_a_reversal_needs_its_reason(
    site: Site, tokens: TokenFactory, ledger: Ledger, db: asyncpg.Pool
) -> None:
    c = await contribution(ledger)
    receipt = await ledger.event(c["id"], amount="1000.00", currency="EUR", value_date="2024-03-01")
    async with await signed_in(site, tokens, Role.secretariat) as staff:
        path = f"/en/finance/contributions/{c['id']}"
        page = await staff.get(f"{path}?reverse={receipt['id']}")
        assert "Reverse an entry" in page.text and "Reason for the reversal" in page.text
        form = {
            "csrf_token": token_of(page),
            "kind": "reversal",
            "reverses": receipt["id"],
            "value_date": "2024-03-02",
        }
        refused = await staff.post(f"{path}/events", {**form, "action": "record"})
        assert refused.status_code == 422 and "Give the reason for the reversal." in refused.text
        done = await staff.post(
            f"{path}/events", {**form, "reason": "Paid twice by mistake", "action": "record"}
        )
        assert done.status_code == 303 and done.headers["location"].endswith("?done=reversed")
        again = await staff.post(f"{path}/events", {**form, "reason": "Again", "action": "record"})
        assert again.status_code == 422 and "cannot be reversed" in again.text
    rows = await events_of(db, c["id"])
    assert [(r["kind"], str(r["usd_amount"])) for r in rows] == [
        ("receipt", "1085.00"),
        ("reversal", "-1085.00"),
    ]


async def test_rates_upload_all_or_nothing(site: Site, tokens: TokenFactory, db: asyncpg.Pool) -> None:
    async with await signed_in(site, tokens, Role.secretariat) as staff:
        token = token_of(await staff.get("/en/finance/rates"))
        header = "currency,effective_on,usd_per_unit,source\n"
        bad = await staff.post(
            "/en/finance/rates",
            {"csrf_token": token, "rows": header + "CHF,2024-03-01,1.12,UN\nXXX,2024-13-01,x,UN\n"},
        )
        assert bad.status_code == 422 and "nothing was stored" in bad.text
        # Each bad cell of line 3 is said as a sentence (line 1 is the header).
        assert "Line 3: the currency is not a three-letter ISO code." in bad.text
        assert "Line 3: the date must be a real date, like 2026-03-01." in bad.text
        assert "Line 3: the rate must be a positive decimal number, like 1.085." in bad.text
        assert await db.fetchval("SELECT count(*) FROM funding_exchange_rates WHERE currency = 'CHF'") == 0
        good = await staff.post(
            "/en/finance/rates", {"csrf_token": token, "rows": header + "CHF,2024-03-01,1.12,UN\n"}
        )
        assert good.status_code == 200 and "1 rates added, 0 corrected, 0 already recorded." in good.text
        changed = header + "CHF,2024-03-01,1.13,UN\n"
        conflict = await staff.post("/en/finance/rates", {"csrf_token": token, "rows": changed})
        assert conflict.status_code == 409 and "tick “correction” and give a reason" in conflict.text
        assert "Line 2: this rate differs from the one recorded for that currency and date." in conflict.text
        no_reason = await staff.post(
            "/en/finance/rates", {"csrf_token": token, "rows": changed, "correction": "1"}
        )
        assert no_reason.status_code == 422 and "Say why the recorded rates are corrected." in no_reason.text
        fixed = await staff.post(
            "/en/finance/rates", {"csrf_token": token, "rows": changed, "correction": "1", "reason": "Typo"}
        )
        assert fixed.status_code == 200 and "0 rates added, 1 corrected" in fixed.text


async def test_an_nri_grant_from_request_to_payment(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, clock: Clock
) -> None:
    nri = uuid4()
    await announce_nri(db, nri, name="Kenya IGF", nri_type="national")
    async with await signed_in(site, tokens, Role.secretariat) as staff:
        page = await staff.get("/en/finance/grants")
        assert "Kenya IGF" in page.text  # a recognised NRI to choose
        form = {
            "csrf_token": token_of(page),
            "programme": "igf_secretariat",
            "year": "2026",
            "amount": "2000",
        }
        missing = await staff.post("/en/finance/grants", form)
        assert missing.status_code == 422 and "Choose a recognised NRI from the list." in missing.text
        too_much = await staff.post("/en/finance/grants", {**form, "nri_id": str(nri), "amount": "9999999"})
        assert too_much.status_code == 422 and "within the ceiling for the NRI" in too_much.text
        assert await db.fetchval("SELECT count(*) FROM funding_nri_grants WHERE nri_id = $1", nri) == 0
        applied = await staff.post("/en/finance/grants", {**form, "nri_id": str(nri)})
        assert applied.status_code == 303 and applied.headers["location"].endswith("?done=applied")
        path = applied.headers["location"].split("?")[0]
        page = await staff.get(applied.headers["location"])
        assert "The application is recorded." in page.text and "Approve the grant" in page.text
        step = {"csrf_token": token_of(page), "version": "1"}
        above = await staff.post(path, {**step, "to": "approved", "amount": "2500"})
        assert above.status_code == 422 and "Enter a positive US dollar amount" in above.text
        approved = await staff.post(path, {**step, "to": "approved", "amount": "1500"})
        assert approved.status_code == 303 and approved.headers["location"].endswith("?done=approved")
        stale = await staff.post(path, {**step, "to": "paid", "paid_on": "2026-01-01"})
        assert stale.status_code == 409 and "Someone changed this grant" in stale.text
        version = str(await db.fetchval("SELECT version FROM funding_nri_grants WHERE nri_id = $1", nri))
        paid_on = clock.now().date().isoformat()
        paid = await staff.post(path, {**step, "version": version, "to": "paid", "paid_on": paid_on})
        assert paid.status_code == 303 and paid.headers["location"].endswith("?done=paid")
        version = str(await db.fetchval("SELECT version FROM funding_nri_grants WHERE nri_id = $1", nri))
        no_report = await staff.post(path, {**step, "version": version, "to": "reported"})
        assert no_report.status_code == 422 and "Link the NRI" in no_report.text
    row = await db.fetchrow(
        "SELECT status, amount_approved, paid_on FROM funding_nri_grants WHERE nri_id = $1", nri
    )
    assert (row["status"], str(row["amount_approved"]), row["paid_on"].isoformat()) == (
        "paid",
        "1500.00",
        paid_on,
    )
