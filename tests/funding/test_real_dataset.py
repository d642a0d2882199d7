"""The funding side of issue #15's "done when": a realistic multi-year data set (made for the test) loads
through the bulk imports — several currencies including JPY, multi-year pledges made before their years, a
fiscal-year contribution, anonymous and public donors, formula-like names, Arabic and Chinese names — and then
every year adds up to all years, no public output names the anonymous donor, every CSV opens with a BOM and
escaped formula cells, both IATI files validate, and the exports re-import to the same records."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from lxml import etree

from igf_hub.core.clock import Clock
from tests.funding.conftest import Client, Ledger
from tests.funding.iati_rules import rule_errors, xsd_errors

RATES = "currency,effective_on,usd_per_unit,source\n" + "".join(
    f"{c},{y}-{m:02d}-01,{r},UN operational rate\n"
    for c, r in (("EUR", "1.10"), ("GBP", "1.27"), ("CAD", "0.74"), ("JPY", "0.0068"))
    for y in (2019, 2020, 2021, 2022, 2023, 2024)
    for m in range(1, 13)
)
DONORS = (
    "Legal name,Display name,Stakeholder group,Country,Anonymous\r\n"
    "European Commission,,intergovernmental,,false\r\n"
    "Foreign Office,United Kingdom,government,GB,false\r\n"
    "Innovation Canada,Canada,government,CA,false\r\n"
    "'=Formula Holdings,,private_sector,US,false\r\n"
    "هيئة تنظيم الاتصالات,,government,AE,false\r\n"
    "中国互联网络信息中心,,technical_community,CN,false\r\n"
    "Kabushiki Kaisha Quiet,,private_sector,JP,true\r\n"
)
CONTRIBUTIONS = (
    "Donor,Title,Channel,Earmark,Years,Fiscal year start month\r\n"
    "European Commission,EU support 2020-2022,igf_trust_fund,core,2020;2021;2022,\r\n"
    "Foreign Office,UK core,igf_trust_fund,core,2021;2022,4\r\n"
    "Innovation Canada,Canada NRIs,igf_trust_fund,nri_support,2023,\r\n"
    "'=Formula Holdings,Travel,igf_trust_fund,travel_grants,2024,\r\n"
    "هيئة تنظيم الاتصالات,Host support,igf_trust_fund,core,2024,\r\n"
    "中国互联网络信息中心,Capacity,igf_trust_fund,capacity_development,2023;2024,\r\n"
    "Kabushiki Kaisha Quiet,Quiet support,igf_trust_fund,core,2022;2023,\r\n"
)
# (contribution row, kind, amount, currency, value date): pledges made before their years, paid over years.
EVENTS = [
    (0, "pledge", "1000000.00", "EUR", "2019-11-26"),
    (0, "receipt", "400000.00", "EUR", "2020-06-01"),
    (0, "receipt", "300000.00", "EUR", "2021-06-01"),
    (1, "pledge", "250000.00", "GBP", "2021-04-10"),
    (1, "receipt", "250000.00", "GBP", "2022-02-01"),
    (2, "pledge", "80000.00", "CAD", "2022-12-01"),
    (2, "receipt", "50000.00", "CAD", "2023-05-01"),
    (3, "receipt", "5000.00", "USD", "2024-02-01"),
    (4, "receipt", "20000.00", "USD", "2024-03-01"),
    (5, "pledge", "30000.00", "USD", "2023-01-15"),
    (5, "receipt", "30000.00", "USD", "2024-01-15"),
    (6, "pledge", "9000000", "JPY", "2022-03-01"),
    (6, "receipt", "4500000", "JPY", "2022-09-01"),
]
FIGURES = ("pledged_usd", "committed_usd", "received_usd", "in_kind_usd", "outstanding_pledges_usd")
SECRETS = ("Kabushiki", "Quiet", "JPY", "9000000", "4500000")


async def _import(client: Client, ledger: Ledger, what: str, body: str) -> dict[str, Any]:
    response = await client.post(
        f"/v1/funding/{what}/import",
        content=body.encode(),
        headers={**ledger.headers, "content-type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def test_a_realistic_multi_year_data_set_tells_the_same_story_everywhere(
    client: Client, ledger: Ledger, clock: Clock
) -> None:
    assert (await ledger.rates(RATES)).status_code == 201
    assert (await _import(client, ledger, "donors", DONORS))["created"] == 7
    contributions = [r["id"] for r in (await _import(client, ledger, "contributions", CONTRIBUTIONS))["rows"]]
    lines = ["Contribution ID,Kind,Amount,Currency,Value date"]
    lines += [
        f"{contributions[i]},{kind},{amount},{currency},{day}" for i, kind, amount, currency, day in EVENTS
    ]
    assert (await _import(client, ledger, "events", "\r\n".join(lines) + "\r\n"))["created"] == len(EVENTS)

    # Every year adds up to all years, for every summary figure.
    every = (await client.get("/v1/transparency/summary")).json()
    years = [(await client.get(f"/v1/transparency/summary?year={y}")).json() for y in range(2019, 2025)]
    for figure in FIGURES:
        assert sum(Decimal(s[figure]) for s in years) == Decimal(every[figure]), figure
    assert every["donors"] == 7

    # No public output names the anonymous donor or shows its currency or amounts.
    public = [
        "/v1/transparency/summary",
        "/v1/transparency/pledges",
        "/v1/transparency/donors",
        "/v1/transparency/ledger",
        "/v1/transparency/corrections",
        "/transparency",
        "/transparency?year=2022",
        "/v1/transparency/exports/ledger.csv",
        "/v1/transparency/exports/ledger.json",
        "/v1/transparency/exports/iati-activities.xml",
        "/v1/transparency/exports/iati-organisation.xml",
        *(
            f"/v1/transparency/aggregates?by={by}"
            for by in ("year", "donor", "stakeholder_group", "country", "earmark", "channel", "currency")
        ),
    ]
    for path in public:
        text = (await client.get(path)).text
        assert [s for s in SECRETS if s in text] == [], path

    # The CSV opens with a BOM and escaped formula cells; Arabic and Chinese names survive.
    exported = (await client.get("/v1/transparency/exports/ledger.csv")).content
    assert exported.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(exported.decode("utf-8-sig"), newline="")))
    names = {r["Donor"] for r in rows}
    assert {"'=Formula Holdings", "هيئة تنظيم الاتصالات", "中国互联网络信息中心"} <= names
    assert all(not r["Donor"].startswith(("=", "+", "-", "@")) for r in rows)

    # Both IATI files validate (official 2.03 XSD and the rules the XSD leaves out).
    today = clock.now().date()
    for name in ("iati-activities.xml", "iati-organisation.xml"):
        xml = (await client.get(f"/v1/transparency/exports/{name}")).content
        assert xsd_errors(xml) == [] and rule_errors(xml, today=today) == [], name
        etree.fromstring(xml)

    # The exports re-import to the same records.
    again = await client.post(
        "/v1/funding/events/import", content=exported, headers={**ledger.headers, "content-type": "text/csv"}
    )
    assert again.status_code == 200 and again.json()["unchanged"] == len(EVENTS), again.text
    assert (await _import(client, ledger, "donors", DONORS))["unchanged"] == 7
