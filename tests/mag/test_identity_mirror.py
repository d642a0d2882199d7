"""An appointment of a linked person gives that user mag_member (and the Chair flag) for its dates only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import httpx

from igf_hub.auth.principal import Role
from igf_hub.auth.service import IdentityService
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.mag.support import Mag, if_match
from tests.support.auth import Caller, TokenFactory

Client = httpx.AsyncClient


def midnight(day: date) -> str:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).isoformat().replace("+00:00", "Z")


async def me(client: Client, tokens: TokenFactory, user: Caller) -> dict[str, Any]:
    """/v1/me with a freshly minted token (tokens expire after 15 minutes; the clock moves in days)."""
    token = await tokens.token_for(user.id)
    response = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return dict(response.json())


def mag_grants(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [g for g in body["grants"] if g["role"] == "mag_member"]


async def members_at(db: asyncpg.Pool, clock: Clock, at: datetime | None = None) -> list[UUID]:
    async with db.acquire() as conn:
        return await IdentityService(conn, clock, Settings()).holders_of(Role.mag_member, at)


async def test_the_role_holds_only_inside_the_appointment_dates(
    client: Client, mag: Mag, tokens: TokenFactory, clock: Clock, db: asyncpg.Pool
) -> None:
    today = clock.now().date()
    starts, ends = today + timedelta(days=10), today + timedelta(days=40)
    await mag.cycle(2027, starts_on=today, ends_on=today + timedelta(days=100))
    user = await tokens.user()
    person = await mag.person("Linked Chair", user_id=str(user.id))
    appointment = await mag.appoint(
        2027, person["id"], role="chair", starts_on=starts.isoformat(), ends_on=ends.isoformat()
    )

    before = await me(client, tokens, user)
    assert "mag_member" not in before["roles"]
    [grant] = mag_grants(before)
    assert grant["is_chair"] is True and grant["source"] == "mag"
    assert grant["resource_id"] == appointment["id"]
    assert (grant["valid_from"], grant["valid_until"]) == (
        midnight(starts),
        midnight(ends + timedelta(days=1)),
    )
    assert user.id not in await members_at(db, clock)

    await mag.advance(timedelta(days=10))  # the first day
    inside = await me(client, tokens, user)
    assert "mag_member" in inside["roles"]
    assert user.id in await members_at(db, clock)

    await mag.advance(timedelta(days=30))  # the last day (ends + 0)
    assert "mag_member" in (await me(client, tokens, user))["roles"]
    await mag.advance(timedelta(days=1))  # the day after
    assert "mag_member" not in (await me(client, tokens, user))["roles"]
    assert user.id not in await members_at(db, clock)


async def test_a_resignation_and_a_change_of_dates_move_the_grant(
    client: Client, mag: Mag, tokens: TokenFactory, clock: Clock
) -> None:
    today = clock.now().date()
    await mag.cycle(2027, starts_on=today, ends_on=today + timedelta(days=100))
    user = await tokens.user()
    person = await mag.person("Moving Member", user_id=str(user.id))
    appointment = await mag.appoint(2027, person["id"])
    url = f"/v1/mag/appointments/{appointment['id']}"
    assert "mag_member" in (await me(client, tokens, user))["roles"]
    assert mag_grants(await me(client, tokens, user))[0]["is_chair"] is False

    later = today + timedelta(days=5)
    moved = await client.patch(
        url, json={"starts_on": later.isoformat()}, headers={**mag.headers, **if_match(await client.get(url))}
    )
    assert moved.status_code == 200, moved.text
    body = await me(client, tokens, user)
    assert "mag_member" not in body["roles"]  # not yet: the appointment now starts in five days
    [grant] = mag_grants(body)  # revoked and granted again: still exactly one
    assert grant["valid_from"] == midnight(later)

    await mag.advance(timedelta(days=6))
    assert "mag_member" in (await me(client, tokens, user))["roles"]
    last_day = mag.today() + timedelta(days=2)
    resigned = await client.post(
        f"{url}/early-end",
        json={"status": "resigned", "ends_on": last_day.isoformat(), "reason": "Personal reasons."},
        headers={**mag.headers, **if_match(moved)},
    )
    assert resigned.status_code == 200, resigned.text
    [grant] = mag_grants(await me(client, tokens, user))
    assert grant["valid_until"] == midnight(last_day + timedelta(days=1))
    assert "mag_member" in (await me(client, tokens, user))["roles"]  # still serving until the last day
    await mag.advance(timedelta(days=3))
    assert "mag_member" not in (await me(client, tokens, user))["roles"]


async def test_linking_and_unlinking_an_account_moves_every_grant(
    client: Client, mag: Mag, tokens: TokenFactory, clock: Clock
) -> None:
    today = clock.now().date()
    await mag.cycle(2026, starts_on=today - timedelta(days=400), ends_on=today - timedelta(days=35))
    await mag.cycle(2027, starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=300))
    person = await mag.person("Later Linked")
    await mag.appoint(2026, person["id"])
    await mag.appoint(2027, person["id"], role="chair")
    first, second = await tokens.user(), await tokens.user()
    assert mag_grants(await me(client, tokens, first)) == []  # nobody linked: nothing granted

    url = f"/v1/mag/people/{person['id']}"
    linked = await client.patch(
        url,
        json={"user_id": str(first.id)},
        headers={**mag.headers, **if_match(await client.get(url, headers=mag.headers))},
    )
    assert linked.status_code == 200, linked.text
    body = await me(client, tokens, first)
    assert len(mag_grants(body)) == 2  # one per appointment, past ones included (history stays queryable)
    assert "mag_member" in body["roles"]
    assert sorted(g["is_chair"] for g in mag_grants(body)) == [False, True]

    relinked = await client.patch(
        url, json={"user_id": str(second.id)}, headers={**mag.headers, **if_match(linked)}
    )
    assert mag_grants(await me(client, tokens, first)) == []
    assert "mag_member" in (await me(client, tokens, second))["roles"]

    unlinked = await client.patch(url, json={"user_id": None}, headers={**mag.headers, **if_match(relinked)})
    assert unlinked.status_code == 200 and unlinked.json()["user_id"] is None
    assert mag_grants(await me(client, tokens, second)) == []


async def test_an_observer_seat_gives_no_member_role(
    client: Client, mag: Mag, tokens: TokenFactory, clock: Clock, db: asyncpg.Pool
) -> None:
    """Observers (intergovernmental organisations) attend but do not decide: no mag_member, so no ballot."""
    today = clock.now().date()
    await mag.cycle(2027, starts_on=today, ends_on=today + timedelta(days=100))
    user = await tokens.user()
    person = await mag.person("Linked Observer", user_id=str(user.id))
    await mag.appoint(
        2027, person["id"], role="observer", stakeholder_group="intergovernmental", country="CH"
    )
    body = await me(client, tokens, user)
    assert "mag_member" not in body["roles"] and mag_grants(body) == []
    assert user.id not in await members_at(db, clock)
