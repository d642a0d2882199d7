"""The ledger through the API: donors, contributions, events, exchange rates, reversals, and every refusal."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import asyncpg
import pytest

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from tests.funding.conftest import Client, Ledger, assert_problem, pointers
from tests.support.audit import chain_audit
from tests.support.auth import TokenFactory

EUR_RATES = (
    "currency,effective_on,usd_per_unit,source\r\nEUR,2024-03-01,1.0850,UN operational rate 2024-03\r\n"
)


# -- donors -------------------------------------------------------------------------------------------------


async def test_secretariat_creates_reads_and_updates_a_donor_with_if_match(
    client: Client, ledger: Ledger
) -> None:
    created = await ledger.donor(
        legal_name="Ministry of Digital Affairs",
        stakeholder_group="government",
        country="DE",
        display_name="Germany",
        iati_org_type="10",
    )
    assert created["public_name"] == "Germany" and created["version"] == 1
    url = f"/v1/funding/donors/{created['id']}"
    read = await client.get(url, headers=ledger.headers)
    assert read.status_code == 200 and read.headers["etag"] == '"1"'

    missing = await client.patch(url, json={"private_notes": "x"}, headers=ledger.headers)
    assert_problem(missing, 428, "precondition-required")
    updated = await client.patch(
        url, json={"private_notes": "met in June"}, headers={**ledger.headers, "If-Match": '"1"'}
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["version"] == 2 and updated.headers["etag"] == '"2"'
    stale = await client.patch(
        url, json={"private_notes": "y"}, headers={**ledger.headers, "If-Match": '"1"'}
    )
    body = assert_problem(stale, 412, "stale-version")
    assert body["current_version"] == 2


async def test_an_anonymous_donor_gets_a_public_label_not_its_name(ledger: Ledger) -> None:
    donor = await ledger.donor(legal_name="Secret Corp", display_name="Secret", is_anonymous=True)
    assert donor["public_name"] == "Anonymous (private sector)"
    assert donor["legal_name"] == "Secret Corp"  # the Secretariat still sees it


async def test_donor_rules_are_all_reported_at_once(client: Client, ledger: Ledger) -> None:
    igo_with_country = await client.post(
        "/v1/funding/donors",
        json={
            "legal_name": "An IGO",
            "stakeholder_group": "intergovernmental",
            "country": "CH",
            "iati_org_ref": "XM-DAC-1",
        },
        headers=ledger.headers,
    )
    body = assert_problem(igo_with_country, 422, "invalid-donor")
    assert pointers(body) == ["/country", "/iati_org_type"]
    no_country = await client.post(
        "/v1/funding/donors",
        json={"legal_name": "A company", "stakeholder_group": "private_sector"},
        headers=ledger.headers,
    )
    assert pointers(assert_problem(no_country, 422, "invalid-donor")) == ["/country"]
    unknown = await client.post(
        "/v1/funding/donors",
        json={"legal_name": "A company", "stakeholder_group": "private_sector", "country": "XX"},
        headers=ledger.headers,
    )
    assert "XX" in assert_problem(unknown, 422, "invalid-donor")["errors"][0]["detail"]


async def test_a_duplicate_legal_name_is_a_conflict(client: Client, ledger: Ledger) -> None:
    await ledger.donor(legal_name="Acme Foundation")
    again = await client.post(
        "/v1/funding/donors",
        json={"legal_name": "ACME foundation", "stakeholder_group": "civil_society", "country": "US"},
        headers=ledger.headers,
    )
    assert_problem(again, 409, "donor-already-exists")


async def test_only_the_secretariat_writes(client: Client, ledger: Ledger, tokens: TokenFactory) -> None:
    donor = await ledger.donor()
    contribution = await ledger.contribution(donor["id"])
    funder = await tokens.user((Role.funder, donor["id"]))
    mag = await tokens.user(Role.mag_member)
    writes = [
        (
            "POST",
            "/v1/funding/donors",
            {"legal_name": "X Ltd", "stakeholder_group": "academia", "country": "FR"},
        ),
        ("PATCH", f"/v1/funding/donors/{donor['id']}", {"private_notes": "mine"}),
        (
            "POST",
            "/v1/funding/contributions",
            {"donor_id": donor["id"], "title": "xx", "channel": "other", "earmark": "core", "years": [2024]},
        ),
        ("PATCH", f"/v1/funding/contributions/{contribution['id']}", {"title": "mine"}),
        (
            "POST",
            f"/v1/funding/contributions/{contribution['id']}/events",
            {"kind": "receipt", "amount": "1", "currency": "USD", "value_date": "2024-01-01"},
        ),
        ("POST", "/v1/funding/exchange-rates", []),
        ("POST", f"/v1/funding/donors/{donor['id']}/funders", {"user_id": str(mag.id)}),
        ("POST", "/v1/funding/nri-grants", {}),
    ]
    for method, url, body in writes:
        for caller in (funder, mag):
            response = await client.request(
                method, url, json=body, headers={**caller.headers, "If-Match": '"1"'}
            )
            assert_problem(response, 403, "forbidden")
        assert_problem(await client.request(method, url, json=body), 401, "unauthorized")


# -- contributions ------------------------------------------------------------------------------------------


async def test_contribution_rules_are_all_reported_at_once(client: Client, ledger: Ledger) -> None:
    donor = await ledger.donor()
    response = await client.post(
        "/v1/funding/contributions",
        json={
            "donor_id": donor["id"],
            "via_donor_id": donor["id"],
            "title": "Bad",
            "channel": "direct_to_nri",
            "earmark": "other",
            "in_kind": True,
            "years": [2024, 2024],
            "track_id": "00000000-0000-0000-0000-000000000001",
        },
        headers=ledger.headers,
    )
    body = assert_problem(response, 422, "invalid-contribution")
    assert pointers(body) == [
        "/via_donor_id",
        "/earmark_detail",
        "/track_id",
        "/nri_id",
        "/in_kind_description",
        "/valuation_method",
        "/years",
    ]
    unknown_donor = await client.post(
        "/v1/funding/contributions",
        json={
            "donor_id": "00000000-0000-0000-0000-000000000009",
            "title": "xx",
            "channel": "other",
            "earmark": "core",
            "years": [2024],
        },
        headers=ledger.headers,
    )
    assert pointers(assert_problem(unknown_donor, 422, "invalid-contribution")) == ["/donor_id"]


async def test_contribution_edits_take_if_match_and_keep_the_donor_once_money_is_recorded(
    client: Client, ledger: Ledger
) -> None:
    donor, other = await ledger.donor(), await ledger.donor()
    contribution = await ledger.contribution(
        donor["id"],
        private_notes="draft",
        documents=[{"title": "Agreement", "url": "https://example.org/agreement.pdf"}],
    )
    url = f"/v1/funding/contributions/{contribution['id']}"
    before_money = await client.patch(
        url, json={"donor_id": other["id"]}, headers={**ledger.headers, "If-Match": '"1"'}
    )
    assert before_money.status_code == 200 and before_money.json()["donor_id"] == other["id"]
    await ledger.event(contribution["id"])
    after_money = await client.patch(
        url, json={"donor_id": donor["id"]}, headers={**ledger.headers, "If-Match": '"2"'}
    )
    assert pointers(assert_problem(after_money, 422, "invalid-contribution")) == ["/donor_id"]
    stale = await client.patch(
        url, json={"title": "New title"}, headers={**ledger.headers, "If-Match": '"1"'}
    )
    assert_problem(stale, 412, "stale-version")
    ok = await client.patch(
        url, json={"title": "New title", "years": [2025, 2024]}, headers={**ledger.headers, "If-Match": '"2"'}
    )
    assert ok.status_code == 200 and ok.json()["years"] == [2024, 2025] and ok.json()["version"] == 3


# -- events and exchange rates -----------------------------------------------------------------------------


async def test_a_missing_rate_is_a_422_naming_it_and_an_uploaded_rate_is_frozen_on_the_event(
    client: Client, ledger: Ledger, db: asyncpg.Pool
) -> None:
    contribution = await ledger.contribution((await ledger.donor())["id"])
    missing = await ledger.post_event(
        contribution["id"], amount="1000.00", currency="EUR", value_date="2024-03-15"
    )
    body = assert_problem(missing, 422, "missing-exchange-rate")
    assert body["missing_rate"] == {"currency": "EUR", "date": "2024-03-15"}
    assert "EUR" in body["detail"] and "2024-03-15" in body["detail"]

    uploaded = await ledger.rates(EUR_RATES)
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json() == {"rows": 1, "currencies": ["EUR"], "added": 1, "corrected": 0, "unchanged": 0}
    event = await ledger.event(contribution["id"], amount="1000.00", currency="EUR", value_date="2024-03-15")
    assert (event["amount"], event["usd_amount"], event["rate"]) == ("1000.0000", "1085.00", "1.0850000000")
    assert (event["rate_source"], event["rate_date"]) == ("UN operational rate 2024-03", "2024-03-01")
    assert isinstance(event["usd_amount"], str)  # money travels as decimal strings, never floats

    # The same file again changes nothing; a different rate for that date silently replaced the old one: now
    # it is a 409 naming the row, the old and new values and the events that used it, and nothing is stored.
    again = await ledger.rates(EUR_RATES)
    assert again.status_code == 201 and again.json()["unchanged"] == 1 and again.json()["rows"] == 0
    corrected = "currency,effective_on,usd_per_unit,source\nEUR,2024-03-01,2.0,corrected\n"
    refused = assert_problem(await ledger.rates(corrected), 409, "exchange-rate-already-recorded")
    assert pointers(refused) == ["/rows/2"]
    assert (
        "1.0850000000" in refused["errors"][0]["detail"]
        and "used by 1 recorded event" in refused["errors"][0]["detail"]
    )
    as_json = [
        {"currency": "EUR", "effective_on": "2024-03-01", "usd_per_unit": "2.0", "source": "corrected"}
    ]
    refused_json = await client.post("/v1/funding/exchange-rates", json=as_json, headers=ledger.headers)
    assert pointers(assert_problem(refused_json, 409, "exchange-rate-already-recorded")) == ["/0"]
    no_reason = await client.post(
        "/v1/funding/exchange-rates?correction=true", json=as_json, headers=ledger.headers
    )
    assert pointers(assert_problem(no_reason, 422, "invalid-exchange-rates")) == ["/reason"]
    listed = (await client.get("/v1/funding/exchange-rates", headers=ledger.headers)).json()["items"]
    assert [r["usd_per_unit"] for r in listed] == ["1.0850000000"]
    # An explicit correction with its reason replaces it, and the audit log keeps both values.
    done = await client.post(
        "/v1/funding/exchange-rates/upload?correction=true&reason=typo+in+the+UN+table",
        content=corrected.encode(),
        headers={**ledger.headers, "content-type": "text/csv"},
    )
    assert done.status_code == 201 and done.json()["corrected"] == 1, done.text
    async with db.acquire() as conn:
        await chain_audit(conn)
        audit = await conn.fetchrow(
            "SELECT data FROM audit_log WHERE action = 'funding.rate.corrected' ORDER BY id DESC LIMIT 1"
        )
    data = json.loads(audit["data"]) if isinstance(audit["data"], str) else audit["data"]
    assert (data["old"]["usd_per_unit"], data["new"]["usd_per_unit"]) == ("1.0850000000", "2.0")
    assert data["reason"] == "typo in the UN table" and data["events_using_old_rate"] == 1
    # ... and changes new events only: the recorded one keeps what was frozen.
    events = (
        await client.get(f"/v1/funding/contributions/{contribution['id']}/events", headers=ledger.headers)
    ).json()
    assert events["items"][0]["usd_amount"] == "1085.00"
    # A rate older than its maximum age (31 days) is not in force any more.
    stale = await ledger.post_event(contribution["id"], amount="5", currency="EUR", value_date="2024-04-20")
    assert assert_problem(stale, 422, "missing-exchange-rate")["missing_rate"]["date"] == "2024-04-20"


async def test_a_bad_rates_file_lists_every_bad_cell_and_stores_nothing(
    client: Client, ledger: Ledger
) -> None:
    bad = (
        "currency,effective_on,usd_per_unit,source\n"
        "EUR,2024-03-01,1.08,UN\nZZZ,2024-13-01,abc,UN\nGBP,2024-03-01,-1,\nEUR,2024-03-01,1.09,UN\n"
    )
    body = assert_problem(await ledger.rates(bad), 422, "invalid-exchange-rates")
    assert pointers(body) == [
        "/rows/3/currency",
        "/rows/3/effective_on",
        "/rows/3/usd_per_unit",
        "/rows/4/usd_per_unit",
        "/rows/4/source",
        "/rows/5",
    ]
    listed = await client.get("/v1/funding/exchange-rates", headers=ledger.headers)
    assert listed.json()["items"] == []
    assert_problem(await ledger.rates("currency,rate\nEUR,1\n"), 422, "invalid-exchange-rates")


async def test_event_rules_are_all_reported_at_once(ledger: Ledger, clock: Clock) -> None:
    contribution = await ledger.contribution((await ledger.donor())["id"])
    tomorrow = (clock.now() + timedelta(days=1)).date().isoformat()
    wrong = await ledger.post_event(
        contribution["id"],
        kind="in_kind_valuation",
        amount="10.123",
        currency="USD",
        value_date=tomorrow,
        due_on="2020-01-01",
        reason="why",
    )
    body = assert_problem(wrong, 422, "invalid-ledger-event")
    assert pointers(body) == ["/value_date", "/amount", "/reason", "/due_on", "/due_on", "/kind"]
    for amount in ("NaN", "-5", "0", "Infinity"):  # refused as they are read (core/schemas.py)
        response = await ledger.post_event(contribution["id"], amount=amount)
        assert pointers(assert_problem(response, 422, "validation-failed")) == ["/amount"], amount
    jpy = await ledger.post_event(contribution["id"], amount="10.5", currency="JPY")
    assert "0 decimal places" in assert_problem(jpy, 422, "invalid-ledger-event")["errors"][0]["detail"]
    unknown = await ledger.post_event(contribution["id"], currency="ABC")
    assert pointers(assert_problem(unknown, 422, "invalid-ledger-event")) == ["/currency"]
    in_kind = await ledger.contribution(
        (await ledger.donor())["id"],
        in_kind=True,
        in_kind_description="Venue",
        valuation_method="market rent",
    )
    receipt = await ledger.post_event(in_kind["id"], kind="receipt")
    assert pointers(assert_problem(receipt, 422, "invalid-ledger-event")) == ["/kind"]


async def test_malformed_bodies_are_refused(client: Client, ledger: Ledger) -> None:
    contribution = await ledger.contribution((await ledger.donor())["id"])
    url = f"/v1/funding/contributions/{contribution['id']}/events"
    headers = {**ledger.headers, "content-type": "application/json"}
    assert_problem(
        await client.post(url, content=b'{"kind": "receipt",', headers=headers), 400, "malformed-body"
    )
    unknown_field = await client.post(
        url, json={"kind": "receipt", "value_date": "2024-01-01", "colour": "red"}, headers=ledger.headers
    )
    assert assert_problem(unknown_field, 422, "validation-failed")["errors"][0]["pointer"] == "/colour"
    not_decimal = await client.post(
        url, json={"kind": "receipt", "value_date": "2024-01-01", "amount": "ten"}, headers=ledger.headers
    )
    assert assert_problem(not_decimal, 422, "validation-failed")["errors"][0]["pointer"] == "/amount"
    bad_kind = await client.post(
        url, json={"kind": "gift", "value_date": "2024-01-01"}, headers=ledger.headers
    )
    assert_problem(bad_kind, 422, "validation-failed")
    missing = await client.post(
        f"/v1/funding/contributions/{'0' * 8}-0000-0000-0000-{'0' * 12}/events",
        json={"kind": "receipt", "value_date": "2024-01-01", "amount": "1", "currency": "USD"},
        headers=ledger.headers,
    )
    assert_problem(missing, 404, "contribution-not-found")


# -- reversals -------------------------------------------------------------------------------------------


async def test_reversal_rules(client: Client, ledger: Ledger) -> None:
    await ledger.rates(EUR_RATES)
    contribution = await ledger.contribution((await ledger.donor())["id"])
    other = await ledger.contribution((await ledger.donor())["id"])
    receipt = await ledger.event(
        contribution["id"], amount="1000.00", currency="EUR", value_date="2024-03-10"
    )
    foreign = await ledger.event(other["id"])

    no_reason = await ledger.post_event(
        contribution["id"],
        kind="reversal",
        reverses=receipt["id"],
        value_date="2024-03-11",
        amount=None,
        currency=None,
    )
    assert pointers(assert_problem(no_reason, 422, "invalid-ledger-event")) == ["/reason"]
    elsewhere = await ledger.post_event(
        contribution["id"],
        kind="reversal",
        reverses=foreign["id"],
        reason="x",
        value_date="2024-03-11",
        amount=None,
        currency=None,
    )
    assert pointers(assert_problem(elsewhere, 422, "invalid-ledger-event")) == ["/reverses"]
    too_much = await ledger.post_event(
        contribution["id"],
        kind="reversal",
        reverses=receipt["id"],
        reason="x",
        value_date="2024-03-11",
        amount="1000.01",
        currency="USD",
    )
    assert pointers(assert_problem(too_much, 422, "invalid-ledger-event")) == ["/currency", "/amount"]
    too_early = await ledger.post_event(
        contribution["id"],
        kind="reversal",
        reverses=receipt["id"],
        reason="x",
        value_date="2024-03-09",
        amount=None,
        currency=None,
    )
    assert pointers(assert_problem(too_early, 422, "invalid-ledger-event")) == ["/value_date"]

    partial = await ledger.event(
        contribution["id"],
        kind="reversal",
        reverses=receipt["id"],
        amount="400.00",
        currency=None,
        reason="bank charged twice",
        value_date="2024-04-02",
    )
    assert (partial["amount"], partial["usd_amount"], partial["counts_as"], partial["ledger_year"]) == (
        "-400.0000",
        "-434.00",
        "receipt",
        2024,
    )
    of_reversal = await ledger.post_event(
        contribution["id"],
        kind="reversal",
        reverses=partial["id"],
        reason="x",
        value_date="2024-04-03",
        amount=None,
        currency=None,
    )
    assert (
        "cannot be reversed"
        in assert_problem(of_reversal, 422, "invalid-ledger-event")["errors"][0]["detail"]
    )
    rest = await ledger.event(
        contribution["id"],
        kind="reversal",
        reverses=receipt["id"],
        reason="duplicate",
        value_date="2025-01-05",
        amount=None,
        currency=None,
    )
    assert (rest["amount"], rest["usd_amount"], rest["ledger_year"]) == ("-600.0000", "-651.00", 2024)
    again = await ledger.post_event(
        contribution["id"],
        kind="reversal",
        reverses=receipt["id"],
        reason="x",
        value_date="2025-01-05",
        amount=None,
        currency=None,
    )
    assert "fully reversed" in assert_problem(again, 422, "invalid-ledger-event")["errors"][0]["detail"]

    read = (
        await client.get(f"/v1/funding/contributions/{contribution['id']}", headers=ledger.headers)
    ).json()
    assert read["totals"]["received_usd"] == "0.00"


async def test_the_database_refuses_to_change_or_delete_ledger_events(
    ledger: Ledger, db: asyncpg.Pool
) -> None:
    contribution = await ledger.contribution((await ledger.donor())["id"])
    event = await ledger.event(contribution["id"])
    async with db.acquire() as conn:
        for sql in (
            "UPDATE funding_events SET amount = 1 WHERE id = $1",
            "DELETE FROM funding_events WHERE id = $1",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await conn.execute(sql, event["id"])
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await conn.execute("TRUNCATE funding_events CASCADE")
        # The reversal backstop holds even for SQL that skips the service.
        with pytest.raises(asyncpg.CheckViolationError, match="exceed"):
            await conn.execute(
                """INSERT INTO funding_events (contribution_id, kind, counts_as, ledger_year, amount, currency,
                   value_date, usd_amount, rate, rate_source, rate_date, reverses_id, reason, recorded_at, recorded_by)
                   VALUES ($1, 'reversal', 'receipt', 2024, -5000, 'USD', '2024-03-02', -5000, 1, 'USD',
                           '2024-03-02', $2, 'x', now(), 'sql')""",
                contribution["id"],
                event["id"],
            )
        assert await conn.fetchval("SELECT amount FROM funding_events WHERE id = $1", event["id"]) == Decimal(
            "1000"
        )


async def test_each_event_is_audited_and_published_without_private_details(
    ledger: Ledger, db: asyncpg.Pool
) -> None:
    donor = await ledger.donor(legal_name="Very Private Holdings", is_anonymous=True)
    contribution = await ledger.contribution(donor["id"], private_notes="secret terms")
    event = await ledger.event(contribution["id"], kind="pledge", amount="250.00")
    assert event["due_on"] == "2024-12-31"  # a pledge falls due by the end of its last year unless told
    async with db.acquire() as conn:
        await chain_audit(conn)
        audit = await conn.fetchrow(
            "SELECT actor, data FROM audit_log WHERE action = 'funding.event.recorded'"
        )
        outbox_rows = await conn.fetch(
            "SELECT type, data::text AS data FROM outbox WHERE type LIKE 'funding.%'"
        )
    assert audit["actor"] == f"user:{ledger.caller.id}" and audit["data"]["id"] == event["id"]
    assert {r["type"] for r in outbox_rows} >= {
        "funding.donor.created",
        "funding.contribution.created",
        "funding.event.recorded",
    }
    for row in outbox_rows:
        assert "Very Private Holdings" not in row["data"] and "secret terms" not in row["data"]


async def test_zero_is_written_one_way_everywhere(client: Client, ledger: Ledger) -> None:
    """Zero was "0" where no event matched and "0.00" where events netted to zero; now always "0.00"."""
    contribution = await ledger.contribution((await ledger.donor())["id"])
    read = (
        await client.get(f"/v1/funding/contributions/{contribution['id']}", headers=ledger.headers)
    ).json()
    assert set(read["totals"].values()) == {"0.00"} and read["outstanding_pledge_usd"] == "0.00"
    empty = (await client.get("/v1/transparency/aggregates?by=currency")).json()
    assert set(empty["total"].values()) == {"0.00"}
    summary = (await client.get("/v1/transparency/summary")).json()
    money = (
        "pledged_usd",
        "committed_usd",
        "received_usd",
        "in_kind_usd",
        "outstanding_pledges_usd",
        "nri_grants_paid_usd",
        "balance_usd",
    )
    assert {summary[k] for k in money} == {"0.00"}
