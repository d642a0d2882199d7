"""The public transparency view on a known ledger: exact totals, concentration, pass-through counted once,
pledges against receipts, corrections, the paginated ledger and its CSV/JSON exports."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import msgspec

from igf_hub.core import csvfile
from igf_hub.core.clock import Clock
from igf_hub.core.db import create_pool
from igf_hub.core.settings import Settings
from igf_hub.funding import exports
from igf_hub.funding.exports import CSV_COLUMNS, CSV_HEADERS
from igf_hub.funding.public_repository import LIST_PUBLIC_EVENTS, PublicRepository
from igf_hub.funding.public_schemas import LedgerFilter
from igf_hub.funding.schemas import EventKind
from tests.funding.conftest import Client, Ledger, assert_problem

EUR_RATES = "currency,effective_on,usd_per_unit,source\nEUR,2024-03-01,1.10,UN operational rate\n"


def csv_cell(value: Any) -> str:
    """What the CSV holds for a JSON value: empty for null, true/false, the same text otherwise."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


async def known_ledger(ledger: Ledger) -> dict[str, Any]:
    """Received 10,500 + in-kind 1,000; pledged 13,000; committed 10,000 (USD), five donors."""
    a = await ledger.donor(
        legal_name="Federal Ministry", display_name="Germany", stakeholder_group="government", country="DE"
    )
    b = await ledger.donor(legal_name="Big Tech Inc", stakeholder_group="private_sector", country="US")
    c = await ledger.donor(legal_name="Venue Trust", stakeholder_group="civil_society", country="KE")
    d = await ledger.donor(legal_name="Member Company SA", stakeholder_group="private_sector", country="FR")
    igfsa = await ledger.donor(
        legal_name="IGF Support Association",
        display_name="IGFSA",
        stakeholder_group="technical_community",
        country="CH",
    )
    core = await ledger.contribution(a["id"], earmark="core", years=[2024])
    await ledger.event(core["id"], kind="pledge", amount="10000.00", value_date="2024-01-05")
    await ledger.event(core["id"], kind="commitment", amount="10000.00", value_date="2024-01-20")
    await ledger.event(core["id"], kind="receipt", amount="6000.00", value_date="2024-03-01")
    travel = await ledger.contribution(
        b["id"],
        earmark="travel_grants",
        channel="other",
        years=[2024],
        earmark_detail='Fellows, "Global South"',
    )
    await ledger.event(travel["id"], kind="pledge", amount="3000.00", value_date="2024-02-01")
    await ledger.event(travel["id"], kind="receipt", amount="3000.00", value_date="2024-02-15")
    venue = await ledger.contribution(
        c["id"],
        earmark="host_country",
        channel="host_country_agreement",
        in_kind=True,
        in_kind_description="Venue",
        valuation_method="market rent",
    )
    await ledger.event(venue["id"], kind="in_kind_valuation", amount="1000.00", value_date="2024-05-01")
    through = await ledger.contribution(d["id"], via_donor_id=igfsa["id"], earmark="core", years=[2024])
    await ledger.event(through["id"], kind="receipt", amount="1000.00", value_date="2024-06-01")
    own = await ledger.contribution(igfsa["id"], channel="igfsa", earmark="nri_support", years=[2024])
    await ledger.event(own["id"], kind="receipt", amount="500.00", value_date="2024-06-01")
    # A receipt booked twice, then reversed: it shows as a correction and nets to zero.
    dup = await ledger.event(own["id"], kind="receipt", amount="500.00", value_date="2024-06-02")
    await ledger.event(
        own["id"],
        kind="reversal",
        reverses=dup["id"],
        reason="booked twice",
        value_date="2024-06-03",
        amount=None,
        currency=None,
    )
    return {"a": a, "b": b, "c": c, "d": d, "igfsa": igfsa, "core": core, "travel": travel, "dup": dup}


async def test_summary_totals_and_concentration_are_exact(client: Client, ledger: Ledger) -> None:
    await known_ledger(ledger)
    response = await client.get("/v1/transparency/summary?year=2024")
    assert response.status_code == 200 and response.headers["cache-control"] == "max-age=60, public"
    s = response.json()
    assert (s["pledged_usd"], s["committed_usd"], s["received_usd"], s["in_kind_usd"]) == (
        "13000.00",
        "10000.00",
        "10500.00",
        "1000.00",
    )
    assert s["donors"] == 5 and s["outstanding_pledges_usd"] == "4000.00" and s["as_of"]
    # Contributed per donor: 6000, 3000, 1000, 1000, 500 of 11,500.
    assert s["concentration"] == {
        "donors": 5,
        "top1_share": "0.5217",
        "top3_share": "0.8696",
        "top5_share": "1.0000",
        "hhi": "0.3573",
        "effective_donors": "2.80",
    }
    assert "counted once" in s["methodology"]
    empty = (await client.get("/v1/transparency/summary?year=2019")).json()
    # Zero is written one way, as every other amount: with cents ("0" and "0.00" both appeared).
    assert {empty[k] for k in ("pledged_usd", "committed_usd", "received_usd", "in_kind_usd")} == {"0.00"}
    assert (
        empty["outstanding_pledges_usd"] == "0.00"
        and empty["donors"] == 0
        and empty["concentration"]["donors"] == 0
    )
    assert empty["concentration"]["hhi"] is None
    assert_problem(await client.get("/v1/transparency/summary?year=1999"), 422, "validation-failed")


async def test_pass_through_money_is_counted_once(client: Client, ledger: Ledger) -> None:
    made = await known_ledger(ledger)
    by_donor = (await client.get("/v1/transparency/aggregates?by=donor")).json()
    received = {r["key"]: r["received_usd"] for r in by_donor["rows"]}
    assert received[made["d"]["id"]] == "1000.00"  # under the source donor …
    assert received[made["igfsa"]["id"]] == "500.00"  # … not again under the intermediary
    assert by_donor["total"]["received_usd"] == "10500.00"
    through = (await client.get("/v1/transparency/aggregates?by=intermediary")).json()
    assert [(r["label"], r["received_usd"]) for r in through["rows"]] == [("IGFSA", "1000.00")]
    rows = (await client.get(f"/v1/transparency/ledger?via_donor_id={made['igfsa']['id']}")).json()["items"]
    assert [(r["donor_name"], r["via_donor_name"]) for r in rows] == [("Member Company SA", "IGFSA")]


async def test_every_aggregate_adds_up_to_the_ledger_total(client: Client, ledger: Ledger) -> None:
    await known_ledger(ledger)
    totals = set()
    for by in ("year", "donor", "stakeholder_group", "country", "earmark", "channel"):
        body = (await client.get(f"/v1/transparency/aggregates?by={by}")).json()
        assert body["as_of"] and body["by"] == by
        summed = sum(float(r["received_usd"]) for r in body["rows"])  # a float only to compare, never stored
        assert f"{summed:.2f}" == body["total"]["received_usd"] == "10500.00", by
        totals.add(body["total"]["pledged_usd"])
    assert totals == {"13000.00"}
    # counts_as=receipt includes reversals of receipts; kind=receipt shows the raw receipts only.
    groups = (await client.get("/v1/transparency/aggregates?by=stakeholder_group&counts_as=receipt")).json()[
        "rows"
    ]
    assert {r["key"]: r["received_usd"] for r in groups} == {
        "government": "6000.00",
        "private_sector": "4000.00",
        "technical_community": "500.00",
    }
    raw = (await client.get("/v1/transparency/aggregates?by=stakeholder_group&kind=receipt")).json()["rows"]
    assert {r["key"]: r["received_usd"] for r in raw}["technical_community"] == "1000.00"
    assert_problem(await client.get("/v1/transparency/aggregates?by=colour"), 422, "validation-failed")


async def test_pledges_against_receipts_with_overdue_flags_from_the_clock(
    client: Client, ledger: Ledger, clock: Clock
) -> None:
    made = await known_ledger(ledger)
    today = clock.now().date()
    fresh = await ledger.contribution(made["b"]["id"], years=[today.year])
    await ledger.event(
        fresh["id"],
        kind="pledge",
        amount="100.00",
        value_date=today.isoformat(),
        due_on=(today + timedelta(days=30)).isoformat(),
    )
    rows = {r["donor_id"]: r for r in (await client.get("/v1/transparency/pledges")).json()["rows"]}
    a, b = rows[made["a"]["id"]], rows[made["b"]["id"]]
    assert (
        a["pledged_usd"],
        a["fulfilled_usd"],
        a["fulfilment_pct"],
        a["outstanding_usd"],
        a["overdue"],
    ) == ("10000.00", "6000.00", "60.0", "4000.00", True)
    assert (b["pledged_usd"], b["fulfilment_pct"], b["overdue"], b["outstanding_usd"]) == (
        "3100.00",
        "96.8",
        False,
        "100.00",
    )
    clock.advance(timedelta(days=31))
    later = {r["donor_id"]: r for r in (await client.get("/v1/transparency/pledges")).json()["rows"]}
    assert later[made["b"]["id"]]["overdue"] is True and later[made["b"]["id"]]["overdue_usd"] == "100.00"


async def test_corrections_and_the_paginated_filtered_ledger(client: Client, ledger: Ledger) -> None:
    made = await known_ledger(ledger)
    corrections = (await client.get("/v1/transparency/corrections")).json()
    [correction] = corrections["items"]
    assert correction["original"]["id"] == made["dup"]["id"]
    assert (correction["reversal"]["usd_amount"], correction["reversal"]["reason"]) == (
        "-500.00",
        "booked twice",
    )

    seen, cursor = [], None
    while True:
        url = "/v1/transparency/ledger?limit=4" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(url)).json()
        assert page["as_of"] and page["methodology"]
        seen += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 10 and [r["seq"] for r in seen] == sorted(r["seq"] for r in seen)
    pledges = (await client.get("/v1/transparency/ledger?kind=pledge&earmark=core")).json()["items"]
    assert [(r["donor_name"], r["usd_amount"]) for r in pledges] == [("Germany", "10000.00")]
    assert (await client.get("/v1/transparency/ledger?year=2023")).json()["items"] == []
    assert_problem(await client.get("/v1/transparency/ledger?cursor=%%%"), 400, "invalid-cursor")
    assert_problem(await client.get("/v1/transparency/ledger?limit=500"), 422, "validation-failed")


async def test_csv_and_json_exports_have_exactly_the_ledgers_rows(client: Client, ledger: Ledger) -> None:
    await ledger.rates(EUR_RATES)
    made = await known_ledger(ledger)
    await ledger.event(
        made["travel"]["id"], kind="receipt", amount="10.00", currency="EUR", value_date="2024-03-05"
    )
    for query in ("", "?year=2024&stakeholder_group=private_sector", "?kind=reversal", "?year=2031"):
        api = (await client.get(f"/v1/transparency/ledger{query}{'&' if query else '?'}limit=100")).json()[
            "items"
        ]
        exported = await client.get(f"/v1/transparency/exports/ledger.csv{query}")
        assert exported.status_code == 200
        assert exported.headers["content-type"].startswith("text/csv")
        assert "attachment" in exported.headers["content-disposition"] and exported.headers["x-as-of"]
        text = exported.content.decode()
        # A BOM, then human headers; RFC 4180: CRLF line breaks.
        assert text.startswith("\ufeff" + ",".join(CSV_HEADERS.values()) + "\r\n")
        table = csvfile.read(text)
        rows = [dict(csvfile.rename(r or {}, CSV_HEADERS)) for _, r in table.records()]
        assert [r["id"] for r in rows] == [r["id"] for r in api], query
        for row, item in zip(rows, api, strict=True):
            expected = {k: csv_cell(item[k]) for k in CSV_COLUMNS}
            expected["amount"] = csvfile.amount(
                Decimal(item["amount"]), 0 if item["currency"] == "JPY" else 2
            )
            assert row == expected
        as_json = (await client.get(f"/v1/transparency/exports/ledger.json{query}")).json()
        assert as_json["items"] == api and as_json["as_of"] and as_json["methodology"]
    quoted = (await client.get("/v1/transparency/exports/ledger.csv?earmark=travel_grants&bom=0")).text
    assert quoted.startswith("Sequence,")  # ?bom=0: no byte order mark
    assert '"Fellows, ""Global South"""' in quoted  # a comma and quotes survive, quoted per RFC 4180
    eur = [r for r in csv.DictReader(io.StringIO(quoted, newline="")) if r["Currency"] == "EUR"]
    assert (eur[0]["Amount"], eur[0]["Amount (USD)"], eur[0]["Rate source"]) == (
        "10.00",
        "11.00",
        "UN operational rate",
    )


async def test_ledger_csv_escapes_formula_cells_and_writes_minor_units(
    client: Client, ledger: Ledger
) -> None:
    """ledger.csv wrote a cell starting with = + - @ as it was (a spreadsheet runs it), and amounts at the
    ledger's four decimal places whatever the currency."""
    await ledger.rates(
        "currency,effective_on,usd_per_unit,source\nJPY,2024-03-01,0.0068,UN operational rate\n"
    )
    donor = await ledger.donor(legal_name='=HYPERLINK("http://x.test")', stakeholder_group="private_sector")
    contribution = await ledger.contribution(donor["id"], earmark="other", earmark_detail="@SUM(A1:A2)")
    receipt = await ledger.event(contribution["id"], amount="150000", currency="JPY", description="+1 dial")
    await ledger.event(
        contribution["id"],
        kind="reversal",
        reverses=receipt["id"],
        reason="-wrong donor",
        amount=None,
        currency=None,
        value_date="2024-03-02",
    )
    text = (await client.get("/v1/transparency/exports/ledger.csv")).text
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert [r["Donor"] for r in rows] == ['\'=HYPERLINK("http://x.test")'] * 2
    assert rows[0]["Earmark detail"] == "'@SUM(A1:A2)" and rows[0]["Description"] == "'+1 dial"
    assert rows[1]["Reason"] == "'-wrong donor"
    # Numbers stay numbers (a negative amount is not a formula); JPY has no minor unit.
    assert [r["Amount"] for r in rows] == ["150000", "-150000"]
    assert [r["Amount (USD)"] for r in rows] == ["1020.00", "-1020.00"]
    # Read back through the shared reader, every cell is what the API holds.
    back = [dict(csvfile.rename(r or {}, CSV_HEADERS)) for _, r in csvfile.read(text).records()]
    assert back[0]["donor_name"] == donor["legal_name"] and back[1]["reason"] == "-wrong donor"


async def test_the_api_contract_says_money_is_a_decimal_string(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    components = schema["components"]["schemas"]
    for component, field in (
        ("LedgerEvent", "usd_amount"),
        ("LedgerEvent", "amount"),
        ("Summary", "received_usd"),
        ("ExchangeRateCreate", "usd_per_unit"),
        ("NriGrant", "amount_requested"),
    ):
        prop = components[component]["properties"][field]
        assert prop["type"] == "string" and "never a float" in prop["description"], (component, field)
    operations = {
        op["operationId"]
        for path, item in schema["paths"].items()
        for op in item.values()
        if path.startswith(("/v1/funding", "/v1/transparency"))
    }
    assert {"RecordLedgerEvent", "GetFundingSummary", "ExportLedgerCsv", "ExportIatiActivities"} <= operations
    csv_op = schema["paths"]["/v1/transparency/exports/ledger.csv"]["get"]
    assert all(f"`{column}`" in csv_op["description"] for column in CSV_COLUMNS)


async def test_exports_are_the_same_bytes_whatever_the_page_size(
    client: Client, ledger: Ledger, db: asyncpg.Pool
) -> None:
    """The exports read the ledger a keyset page at a time: page boundaries never show in the file."""
    await known_ledger(ledger)  # 10 events
    served_csv = (await client.get("/v1/transparency/exports/ledger.csv")).content
    served_json = await client.get("/v1/transparency/exports/ledger.json")
    as_of = datetime.fromisoformat(served_json.json()["as_of"])
    for f in (LedgerFilter(), LedgerFilter(year=2024, kind=EventKind.receipt)):
        for page_size in (1, 3, 10, 11):
            async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
                paged_csv = b"".join([c async for c in exports.csv_export(conn, f, page_size=page_size)])
                paged_json = b"".join(
                    [c async for c in exports.json_export(conn, f, as_of=as_of, page_size=page_size)]
                )
            if f == LedgerFilter():
                assert paged_csv == served_csv and paged_json == served_json.content, page_size
            else:
                query = "?year=2024&kind=receipt"
                assert paged_csv == (await client.get(f"/v1/transparency/exports/ledger.csv{query}")).content
                items = msgspec.json.decode(paged_json)["items"]
                assert [i["kind"] for i in items] == ["receipt"] * 5, page_size


async def test_ledger_pages_are_always_planned_for_their_own_values(
    ledger: Ledger, db: asyncpg.Pool, settings: Settings
) -> None:
    """PostgreSQL's generic plan for the page query cannot see which filters are NULL nor the LIMIT: it reads
    the whole rest of the ledger for every page, and after five runs of a prepared statement PostgreSQL may
    switch to it (on a big ledger). Pages (API and exports) on the app's pooled connections must never run on
    it, whatever the server's default."""
    await known_ledger(ledger)
    async with db.acquire() as conn:  # what PostgreSQL may choose by itself, as this database's default
        await conn.execute(
            f'ALTER DATABASE "{await conn.fetchval("SELECT current_database()")}" '
            "SET plan_cache_mode = force_generic_plan"
        )
    pool = await create_pool(settings.db.url, application_name="igf-hub.tests", max_size=1)
    try:
        async with pool.acquire() as conn:
            repo = PublicRepository(conn)
            for after in range(12):
                await repo.events(LedgerFilter(), after_seq=after, limit=2)
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                assert len([p async for p in repo.event_pages(LedgerFilter(year=2024), page_size=1)]) == 10
            generic, custom = await conn.fetchrow(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1",
                LIST_PUBLIC_EVENTS,
            )
    finally:
        await pool.close()
    assert (generic, custom) == (0, 12 + 11)


async def test_aggregates_by_currency_show_each_currencys_own_amounts(client: Client, ledger: Ledger) -> None:
    """by=currency was missing. Rows add up to the total like every other aggregate; an anonymous donor's
    currency is not disclosed (it could name the donor), so its money is in the undisclosed row."""
    await ledger.rates(EUR_RATES + "JPY,2024-03-01,0.0068,UN operational rate\n")
    made = await known_ledger(ledger)
    await ledger.event(
        made["travel"]["id"], kind="receipt", amount="10.00", currency="EUR", value_date="2024-03-05"
    )
    hidden = await ledger.donor(legal_name="Quiet Tokyo KK", is_anonymous=True, country="JP")
    quiet = await ledger.contribution(hidden["id"])
    await ledger.event(quiet["id"], kind="receipt", amount="150000", currency="JPY", value_date="2024-03-05")
    body = (await client.get("/v1/transparency/aggregates?by=currency")).json()
    rows = {r["key"]: r for r in body["rows"]}
    assert list(rows) == ["EUR", "USD", None]
    assert rows["EUR"]["in_currency"] == {
        "currency": "EUR",
        "pledged": "0.00",
        "committed": "0.00",
        "received": "10.00",
        "in_kind": "0.00",
    }
    assert rows["EUR"]["received_usd"] == "11.00" and rows["USD"]["received_usd"] == "10500.00"
    assert rows[None]["label"] == "Not disclosed (anonymous donors)" and "in_currency" not in rows[None]
    assert rows[None]["received_usd"] == "1020.00" and "JPY" not in str(body)
    assert sum(Decimal(r["received_usd"]) for r in rows.values()) == Decimal(body["total"]["received_usd"])
