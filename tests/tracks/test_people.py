"""Facilitators, MAG liaisons and participants: who may manage a track, who may join, what the public sees."""

from __future__ import annotations

import asyncpg
import httpx

from igf_hub.auth.principal import Role
from tests.support.auth import TokenFactory
from tests.tracks.conftest import Tracks, assert_problem, dc_body, if_match, pointers

Client = httpx.AsyncClient


async def test_facilitators_manage_only_their_own_tracks(
    client: Client, tracks: Tracks, db: asyncpg.Pool
) -> None:
    await tracks.active({"slug": "bpf-gender", "type": "bpf", "name": "BPF on Gender"})
    await tracks.active({"slug": "bpf-cybersecurity", "type": "bpf", "name": "BPF on Cybersecurity"})
    gender = await tracks.facilitator("bpf-gender")
    async with db.acquire() as conn:
        grant = await conn.fetchrow(
            "SELECT role, resource_id, source FROM role_grants WHERE user_id = $1", gender.id
        )
    assert grant["role"] == "track_facilitator" and grant["source"] == "tracks"

    own = await client.patch(
        "/v1/tracks/bpf-gender", json={"description": "Gender and access"}, headers=if_match(gender, 2)
    )
    assert own.status_code == 200, own.text
    other = await client.patch(
        "/v1/tracks/bpf-cybersecurity", json={"description": "Mine now"}, headers=if_match(gender, 2)
    )
    assert_problem(other, 403, "not-track-facilitator")
    outsider = await tracks.tokens.user()
    assert_problem(
        await client.patch("/v1/tracks/bpf-gender", json={"name": "Nope"}, headers=if_match(outsider, 3)),
        403,
        "forbidden",
    )
    # A facilitator adds a co-facilitator to their own track, not to someone else's.
    colleague = await tracks.tokens.user()
    added = await client.post(
        "/v1/tracks/bpf-gender/facilitators", json={"user_id": str(colleague.id)}, headers=gender.headers
    )
    assert added.status_code == 201, added.text
    refused = await client.post(
        "/v1/tracks/bpf-cybersecurity/facilitators",
        json={"user_id": str(colleague.id)},
        headers=gender.headers,
    )
    assert_problem(refused, 403, "not-track-facilitator")
    again = await client.post(
        "/v1/tracks/bpf-gender/facilitators", json={"user_id": str(colleague.id)}, headers=gender.headers
    )
    assert_problem(again, 409, "already-facilitator")
    assert_problem(
        await client.post("/v1/tracks/bpf-gender/facilitators", json={"user_id": str(colleague.id)}),
        401,
        "unauthorized",
    )
    removal = await client.delete(
        f"/v1/tracks/bpf-cybersecurity/facilitators/{gender.id}", headers=gender.headers
    )
    assert_problem(removal, 403, "not-track-facilitator")
    nobody = await client.post(
        "/v1/tracks/bpf-gender/facilitators",
        json={"user_id": "00000000-0000-4000-8000-000000000000"},
        headers=gender.headers,
    )
    assert_problem(nobody, 404, "user-not-found")
    detail = (await client.get("/v1/tracks/bpf-gender")).json()
    assert {f["user_id"] for f in detail["facilitators"]} == {str(gender.id), str(colleague.id)}


async def test_removing_a_facilitator_revokes_the_grant(client: Client, tracks: Tracks) -> None:
    await tracks.active({"slug": "bpf-gender", "type": "bpf", "name": "BPF on Gender"})
    facilitator = await tracks.facilitator("bpf-gender")
    url = f"/v1/tracks/bpf-gender/facilitators/{facilitator.id}"
    assert (await client.delete(url, headers=tracks.admin.headers)).status_code == 204
    assert_problem(await client.delete(url, headers=tracks.admin.headers), 404, "not-a-facilitator")
    # The next request of the former facilitator runs without the grant.
    edit = await client.patch(
        "/v1/tracks/bpf-gender", json={"name": "Still mine?"}, headers=if_match(facilitator, 2)
    )
    assert_problem(edit, 403, "forbidden")


async def test_mag_liaisons_must_be_current_mag_members(
    client: Client, tracks: Tracks, tokens: TokenFactory
) -> None:
    await tracks.active({"slug": "pn-ai", "type": "policy_network", "name": "Policy Network on AI"})
    member = await tokens.user(Role.mag_member)
    not_member = await tokens.user()
    url = "/v1/tracks/pn-ai/mag-liaisons"
    problem = assert_problem(
        await client.post(url, json={"user_id": str(not_member.id)}, headers=tracks.admin.headers),
        422,
        "not-a-mag-member",
    )
    assert pointers(problem) == ["/user_id"]
    assert_problem(
        await client.post(url, json={"user_id": str(member.id)}, headers=member.headers), 403, "forbidden"
    )
    added = await client.post(url, json={"user_id": str(member.id)}, headers=tracks.admin.headers)
    assert added.status_code == 201 and added.json()["is_current_mag_member"] is True
    assert_problem(
        await client.post(url, json={"user_id": str(member.id)}, headers=tracks.admin.headers),
        409,
        "already-mag-liaison",
    )
    detail = (await client.get("/v1/tracks/pn-ai")).json()
    assert detail["mag_liaisons"][0]["user_id"] == str(member.id)

    remove = f"{url}/{member.id}"
    assert (await client.delete(remove, headers=tracks.admin.headers)).status_code == 204
    assert_problem(await client.delete(remove, headers=tracks.admin.headers), 404, "not-a-mag-liaison")
    assert (await client.get("/v1/tracks/pn-ai")).json()["mag_liaisons"] == []


async def test_joining_and_leaving_with_public_counts(
    client: Client, tracks: Tracks, tokens: TokenFactory
) -> None:
    await tracks.active(dc_body())
    alice, bob, chen = await tokens.user(), await tokens.user(), await tokens.user()
    url = "/v1/tracks/dc-open-standards/participants/me"
    joined = await client.put(
        url, json={"stakeholder_group": "civil_society", "country": "KE"}, headers=alice.headers
    )
    assert joined.status_code == 201, joined.text
    updated = await client.put(
        url, json={"stakeholder_group": "academia", "country": "KE"}, headers=alice.headers
    )
    assert updated.status_code == 200 and updated.json()["stakeholder_group"] == "academia"
    await client.put(url, json={"stakeholder_group": "government", "country": "FR"}, headers=bob.headers)
    await client.put(url, json={"stakeholder_group": "government", "country": "AR"}, headers=chen.headers)

    summary = (await client.get("/v1/tracks/dc-open-standards/participants/summary")).json()
    assert summary["total"] == 3
    assert (
        summary["by_stakeholder_group"]["government"] == 2
        and summary["by_stakeholder_group"]["academia"] == 1
    )
    assert summary["by_regional_group"] == {
        "african": 1,
        "asia_pacific": 0,
        "eastern_european": 0,
        "latin_american_caribbean": 1,
        "western_european_others": 1,
    }
    assert (await client.get("/v1/tracks/dc-open-standards")).json()["participants"] == summary

    assert (await client.delete(url, headers=bob.headers)).status_code == 204
    assert_problem(await client.delete(url, headers=bob.headers), 404, "not-a-participant")
    assert (await client.get("/v1/tracks/dc-open-standards/participants/summary")).json()["total"] == 2


async def test_participant_lists_are_for_managers_and_paginate(
    client: Client, tracks: Tracks, tokens: TokenFactory
) -> None:
    await tracks.active(dc_body())
    url = "/v1/tracks/dc-open-standards/participants"
    people = [await tokens.user() for _ in range(3)]
    for person in people:
        await client.put(
            f"{url}/me", json={"stakeholder_group": "private_sector", "country": "JP"}, headers=person.headers
        )
    assert_problem(await client.get(url, headers=people[0].headers), 403, "forbidden")
    assert_problem(await client.get(url), 401, "unauthorized")
    first = (await client.get(f"{url}?limit=2", headers=tracks.admin.headers)).json()
    second = (
        await client.get(f"{url}?limit=2&cursor={first['next_cursor']}", headers=tracks.admin.headers)
    ).json()
    listed = [p["user_id"] for p in first["items"] + second["items"]]
    assert sorted(listed) == sorted(str(p.id) for p in people) and second["next_cursor"] is None


async def test_join_refusals(client: Client, tracks: Tracks, tokens: TokenFactory) -> None:
    person = await tokens.user()
    declaration = {"stakeholder_group": "civil_society", "country": "KE"}
    await tracks.create(dc_body())
    assert_problem(
        await client.put(
            "/v1/tracks/dc-open-standards/participants/me", json=declaration, headers=person.headers
        ),
        409,
        "track-not-open",
    )
    await tracks.active({"slug": "bpf-closed", "type": "bpf", "name": "Closed BPF", "open_membership": False})
    url = "/v1/tracks/bpf-closed/participants/me"
    assert_problem(await client.put(url, json=declaration, headers=person.headers), 409, "membership-closed")
    assert_problem(await client.put(url, json=declaration), 401, "unauthorized")
    assert_problem(
        await client.put(url, json={"stakeholder_group": "aliens", "country": "KE"}, headers=person.headers),
        422,
        "validation-failed",
    )
    problem = assert_problem(
        await client.put(
            url, json={"stakeholder_group": "academia", "country": "XX"}, headers=person.headers
        ),
        422,
        "track-rules-not-met",
    )
    assert pointers(problem) == ["/country"]
    assert_problem(
        await client.put("/v1/tracks/nope/participants/me", json=declaration, headers=person.headers),
        404,
        "track-not-found",
    )


async def test_machine_clients_do_not_participate(client: Client, tracks: Tracks) -> None:
    await tracks.active(dc_body())
    created = await client.post("/v1/clients", json={"name": "A script"}, headers=tracks.admin.headers)
    assert created.status_code == 201, created.text
    token = await client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": created.json()["client_id"],
            "client_secret": created.json()["client_secret"],
        },
    )
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    declaration = {"stakeholder_group": "technical_community", "country": "US"}
    response = await client.put(
        "/v1/tracks/dc-open-standards/participants/me", json=declaration, headers=headers
    )
    assert_problem(response, 403, "forbidden")
