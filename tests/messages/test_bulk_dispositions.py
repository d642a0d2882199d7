"""One disposition for several comments (POST …/comments/dispositions): all of them or none."""

from __future__ import annotations

import asyncpg

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.messages.support import Client, assert_problem, comment, events, message, move
from tests.support.auth import TokenFactory

SAME = "Please name small operators explicitly."


async def test_one_disposition_for_identical_comments_is_all_or_nothing(
    client: Client, tokens: TokenFactory, clock: Clock, settings: Settings, db: asyncpg.Pool
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    people = [await tokens.user() for _ in range(3)]
    mid = (await message(client, secretariat)).json()["id"]
    await move(client, secretariat, mid, {"to": "public_comment"})
    same = [(await comment(client, p, mid, body=SAME)).json() for p in people]
    other = (await comment(client, people[0], mid, body="Something else entirely.")).json()
    path = f"/v1/messages/{mid}/comments/dispositions"
    refs = [{"id": c["id"], "version": c["version"]} for c in same]
    body = {"comments": refs, "outcome": "not_accepted", "rationale": "Already said in paragraph 2."}

    # Only the Secretariat and the Message's drafters.
    assert_problem(await client.post(path, json=body, headers=people[0].headers), 403, "not-a-drafter")
    # One bad entry refuses them all, each problem named by its place in the list.
    unknown = "00000000-0000-4000-8000-000000000000"
    bad = {**body, "comments": [*refs, {"id": unknown, "version": 1}, refs[0]]}
    refused = assert_problem(await client.post(path, json=bad, headers=secretariat.headers), 422)
    assert [e["pointer"] for e in refused["errors"]] == ["/comments/3/id", "/comments/4/id"]
    # Accepted needs the version that took them in; a duplicate of one of them is not one of them.
    accepted = {**body, "outcome": "accepted"}
    refused = assert_problem(await client.post(path, json=accepted, headers=secretariat.headers), 422)
    assert [e["pointer"] for e in refused["errors"]] == ["/version_number"]
    duplicate = {**body, "outcome": "duplicate", "duplicate_of": same[0]["id"]}
    refused = assert_problem(await client.post(path, json=duplicate, headers=secretariat.headers), 422)
    assert [e["pointer"] for e in refused["errors"]] == ["/comments/0/id"]
    # A comment that changed since it was read refuses the whole request.
    one = f"/v1/messages/{mid}/comments/{same[1]['id']}/disposition"
    changed = await client.put(
        one,
        json={"outcome": "out_of_scope", "rationale": "Not ours."},
        headers={**secretariat.headers, "If-Match": f'"{same[1]["version"]}"'},
    )
    assert changed.status_code == 200
    stale = assert_problem(await client.post(path, json=body, headers=secretariat.headers), 412)
    assert stale["changed_comment_ids"] == [same[1]["id"]]
    listed = (await client.get(f"/v1/messages/{mid}/comments")).json()["items"]
    assert [c["disposition"] and c["disposition"]["outcome"] for c in listed] == [
        None,
        "out_of_scope",
        None,
        None,
    ], "nothing half-written"
    assert len(await events(db, "message.comment_disposed")) == 1

    # Read again, all three at once; each comment's author hears of theirs (one event per comment).
    refs[1]["version"] = changed.json()["version"]
    done = await client.post(path, json=body, headers=secretariat.headers)
    assert done.status_code == 200, done.text
    assert [c["disposition"]["outcome"] for c in done.json()] == ["not_accepted"] * 3
    assert {c["id"] for c in done.json()} == {c["id"] for c in same}
    undisposed = (await client.get(f"/v1/messages/{mid}/comments", params={"disposed": "false"})).json()
    assert [c["id"] for c in undisposed["items"]] == [other["id"]]
    assert len(await events(db, "message.comment_disposed")) == 4
