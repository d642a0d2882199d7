"""Appointments: term numbers from history, the term limit and its public exceptions, early ends, the roster,
privacy of personal fields, the nightly job, and every refusal."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import httpx

from igf_hub.auth.principal import Role
from igf_hub.core import queue
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.mag.balance import term_number
from tests.mag.support import Mag, assert_problem, if_match, pointers
from tests.support.audit import chain_audit
from tests.support.auth import TokenFactory
from tests.support.worker import run_worker_burst

Client = httpx.AsyncClient


def test_term_number_counts_consecutive_years_only() -> None:
    assert term_number([], 2025) == 1
    assert term_number([2023, 2024, 2025], 2025) == 3
    assert term_number([2021, 2022, 2024], 2025) == 2  # 2023 was a gap: 2024, 2025
    assert term_number([2021, 2022, 2023], 2025) == 1


async def test_term_numbers_are_computed_from_history_and_gaps_reset_them(client: Client, mag: Mag) -> None:
    for year in range(2019, 2024):
        await mag.cycle(year)
    steady = await mag.person("Steady Member")
    gap = await mag.person("Gap Year Member")
    for year in (2019, 2020, 2021):
        assert (await mag.appoint(year, steady["id"]))["term_number"] == year - 2018
    assert (await mag.appoint(2019, gap["id"]))["term_number"] == 1
    assert (await mag.appoint(2020, gap["id"]))["term_number"] == 2
    after_gap = await mag.appoint(2022, gap["id"])  # no appointment in 2021
    assert after_gap["term_number"] == 1

    # history recorded late still counts: terms are computed on every read, never stored
    late = await mag.person("Late Record")
    in_2023 = await mag.appoint(2023, late["id"])
    assert in_2023["term_number"] == 1
    await mag.appoint(2022, late["id"])
    assert (await client.get(f"/v1/mag/appointments/{in_2023['id']}")).json()["term_number"] == 2

    history = (await client.get(f"/v1/mag/people/{gap['id']}")).json()
    assert [(a["cycle_year"], a["term_number"]) for a in history["appointments"]] == [
        (2019, 1),
        (2020, 2),
        (2022, 1),
    ]


async def test_the_term_limit_refuses_without_an_exception_and_publishes_one(
    client: Client, mag: Mag
) -> None:
    for year in range(2020, 2025):
        await mag.cycle(year)
    person = await mag.person("Long Server", country="BR")
    for year in (2020, 2021, 2022):
        await mag.appoint(year, person["id"], country="BR")

    refused = await mag.try_appoint(2023, person["id"], country="BR")
    body = assert_problem(refused, 422, "mag-invalid-appointment")
    assert pointers(body) == ["/term_limit_exception_reason"]
    assert "consecutive term 4" in body["errors"][0]["detail"] and "limit of 3" in body["errors"][0]["detail"]
    assert (await client.get("/v1/mag/cycles/2023/appointments")).json()["items"] == []

    # observers are exempt by default: no exception needed, and none may be recorded without need
    needless = await mag.try_appoint(
        2023,
        person["id"],
        country="BR",
        stakeholder_group="intergovernmental",
        role="observer",
        term_limit_exception_reason="continuity of the organisation's seat",
    )
    assert "no exception is needed" in assert_problem(needless, 422)["errors"][0]["detail"]

    reason = "Continuity of the 2023 host country preparations requested by the Secretary-General."
    excepted = await mag.appoint(2023, person["id"], country="BR", term_limit_exception_reason=reason)
    assert excepted["term_number"] == 4
    assert excepted["term_limit_exception"]["reason"] == reason

    public = (await client.get("/v1/mag/term-limit-exceptions")).json()["items"]
    assert [(a["person"]["name"], a["cycle_year"], a["term_limit_exception"]["reason"]) for a in public] == [
        ("Long Server", 2023, reason)
    ]
    roster = (await client.get("/v1/mag/cycles/2023/appointments")).json()["items"]
    assert roster[0]["term_limit_exception"]["reason"] == reason

    # a cycle may allow fewer consecutive terms
    current = await client.get("/v1/mag/cycles/2024")
    await client.patch(
        "/v1/mag/cycles/2024",
        json={"rule_overrides": {"max_consecutive_terms": 1}},
        headers={**mag.headers, **if_match(current)},
    )
    newcomer = await mag.person("Second Timer")
    await mag.appoint(2023, newcomer["id"])
    assert_problem(await mag.try_appoint(2024, newcomer["id"]), 422)


async def test_appointment_refusals(client: Client, mag: Mag, tokens: TokenFactory, clock: Clock) -> None:
    await mag.cycle(2027)
    person = await mag.person("Someone Careful")
    body = {"person_id": person["id"], "stakeholder_group": "civil_society", "country": "KE"}
    url = "/v1/mag/cycles/2027/appointments"
    assert_problem(await client.post(url, json=body), 401)
    member = await tokens.user(Role.mag_member)
    assert_problem(await client.post(url, json=body, headers=member.headers), 403, "forbidden")
    assert_problem(await client.post("/v1/mag/cycles/2030/appointments", json=body, headers=mag.headers), 404)

    # every broken rule at once, each with its pointer
    everything_wrong = await mag.try_appoint(
        2027,
        "00000000-0000-0000-0000-000000000001",
        country="ZZ",
        stakeholder_group="intergovernmental",
        starts_on="2026-12-01",
        ends_on="2028-01-31",
        nomination_id="00000000-0000-0000-0000-000000000002",
    )
    assert sorted(pointers(assert_problem(everything_wrong, 422, "mag-invalid-appointment"))) == [
        "/country",
        "/ends_on",
        "/nomination_id",
        "/person_id",
        "/role",
        "/starts_on",
    ]
    wrong_region = await mag.try_appoint(2027, person["id"], country="KE", regional_group="asia_pacific")
    assert pointers(assert_problem(wrong_region, 422)) == ["/regional_group"]
    no_region = await mag.try_appoint(2027, person["id"], country="TW")  # a territory outside the UN groups
    assert pointers(assert_problem(no_region, 422)) == ["/regional_group"]
    named_region = await mag.appoint(2027, person["id"], country="TW", regional_group="asia_pacific")
    assert named_region["regional_group"] == "asia_pacific"

    assert_problem(await mag.try_appoint(2027, person["id"]), 409, "mag-already-appointed")
    chair_one, chair_two = await mag.person("Chair One"), await mag.person("Chair Two")
    await mag.appoint(2027, chair_one["id"], role="chair")
    assert_problem(await mag.try_appoint(2027, chair_two["id"], role="chair"), 409, "mag-chair-taken")

    bad_enum = await client.post(url, json={**body, "role": "emperor"}, headers=mag.headers)
    assert pointers(assert_problem(bad_enum, 422, "validation-failed")) == ["/role"]
    unknown = await client.post(url, json={**body, "term_number": 1}, headers=mag.headers)
    assert pointers(assert_problem(unknown, 422, "validation-failed")) == [
        "/term_number"
    ]  # computed, never typed
    malformed = await client.post(
        url, content=b'{"person_id": ', headers={**mag.headers, "content-type": "application/json"}
    )
    assert_problem(malformed, 400, "malformed-body")

    # a closed cycle takes no more appointments
    await mag.cycle(2020, status="call_open")
    await mag.appoint(2020, chair_one["id"])
    await mag.transition(2020, "appointed")
    await mag.transition(2020, "closed")
    assert_problem(await mag.try_appoint(2020, chair_two["id"]), 409, "mag-cycle-status")


async def test_early_end_and_date_changes(client: Client, mag: Mag, tokens: TokenFactory) -> None:
    await mag.cycle(2027)
    person = await mag.person("Resigning Member")
    appointment = await mag.appoint(2027, person["id"])
    url = f"/v1/mag/appointments/{appointment['id']}"
    read = await client.get(url)
    assert read.headers["etag"] == '"1"'

    moved = await client.patch(
        url, json={"starts_on": "2027-02-01"}, headers={**mag.headers, **if_match(read)}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["starts_on"] == "2027-02-01" and moved.headers["etag"] == '"2"'
    stale = await client.patch(url, json={"ends_on": "2027-11-30"}, headers={**mag.headers, **if_match(read)})
    assert_problem(stale, 412, "stale-version")
    assert_problem(await client.patch(url, json={"ends_on": "2027-11-30"}, headers=mag.headers), 428)
    outside = await client.patch(
        url, json={"ends_on": "2028-02-01"}, headers={**mag.headers, **if_match(moved)}
    )
    assert pointers(assert_problem(outside, 422)) == ["/ends_on"]
    member = await tokens.user(Role.mag_member)
    assert_problem(
        await client.patch(
            url, json={"ends_on": "2027-11-30"}, headers={**member.headers, **if_match(moved)}
        ),
        403,
    )
    assert_problem(await client.patch(url, json={"ends_on": "2027-11-30"}, headers=if_match(moved)), 401)
    not_theirs = {"ends_on": "2027-06-30", "reason": "Not theirs to decide."}
    assert_problem(
        await client.post(f"{url}/early-end", json=not_theirs, headers={**member.headers, **if_match(moved)}),
        403,
    )
    assert_problem(await client.get("/v1/mag/appointments/00000000-0000-0000-0000-000000000005"), 404)

    resignation = {"status": "resigned", "ends_on": "2027-06-30", "reason": "Appointed to a national office."}
    before_start = await client.post(
        f"{url}/early-end",
        json={**resignation, "ends_on": "2027-01-15"},
        headers={**mag.headers, **if_match(moved)},
    )
    assert pointers(assert_problem(before_start, 422)) == ["/ends_on"]
    assert_problem(await client.post(f"{url}/early-end", json=resignation, headers=mag.headers), 428)
    assert_problem(
        await client.post(f"{url}/early-end", json=resignation, headers={**mag.headers, **if_match(read)}),
        412,
    )
    no_reason = await client.post(
        f"{url}/early-end", json={"ends_on": "2027-06-30"}, headers={**mag.headers, **if_match(moved)}
    )
    assert "reason" in assert_problem(no_reason, 422, "validation-failed")["detail"]
    resigned = await client.post(
        f"{url}/early-end", json=resignation, headers={**mag.headers, **if_match(moved)}
    )
    assert resigned.status_code == 200, resigned.text
    assert resigned.json()["status"] == "resigned"
    assert resigned.json()["ends_on"] == "2027-06-30"
    assert resigned.json()["end_reason"] == "Appointed to a national office."

    again = await client.post(
        f"{url}/early-end", json=resignation, headers={**mag.headers, **if_match(resigned)}
    )
    body = assert_problem(again, 409, "illegal-transition")
    assert body["current_state"] == "resigned" and body["allowed"] == []
    frozen = await client.patch(
        url, json={"ends_on": "2027-05-31"}, headers={**mag.headers, **if_match(resigned)}
    )
    assert_problem(frozen, 409, "mag-appointment-not-active")
    # the seat is free again: the person may be re-appointed in the same cycle
    assert (await mag.appoint(2027, person["id"], starts_on="2027-09-01"))["term_number"] == 1


async def test_personal_fields_are_for_the_secretariat_only(
    client: Client, mag: Mag, tokens: TokenFactory
) -> None:
    await mag.cycle(2027)
    user = await tokens.user()
    person = await mag.person("Private Person", affiliation="Example University", user_id=str(user.id))
    never_appointed = await mag.person("Not Yet Appointed")
    appointment = await mag.appoint(2027, person["id"], gender="female", country="FR")
    assert appointment["gender"] == "female"  # the Secretariat wrote it and sees it

    public = (await client.get(f"/v1/mag/appointments/{appointment['id']}")).json()
    assert "gender" not in public and "nomination_id" not in public
    assert public["person"] == {
        "id": person["id"],
        "name": "Private Person",
        "affiliation": "Example University",
    }
    member = await tokens.user(Role.mag_member)
    as_member = await client.get(f"/v1/mag/people/{person['id']}", headers=member.headers)
    assert "user_id" not in as_member.json()
    assert "gender" not in as_member.json()["appointments"][0]
    assert as_member.headers["vary"] == "Authorization"
    as_secretariat = await client.get(f"/v1/mag/people/{person['id']}", headers=mag.headers)
    assert as_secretariat.json()["user_id"] == str(user.id)
    assert as_secretariat.headers["cache-control"] == "private, no-cache"

    # someone never appointed is not public at all
    assert_problem(await client.get(f"/v1/mag/people/{never_appointed['id']}"), 404, "mag-person-not-found")
    assert (
        await client.get(f"/v1/mag/people/{never_appointed['id']}", headers=mag.headers)
    ).status_code == 200
    public_people = [p["name"] for p in (await client.get("/v1/mag/people")).json()["items"]]
    assert public_people == ["Private Person"]
    everyone = (await client.get("/v1/mag/people", params={"limit": 1}, headers=mag.headers)).json()
    assert [p["name"] for p in everyone["items"]] == ["Not Yet Appointed"]
    rest = await client.get("/v1/mag/people", params={"cursor": everyone["next_cursor"]}, headers=mag.headers)
    assert [p["name"] for p in rest.json()["items"]] == ["Private Person"]

    events = await client.get("/v1/mag/cycles/2027/appointments")
    assert "gender" not in events.json()["items"][0]


async def test_person_refusals(client: Client, mag: Mag, tokens: TokenFactory) -> None:
    member = await tokens.user(Role.mag_member)
    assert_problem(await client.post("/v1/mag/people", json={"name": "X Y"}), 401)
    assert_problem(await client.post("/v1/mag/people", json={"name": "X Y"}, headers=member.headers), 403)
    bad = await client.post(
        "/v1/mag/people",
        json={"name": "X Y", "country": "QQ", "user_id": "00000000-0000-0000-0000-000000000009"},
        headers=mag.headers,
    )
    assert sorted(pointers(assert_problem(bad, 422, "mag-invalid-person"))) == ["/country", "/user_id"]
    linked = await mag.person("Linked Once", user_id=str(member.id))
    twice = await client.post(
        "/v1/mag/people", json={"name": "Linked Twice", "user_id": str(member.id)}, headers=mag.headers
    )
    assert_problem(twice, 409, "mag-user-already-linked")
    read = await client.get(f"/v1/mag/people/{linked['id']}", headers=mag.headers)
    renamed = await client.patch(
        f"/v1/mag/people/{linked['id']}",
        json={"name": "Linked Renamed"},
        headers={**mag.headers, **if_match(read)},
    )
    assert renamed.json()["name"] == "Linked Renamed" and renamed.json()["user_id"] == str(member.id)
    stale = await client.patch(
        f"/v1/mag/people/{linked['id']}", json={"name": "Again"}, headers={**mag.headers, **if_match(read)}
    )
    assert_problem(stale, 412)
    assert_problem(
        await client.patch(f"/v1/mag/people/{linked['id']}", json={"name": "Again"}, headers=mag.headers), 428
    )


async def test_the_nightly_job_ends_appointments_whose_last_day_passed(
    client: Client, mag: Mag, settings: Settings, clock: Clock, db: asyncpg.Pool
) -> None:
    today = clock.now().date()
    await mag.cycle(2027, starts_on=today - timedelta(days=20), ends_on=today + timedelta(days=20))
    finished = await mag.appoint(
        2027, (await mag.person("Done Already"))["id"], ends_on=(today - timedelta(days=1)).isoformat()
    )
    ongoing = await mag.appoint(2027, (await mag.person("Still Serving"))["id"])

    redis = await queue.connect(settings.redis.url)
    try:
        await redis.enqueue_job("end_completed_mag_appointments")
        await run_worker_burst(settings, clock)
        await redis.enqueue_job("end_completed_mag_appointments")  # a second run changes nothing
        await run_worker_burst(settings, clock)
    finally:
        await redis.aclose()
    assert (await client.get(f"/v1/mag/appointments/{finished['id']}")).json()["status"] == "ended"
    assert (await client.get(f"/v1/mag/appointments/{ongoing['id']}")).json()["status"] == "active"
    async with db.acquire() as conn:
        ended = await conn.fetch("SELECT subject, data FROM outbox WHERE type = 'mag.appointment.ended'")
    assert [e["subject"] for e in ended] == [finished["id"]]
    assert ended[0]["data"]["status"] == "ended" and "gender" not in ended[0]["data"]


async def test_appointments_write_audit_and_public_events(mag: Mag, db: asyncpg.Pool) -> None:
    await mag.cycle(2027)
    appointment = await mag.appoint(
        2027, (await mag.person("Evented Person"))["id"], gender="male", role="chair"
    )
    async with db.acquire() as conn:
        event = await conn.fetchrow("SELECT data FROM outbox WHERE type = 'mag.appointment.created'")
        await chain_audit(conn)
        audited = await conn.fetchrow(
            "SELECT actor, data FROM audit_log WHERE action = 'mag.appointment.created'"
        )
    assert event["data"]["id"] == appointment["id"] and event["data"]["is_chair"] is True
    assert "gender" not in event["data"]  # events reach webhook consumers: public fields only
    assert audited["data"]["gender"] == "male"  # the audit trail is the Secretariat's
    assert audited["actor"].startswith("user:")
