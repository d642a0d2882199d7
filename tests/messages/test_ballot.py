"""The MAG ballot through the API: the eligibility snapshot, positions and their changes, a new version closing
the ballot, the deadline and reminders run by the worker, and approval only on a passing ballot."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest
from litestar import Litestar

from igf_hub.auth.principal import Role
from igf_hub.auth.schemas import GrantCreate
from igf_hub.auth.service import IdentityService
from igf_hub.core import params
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.messages.support import (
    Client,
    assert_problem,
    events,
    get,
    if_match,
    mag,
    message,
    move,
    position,
    refresh,
    sweep,
    to_review,
)
from tests.support.audit import chain_audit
from tests.support.auth import TEST_ACTOR, TokenFactory


async def test_a_member_whose_appointment_ends_after_the_snapshot_still_counts(
    client: Client, tokens: TokenFactory, clock: Clock, settings: Settings, db: asyncpg.Pool
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    steady = await mag(tokens, 2)
    mid = (await message(client, secretariat)).json()["id"]
    await move(client, secretariat, mid, {"to": "public_comment"})
    clock.advance(timedelta(days=21, seconds=1))
    await refresh(tokens, secretariat, *steady)
    await sweep(settings, clock)

    # An appointment (mirrored as a dated grant) that ends one day after the ballot opens.
    leaving = await tokens.user()
    async with db.acquire() as conn, conn.transaction():
        await IdentityService(conn, clock, settings).grant_role(
            leaving.id,
            GrantCreate(
                role=Role.mag_member,
                valid_from=clock.now() - timedelta(days=300),
                valid_until=clock.now() + timedelta(days=1),
            ),
            actor=TEST_ACTOR,
            source="mag",
        )
    await move(
        client, secretariat, mid, {"to": "mag_review", "member_groups": {str(leaving.id): "private_sector"}}
    )
    ballot = (await client.get(f"/v1/messages/{mid}/ballot")).json()
    assert {m["member_id"] for m in ballot["members"]} == {str(c.id) for c in [*steady, leaving]}

    clock.advance(timedelta(days=2))
    await refresh(tokens, secretariat, leaving, *steady)
    me = (await client.get("/v1/me", headers=leaving.headers)).json()
    assert "mag_member" not in me["roles"]  # the appointment has ended …
    taken = await position(client, leaving, mid, "yes")  # … but the snapshot still counts them
    member = next(p for p in taken.json()["positions"] if p["member_id"] == str(leaving.id))
    assert member["stakeholder_group"] == "private_sector"  # recorded by the Secretariat at opening
    assert taken.json()["outcome"]["tally"]["eligible"] == 3
    newcomer = await tokens.user(Role.mag_member)
    assert_problem(await position(client, newcomer, mid, "yes", group="government", expect=403), 403)


async def test_concerns_block_until_withdrawn_and_a_new_version_closes_the_ballot(
    client: Client,
    tokens: TokenFactory,
    clock: Clock,
    settings: Settings,
    db: asyncpg.Pool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    chair, a, b = await mag(tokens, 3, chair=True)
    mid = (await message(client, secretariat)).json()["id"]
    await to_review(client, tokens, clock, settings, secretariat, mid)
    await refresh(tokens, chair, a, b)

    await position(client, chair, mid, "yes", group="government")
    await position(client, a, mid, "yes", group="civil_society")
    worried = await position(
        client, b, mid, "concern", group="technical_community", text="Paragraph 3 overreaches."
    )
    assert worried.json()["passes"] is False
    assert worried.json()["outcome"]["requirements"][1] == {
        "rule": "no_open_concern",
        "met": False,
        "have": 1,
        "needed": 0,
        "detail": "no open concern",
    }
    refused = await move(client, chair, mid, {"to": "approved"}, expect=409)
    assert "open concern" in assert_problem(refused, 409, "ballot-not-passed")["detail"]

    # The concern is answered with a new text: the ballot on the old version closes.
    current = await get(client, mid, secretariat)
    saved = await client.post(
        f"/v1/messages/{mid}/versions",
        json={
            "title": "Connect the next billion",
            "body": "Meaningful access needs affordable connectivity.\n\nA narrower third paragraph.",
        },
        headers=if_match(current, secretariat),
    )
    assert saved.status_code == 201, saved.text
    closed = (await client.get(f"/v1/messages/{mid}/ballots/1")).json()
    assert closed["status"] == "closed" and closed["closed_reason"] == "new_version"
    assert_problem(
        await position(client, a, mid, "yes", group="civil_society", expect=409), 409, "ballot-closed"
    )
    no_ballot = await move(client, chair, mid, {"to": "approved"}, expect=409)
    assert (
        "no ballot on the current version 2" in assert_problem(no_ballot, 409, "ballot-not-passed")["detail"]
    )

    # The Chair opens a new ballot on version 2; the concern is withdrawn by changing the position.
    reopened = await client.post(f"/v1/messages/{mid}/ballots", json={"days": 7}, headers=chair.headers)
    assert reopened.status_code == 201, reopened.text
    assert reopened.json()["number"] == 2 and reopened.json()["version_number"] == 2
    await position(client, chair, mid, "yes", group="government")
    await position(client, a, mid, "no_objection", group="civil_society")
    await position(client, b, mid, "concern", group="technical_community", text="Still too broad.")
    changed = await client.put(
        f"/v1/messages/{mid}/ballot/positions/mine",
        json={"position": "yes"},
        headers={**b.headers, "If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    mine = next(p for p in changed.json()["positions"] if p["member_id"] == str(b.id))
    assert (
        mine["position"] == "yes"
        and mine["revision"] == 2
        and mine["stakeholder_group"] == "technical_community"
    )
    assert changed.json()["passes"] is True
    approved = (await move(client, chair, mid, {"to": "approved"})).json()
    assert approved["approved_version_number"] == 2
    final = (await client.get(f"/v1/messages/{mid}/ballot")).json()
    assert final["status"] == "closed" and final["closed_reason"] == "approved"
    assert [b["number"] for b in (await client.get(f"/v1/messages/{mid}/ballots")).json()] == [1, 2]
    # Answered whole, bounded to the latest params.LATEST_SHOWN ballots (here lowered to one).
    monkeypatch.setattr(params, "LATEST_SHOWN", 1)
    assert [b["number"] for b in (await client.get(f"/v1/messages/{mid}/ballots")).json()] == [2]
    monkeypatch.undo()
    async with db.acquire() as conn:
        await chain_audit(conn)
        actions = [
            r["action"]
            for r in await conn.fetch(
                "SELECT action FROM audit_log WHERE action LIKE 'message.ballot%' ORDER BY seq"
            )
        ]
    assert (
        actions.count("message.ballot_opened") == 2 and actions.count("message.ballot_position_changed") == 1
    )
    assert actions.count("message.ballot_closed") == 2


async def test_the_deadline_and_reminders_run_in_the_worker(
    client: Client, tokens: TokenFactory, clock: Clock, settings: Settings, db: asyncpg.Pool
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    members = await mag(tokens, 3)
    mid = (await message(client, secretariat)).json()["id"]
    await to_review(client, tokens, clock, settings, secretariat, mid)
    await refresh(tokens, *members)
    for caller, group in zip(members, ["government", "civil_society", "private_sector"], strict=True):
        await position(client, caller, mid, "yes", group=group)

    # 48 h before the 14-day deadline, members without a position are reminded, once.
    another = await tokens.user(Role.mag_member)  # after the snapshot: never reminded, never counted
    clock.advance(timedelta(days=12, hours=1))
    await sweep(settings, clock)
    await sweep(settings, clock)
    assert await events(db, "message.ballot_reminder") == []  # everyone in the snapshot had taken a position
    members_now = (await client.get(f"/v1/messages/{mid}/ballot")).json()["members"]
    assert str(another.id) not in {m["member_id"] for m in members_now}

    clock.advance(timedelta(days=2))
    await sweep(settings, clock)
    ballot = (await client.get(f"/v1/messages/{mid}/ballot")).json()
    assert ballot["status"] == "closed" and ballot["closed_reason"] == "deadline" and ballot["passes"] is True
    await refresh(tokens, secretariat)
    # A ballot that passed before its deadline closed still carries approval afterwards.
    approved = (await move(client, secretariat, mid, {"to": "approved"})).json()
    assert approved["state"] == "approved"


async def test_reminders_name_who_has_not_taken_a_position(
    client: Client, tokens: TokenFactory, clock: Clock, settings: Settings, db: asyncpg.Pool
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    early, slow = await mag(tokens, 2)
    mid = (await message(client, secretariat)).json()["id"]
    await to_review(client, tokens, clock, settings, secretariat, mid)
    await refresh(tokens, early, slow)
    await position(client, early, mid, "yes", group="government")
    clock.advance(timedelta(days=11))
    await sweep(settings, clock)
    assert await events(db, "message.ballot_reminder") == []  # not yet within 48 h
    clock.advance(timedelta(days=1, hours=1))
    await sweep(settings, clock)
    await sweep(settings, clock)  # idempotent: one reminder per ballot
    reminders = await events(db, "message.ballot_reminder")
    assert len(reminders) == 1 and reminders[0]["pending_member_ids"] == [str(slow.id)]
    clock.advance(timedelta(days=3))
    await sweep(settings, clock)
    closed = (await client.get(f"/v1/messages/{mid}/ballot")).json()
    assert closed["closed_reason"] == "deadline" and closed["passes"] is False
    await refresh(tokens, secretariat)
    refused = await move(client, secretariat, mid, {"to": "approved"}, expect=409)
    assert_problem(refused, 409, "ballot-not-passed")
    # The Secretariat may open a fresh ballot on the same version.
    again = await client.post(
        f"/v1/messages/{mid}/ballots", json={}, headers=if_match(await get(client, mid), secretariat)
    )
    assert again.status_code == 201 and again.json()["number"] == 2


async def test_the_ballot_rule_comes_from_settings_and_is_recorded(
    client: Client, tokens: TokenFactory, clock: Clock, settings: Settings, app: Litestar
) -> None:
    import msgspec

    from igf_hub.core.settings import MessagesSettings

    app.state.settings = msgspec.structs.replace(
        settings,
        messages=MessagesSettings(ballot_min_groups=1, ballot_supermajority="1/2", comment_min_days=20),
    )
    secretariat = await tokens.user(Role.secretariat)
    members = await mag(tokens, 2)
    mid = (await message(client, secretariat)).json()["id"]
    short = await move(client, secretariat, mid, {"to": "public_comment", "days": 19}, expect=422)
    assert "minimum of 20 days" in assert_problem(short, 422)["errors"][0]["detail"]
    await move(client, secretariat, mid, {"to": "public_comment"})
    clock.advance(timedelta(days=21, seconds=1))
    await refresh(tokens, secretariat, *members)
    await sweep(settings, clock)
    await move(client, secretariat, mid, {"to": "mag_review"})
    ballot = (await position(client, members[0], mid, "yes", group="government")).json()
    assert ballot["rule"] == {"min_yes": 1, "supermajority": "1/2", "min_groups": 1}
    assert ballot["passes"] is True  # one of two, from one group, is enough under this rule
