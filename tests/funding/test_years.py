"""One year attribution everywhere (issue #15, item 1): a €1M pledge made on 2019-11-26 for 2020-2022 was
pledged in 2019 with nothing outstanding there, and wholly outstanding in each of 2020, 2021 and 2022 — three
times over; the IATI organisation file put it in 2019 and the activity budgets in 2020-2022. Now every figure
counts it in the year of its value date (2019), and the single years add up to all years."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree as ET
from lxml import html

from tests.funding.conftest import Client, Ledger

RATES = (
    "currency,effective_on,usd_per_unit,source\n"
    "EUR,2019-11-01,1.10,UN operational rate\nEUR,2020-06-01,1.10,UN operational rate\n"
)
FIGURES = ("pledged_usd", "committed_usd", "received_usd", "in_kind_usd", "outstanding_pledges_usd")


async def test_a_multi_year_pledge_counts_once_in_the_year_it_was_made(
    client: Client, ledger: Ledger
) -> None:
    assert (await ledger.rates(RATES)).status_code == 201
    donor = await ledger.donor(
        legal_name="European Commission", stakeholder_group="intergovernmental", country=None
    )
    contribution = await ledger.contribution(donor["id"], years=[2020, 2021, 2022])
    await ledger.event(
        contribution["id"], kind="pledge", amount="1000000.00", currency="EUR", value_date="2019-11-26"
    )
    await ledger.event(
        contribution["id"], kind="receipt", amount="400000.00", currency="EUR", value_date="2020-06-01"
    )

    async def summary(query: str = "") -> dict[str, str]:
        body = (await client.get(f"/v1/transparency/summary{query}")).json()
        return {f: body[f] for f in FIGURES}

    every = await summary()
    assert every == {
        "pledged_usd": "1100000.00",
        "committed_usd": "0.00",
        "received_usd": "440000.00",
        "in_kind_usd": "0.00",
        "outstanding_pledges_usd": "660000.00",
    }
    years = {y: await summary(f"?year={y}") for y in range(2019, 2023)}
    assert (
        years[2019]["pledged_usd"] == "1100000.00" and years[2019]["outstanding_pledges_usd"] == "660000.00"
    )
    assert years[2020]["received_usd"] == "440000.00" and years[2020]["outstanding_pledges_usd"] == "0.00"
    for y in (2021, 2022):
        assert years[y]["pledged_usd"] == years[y]["outstanding_pledges_usd"] == "0.00"
    for figure in FIGURES:
        assert sum(Decimal(s[figure]) for s in years.values()) == Decimal(every[figure]), figure

    pledges = {
        y: (await client.get(f"/v1/transparency/pledges?year={y}")).json()["rows"] for y in range(2019, 2023)
    }
    assert [(r["pledged_usd"], r["fulfilled_usd"], r["outstanding_usd"]) for r in pledges[2019]] == [
        ("1100000.00", "440000.00", "660000.00")
    ]
    assert pledges[2020] == pledges[2021] == pledges[2022] == []

    by_year = (await client.get("/v1/transparency/aggregates?by=year")).json()["rows"]
    assert [(r["key"], r["pledged_usd"], r["received_usd"]) for r in by_year] == [
        ("2019", "1100000.00", "0.00"),
        ("2020", "0.00", "440000.00"),
    ]

    organisation = ET.fromstring((await client.get("/v1/transparency/exports/iati-organisation.xml")).content)
    assert [
        (b.find("period-start").get("iso-date"), b.findtext("value"))
        for b in organisation.iter("total-budget")
    ] == [("2019-01-01", "1100000.00")]
    activities = ET.fromstring((await client.get("/v1/transparency/exports/iati-activities.xml")).content)
    assert [
        (b.find("period-start").get("iso-date"), b.findtext("value")) for b in activities.iter("budget")
    ] == [("2019-01-01", "1100000.00")]
    # The page shows the same numbers as the summary for each year.
    for y in (2019, 2020, 2021):
        page = html.fromstring((await client.get(f"/transparency?year={y}")).text)
        shown = page.xpath('//dd[@data-metric="outstanding_pledges_usd"]/@data-value')
        assert shown == [years[y]["outstanding_pledges_usd"]], y
