"""Calls for input: windows enforced with the server's injected clock, edits with If-Match, public inputs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from igf_hub.core.clock import Clock
from tests.support.auth import Caller
from tests.tracks.conftest import Tracks, assert_problem, if_match, pointers

Client = httpx.AsyncClient
INPUT = {
    "stakeholder_group": "civil_society",
    "country": "IN",
    "organisation": "Net Rights",
    "text": "Consider SMEs.",
}


@pytest.fixture
async def pn(tracks: Tracks) -> Caller:
    await tracks.active({"slug": "pn-ai", "type": "policy_network", "name": "Policy Network on AI"})
    return await tracks.facilitator("pn-ai")


async def open_call(
    client: Client, clock: Clock, caller: Caller, *, starts_in: timedelta, lasts: timedelta
) -> dict[str, Any]:
    opens = clock.now() + starts_in
    body = {
        "title": "Call for input on AI governance",
        "opens_at": opens.isoformat(),
        "closes_at": (opens + lasts).isoformat(),
    }
    response = await client.post("/v1/tracks/pn-ai/calls", json=body, headers=caller.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_submissions_are_taken_only_while_the_call_is_open(
    client: Client, tracks: Tracks, pn: Caller, clock: Clock, db: asyncpg.Pool
) -> None:
    call = await open_call(client, clock, pn, starts_in=timedelta(days=1), lasts=timedelta(days=14))
    assert call["state"] == "scheduled"
    person = await tracks.tokens.user()
    url = f"/v1/tracks/calls/{call['id']}/submissions"
    assert_problem(await client.post(url, json=INPUT, headers=person.headers), 409, "call-not-open")

    clock.advance(timedelta(days=2))
    person = await tracks.refreshed(person)
    sent = await client.post(url, json=INPUT, headers=person.headers)
    assert sent.status_code == 201, sent.text
    current = (await client.get(f"/v1/tracks/calls/{call['id']}")).json()
    assert current["state"] == "open" and current["submissions"] == 1
    assert_problem(await client.post(url, json=INPUT), 401, "unauthorized")
    assert_problem(
        await client.post(url, json={**INPUT, "country": "XX"}, headers=person.headers),
        422,
        "call-rules-not-met",
    )
    assert_problem(
        await client.post(url, json={**INPUT, "text": ""}, headers=person.headers), 422, "validation-failed"
    )

    clock.advance(timedelta(days=14))
    person = await tracks.refreshed(person)
    assert_problem(await client.post(url, json=INPUT, headers=person.headers), 409, "call-closed")

    listed = (await client.get(url)).json()
    assert [s["text"] for s in listed["items"]] == ["Consider SMEs."]
    assert "user_id" not in listed["items"][0]  # who sent an input is not published
    detail = (await client.get("/v1/tracks/pn-ai")).json()
    assert detail["calls"] == []  # closed calls drop out of the detail's current calls
    all_calls = (await client.get("/v1/tracks/pn-ai/calls")).json()
    assert [(c["id"], c["state"]) for c in all_calls["items"]] == [(call["id"], "closed")]
    async with db.acquire() as conn:
        events = [
            r["type"]
            for r in await conn.fetch("SELECT type FROM outbox WHERE type LIKE 'track.call%' ORDER BY id")
        ]
    assert events == ["track.call_created", "track.call_submission_received"]


async def test_call_dates_are_checked_all_at_once(client: Client, pn: Caller, clock: Clock) -> None:
    now = clock.now()
    body = {
        "title": "Backwards",
        "opens_at": now.isoformat(),
        "closes_at": (now - timedelta(days=1)).isoformat(),
    }
    problem = assert_problem(
        await client.post("/v1/tracks/pn-ai/calls", json=body, headers=pn.headers), 422, "call-rules-not-met"
    )
    assert pointers(problem) == ["/closes_at", "/closes_at"]
    naive = {**body, "opens_at": now.replace(tzinfo=None).isoformat()}
    assert_problem(
        await client.post("/v1/tracks/pn-ai/calls", json=naive, headers=pn.headers), 422, "validation-failed"
    )


async def test_calls_are_edited_by_their_track_with_if_match_until_they_close(
    client: Client, tracks: Tracks, pn: Caller, clock: Clock
) -> None:
    call = await open_call(client, clock, pn, starts_in=timedelta(hours=-1), lasts=timedelta(days=7))
    assert call["state"] == "open"
    url = f"/v1/tracks/calls/{call['id']}"
    later = (clock.now() + timedelta(days=10)).isoformat()
    assert_problem(
        await client.patch(url, json={"closes_at": later}, headers=pn.headers), 428, "precondition-required"
    )
    extended = await client.patch(url, json={"closes_at": later}, headers=if_match(pn, 1))
    assert extended.status_code == 200, extended.text
    assert extended.json()["closes_at"].startswith(later[:19]) and extended.headers["etag"] == '"2"'
    assert_problem(
        await client.patch(url, json={"title": "Stale"}, headers=if_match(pn, 1)), 412, "stale-version"
    )
    moved = await client.patch(url, json={"opens_at": clock.now().isoformat()}, headers=if_match(pn, 2))
    assert pointers(assert_problem(moved, 422, "call-rules-not-met")) == ["/opens_at"]

    await tracks.active({"slug": "bpf-gender", "type": "bpf", "name": "BPF on Gender"})
    other = await tracks.facilitator("bpf-gender")
    assert_problem(
        await client.patch(url, json={"title": "Mine"}, headers=if_match(other, 2)),
        403,
        "not-track-facilitator",
    )
    body = {"title": "Not yours", "opens_at": clock.now().isoformat(), "closes_at": later}
    assert_problem(
        await client.post("/v1/tracks/pn-ai/calls", json=body, headers=other.headers),
        403,
        "not-track-facilitator",
    )
    assert_problem(await client.post("/v1/tracks/pn-ai/calls", json=body), 401, "unauthorized")

    clock.advance(timedelta(days=11))
    pn = await tracks.refreshed(pn)
    assert_problem(
        await client.patch(url, json={"title": "After the fact"}, headers=if_match(pn, 2)), 409, "call-closed"
    )
    assert_problem(
        await client.get("/v1/tracks/calls/00000000-0000-4000-8000-000000000000"), 404, "call-not-found"
    )


async def test_a_track_that_is_not_working_opens_no_calls(
    client: Client, tracks: Tracks, clock: Clock
) -> None:
    await tracks.create({"slug": "bpf-future", "type": "bpf", "name": "Future BPF"})
    body = {
        "title": "Too early",
        "opens_at": clock.now().isoformat(),
        "closes_at": (clock.now() + timedelta(days=1)).isoformat(),
    }
    assert_problem(
        await client.post("/v1/tracks/bpf-future/calls", json=body, headers=tracks.admin.headers),
        409,
        "track-not-open",
    )
