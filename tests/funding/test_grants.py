"""NRI grants: recognised NRIs only, ceilings per NRI type, one programme per NRI and year, the state machine,
If-Match, and every NRI's funding from all programmes in one public place."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from igf_hub.auth.principal import Role
from tests.funding.conftest import Client, Ledger, announce_nri, assert_problem, pointers
from tests.support.auth import TokenFactory


async def _apply(client: Client, ledger: Ledger, nri_id: uuid.UUID | str, **fields: Any) -> Any:
    body = {
        "programme": "igf_secretariat",
        "nri_id": str(nri_id),
        "year": 2024,
        "amount_requested": "4000.00",
        "co_funding_evidence": "Host university covers the venue",
        **fields,
    }
    return await client.post("/v1/funding/nri-grants", json=body, headers=ledger.headers)


async def test_applications_need_a_recognised_nri_and_respect_the_ceiling(
    client: Client, ledger: Ledger, db: asyncpg.Pool
) -> None:
    national, regional, pending = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await announce_nri(db, national, nri_type="national")
    await announce_nri(db, regional, nri_type="regional", name="EuroDIG")
    await announce_nri(db, pending, status="submitted")

    over = await _apply(client, ledger, national, amount_requested="5000.01")
    assert "5000" in assert_problem(over, 422, "invalid-nri-grant")["errors"][0]["detail"]
    assert (await _apply(client, ledger, regional, amount_requested="12000.00")).status_code == 201
    not_yet = await _apply(client, ledger, pending, programme="other")
    assert pointers(assert_problem(not_yet, 422, "invalid-nri-grant")) == ["/programme_detail", "/nri_id"]
    # (an amount with too many decimal places is refused before the rules run: tests/funding/test_money_bounds.py)
    unknown = await _apply(client, ledger, uuid.uuid4(), amount_requested="999999.00")
    assert pointers(assert_problem(unknown, 422, "invalid-nri-grant")) == ["/nri_id", "/amount_requested"]

    created = await _apply(client, ledger, national)
    assert created.status_code == 201, created.text
    grant = created.json()
    assert (grant["status"], grant["ceiling_usd"], grant["nri_type"], grant["nri_name"]) == (
        "applied",
        "5000",
        "national",
        "Kenya IGF",
    )
    assert_problem(await _apply(client, ledger, national), 409, "nri-grant-already-exists")


async def test_the_grant_workflow_and_one_programme_per_nri_and_year(
    client: Client, ledger: Ledger, db: asyncpg.Pool, tokens: TokenFactory
) -> None:
    nri = uuid.uuid4()
    await announce_nri(db, nri)
    secretariat_grant = (await _apply(client, ledger, nri)).json()
    igfsa = await _apply(client, ledger, nri, programme="igfsa", amount_requested="2500.00")
    assert igfsa.status_code == 201
    igfsa_grant = igfsa.json()
    # Each programme is told about the other's application for the same NRI and year.
    assert [o["programme"] for o in igfsa_grant["other_programmes"]] == ["igf_secretariat"]
    url = f"/v1/funding/nri-grants/{secretariat_grant['id']}"
    read = await client.get(url, headers=ledger.headers)
    assert [o["programme"] for o in read.json()["other_programmes"]] == ["igfsa"] and read.headers[
        "etag"
    ] == '"1"'

    approve = {"to": "approved", "amount_approved": "4000.00", "reason": "meets the criteria"}
    assert_problem(
        await client.post(f"{url}/transitions", json=approve, headers=ledger.headers),
        428,
        "precondition-required",
    )
    assert_problem(
        await client.post(f"{url}/transitions", json=approve, headers={**ledger.headers, "If-Match": '"7"'}),
        412,
        "stale-version",
    )
    too_much = await client.post(
        f"{url}/transitions",
        json={**approve, "amount_approved": "4500.00"},
        headers={**ledger.headers, "If-Match": '"1"'},
    )
    assert pointers(assert_problem(too_much, 422, "invalid-nri-grant")) == ["/amount_approved"]
    approved = await client.post(
        f"{url}/transitions", json=approve, headers={**ledger.headers, "If-Match": '"1"'}
    )
    assert (
        approved.status_code == 200
        and approved.json()["status"] == "approved"
        and approved.headers["etag"] == '"2"'
    )

    # The other programme cannot fund the same NRI in the same year.
    igfsa_url = f"/v1/funding/nri-grants/{igfsa_grant['id']}"
    twice = await client.post(
        f"{igfsa_url}/transitions",
        json={"to": "approved", "amount_approved": "2500.00"},
        headers={**ledger.headers, "If-Match": '"1"'},
    )
    assert assert_problem(twice, 409, "nri-funded-by-another-programme")["other_programmes"][0][
        "programme"
    ] == ("igf_secretariat")
    no_reason = await client.post(
        f"{igfsa_url}/transitions", json={"to": "declined"}, headers={**ledger.headers, "If-Match": '"1"'}
    )
    assert pointers(assert_problem(no_reason, 422, "invalid-nri-grant")) == ["/reason"]
    declined = await client.post(
        f"{igfsa_url}/transitions",
        json={"to": "declined", "reason": "already funded"},
        headers={**ledger.headers, "If-Match": '"1"'},
    )
    assert declined.json()["status"] == "declined"

    illegal = await client.post(
        f"{url}/transitions", json={"to": "reported"}, headers={**ledger.headers, "If-Match": '"2"'}
    )
    body = assert_problem(illegal, 409, "illegal-transition")
    assert (body["current_state"], body["allowed"]) == ("approved", ["paid"])
    edit = await client.patch(
        url, json={"amount_requested": "10.00"}, headers={**ledger.headers, "If-Match": '"2"'}
    )
    assert_problem(edit, 409, "conflict")
    paid = await client.post(
        f"{url}/transitions", json={"to": "paid"}, headers={**ledger.headers, "If-Match": '"2"'}
    )
    assert paid.json()["paid_on"]
    no_report = await client.post(
        f"{url}/transitions", json={"to": "reported"}, headers={**ledger.headers, "If-Match": '"3"'}
    )
    assert pointers(assert_problem(no_report, 422, "invalid-nri-grant")) == ["/report_url"]
    reported = await client.post(
        f"{url}/transitions",
        json={"to": "reported", "report_url": "https://ke-igf.org/report"},
        headers={**ledger.headers, "If-Match": '"3"'},
    )
    assert reported.json()["status"] == "reported"

    # One public place for all of an NRI's funding; declined applications do not show.
    public = (await client.get(f"/v1/transparency/nris/{nri}")).json()
    assert [(g["programme"], g["status"], g["amount_approved"]) for g in public["grants"]] == [
        ("igf_secretariat", "reported", "4000.00")
    ]
    assert (
        public["granted_usd_by_programme"] == {"igf_secretariat": "4000.00"}
        and public["nri_name"] == "Kenya IGF"
    )

    funder = await tokens.user(Role.funder)
    assert_problem(await client.get("/v1/funding/nri-grants", headers=funder.headers), 403, "forbidden")
    listed = (
        await client.get(f"/v1/funding/nri-grants?nri_id={nri}&status=reported", headers=ledger.headers)
    ).json()
    assert [g["id"] for g in listed["items"]] == [secretariat_grant["id"]]


async def test_an_application_is_edited_with_if_match_and_a_withdrawn_nri_cannot_be_approved(
    client: Client, ledger: Ledger, db: asyncpg.Pool
) -> None:
    nri = uuid.uuid4()
    await announce_nri(db, nri, nri_type="sub_regional")
    grant = (await _apply(client, ledger, nri, amount_requested="6000.00")).json()
    url = f"/v1/funding/nri-grants/{grant['id']}"
    assert_problem(
        await client.patch(url, json={"amount_requested": "1.00"}, headers=ledger.headers),
        428,
        "precondition-required",
    )
    over = await client.patch(
        url, json={"amount_requested": "6000.50"}, headers={**ledger.headers, "If-Match": '"1"'}
    )
    assert_problem(over, 422, "invalid-nri-grant")
    edited = await client.patch(
        url, json={"amount_requested": "5500.00"}, headers={**ledger.headers, "If-Match": '"1"'}
    )
    assert edited.json()["amount_requested"] == "5500.00" and edited.json()["version"] == 2
    await announce_nri(db, nri, status="withdrawn")
    refused = await client.post(
        f"{url}/transitions",
        json={"to": "approved", "amount_approved": "5000.00"},
        headers={**ledger.headers, "If-Match": '"2"'},
    )
    assert "withdrawn" in assert_problem(refused, 422, "invalid-nri-grant")["errors"][0]["detail"]


async def test_an_nri_recognised_by_the_nri_domain_reaches_funding_through_its_events(
    client: Client, ledger: Ledger, tokens: TokenFactory
) -> None:
    """The real NRI workflow (not a stand-in event): recognition makes the NRI grantable, with its type."""
    from tests.nri.helpers import recognised

    coordinator = await tokens.user()
    nri = await recognised(client, coordinator, ledger.caller)
    grant = await _apply(client, ledger, nri["id"], amount_requested="1000.00")
    assert grant.status_code == 201, grant.text
    assert (grant.json()["nri_type"], grant.json()["nri_name"]) == (nri["type"], nri["name"])
