"""/transparency names who gave the money (issue #15, item 2). Its only donor table listed donors with pledges,
so the donor giving most of the money received was named nowhere. Now the API's donor report and the page show
every donor with what it gave (received, in kind, pledged, outstanding) in USD and in its own currency, the
money going out (NRI grants paid) and the balance, and the latest transactions; no new script runs."""

from __future__ import annotations

import uuid
from decimal import Decimal

import asyncpg
from lxml import html

from igf_hub.web.formatting import money_text
from igf_hub.web.templating import WEB_CSP
from tests.funding.conftest import Client, Ledger, announce_nri
from tests.funding.test_transparency import EUR_RATES, known_ledger


async def _paid_grant(client: Client, ledger: Ledger, db: asyncpg.Pool) -> None:
    nri = uuid.uuid4()
    await announce_nri(db, nri)
    body = {"programme": "igf_secretariat", "nri_id": str(nri), "year": 2024, "amount_requested": "4000.00"}
    grant = (await client.post("/v1/funding/nri-grants", json=body, headers=ledger.headers)).json()
    url = f"/v1/funding/nri-grants/{grant['id']}/transitions"
    for version, step in enumerate(
        (
            {"to": "approved", "amount_approved": "1500.00", "reason": "ok"},
            {"to": "paid", "paid_on": "2024-07-01"},
        ),
        start=1,
    ):
        moved = await client.post(url, json=step, headers={**ledger.headers, "If-Match": f'"{version}"'})
        assert moved.status_code == 200, moved.text


async def test_every_donor_is_named_with_what_it_gave_and_money_going_out_is_shown(
    client: Client, ledger: Ledger, db: asyncpg.Pool
) -> None:
    await ledger.rates(EUR_RATES)
    made = await known_ledger(ledger)
    eur = await ledger.contribution(made["d"]["id"], years=[2024])
    await ledger.event(eur["id"], kind="receipt", amount="900.00", currency="EUR", value_date="2024-03-05")
    await _paid_grant(client, ledger, db)

    report = (await client.get("/v1/transparency/donors")).json()
    rows = {r["donor_name"]: r for r in report["rows"]}
    # Germany gave most and pledged; Big Tech gave without an open pledge; Member Company gave in EUR.
    assert (
        rows["Germany"]["received_usd"],
        rows["Germany"]["pledged_usd"],
        rows["Germany"]["outstanding_usd"],
    ) == (
        "6000.00",
        "10000.00",
        "4000.00",
    )
    assert report["rows"][0]["donor_name"] == "Germany"
    assert rows["Venue Trust"]["in_kind_usd"] == "1000.00"
    member = rows["Member Company SA"]
    assert member["received_usd"] == "1990.00"
    assert [(c["currency"], c["received"]) for c in member["in_currency"]] == [
        ("EUR", "900.00"),
        ("USD", "1000.00"),
    ]
    # Every dollar received is under one donor.
    summary = (await client.get("/v1/transparency/summary")).json()
    assert sum(Decimal(r["received_usd"]) for r in report["rows"]) == Decimal(summary["received_usd"])
    assert (summary["received_usd"], summary["nri_grants_paid_usd"], summary["balance_usd"]) == (
        "11490.00",
        "1500.00",
        "9990.00",
    )
    assert (await client.get("/v1/transparency/summary?year=2023")).json()["nri_grants_paid_usd"] == "0.00"

    response = await client.get("/transparency")
    # The layout's policy (scripts from this site only), and no inline script at all.
    assert response.headers["content-security-policy"] == WEB_CSP
    assert response.text.count("<script>") == 0 and "'unsafe-inline'" not in WEB_CSP.split("script-src")[1]
    doc = html.fromstring(response.text)
    shown = {
        tr.xpath("string(th)"): [td.get("data-value") for td in tr.xpath("td[@data-value]")]
        for tr in doc.xpath('//table[@id="donors"]/tbody/tr')
    }
    assert shown == {
        r["donor_name"]: [r["received_usd"], r["in_kind_usd"], r["pledged_usd"], r["outstanding_usd"]]
        for r in report["rows"]
    }
    assert doc.xpath('//table[@id="donors"]/caption') and doc.xpath('//table[@id="donors"]//th[@scope="col"]')
    own = doc.xpath('string(//table[@id="donors"]//tr[th="Member Company SA"]/td[5])')
    assert f"received {money_text(Decimal('900.00'), 'EUR', 'en')}" in own  # in the donor's own currency
    assert doc.xpath('//dd[@data-metric="nri_grants_paid_usd"]/@data-value') == ["1500.00"]
    assert doc.xpath('//dd[@data-metric="balance_usd"]/@data-value') == ["9990.00"]
    latest = doc.xpath('//table[@id="latest"]/tbody/tr/@data-event')
    ledger_items = (await client.get("/v1/transparency/ledger?limit=100")).json()["items"]
    assert latest == [i["id"] for i in reversed(ledger_items)][:10]
