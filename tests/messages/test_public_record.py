"""The public record of a Message names roles, never staff user ids (issue 14, item 11).

The history, the approver and each version's author used to carry ``user:<uuid>`` of Secretariat staff,
drafters and the MAG Chair to anyone reading a Message once it was opened for comment.
"""

from __future__ import annotations

import json

import asyncpg

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.messages.support import Client, if_match, mag, message, move, to_approved
from tests.support.auth import TokenFactory


async def test_history_versions_and_approver_name_roles_not_user_ids(
    client: Client, tokens: TokenFactory, clock: Clock, settings: Settings, db: asyncpg.Pool
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    drafter = await tokens.user()
    chair, *members = await mag(tokens, 4, chair=True)
    created = await message(client, secretariat, drafters=[str(drafter.id)])
    mid = created.json()["id"]
    m = created.json()
    saved = await client.post(
        f"/v1/messages/{mid}/versions",
        json={"title": m["title"], "body": m["languages"][0]["body"] + "\n\nA fourth paragraph."},
        headers=if_match(created, drafter),
    )
    assert saved.status_code == 201, saved.text
    await to_approved(client, tokens, clock, settings, secretariat, mid, [chair, *members])
    await move(client, secretariat, mid, {"to": "published"})

    history = (await client.get(f"/v1/messages/{mid}/history")).json()  # anonymously
    versions = (await client.get(f"/v1/messages/{mid}/versions")).json()["items"]
    version_one = (await client.get(f"/v1/messages/{mid}/versions/1")).json()
    published = (await client.get(f"/v1/messages/{mid}")).json()
    ballots = (await client.get(f"/v1/messages/{mid}/ballots")).json()

    public = json.dumps([history, versions, version_one, published])
    assert [b["opened_by"] for b in ballots] == ["IGF Secretariat"], ballots
    for caller in (secretariat, drafter, chair, *members):
        assert str(caller.id) not in public
    assert "user:" not in public
    assert [e["actor"] for e in history if e["kind"] == "created"] == ["IGF Secretariat"]
    assert {e["actor"] for e in history if e["kind"] == "version_saved"} == {"IGF Secretariat", "Drafter"}
    assert [e["actor"] for e in history if e.get("to_state") == "approved"] == ["MAG Chair"]
    assert [e["actor"] for e in history if e.get("to_state") == "synthesis"] == ["IGF Hub (automatic)"]
    assert len(versions) == 2
    assert version_one["created_by"] == "IGF Secretariat"
    assert (await client.get(f"/v1/messages/{mid}/versions/2")).json()["created_by"] == "Drafter"
    assert published["approved_by"] == "MAG Chair"

    # The audit log (the Secretariat's) still knows exactly who acted.
    async with db.acquire() as conn:
        actors = {
            r["actor"]
            for r in await conn.fetch("SELECT actor FROM message_history WHERE message_id = $1", mid)
        }
    assert f"user:{secretariat.id}" in actors and f"user:{drafter.id}" in actors
