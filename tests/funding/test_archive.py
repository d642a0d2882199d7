"""Donors' historical contributions load through the funding rules (issue 15): all or nothing, every problem
listed, a dry run keeps nothing, loaded contributions are marked as imported."""

from __future__ import annotations

from typing import Any

import asyncpg

from tests.funding.conftest import Client, Ledger, assert_problem

RATES = (
    "currency,effective_on,usd_per_unit,source\n"
    "EUR,2019-11-26,1.10,UN operational rate\nJPY,2021-04-01,0.0091,UN operational rate\n"
)
ARCHIVE: dict[str, Any] = {
    "donors": [
        {
            "legal_name": "Federal Ministry for Digital Affairs",
            "stakeholder_group": "government",
            "country": "DE",
        },
        {
            "legal_name": "総務省",
            "display_name": "MIC Japan",
            "stakeholder_group": "government",
            "country": "JP",
        },
    ],
    "contributions": [
        {
            "donor": "Federal Ministry for Digital Affairs",
            "contribution": {
                "title": "Support 2020-2022",
                "channel": "igf_trust_fund",
                "earmark": "core",
                "years": [2020, 2021, 2022],
            },
            "events": [
                {"kind": "pledge", "amount": "1000000", "currency": "EUR", "value_date": "2019-11-26"}
            ],
        },
        {
            "donor": "総務省",
            "contribution": {
                "title": "Kyoto IGF support",
                "channel": "mixed",
                "earmark": "host_country",
                "years": [2021],
                "fiscal_year_start_month": 4,
            },
            "events": [
                {"kind": "receipt", "amount": "5000000", "currency": "JPY", "value_date": "2021-04-01"}
            ],
        },
    ],
}


async def _count(db: asyncpg.Pool) -> tuple[int, int, int]:
    async with db.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM donors) d, (SELECT count(*) FROM funding_contributions) c,"
            " (SELECT count(*) FROM funding_events) e"
        )
    return row["d"], row["c"], row["e"]


async def test_historical_contributions_load_through_the_funding_rules(
    client: Client, ledger: Ledger, db: asyncpg.Pool
) -> None:
    assert (await ledger.rates(RATES)).status_code == 201
    before = await _count(db)
    dry = await client.post("/v1/funding/archive?dry_run=true", json=ARCHIVE, headers=ledger.headers)
    assert dry.status_code == 200, dry.text
    assert (dry.json()["donors_created"], dry.json()["events"]) == (2, 2)
    assert await _count(db) == before  # nothing kept

    done = await client.post(
        "/v1/funding/archive?source=UN%20DESA%20reports", json=ARCHIVE, headers=ledger.headers
    )
    assert done.status_code == 200, done.text
    assert await _count(db) == (before[0] + 2, before[1] + 2, before[2] + 2)
    async with db.acquire() as conn:
        marks = await conn.fetch(
            "SELECT import_source, imported_by FROM funding_contributions ORDER BY title"
        )
    assert [m["import_source"] for m in marks] == ["UN DESA reports"] * 2 and all(
        m["imported_by"] for m in marks
    )
    kyoto = done.json()["contributions"][1]
    read = (await client.get(f"/v1/funding/contributions/{kyoto}", headers=ledger.headers)).json()
    assert (read["channel"], read["fiscal_year_start_month"], read["totals"]["received_usd"]) == (
        "mixed",
        4,
        "45500.00",
    )


async def test_a_bad_archive_keeps_nothing_and_lists_every_problem(
    client: Client, ledger: Ledger, db: asyncpg.Pool
) -> None:
    before = await _count(db)
    bad = {
        "donors": ARCHIVE["donors"],
        "contributions": [
            {**ARCHIVE["contributions"][0]},  # no EUR rate uploaded: its event is refused
            {
                "donor": "Nobody Ltd",
                "contribution": {"title": "x", "channel": "other", "earmark": "core", "years": [2020]},
            },
        ],
    }
    body = assert_problem(
        await client.post("/v1/funding/archive", json=bad, headers=ledger.headers),
        422,
        "funding-archive-rejected",
    )
    pointers = [e["pointer"] for e in body["errors"]]
    assert pointers[0].startswith("/contributions/0/events/0") and "/contributions/1/donor" in pointers
    assert await _count(db) == before  # the valid donors were not kept either
