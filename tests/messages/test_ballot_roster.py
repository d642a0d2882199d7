"""The ballot's stakeholder-group floor counts the MAG roster's groups, not what members declare (issue 14,
item 15).

A ballot opened by the move to mag_review listed every member with ``stakeholder_group: null`` although each
appointment records the member's group; a member appointed for the private sector then declared
"government" with the position, and the ballot passed "from 3 stakeholder groups".
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.mag.support import Mag
from tests.messages.support import (
    Client,
    assert_problem,
    message,
    move,
    position,
    refresh,
    sweep,
    to_review,
)
from tests.support.auth import Caller, TokenFactory

SEATS = [
    ("Ana Chair", "chair", "private_sector"),
    ("Bo Business", "member", "private_sector"),
    ("Cy Civil", "member", "civil_society"),
    ("Di Academic", "member", "academia"),
]


async def _roster(client: Client, tokens: TokenFactory, clock: Clock, secretariat: Caller) -> list[Caller]:
    """Four linked people appointed to a cycle running today; academia counts as the technical community."""
    mag = Mag(client, secretariat, tokens, clock)
    today = clock.now().date()
    await mag.cycle(2027, starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=300))
    members = []
    for name, role, group in SEATS:
        user = await tokens.user()
        person = await mag.person(name, user_id=str(user.id))
        await mag.appoint(2027, person["id"], role=role, stakeholder_group=group)
        members.append(user)
    await refresh(tokens, *members)
    return members


async def test_the_snapshot_takes_groups_and_names_from_the_roster_and_a_position_cannot_change_them(
    client: Client, tokens: TokenFactory, clock: Clock, settings: Settings, db: asyncpg.Pool
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    chair, business, civil, academic = await _roster(client, tokens, clock, secretariat)
    mid = (await message(client, secretariat)).json()["id"]
    await to_review(client, tokens, clock, settings, secretariat, mid)
    await refresh(tokens, chair, business, civil, academic)

    ballot: dict[str, Any] = (await client.get(f"/v1/messages/{mid}/ballot")).json()
    listed = {m["member_id"]: (m["name"], m["stakeholder_group"], m["is_chair"]) for m in ballot["members"]}
    assert listed == {
        str(chair.id): ("Ana Chair", "private_sector", True),
        str(business.id): ("Bo Business", "private_sector", False),
        str(civil.id): ("Cy Civil", "civil_society", False),
        str(academic.id): ("Di Academic", "technical_community", False),
    }

    # The member appointed for the private sector declares "government": refused, naming the roster's group.
    false = await position(client, business, mid, "yes", group="government", expect=422)
    assert "private_sector" in assert_problem(false, 422)["errors"][0]["detail"]
    await position(client, business, mid, "yes")  # no declaration needed: the roster's group counts
    await position(client, chair, mid, "yes", group="private_sector")  # the true group may still be given
    await position(client, academic, mid, "abstain")

    # Yes from private_sector only (one group of the three the rule needs): approval is refused.
    current = (await client.get(f"/v1/messages/{mid}/ballot")).json()
    assert {p["stakeholder_group"] for p in current["positions"] if p["position"] == "yes"} == {
        "private_sector"
    }
    assert current["outcome"]["passes"] is False, current["outcome"]
    not_yet = await move(client, chair, mid, {"to": "approved"}, expect=409)
    assert_problem(not_yet, 409, "ballot-not-passed")
    # A change of position cannot change the group either.
    mine = f"/v1/messages/{mid}/ballot/positions/mine"
    changed = await client.put(
        mine,
        json={"position": "yes", "stakeholder_group": "government"},
        headers={**business.headers, "If-Match": '"1"'},
    )
    assert_problem(changed, 422)

    async with db.acquire() as conn:
        stored = await conn.fetch(
            "SELECT stakeholder_group FROM message_ballot_positions ORDER BY stakeholder_group"
        )
    assert [r["stakeholder_group"] for r in stored] == [
        "private_sector",
        "private_sector",
        "technical_community",
    ]


async def test_member_groups_that_contradict_the_roster_are_refused(
    client: Client, tokens: TokenFactory, clock: Clock, settings: Settings
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    _, business, _, _ = await _roster(client, tokens, clock, secretariat)
    mid = (await message(client, secretariat)).json()["id"]
    await move(client, secretariat, mid, {"to": "public_comment"})
    clock.advance(timedelta(days=21, seconds=1))
    await refresh(tokens, secretariat)
    await sweep(settings, clock)
    refused = await move(
        client,
        secretariat,
        mid,
        {"to": "mag_review", "member_groups": {str(business.id): "government"}},
        expect=422,
    )
    body = assert_problem(refused, 422)
    assert [e["pointer"] for e in body["errors"]] == [f"/member_groups/{business.id}"]
    assert "private_sector" in body["errors"][0]["detail"]
