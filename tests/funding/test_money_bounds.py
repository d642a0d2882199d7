"""Money, rates and dates are bounded at the API and in the database (issue 14, items 2 and 10).

A rate of "NaN" once reached the ledger (a receipt stored usd_amount = NaN) and every public total answered
500 from then on; -1.1, 0, Infinity, 1e30 and 1e-30 gave 500s from constraint errors; 0001-01-01 and
9999-12-31 were stored as -infinity and infinity. Each is now a 422 naming the field, and CHECK constraints
(migration 0015) keep any other path from storing them.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest

from tests.funding.conftest import Client, Ledger, announce_nri, assert_problem, pointers

# Every kind of bad decimal the fuzzer and the attacker sent, plus the odd input that used to pass quietly
# (a JSON number, padding, Arabic-Indic digits, a sign, an exponent, thousands separators).
BAD_DECIMALS: list[Any] = [
    "NaN",
    "nan",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "-1.1",
    "0",
    "0.00",
    "1e30",
    "1e-30",
    "1E+3",
    " 100 ",
    "\u0661\u0660\u0660",
    "+5",
    "1_000",
    "1,000",
    "",
    1.5,
    100,
    True,
    None,
]
BAD_DATES = [
    "0001-01-01",
    "9999-12-31",
    "1989-12-31",
    "2101-01-01",
    "2024-02-30",
    "20240301",
    "2024-03-01T00:00:00Z",
]


def _rate(usd_per_unit: Any = "1.0850", **fields: Any) -> dict[str, Any]:
    return {
        "currency": "EUR",
        "effective_on": "2024-03-01",
        "usd_per_unit": usd_per_unit,
        "source": "UN",
    } | fields


def _refused(response: httpx.Response, pointer: str, value: Any) -> None:
    assert response.status_code == 422, (value, response.text)
    body = assert_problem(response, 422, "validation-failed")
    assert pointers(body) == [pointer], (value, body)
    assert "Traceback" not in body["detail"] and "InvalidOperation" not in body["detail"]


# Each test loops over its values: a test costs a database and an app, a request a few milliseconds.


async def test_a_bad_rate_is_a_422_naming_the_field_and_nothing_is_stored(
    client: Client, ledger: Ledger
) -> None:
    for value in [*BAD_DECIMALS, "1000000", "0.00000000001", "1.12345678901"]:
        response = await client.post(
            "/v1/funding/exchange-rates", json=[_rate(value)], headers=ledger.headers
        )
        _refused(response, "/0/usd_per_unit", value)
    for day in BAD_DATES:
        response = await client.post(
            "/v1/funding/exchange-rates", json=[_rate(effective_on=day)], headers=ledger.headers
        )
        _refused(response, "/0/effective_on", day)
    listed = await client.get("/v1/funding/exchange-rates", headers=ledger.headers)
    assert listed.json()["items"] == []


async def test_the_smallest_and_largest_rates_are_stored_exactly(client: Client, ledger: Ledger) -> None:
    rates = [_rate("0.0000000001", currency="VND"), _rate("999999.9999999999", currency="XAU")]
    response = await client.post("/v1/funding/exchange-rates", json=rates, headers=ledger.headers)
    assert response.status_code == 201, response.text
    listed = (await client.get("/v1/funding/exchange-rates", headers=ledger.headers)).json()["items"]
    assert sorted(Decimal(r["usd_per_unit"]) for r in listed) == [
        Decimal("1e-10"),
        Decimal("999999.9999999999"),
    ]


async def test_a_nan_rate_cannot_poison_the_public_totals(client: Client, ledger: Ledger) -> None:
    """The attack of the issue: NaN rate, then a receipt in that currency; the public pages stay up."""
    refused = await client.post("/v1/funding/exchange-rates", json=[_rate("NaN")], headers=ledger.headers)
    assert_problem(refused, 422, "validation-failed")
    contribution = await ledger.contribution((await ledger.donor())["id"])
    no_rate = await ledger.post_event(contribution["id"], amount="100.00", currency="EUR")
    assert_problem(no_rate, 422, "missing-exchange-rate")  # the NaN rate was never stored
    stored = await client.post("/v1/funding/exchange-rates", json=[_rate("1.0850")], headers=ledger.headers)
    assert stored.status_code == 201, stored.text
    receipt = await ledger.event(contribution["id"], amount="100.00", currency="EUR")
    assert receipt["usd_amount"] == "108.50"
    assert (await client.get("/v1/transparency/summary?year=2024")).status_code == 200
    assert (await client.get("/transparency")).status_code == 200


async def test_bad_event_amounts_and_dates_are_422_naming_the_field(ledger: Ledger) -> None:
    contribution = await ledger.contribution((await ledger.donor())["id"])
    for value in [*BAD_DECIMALS, "1000000000000000", "1.00001"]:
        response = await ledger.post_event(contribution["id"], amount=value)
        if value is None:  # "amount": null is the documented default (a reversal of everything left)
            assert pointers(assert_problem(response, 422, "invalid-ledger-event")) == ["/amount"]
        else:
            _refused(response, "/amount", value)
    for field in ("value_date", "due_on"):
        for day in BAD_DATES:
            response = await ledger.post_event(contribution["id"], kind="pledge", **{field: day})
            _refused(response, f"/{field}", day)
    events = await ledger.client.get(
        f"/v1/funding/contributions/{contribution['id']}/events", headers=ledger.headers
    )
    assert events.json()["items"] == []


async def test_bad_grant_amounts_and_dates_are_422_on_every_path(
    client: Client, ledger: Ledger, db: asyncpg.Pool
) -> None:
    nri = uuid.uuid4()
    await announce_nri(db, nri)
    body = {"programme": "igf_secretariat", "nri_id": str(nri), "year": 2024, "amount_requested": "4000.00"}
    created = await client.post("/v1/funding/nri-grants", json=body, headers=ledger.headers)
    assert created.status_code == 201, created.text
    url = f"/v1/funding/nri-grants/{created.json()['id']}"
    if_match = {**ledger.headers, "If-Match": '"1"'}
    for value in [
        "NaN",
        "Infinity",
        "-1.1",
        "0",
        "1e30",
        "1e-30",
        "1.001",
        4000,
        " 4000 ",
        "\u0664\u0660\u0660\u0660",
    ]:
        applied = await client.post(
            "/v1/funding/nri-grants",
            json=body | {"amount_requested": value, "year": 2025},
            headers=ledger.headers,
        )
        _refused(applied, "/amount_requested", value)
        patched = await client.patch(url, json={"amount_requested": value}, headers=if_match)
        _refused(patched, "/amount_requested", value)
        approve = {"to": "approved", "amount_approved": value, "reason": "meets the criteria"}
        _refused(
            await client.post(f"{url}/transitions", json=approve, headers=if_match), "/amount_approved", value
        )
    for day in BAD_DATES:
        paid = {"to": "paid", "paid_on": day}
        _refused(await client.post(f"{url}/transitions", json=paid, headers=if_match), "/paid_on", day)
    assert (await client.get(url, headers=ledger.headers)).json()["version"] == 1


async def test_the_rates_file_follows_the_same_rules(client: Client, ledger: Ledger) -> None:
    for value in ["NaN", "Infinity", "-1.1", "0", "1e30", "1e-30", "1.0.8", "\u0661"]:
        text = (
            f"currency,effective_on,usd_per_unit,source\nEUR,2024-03-01,1.08,UN\nGBP,0001-01-01,{value},UN\n"
        )
        body = assert_problem(await ledger.rates(text), 422, "invalid-exchange-rates")
        assert pointers(body) == ["/rows/3/effective_on", "/rows/3/usd_per_unit"], value
    listed = await client.get("/v1/funding/exchange-rates", headers=ledger.headers)
    assert listed.json()["items"] == []


# -- the database refuses them too (migration 0015), whatever path writes ------------------------------------

_CONTRIBUTION = "INSERT INTO funding_contributions (donor_id, title, channel, earmark, years, created_by) \
VALUES ($1, 'Support', 'igf_trust_fund', 'core', '{2024}', 'test') RETURNING id"
_EVENT = "INSERT INTO funding_events (contribution_id, kind, counts_as, ledger_year, amount, currency, value_date, \
usd_amount, rate, rate_source, rate_date, recorded_at, recorded_by) VALUES ($1, 'receipt', 'receipt', 2024, \
$2::text::numeric, 'EUR', $3::text::date, $4::text::numeric, $5::text::numeric, 'UN', '2024-03-01', now(), 'test')"
_GOOD = ("100", "2024-03-01", "108.50", "1.085")


_BAD_LEDGER_VALUES = [
    (0, "NaN"),
    (0, "1e16"),
    (1, "infinity"),
    (1, "-infinity"),
    (2, "NaN"),
    (2, "1e21"),
    (3, "NaN"),
    (3, "1e7"),
]
_BAD_ROWS = [
    "INSERT INTO funding_exchange_rates (currency, effective_on, usd_per_unit, source, recorded_by) "
    "VALUES ('EUR', '2024-03-01', 'NaN', 'UN', 'test')",
    "INSERT INTO funding_exchange_rates (currency, effective_on, usd_per_unit, source, recorded_by) "
    "VALUES ('EUR', '2024-03-01', 1e7, 'UN', 'test')",
    "INSERT INTO funding_exchange_rates (currency, effective_on, usd_per_unit, source, recorded_by) "
    "VALUES ('EUR', 'infinity', 1.08, 'UN', 'test')",
    "INSERT INTO funding_nri_grants (programme, nri_id, year, amount_requested, created_by) "
    "VALUES ('igfsa', gen_random_uuid(), 2024, 'NaN', 'test')",
    "INSERT INTO funding_nri_grants (programme, nri_id, year, amount_requested, amount_approved, status, "
    "created_by) VALUES ('igfsa', gen_random_uuid(), 2024, 10, 'NaN', 'approved', 'test')",
    "INSERT INTO funding_nri_grants (programme, nri_id, year, amount_requested, paid_on, created_by) "
    "VALUES ('igfsa', gen_random_uuid(), 2024, 10, '-infinity', 'test')",
]


async def test_the_database_refuses_nan_infinite_and_absurd_values(ledger: Ledger, db: asyncpg.Pool) -> None:
    donor = await ledger.donor()
    async with db.acquire() as conn:
        contribution = await conn.fetchval(_CONTRIBUTION, uuid.UUID(donor["id"]))
        await conn.execute(_EVENT, contribution, *_GOOD)  # the same row with good values is stored
        for column, value in _BAD_LEDGER_VALUES:
            bad = list(_GOOD)
            bad[column] = value
            with pytest.raises(asyncpg.CheckViolationError):
                await conn.execute(_EVENT, contribution, *bad)
        for sql in _BAD_ROWS:
            with pytest.raises(asyncpg.CheckViolationError):
                await conn.execute(sql)
        assert await conn.fetchval("SELECT count(*) FROM funding_events") == 1
        total = await conn.fetchval("SELECT sum(usd_amount) FROM funding_event_totals")
        assert total == Decimal("108.50")
