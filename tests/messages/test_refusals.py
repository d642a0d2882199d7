"""Every way a request about Messages is refused, and that a refusal writes nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.messages.support import (
    Client,
    assert_problem,
    comment,
    get,
    if_match,
    mag,
    message,
    move,
    refresh,
    report,
    sweep,
)
from tests.support.auth import TokenFactory


async def test_anonymous_writes_are_401(client: Client, tokens: TokenFactory) -> None:
    secretariat = await tokens.user(Role.secretariat)
    mid = (await message(client, secretariat)).json()["id"]
    await move(client, secretariat, mid, {"to": "public_comment"})
    for method, path, body in [
        ("POST", "/v1/messages", {"year": 2025}),
        ("PATCH", f"/v1/messages/{mid}", {"theme": "x"}),
        ("POST", f"/v1/messages/{mid}/versions", {"title": "Title", "body": "Text."}),
        ("POST", f"/v1/messages/{mid}/transitions", {"to": "synthesis"}),
        (
            "POST",
            f"/v1/messages/{mid}/comments",
            {"body": "Hello there", "stakeholder_group": "academia", "country": "FR"},
        ),
        ("POST", f"/v1/messages/{mid}/ballot/positions", {"position": "yes"}),
        ("POST", f"/v1/messages/{mid}/ballots", {}),
        ("POST", "/v1/session-reports", {"year": 2025}),
        ("POST", "/v1/session-reports/imports", {"reports": []}),
    ]:
        response = await client.request(method, path, json=body)
        assert_problem(response, 401, "unauthorized")
        assert "bearer" in response.headers["www-authenticate"].lower()


async def test_only_the_secretariat_creates_and_only_drafters_draft(
    client: Client, tokens: TokenFactory
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    stranger = await tokens.user(Role.nri_coordinator)
    member = await tokens.user(Role.mag_member)
    made = await client.post("/v1/messages", json={"year": 2025}, headers=member.headers)
    assert_problem(made, 403, "forbidden")

    created = await message(client, secretariat)
    mid = created.json()["id"]
    # Someone else's draft: invisible (404), and not theirs to write (404 before it is public, 403 after).
    assert_problem(
        await client.get(f"/v1/messages/{mid}", headers=stranger.headers), 404, "message-not-found"
    )
    hidden = await client.post(
        f"/v1/messages/{mid}/versions",
        json={"title": "Title", "body": "Mine now."},
        headers=if_match(created, stranger),
    )
    assert_problem(hidden, 404, "message-not-found")
    await move(client, secretariat, mid, {"to": "public_comment"})
    current = await get(client, mid)
    patched = await client.patch(
        f"/v1/messages/{mid}", json={"theme": "Mine"}, headers=if_match(current, stranger)
    )
    assert_problem(patched, 403, "not-a-drafter")
    # Transitions: the Secretariat's (the route needs a MAG or Secretariat role; a plain MAG member is refused).
    assert_problem(
        await client.post(
            f"/v1/messages/{mid}/transitions", json={"to": "synthesis"}, headers=if_match(current, stranger)
        ),
        403,
        "forbidden",
    )
    assert_problem(
        await client.post(
            f"/v1/messages/{mid}/transitions",
            json={"to": "withdrawn", "reason": "because"},
            headers=if_match(current, member),
        ),
        403,
        "forbidden",
    )


async def test_illegal_transitions_name_the_current_and_allowed_states(
    client: Client, tokens: TokenFactory
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    mid = (await message(client, secretariat)).json()["id"]
    for body in (
        {"to": "approved"},
        {"to": "published"},
        {"to": "synthesis"},
        {"to": "mag_review"},
        {"to": "draft", "reason": "again"},
        {"to": "superseded", "superseded_by": mid},
    ):
        refused = await move(client, secretariat, mid, body, expect=409)
        problem = assert_problem(refused, 409, "illegal-transition")
        assert problem["current_state"] == "draft" and problem["requested_state"] == body["to"]
        assert problem["allowed"] == ["public_comment", "withdrawn"]
    assert (await get(client, mid, secretariat)).json()["version"] == 1  # nothing was written
    unknown = await move(client, secretariat, mid, {"to": "archived"}, expect=422)
    assert assert_problem(unknown, 422, "validation-failed")


async def test_stale_and_missing_if_match(client: Client, tokens: TokenFactory) -> None:
    secretariat = await tokens.user(Role.secretariat)
    created = await message(client, secretariat)
    mid = created.json()["id"]
    first = await client.patch(
        f"/v1/messages/{mid}", json={"theme": "Digital trust"}, headers=if_match(created, secretariat)
    )
    assert first.status_code == 200 and first.headers["etag"] == '"2"'
    stale = await client.patch(
        f"/v1/messages/{mid}", json={"theme": "Again"}, headers=if_match(created, secretariat)
    )
    assert assert_problem(stale, 412, "stale-version")["current_version"] == 2
    stale_version = await client.post(
        f"/v1/messages/{mid}/versions",
        json={"title": "Title", "body": "New."},
        headers=if_match(created, secretariat),
    )
    assert_problem(stale_version, 412, "stale-version")
    stale_move = await client.post(
        f"/v1/messages/{mid}/transitions",
        json={"to": "public_comment"},
        headers=if_match(created, secretariat),
    )
    assert_problem(stale_move, 412, "stale-version")
    missing = await client.patch(f"/v1/messages/{mid}", json={"theme": "Again"}, headers=secretariat.headers)
    assert_problem(missing, 428, "precondition-required")
    assert_problem(
        await client.post(
            f"/v1/messages/{mid}/transitions", json={"to": "public_comment"}, headers=secretariat.headers
        ),
        428,
        "precondition-required",
    )


async def test_malformed_and_invalid_bodies(client: Client, tokens: TokenFactory) -> None:
    secretariat = await tokens.user(Role.secretariat)
    bad_json = await client.post(
        "/v1/messages",
        content=b'{"year": 2025,',
        headers={**secretariat.headers, "content-type": "application/json"},
    )
    assert_problem(bad_json, 400, "malformed-body")
    both = await client.post(
        "/v1/messages",
        json={
            "year": 2025,
            "theme": "Theme",
            "title": "Title",
            "body": "Text.",
            "paragraphs": [{"text": "Text."}],
        },
        headers=secretariat.headers,
    )
    assert "exactly one of body" in assert_problem(both, 422, "validation-failed")["detail"]
    unknown_field = await client.post(
        "/v1/messages",
        json={"year": 2025, "theme": "Theme", "title": "Title", "body": "x", "colour": "red"},
        headers=secretariat.headers,
    )
    assert assert_problem(unknown_field, 422)["errors"][0]["pointer"] == "/colour"
    bad_codes = await client.post(
        "/v1/messages",
        json={
            "year": 2025,
            "theme": "Theme",
            "title": "Title",
            "body": "x",
            "classification": {"sdgs": [18]},
        },
        headers=secretariat.headers,
    )
    assert "sdgs: 18" in assert_problem(bad_codes, 422)["detail"]


async def test_provenance_that_does_not_resolve_is_422_naming_it(
    client: Client, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    real = await report(client, secretariat)
    ghost = "00000000-0000-4000-8000-000000000001"
    response = await client.post(
        "/v1/messages",
        json={
            "year": 2025,
            "theme": "Theme",
            "title": "Title",
            "body": "One.\n\nTwo.",
            "provenance": [
                {"kind": "session_report", "id": real["id"], "paragraph_ids": ["p2", "p9"]},
                {"kind": "session_report", "id": ghost},
                {"kind": "message_comment", "id": ghost},
                {"kind": "press_release", "id": ghost},
            ],
        },
        headers=secretariat.headers,
    )
    errors = {e["pointer"]: e["detail"] for e in assert_problem(response, 422, "invalid-content")["errors"]}
    assert errors["/provenance/0/paragraph_ids/1"] == "p9 is not a paragraph of this text"
    assert errors["/provenance/1/id"] == f"session_report {ghost} does not resolve: no such object"
    assert errors["/provenance/2/id"] == f"message_comment {ghost} does not resolve: no such object"
    assert "'press_release' is not a citable kind" in errors["/provenance/3/kind"]
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM messages") == 0  # nothing half-written


async def test_comment_window_rules(
    client: Client, tokens: TokenFactory, clock: Clock, settings: Settings
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    commenter = await tokens.user()
    mid = (await message(client, secretariat)).json()["id"]
    too_short = await move(client, secretariat, mid, {"to": "public_comment", "days": 13}, expect=422)
    assert assert_problem(too_short, 422, "invalid-content")["errors"][0]["pointer"] == "/days"
    await move(client, secretariat, mid, {"to": "public_comment", "days": 14})

    bad = await comment(client, commenter, mid, expect=422, country="XX", paragraph_id="p99")
    pointers = {e["pointer"] for e in assert_problem(bad, 422, "invalid-content")["errors"]}
    assert pointers == {"/country", "/paragraph_id"}
    no_group = await comment(client, commenter, mid, expect=422, stakeholder_group="aliens")
    assert assert_problem(no_group, 422)["errors"][0]["pointer"] == "/stakeholder_group"

    early = await move(client, secretariat, mid, {"to": "synthesis"}, expect=409)
    assert "cannot be closed early" in assert_problem(early, 409, "comment-period-open")["detail"]
    clock.advance(timedelta(days=13, hours=23))
    await refresh(tokens, secretariat, commenter)
    await sweep(settings, clock)
    assert (await get(client, mid)).json()["state"] == "public_comment"  # not yet
    await comment(client, commenter, mid)  # still inside the window
    clock.advance(timedelta(hours=1, seconds=1))
    await refresh(tokens, secretariat, commenter)
    late = await comment(client, commenter, mid, expect=409)  # past closes_at, even before the job ran
    assert assert_problem(late, 409, "comment-period-closed")["state"] == "public_comment"
    await move(client, secretariat, mid, {"to": "synthesis"})  # a person may close it once it is due
    assert_problem(await comment(client, commenter, mid, expect=409), 409, "comment-period-closed")


async def test_comments_in_draft_and_dispositions_are_refused_where_they_must_be(
    client: Client, tokens: TokenFactory, clock: Clock, settings: Settings
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    commenter = await tokens.user()
    created = await message(client, secretariat)
    mid = created.json()["id"]
    await move(client, secretariat, mid, {"to": "public_comment"})
    first = (await comment(client, commenter, mid)).json()
    second = (await comment(client, commenter, mid, body="Same point as before.")).json()
    path = f"/v1/messages/{mid}/comments/{first['id']}/disposition"
    etag = (await client.get(f"/v1/messages/{mid}/comments/{first['id']}")).headers["etag"]

    # Only drafters record dispositions.
    by_commenter = await client.put(
        path,
        json={"outcome": "accepted", "rationale": "I like it"},
        headers={**commenter.headers, "If-Match": etag},
    )
    assert_problem(by_commenter, 403, "not-a-drafter")
    # Every unmet rule, at once.
    incomplete = await client.put(
        path,
        json={"outcome": "accepted", "rationale": "Taken in", "duplicate_of": second["id"]},
        headers={**secretariat.headers, "If-Match": etag},
    )
    pointers = {e["pointer"] for e in assert_problem(incomplete, 422, "invalid-content")["errors"]}
    assert pointers == {"/version_number", "/duplicate_of"}
    self_duplicate = await client.put(
        path,
        json={"outcome": "duplicate", "rationale": "Repeats", "duplicate_of": first["id"]},
        headers={**secretariat.headers, "If-Match": etag},
    )
    assert assert_problem(self_duplicate, 422)["errors"][0]["pointer"] == "/duplicate_of"
    no_if_match = await client.put(
        path, json={"outcome": "out_of_scope", "rationale": "Not ours"}, headers=secretariat.headers
    )
    assert_problem(no_if_match, 428)
    done = await client.put(
        path,
        json={"outcome": "out_of_scope", "rationale": "Not ours"},
        headers={**secretariat.headers, "If-Match": etag},
    )
    assert done.status_code == 200 and done.json()["disposition"]["outcome"] == "out_of_scope"
    again = await client.put(
        path,
        json={"outcome": "not_accepted", "rationale": "Changed mind"},
        headers={**secretariat.headers, "If-Match": etag},
    )
    assert_problem(again, 412, "stale-version")
    dup = f"/v1/messages/{mid}/comments/{second['id']}/disposition"
    second_tag = (await client.get(f"/v1/messages/{mid}/comments/{second['id']}")).headers["etag"]
    ok = await client.put(
        dup,
        json={"outcome": "duplicate", "rationale": "Repeats", "duplicate_of": first["id"]},
        headers={**secretariat.headers, "If-Match": second_tag},
    )
    assert ok.status_code == 200 and ok.json()["disposition"]["duplicate_of"] == first["id"]
    assert (await client.get(f"/v1/messages/{mid}/comments", params={"disposed": "false"})).json()[
        "items"
    ] == []
    # The frozen version under comment cannot be replaced while the round is open.
    current = await get(client, mid, secretariat)
    frozen = await client.post(
        f"/v1/messages/{mid}/versions",
        json={"title": "Title", "body": "New."},
        headers=if_match(current, secretariat),
    )
    assert assert_problem(frozen, 409, "wrong-state")["allowed_in"] == ["draft", "mag_review", "synthesis"]


async def test_ballot_refusals(
    client: Client, tokens: TokenFactory, clock: Clock, settings: Settings
) -> None:
    from tests.messages.support import position, to_review

    secretariat = await tokens.user(Role.secretariat)
    members = await mag(tokens, 3)
    outsider = await tokens.user()
    mid = (await message(client, secretariat)).json()["id"]
    assert_problem(
        await client.get(f"/v1/messages/{mid}/ballot", headers=secretariat.headers), 404, "ballot-not-found"
    )
    await to_review(client, tokens, clock, settings, secretariat, mid)
    await refresh(tokens, *members, outsider)
    late_member = await tokens.user(Role.mag_member)  # appointed after the snapshot

    non_member = await position(client, outsider, mid, "yes", group="government", expect=403)
    assert_problem(non_member, 403, "not-eligible-to-ballot")
    assert_problem(await position(client, late_member, mid, "yes", group="government", expect=403), 403)
    no_text = await position(client, members[0], mid, "concern", group="government", expect=422)
    assert "a concern needs its text" in assert_problem(no_text, 422)["detail"]
    assert (
        "a recusal needs its reason"
        in assert_problem(
            await position(client, members[0], mid, "recuse", group="government", expect=422), 422
        )["detail"]
    )
    undeclared = await position(client, members[0], mid, "yes", expect=422)
    assert assert_problem(undeclared, 422)["errors"][0]["pointer"] == "/stakeholder_group"
    racing = await asyncio.gather(
        *(
            client.post(
                f"/v1/messages/{mid}/ballot/positions",
                json={"position": "yes", "stakeholder_group": "government"},
                headers=members[0].headers,
            )
            for _ in range(2)
        )
    )
    assert sorted(r.status_code for r in racing) == [201, 409]  # two at once: exactly one is recorded
    double = await position(client, members[0], mid, "no_objection", group="government", expect=409)
    assert_problem(double, 409, "position-already-taken")
    switched = await client.put(
        f"/v1/messages/{mid}/ballot/positions/mine",
        json={"position": "abstain", "stakeholder_group": "civil_society"},
        headers={**members[0].headers, "If-Match": '"1"'},
    )
    assert (
        assert_problem(switched, 422)["errors"][0]["detail"]
        == "your stakeholder group in this ballot is government"
    )
    stale = await client.put(
        f"/v1/messages/{mid}/ballot/positions/mine",
        json={"position": "abstain"},
        headers={**members[0].headers, "If-Match": '"7"'},
    )
    assert_problem(stale, 412, "stale-version")
    not_yet = await client.put(
        f"/v1/messages/{mid}/ballot/positions/mine",
        json={"position": "abstain"},
        headers={**members[1].headers, "If-Match": '"1"'},
    )
    assert_problem(not_yet, 404, "ballot-not-found")
    # A plain member neither approves nor opens ballots; a second open ballot is refused.
    refused = await move(client, members[1], mid, {"to": "approved"}, expect=403)
    assert "Chair or the Secretariat" in assert_problem(refused, 403, "forbidden")["detail"]
    assert_problem(await client.post(f"/v1/messages/{mid}/ballots", json={}, headers=members[1].headers), 403)
    assert_problem(
        await client.post(f"/v1/messages/{mid}/ballots", json={}, headers=secretariat.headers),
        409,
        "ballot-already-open",
    )
    # The deadline passes: positions are refused even before the job closes the ballot.
    clock.advance(timedelta(days=14, seconds=1))
    await refresh(tokens, *members)
    assert_problem(
        await position(client, members[1], mid, "yes", group="civil_society", expect=409),
        409,
        "ballot-closed",
    )


async def test_nobody_in_the_mag_means_no_review(
    client: Client, tokens: TokenFactory, clock: Clock, settings: Settings
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    mid = (await message(client, secretariat)).json()["id"]
    await move(client, secretariat, mid, {"to": "public_comment"})
    clock.advance(timedelta(days=22))
    await refresh(tokens, secretariat)
    await sweep(settings, clock)
    refused = await move(client, secretariat, mid, {"to": "mag_review"}, expect=409)
    assert_problem(refused, 409, "no-eligible-members")
    assert (await get(client, mid)).json()["state"] == "synthesis"  # rolled back as a whole
