"""Nominations: submitted during the call, private to the Secretariat, shortlisted, appointed; counts are public."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from igf_hub.auth.principal import Role
from tests.mag.support import Mag, assert_problem, if_match, pointers
from tests.support.auth import Caller, TokenFactory

Client = httpx.AsyncClient


def nomination(**extra: Any) -> dict[str, Any]:
    return {
        "nominee_name": "Nadia Nominee",
        "nominee_email": "nadia@example.org",
        "stakeholder_group": "civil_society",
        "country": "NP",
        "gender": "female",
        "nominated_by": {"kind": "organisation", "organisation": "Digital Rights Nepal"},
        "statement": "Ten years of community network work in rural Nepal.",
        "endorsements": [{"name": "Asia Pacific Regional IGF", "statement": "We endorse Nadia."}],
        **extra,
    }


async def submit(client: Client, caller: Caller, year: int = 2027, **extra: Any) -> httpx.Response:
    return await client.post(
        f"/v1/mag/cycles/{year}/nominations", json=nomination(**extra), headers=caller.headers
    )


async def test_nominations_are_visible_to_the_secretariat_only(
    client: Client, mag: Mag, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    await mag.cycle(2027, status="call_open")
    nominee = await tokens.user()
    submitted = await submit(client, nominee, nominated_by={"kind": "self"})
    assert submitted.status_code == 201, submitted.text
    created = submitted.json()
    assert created["status"] == "submitted" and created["regional_group"] == "asia_pacific"
    assert created["submitted_by"] == f"user:{nominee.id}"
    nomination_id = created["id"]

    chair = await tokens.user(Role.mag_member, chair=True)
    coordinator = await tokens.user(Role.nri_coordinator)
    for url in (f"/v1/mag/nominations/{nomination_id}", "/v1/mag/cycles/2027/nominations"):
        assert_problem(await client.get(url), 401)
        for outsider in (nominee, chair, coordinator):  # not even the nominee, nor the MAG Chair
            assert_problem(await client.get(url, headers=outsider.headers), 403, "forbidden")
        assert (await client.get(url, headers=mag.headers)).status_code == 200

    read = await client.get(f"/v1/mag/nominations/{nomination_id}", headers=mag.headers)
    assert read.json()["nominee_email"] == "nadia@example.org"
    assert read.headers["cache-control"] == "private, no-cache" and read.headers["etag"] == '"1"'
    listed = (await client.get("/v1/mag/cycles/2027/nominations", headers=mag.headers)).json()["items"]
    assert [n["id"] for n in listed] == [nomination_id]

    # the outbox (which webhooks relay) carries no nomination content
    async with db.acquire() as conn:
        event = await conn.fetchrow("SELECT data FROM outbox WHERE type = 'mag.nomination.submitted'")
    assert event["data"] == {"cycle_year": 2027, "id": nomination_id}


async def test_the_public_sees_aggregate_counts(client: Client, mag: Mag, tokens: TokenFactory) -> None:
    await mag.cycle(2027, status="call_open")
    someone = await tokens.user()
    await submit(client, someone)
    await submit(
        client,
        someone,
        stakeholder_group="academia",
        country="BR",
        gender=None,
        nominated_by={"kind": "self"},
    )
    await submit(client, someone, stakeholder_group="government", country="DE", gender="male")
    summary = await client.get("/v1/mag/cycles/2027/nominations/summary")
    assert summary.status_code == 200
    assert summary.headers["cache-control"] == "public, max-age=60"
    body = summary.json()
    assert body["total"] == 3
    assert body["by_status"]["submitted"] == 3 and body["by_status"]["shortlisted"] == 0
    assert body["by_stakeholder_group"] == {
        "government": 1,
        "intergovernmental": 0,
        "private_sector": 0,
        "civil_society": 1,
        "technical_community": 0,
        "academia": 1,
    }
    assert (
        body["by_regional_group"]["asia_pacific"] == 1
        and body["by_regional_group"]["western_european_others"] == 1
    )
    assert body["by_gender"] == {"female": 1, "male": 1, "undeclared": 1}
    assert body["by_nominator"] == {"organisation": 2, "self": 1}
    assert "nominee_name" not in summary.text and "Nadia" not in summary.text


async def test_shortlisting_and_appointing_from_a_nomination(
    client: Client, mag: Mag, tokens: TokenFactory
) -> None:
    await mag.cycle(2025)
    await mag.cycle(2027, status="call_open")
    veteran = await mag.person("Nepal Veteran", country="NP")
    await mag.appoint(2025, veteran["id"], country="NP")  # Nepal held a seat in one earlier cycle
    someone = await tokens.user()
    created = (await submit(client, someone)).json()
    assert created["country_prior_cycles"] == 1 and created["country_served_before"] is True
    assert created["country_rarely_represented"] is True  # at most 1 earlier cycle, by default
    fresh = (await submit(client, someone, country="BT")).json()
    assert fresh["country_served_before"] is False
    url = f"/v1/mag/nominations/{created['id']}"

    person = await mag.person("Nadia Nominee", country="NP")
    not_yet = await mag.try_appoint(2027, person["id"], country="NP", nomination_id=created["id"])
    assert "shortlist it first" in assert_problem(not_yet, 422)["errors"][0]["detail"]

    read = await client.get(url, headers=mag.headers)
    shortlisted = await client.post(
        f"{url}/transitions",
        json={"to": "shortlisted", "note": "Strong regional support."},
        headers={**mag.headers, **if_match(read)},
    )
    assert shortlisted.status_code == 200, shortlisted.text
    assert shortlisted.json()["status"] == "shortlisted"
    assert shortlisted.json()["allowed_transitions"] == ["not_selected", "submitted", "withdrawn"]

    appointment = await mag.appoint(2027, person["id"], country="NP", nomination_id=created["id"])
    assert appointment["nomination_id"] == created["id"]
    after = await client.get(url, headers=mag.headers)
    assert after.json()["status"] == "appointed" and after.json()["allowed_transitions"] == []
    done = await client.post(
        f"{url}/transitions", json={"to": "withdrawn"}, headers={**mag.headers, **if_match(after)}
    )
    assert assert_problem(done, 409, "illegal-transition")["current_state"] == "appointed"


async def test_nomination_refusals(client: Client, mag: Mag, tokens: TokenFactory) -> None:
    await mag.cycle(2027)
    someone = await tokens.user()
    closed_call = await submit(client, someone)
    assert assert_problem(closed_call, 409, "mag-cycle-status")["current_state"] == "planning"
    await mag.transition(2027, "call_open")
    assert_problem(await client.post("/v1/mag/cycles/2027/nominations", json=nomination()), 401)
    assert_problem(await submit(client, someone, year=2031), 404)

    wrong = await submit(client, someone, country="ZZ", person_id="00000000-0000-0000-0000-000000000003")
    assert sorted(pointers(assert_problem(wrong, 422, "mag-invalid-nomination"))) == [
        "/country",
        "/person_id",
    ]
    organisation_missing = await submit(client, someone, nominated_by={"kind": "organisation"})
    assert "organisation" in assert_problem(organisation_missing, 422, "validation-failed")["detail"]
    too_many = await submit(client, someone, endorsements=[{"name": f"Endorser {i}"} for i in range(21)])
    assert pointers(assert_problem(too_many, 422, "validation-failed")) == ["/endorsements"]
    bad_email = await submit(client, someone, nominee_email="not-an-email")
    assert pointers(assert_problem(bad_email, 422, "validation-failed")) == ["/nominee_email"]
    malformed = await client.post(
        "/v1/mag/cycles/2027/nominations",
        content=b"{",
        headers={**someone.headers, "content-type": "application/json"},
    )
    assert_problem(malformed, 400, "malformed-body")

    created = (await submit(client, someone)).json()
    url = f"/v1/mag/nominations/{created['id']}"
    read = await client.get(url, headers=mag.headers)
    member = await tokens.user(Role.mag_member)
    assert_problem(
        await client.post(
            f"{url}/transitions", json={"to": "shortlisted"}, headers={**member.headers, **if_match(read)}
        ),
        403,
    )
    assert_problem(
        await client.post(f"{url}/transitions", json={"to": "shortlisted"}, headers=mag.headers), 428
    )
    appointed = await client.post(
        f"{url}/transitions", json={"to": "appointed"}, headers={**mag.headers, **if_match(read)}
    )
    assert assert_problem(appointed, 409, "illegal-transition")["allowed"] == [
        "not_selected",
        "shortlisted",
        "withdrawn",
    ]
    withdrawn = await client.post(
        f"{url}/transitions", json={"to": "withdrawn"}, headers={**mag.headers, **if_match(read)}
    )
    assert withdrawn.status_code == 200
    stale = await client.post(
        f"{url}/transitions", json={"to": "shortlisted"}, headers={**mag.headers, **if_match(read)}
    )
    assert_problem(stale, 412, "stale-version")
    again = await client.post(
        f"{url}/transitions", json={"to": "shortlisted"}, headers={**mag.headers, **if_match(withdrawn)}
    )
    assert assert_problem(again, 409, "illegal-transition")["current_state"] == "withdrawn"
    assert_problem(
        await client.get("/v1/mag/nominations/00000000-0000-0000-0000-000000000004", headers=mag.headers), 404
    )
