"""Cycles: creation, the state machine and its guards, optimistic concurrency, per-cycle rule overrides."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import httpx

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from tests.mag.support import Mag, assert_problem, if_match, pointers
from tests.support.audit import chain_audit
from tests.support.auth import Caller, TokenFactory

Client = httpx.AsyncClient


async def test_a_cycle_moves_through_its_states_and_publishes_each_change(
    client: Client, mag: Mag, clock: Clock, db: asyncpg.Pool
) -> None:
    today = clock.now().date()
    created = await mag.cycle(2027, starts_on=today + timedelta(days=1), ends_on=today + timedelta(days=30))
    assert created["status"] == "planning"
    assert created["allowed_transitions"] == ["call_open"]
    assert created["rules"]["max_consecutive_terms"] == 3  # the defaults, with no override

    read = await client.get("/v1/mag/cycles/2027")
    assert read.headers["etag"] == '"1"'
    assert read.headers["cache-control"] == "public, max-age=60"
    await mag.transition(2027, "call_open")

    # appointed needs at least one appointment
    current = await client.get("/v1/mag/cycles/2027")
    empty = await client.post(
        "/v1/mag/cycles/2027/transitions",
        json={"to": "appointed"},
        headers={**mag.headers, **if_match(current)},
    )
    assert "no appointments" in assert_problem(empty, 409, "mag-transition-guard")["detail"]
    person = await mag.person("Ada Lovelace")
    appointment = await mag.appoint(2027, person["id"])
    await mag.transition(2027, "appointed")

    # closing waits for the cycle's last day to pass, then ends the appointments still active
    current = await client.get("/v1/mag/cycles/2027")
    early = await client.post(
        "/v1/mag/cycles/2027/transitions", json={"to": "closed"}, headers={**mag.headers, **if_match(current)}
    )
    assert_problem(early, 409, "mag-transition-guard")
    await mag.advance(timedelta(days=31))
    closed = (await mag.transition(2027, "closed")).json()
    assert closed["status"] == "closed" and closed["allowed_transitions"] == []
    frozen = await client.patch(
        "/v1/mag/cycles/2027", json={"target_size": 30}, headers={**mag.headers, "If-Match": '"4"'}
    )
    assert_problem(frozen, 409, "mag-cycle-status")
    assert (await client.get(f"/v1/mag/appointments/{appointment['id']}")).json()["status"] == "ended"

    async with db.acquire() as conn:
        events = await conn.fetch("SELECT type, data FROM outbox WHERE type LIKE 'mag.cycle.%' ORDER BY id")
        await chain_audit(conn)
        audit_actions = await conn.fetch("SELECT action FROM audit_log WHERE subject_type = 'mag_cycle'")
    assert [e["type"] for e in events] == ["mag.cycle.created"] + ["mag.cycle.status_changed"] * 3
    assert [(e["data"]["from"], e["data"]["to"]) for e in events[1:]] == [
        ("planning", "call_open"),
        ("call_open", "appointed"),
        ("appointed", "closed"),
    ]
    assert len(audit_actions) == 4


async def test_illegal_transitions_are_409_naming_the_allowed_ones(client: Client, mag: Mag) -> None:
    await mag.cycle(2027)
    current = await client.get("/v1/mag/cycles/2027")
    response = await client.post(
        "/v1/mag/cycles/2027/transitions", json={"to": "closed"}, headers={**mag.headers, **if_match(current)}
    )
    body = assert_problem(response, 409, "illegal-transition")
    assert body["current_state"] == "planning"
    assert body["allowed"] == ["call_open"]
    backwards = await client.post(
        "/v1/mag/cycles/2027/transitions",
        json={"to": "planning"},
        headers={**mag.headers, **if_match(current)},
    )
    assert assert_problem(backwards, 409, "illegal-transition")["requested_state"] == "planning"
    unknown = await client.post(
        "/v1/mag/cycles/2027/transitions",
        json={"to": "dissolved"},
        headers={**mag.headers, **if_match(current)},
    )
    assert pointers(assert_problem(unknown, 422, "validation-failed")) == ["/to"]


async def test_writes_need_the_current_version(client: Client, mag: Mag) -> None:
    await mag.cycle(2027)
    first = await client.get("/v1/mag/cycles/2027")
    changed = await client.patch(
        "/v1/mag/cycles/2027", json={"target_size": 42}, headers={**mag.headers, **if_match(first)}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["target_size"] == 42 and changed.headers["etag"] == '"2"'

    stale = await client.patch(
        "/v1/mag/cycles/2027", json={"target_size": 41}, headers={**mag.headers, **if_match(first)}
    )
    assert assert_problem(stale, 412, "stale-version")["current_version"] == 2
    stale_transition = await client.post(
        "/v1/mag/cycles/2027/transitions",
        json={"to": "call_open"},
        headers={**mag.headers, **if_match(first)},
    )
    assert_problem(stale_transition, 412, "stale-version")
    missing = await client.patch("/v1/mag/cycles/2027", json={"target_size": 41}, headers=mag.headers)
    assert_problem(missing, 428, "precondition-required")
    missing_transition = await client.post(
        "/v1/mag/cycles/2027/transitions", json={"to": "call_open"}, headers=mag.headers
    )
    assert_problem(missing_transition, 428, "precondition-required")
    assert (await client.get("/v1/mag/cycles/2027")).json()["target_size"] == 42


async def test_rule_overrides_are_stored_per_cycle_and_validated(client: Client, mag: Mag) -> None:
    cycle = await mag.cycle(
        2027, rule_overrides={"max_consecutive_terms": 2, "host_countries": ["BR"], "gender_min_share": 0.35}
    )
    assert cycle["rule_overrides"] == {
        "max_consecutive_terms": 2,
        "host_countries": ["BR"],
        "gender_min_share": 0.35,
    }
    assert cycle["rules"]["max_consecutive_terms"] == 2
    assert cycle["rules"]["government_max_share"] == 0.4  # not overridden: the default
    other = await mag.cycle(2028)
    assert other["rules"]["max_consecutive_terms"] == 3 and other["rule_overrides"] == {}

    bad = await client.post(
        "/v1/mag/cycles",
        json={
            "year": 2029,
            "starts_on": "2029-01-01",
            "ends_on": "2029-12-31",
            "rule_overrides": {"gender_min_share": 0.7, "host_countries": ["XX"]},
        },
        headers=mag.headers,
    )
    assert sorted(pointers(assert_problem(bad, 422, "mag-invalid-cycle"))) == [
        "/rule_overrides/gender_min_share",
        "/rule_overrides/host_countries/0",
    ]
    out_of_range = await client.post(
        "/v1/mag/cycles",
        json={
            "year": 2029,
            "starts_on": "2029-01-01",
            "ends_on": "2029-12-31",
            "rule_overrides": {"government_max_share": 1.5},
        },
        headers=mag.headers,
    )
    assert pointers(assert_problem(out_of_range, 422, "validation-failed")) == [
        "/rule_overrides/government_max_share"
    ]

    current = await client.get("/v1/mag/cycles/2027")
    replaced = await client.patch(
        "/v1/mag/cycles/2027", json={"rule_overrides": {}}, headers={**mag.headers, **if_match(current)}
    )
    assert replaced.json()["rules"]["max_consecutive_terms"] == 3


async def test_cycle_refusals(client: Client, mag: Mag, tokens: TokenFactory, secretariat: Caller) -> None:
    body = {"year": 2027, "starts_on": "2027-01-01", "ends_on": "2027-12-31"}
    assert_problem(await client.post("/v1/mag/cycles", json=body), 401)
    member = await tokens.user(Role.mag_member)
    assert_problem(await client.post("/v1/mag/cycles", json=body, headers=member.headers), 403, "forbidden")
    await mag.cycle(2027)
    assert_problem(
        await client.post("/v1/mag/cycles", json=body, headers=mag.headers), 409, "mag-cycle-exists"
    )
    current = await client.get("/v1/mag/cycles/2027")
    not_mine = await client.patch(
        "/v1/mag/cycles/2027", json={"target_size": 3}, headers={**member.headers, **if_match(current)}
    )
    assert_problem(not_mine, 403, "forbidden")
    assert_problem(
        await client.post(
            "/v1/mag/cycles/2027/transitions",
            json={"to": "call_open"},
            headers={**member.headers, **if_match(current)},
        ),
        403,
    )
    backwards = {"year": 2028, "starts_on": "2028-12-31", "ends_on": "2028-01-01"}
    assert (
        "ends_on"
        in assert_problem(await client.post("/v1/mag/cycles", json=backwards, headers=mag.headers), 422)[
            "detail"
        ]
    )
    malformed = await client.post(
        "/v1/mag/cycles",
        content=b'{"year": 2028,',
        headers={**mag.headers, "content-type": "application/json"},
    )
    assert_problem(malformed, 400, "malformed-body")
    unknown_field = await client.post(
        "/v1/mag/cycles", json={**body, "year": 2029, "chair": "x"}, headers=mag.headers
    )
    assert pointers(assert_problem(unknown_field, 422, "validation-failed")) == ["/chair"]
    assert_problem(await client.get("/v1/mag/cycles/2031"), 404, "mag-cycle-not-found")
    assert_problem(await client.get("/v1/mag/cycles/2031/appointments"), 404, "mag-cycle-not-found")
    assert_problem(await client.get("/v1/mag/cycles/2031/nominations/summary"), 404, "mag-cycle-not-found")

    # an appointment outside the new dates blocks moving them
    person = await mag.person("Grace Hopper")
    await mag.appoint(2027, person["id"], starts_on="2027-03-01", ends_on="2027-11-30")
    current = await client.get("/v1/mag/cycles/2027")
    shrink = await client.patch(
        "/v1/mag/cycles/2027",
        json={"starts_on": "2027-04-01", "ends_on": "2027-10-31"},
        headers={**mag.headers, **if_match(current)},
    )
    assert sorted(pointers(assert_problem(shrink, 422, "mag-invalid-cycle"))) == ["/ends_on", "/starts_on"]


async def test_cycles_list_newest_first_with_keyset_pages(client: Client, mag: Mag) -> None:
    for year in (2024, 2025, 2026):
        await mag.cycle(year)
    await mag.transition(2025, "call_open")
    first = (await client.get("/v1/mag/cycles", params={"limit": 2})).json()
    assert [c["year"] for c in first["items"]] == [2026, 2025]
    second = (await client.get("/v1/mag/cycles", params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert [c["year"] for c in second["items"]] == [2024] and second["next_cursor"] is None
    only_open = (await client.get("/v1/mag/cycles", params={"status": "call_open"})).json()
    assert [c["year"] for c in only_open["items"]] == [2025]
    assert_problem(await client.get("/v1/mag/cycles", params={"cursor": "garbage!"}), 400, "invalid-cursor")
    assert_problem(await client.get("/v1/mag/cycles", params={"limit": 0}), 422, "validation-failed")


async def test_a_cycle_carries_notes_even_after_it_closed(client: Client, mag: Mag, clock: Clock) -> None:
    # Issue 15: real cycles come with notes (published size, renewal) and there was nowhere to keep them.
    today = clock.now().date()
    created = await mag.cycle(
        2027, starts_on=today + timedelta(days=1), ends_on=today + timedelta(days=30), notes="40 members"
    )
    assert created["notes"] == "40 members"
    current = await client.get("/v1/mag/cycles/2027")
    changed = await client.patch(
        "/v1/mag/cycles/2027",
        json={"notes": "40 members; a third renewed"},
        headers={**mag.headers, **if_match(current)},
    )
    assert changed.status_code == 200, changed.text
    assert (await client.get("/v1/mag/cycles/2027")).json()["notes"] == "40 members; a third renewed"
