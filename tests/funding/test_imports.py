"""Bulk imports for the Secretariat (issue #15, item 4, funding part): donors, contributions and ledger events
had to be entered one call at a time. Now each has an all-or-nothing CSV/JSON import with a dry run that lists
every problem by row and column name, and the public ledger export re-imports to the same records."""

from __future__ import annotations

import uuid

import asyncpg
import httpx

from tests.funding.conftest import Client, Ledger, assert_problem

RATES = (
    "currency,effective_on,usd_per_unit,source\n"
    "EUR,2024-03-01,1.10,UN operational rate\nJPY,2024-03-01,0.0068,UN operational rate\n"
)
DONORS = (
    "\ufeffLegal name,Display name,Stakeholder group,Country,Anonymous\r\n"
    "Federal Ministry,Germany,government,DE,false\r\n"
    "'=Acme Corp,,private_sector,US,no\r\n"  # exported as formula-escaped: comes back without the '
    "هيئة تنظيم الاتصالات,,government,AE,\r\n"
    "中国互联网络信息中心,,technical_community,CN,\r\n"
)


async def _post(
    client: Client, ledger: Ledger, what: str, body: str, *, dry_run: bool = False, media: str = "text/csv"
) -> httpx.Response:
    return await client.post(
        f"/v1/funding/{what}/import{'?dry_run=true' if dry_run else ''}",
        content=body.encode(),
        headers={**ledger.headers, "content-type": media},
    )


async def _count(db: asyncpg.Pool, table: str) -> int:
    async with db.acquire() as conn:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))


async def test_donors_contributions_and_events_load_in_bulk_and_the_ledger_reimports(
    client: Client, ledger: Ledger, db: asyncpg.Pool
) -> None:
    await ledger.rates(RATES)
    dry = await _post(client, ledger, "donors", DONORS, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert [r["outcome"] for r in dry.json()["rows"]] == ["would_create"] * 4
    assert await _count(db, "donors") == 0  # a dry run writes nothing
    done = (await _post(client, ledger, "donors", DONORS)).json()
    assert (done["created"], [r["row"] for r in done["rows"]]) == (4, [2, 3, 4, 5])
    listed = (await client.get("/v1/funding/donors", headers=ledger.headers)).json()["items"]
    assert {d["legal_name"] for d in listed} == {
        "Federal Ministry",
        "=Acme Corp",
        "هيئة تنظيم الاتصالات",
        "中国互联网络信息中心",
    }
    again = (await _post(client, ledger, "donors", DONORS)).json()
    assert (again["created"], again["unchanged"]) == (0, 4)

    contributions = (
        "Donor,Title,Channel,Earmark,Years\r\n"
        "Federal Ministry,Core support 2020-2022,igf_trust_fund,core,2020;2021;2022\r\n"
        "'=Acme Corp,Travel,igf_trust_fund,travel_grants,2024\r\n"
    )
    made = (await _post(client, ledger, "contributions", contributions)).json()
    assert made["created"] == 2
    core, travel = (r["id"] for r in made["rows"])
    own_id = str(uuid.uuid4())
    events = (
        "Event ID,Contribution ID,Kind,Amount,Currency,Value date,Reverses event ID,Reason,Description\r\n"
        f"{own_id},{core},receipt,1000.00,EUR,2024-03-05,,,'=first tranche\r\n"
        f",{core},reversal,1000.00,EUR,2024-03-06,{own_id},booked twice,\r\n"
        f",{travel},receipt,150000,JPY,2024-03-05,,,\r\n"
    )
    loaded = (await _post(client, ledger, "events", events)).json()
    assert loaded["created"] == 3, loaded
    items = (await client.get("/v1/transparency/ledger")).json()["items"]
    assert [(i["kind"], i["amount"], i["currency"]) for i in items] == [
        ("receipt", "1000.0000", "EUR"),
        ("reversal", "-1000.0000", "EUR"),
        ("receipt", "150000.0000", "JPY"),
    ]
    assert items[1]["reverses_id"] == items[0]["id"] and items[0]["description"] == "=first tranche"

    # Every export re-imports to the same records: the ledger's own CSV and JSON are a no-op.
    before = await _count(db, "funding_events")
    exported_csv = (await client.get("/v1/transparency/exports/ledger.csv")).text
    assert (await _post(client, ledger, "events", exported_csv)).json()["unchanged"] == 3
    exported_json = (await client.get("/v1/transparency/exports/ledger.json")).text
    again_json = await _post(client, ledger, "events", exported_json, media="application/json")
    assert again_json.json()["unchanged"] == 3, again_json.text
    assert await _count(db, "funding_events") == before


async def test_a_bad_file_imports_nothing_and_every_problem_is_named_by_row_and_column(
    client: Client, ledger: Ledger, db: asyncpg.Pool
) -> None:
    bad = (
        "Legal name,Stakeholder group,Country\r\n"
        "Good Donor,government,DE\r\n"
        "Ministry,government,\r\n"  # a government has a country
        "X,colour,ZZ\r\n"  # too short, no such group, no such country
    )
    body = assert_problem(
        await _post(client, ledger, "donors", bad, dry_run=True), 422, "funding-import-rejected"
    )
    where = [e["pointer"] for e in body["errors"]]
    assert (
        "/rows/3/Country" in where and "/rows/4/Legal name" in where and "/rows/4/Stakeholder group" in where
    )
    assert all(e["detail"].startswith(f"row {e['pointer'].split('/')[2]}, column “") for e in body["errors"])
    assert_problem(await _post(client, ledger, "donors", bad), 422, "funding-import-rejected")
    assert await _count(db, "donors") == 0  # the good row was not written either

    donor = await ledger.donor()
    contribution = await ledger.contribution(donor["id"])
    events = (
        "Contribution ID,Kind,Amount,Currency,Value date\r\n"
        f"{contribution['id']},receipt,10.00,USD,2024-03-01\r\n"
        f"{contribution['id']},receipt,10.00,EUR,2024-03-01\r\n"  # no EUR rate
        f"{contribution['id']},gift,-5,USD,2024-02-30\r\n"
    )
    body = assert_problem(await _post(client, ledger, "events", events), 422, "funding-import-rejected")
    where = [e["pointer"] for e in body["errors"]]
    assert "/rows/3/Currency" in where and "/rows/4/Kind" in where and "/rows/4/Value date" in where, where
    assert await _count(db, "funding_events") == 0
    unknown = assert_problem(
        await _post(client, ledger, "events", "Kind,Colour\r\nreceipt,red\r\n"),
        422,
        "funding-import-rejected",
    )
    assert [e["pointer"] for e in unknown["errors"]] == ["/header/Colour"]
    wrong_type = await client.post(
        "/v1/funding/events/import",
        content=b"x",
        headers={**ledger.headers, "content-type": "application/xml"},
    )
    assert_problem(wrong_type, 415, "unsupported-media-type")
