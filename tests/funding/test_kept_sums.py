"""The ledger's sums kept by the database (funding_event_totals, migration 0010): the public totals read them,
so they must follow every new event at once, be written by nobody but the ledger's trigger, and lose nothing
when writers race."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import asyncpg
import pytest

from tests.funding.conftest import Client, Ledger

INSERT_RECEIPT = """
INSERT INTO funding_events (contribution_id, kind, counts_as, ledger_year, amount, currency, value_date,
                            usd_amount, rate, rate_source, rate_date, recorded_at, recorded_by)
SELECT $1, 'receipt', 'receipt', 2024, a, 'USD', '2024-03-01', a, 1, 'USD', '2024-03-01', now(), 'sql'
FROM unnest($2::numeric[]) AS a"""
KEPT_RECEIPTS = """
SELECT usd_amount, events FROM funding_event_totals
WHERE contribution_id = $1 AND ledger_year = 2024 AND kind = 'receipt'"""


async def test_a_new_ledger_event_is_in_the_very_next_summary(client: Client, ledger: Ledger) -> None:
    donor = await ledger.donor(legal_name="Quiet Giver Ltd", is_anonymous=True)
    contribution = await ledger.contribution(donor["id"], years=[2024])
    await ledger.event(contribution["id"], kind="pledge", amount="5000.00", value_date="2024-01-10")
    first = (await client.get("/v1/transparency/summary?year=2024")).json()
    assert (first["received_usd"], first["outstanding_pledges_usd"], first["donors"]) == (
        "0.00",
        "5000.00",
        1,
    )

    receipt = await ledger.event(
        contribution["id"], kind="receipt", amount="1234.56", value_date="2024-02-01"
    )
    second = (await client.get("/v1/transparency/summary?year=2024")).json()
    assert (second["received_usd"], second["outstanding_pledges_usd"]) == ("1234.56", "3765.44")
    assert second["concentration"]["donors"] == 1

    await ledger.event(
        contribution["id"],
        kind="reversal",
        reverses=receipt["id"],
        reason="returned",
        value_date="2024-02-03",
        amount=None,
        currency=None,
    )
    third = (await client.get("/v1/transparency/summary?year=2024")).json()
    assert (third["received_usd"], third["outstanding_pledges_usd"]) == ("0.00", "5000.00")
    by_year = (await client.get("/v1/transparency/aggregates?by=year")).json()
    assert [(r["key"], r["pledged_usd"], r["received_usd"]) for r in by_year["rows"]] == [
        ("2024", "5000.00", "0.00")
    ]
    corrections = (await client.get("/v1/transparency/aggregates?by=donor&kind=reversal")).json()
    assert [(r["label"], r["received_usd"]) for r in corrections["rows"]] == [
        ("Anonymous (private sector)", "-1234.56")
    ]
    assert "Quiet Giver" not in str(corrections) + str(third)


async def test_nobody_but_the_ledger_writes_the_kept_sums(ledger: Ledger, db: asyncpg.Pool) -> None:
    contribution = await ledger.contribution((await ledger.donor())["id"])
    await ledger.event(contribution["id"], amount="10.00")
    async with db.acquire() as conn:
        for sql in (
            "UPDATE funding_event_totals SET usd_amount = 1 WHERE contribution_id = $1",
            "DELETE FROM funding_event_totals WHERE contribution_id = $1",
            "INSERT INTO funding_event_totals (contribution_id, ledger_year, kind, counts_as, usd_amount, events) "
            "VALUES ($1, 2030, 'receipt', 'receipt', 1, 1)",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="derived from funding_events"):
                await conn.execute(sql, contribution["id"])
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await conn.execute("TRUNCATE funding_event_totals")
        assert tuple(await conn.fetchrow(KEPT_RECEIPTS, contribution["id"])) == (Decimal("10.00"), 1)


async def test_racing_writers_and_bulk_inserts_lose_nothing(ledger: Ledger, db: asyncpg.Pool) -> None:
    """Two transactions add to the same sum (the second waits for the first's row lock, then adds to what it
    committed); a multi-row INSERT adds each group once."""
    contribution = (await ledger.contribution((await ledger.donor())["id"]))["id"]
    async with db.acquire() as first, db.acquire() as second:
        one, two = first.transaction(), second.transaction()
        await one.start()
        await two.start()
        await first.execute(INSERT_RECEIPT, contribution, [Decimal("1.10"), Decimal("2.20")])
        waiting = asyncio.create_task(second.execute(INSERT_RECEIPT, contribution, [Decimal("30.00")]))
        await asyncio.sleep(0.2)
        assert not waiting.done()  # blocked on the kept row until the first writer commits
        await one.commit()
        await waiting
        await two.commit()
        assert tuple(await first.fetchrow(KEPT_RECEIPTS, contribution)) == (Decimal("33.30"), 3)
        assert await first.fetchval(
            "SELECT sum(usd_amount) FROM funding_events WHERE contribution_id = $1", contribution
        ) == Decimal("33.30")
