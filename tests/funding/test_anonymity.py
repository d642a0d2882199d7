"""Anonymity beyond the name (issue #15, item 5). A donor made anonymous kept its donor_id in every public output
(so any earlier export re-identified it), its original amount and currency stayed public, and free text (event
descriptions, reversal reasons, an earmark's detail) could carry its name. From the moment a donor is anonymous,
no public output — JSON, CSV, IATI, HTML — carries any of these, and its later events reach consumers the same
way. What a file published earlier already said cannot be taken back (README, "Funding transparency")."""

from __future__ import annotations

from typing import Any

import asyncpg

from tests.funding.conftest import Client, Ledger

RATES = "currency,effective_on,usd_per_unit,source\nCHF,2024-03-01,1.13,UN operational rate\n"
PUBLIC = [
    "/v1/transparency/summary",
    "/v1/transparency/summary?year=2024",
    "/v1/transparency/pledges",
    "/v1/transparency/pledges?year=2024",
    "/v1/transparency/ledger",
    "/v1/transparency/corrections",
    "/v1/transparency/exports/ledger.csv",
    "/v1/transparency/exports/ledger.json",
    "/v1/transparency/exports/iati-activities.xml",
    "/v1/transparency/exports/iati-organisation.xml",
    "/transparency",
    "/transparency?year=2024",
    *(
        f"/v1/transparency/aggregates?by={by}"
        for by in (
            "year",
            "donor",
            "stakeholder_group",
            "country",
            "earmark",
            "channel",
            "intermediary",
            "currency",
        )
    ),
]


async def _helvetia(ledger: Ledger) -> dict[str, Any]:
    assert (await ledger.rates(RATES)).status_code == 201
    donor = await ledger.donor(
        legal_name="Helvetia Digital AG", display_name="Helvetia Digital", country="CH"
    )
    contribution = await ledger.contribution(
        donor["id"], earmark="other", earmark_detail="Helvetia Digital fellowships", title="Helvetia support"
    )
    await ledger.event(
        contribution["id"],
        kind="pledge",
        amount="12345.67",
        currency="CHF",
        description="Letter from Helvetia Digital",
    )
    receipt = await ledger.event(contribution["id"], amount="4321.09", currency="CHF")
    await ledger.event(
        contribution["id"],
        kind="reversal",
        reverses=receipt["id"],
        amount=None,
        currency=None,
        reason="Helvetia Digital paid twice",
        value_date="2024-03-02",
    )
    return {"donor": donor, "contribution": contribution}


def _leaks(text: str, donor_id: str) -> list[str]:
    found = [s for s in ("Helvetia", "CHF", "12345.67", "4321.09", donor_id) if s in text]
    return found


async def test_a_donor_made_anonymous_leaves_no_trace_in_any_public_output(
    client: Client, ledger: Ledger, db: asyncpg.Pool
) -> None:
    made = await _helvetia(ledger)
    donor_id = made["donor"]["id"]
    earlier = (await client.get("/v1/transparency/exports/ledger.csv")).text
    assert "Helvetia Digital" in earlier and donor_id in earlier  # published while it was named

    url = f"/v1/funding/donors/{donor_id}"
    patched = await client.patch(
        url, json={"is_anonymous": True}, headers={**ledger.headers, "If-Match": '"1"'}
    )
    assert patched.status_code == 200, patched.text
    later = await ledger.event(
        made["contribution"]["id"],
        amount="999.99",
        currency="CHF",
        description="Second tranche, Helvetia Digital",
    )

    for path in PUBLIC:
        response = await client.get(path)
        assert response.status_code == 200, (path, response.text)
        assert _leaks(response.text, donor_id) == [], path
    # Its old id finds nothing any more, in the ledger or its exports.
    for path in ("/v1/transparency/ledger", "/v1/transparency/exports/ledger.json"):
        assert (await client.get(f"{path}?donor_id={donor_id}")).json()["items"] == []
    items = (await client.get("/v1/transparency/ledger")).json()["items"]
    assert {(i["donor_name"], i["donor_id"], i["amount"], i["currency"], i["rate"]) for i in items} == {
        ("Anonymous (private sector)", None, None, None, None)
    }
    assert [i["usd_amount"] for i in items] == ["13950.61", "4882.83", "-4882.83", "1129.99"]  # USD stays
    # The totals do not change: anonymity hides who, not how much.
    summary = (await client.get("/v1/transparency/summary")).json()
    assert (summary["pledged_usd"], summary["received_usd"], summary["donors"]) == ("13950.61", "1129.99", 1)
    by_donor = (await client.get("/v1/transparency/aggregates?by=donor")).json()["rows"]
    assert [(r["key"], r["label"]) for r in by_donor] == [
        ("anonymous:private_sector", "Anonymous (private sector)")
    ]

    # Consumers learn that it became anonymous; what is published about it afterwards carries no more than the
    # public ledger does.
    async with db.acquire() as conn:
        rows = await conn.fetch(
            "SELECT type, data, public FROM outbox WHERE type LIKE 'funding.%' AND (subject = $1 OR subject = $2)"
            " ORDER BY id",
            donor_id,
            later["id"],
        )
    made_anonymous = [r for r in rows if r["type"] == "funding.donor.updated"]
    assert (
        made_anonymous[-1]["public"]
        and made_anonymous[-1]["data"]["public_name"] == "Anonymous (private sector)"
    )
    recorded = next(r["data"] for r in rows if r["type"] == "funding.event.recorded")
    assert (recorded["donor_id"], recorded["amount"], recorded["currency"], recorded["description"]) == (
        None,
        None,
        None,
        None,
    )
    assert recorded["usd_amount"] == "1129.99"
