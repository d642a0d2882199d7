"""The MAG roster as IGF Messages sees it: each appointment's member name and MAG stakeholder group.

A ballot's eligibility snapshot takes every member's group and name from here, never from the member: a
position cannot change it (issue 14, item 15). Messages does not import the MAG domain; it keeps this
projection of the MAG domain's ``mag.appointment.*`` events, written in the publishing transaction (as funding
keeps its NRI directory), and finds a member's appointment through the ``mag_member`` role grant that the MAG
domain mirrors into identity with the appointment's id as its ``resource_id`` (mag/mirror.py).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from igf_hub.auth.principal import Role
from igf_hub.auth.schemas import User
from igf_hub.core.outbox import Event
from igf_hub.core.vocab import MagStakeholderGroup
from igf_hub.messages.ballot_repository import BallotRepository, RosterEntry


async def record_mag_appointment(conn: asyncpg.Connection, event: Event) -> None:
    """In the MAG domain's transaction: keep the roster current (appointment events carry the public view:
    ``id``, ``person`` {``id``, ``name``} and ``mag_stakeholder_group``, None for an observer seat)."""
    if event.type.split(".")[:2] != ["mag", "appointment"]:  # mag.appointment.created, .updated, .ended …
        return
    data = event.data if isinstance(event.data, dict) else {}
    raw_person = data.get("person")
    person: dict[str, object] = raw_person if isinstance(raw_person, dict) else {}
    group = data.get("mag_stakeholder_group")
    try:
        appointment_id, person_id = UUID(str(data.get("id"))), UUID(str(person.get("id")))
    except ValueError:
        return
    name = person.get("name")
    if not isinstance(name, str) or (group is not None and group not in MagStakeholderGroup.__members__):
        return
    await BallotRepository(conn).upsert_roster(
        appointment_id, person_id=person_id, name=name, group=group, at=event.occurred_at
    )


def appointments_of(user: User, at: datetime) -> list[UUID]:
    """The appointments behind the member's ``mag_member`` grants valid at ``at`` (a hand-made grant has none)."""
    return [
        g.resource_id
        for g in user.grants
        if g.role == Role.mag_member
        and g.resource_id is not None
        and (g.valid_from is None or g.valid_from <= at)
        and (g.valid_until is None or g.valid_until > at)
    ]


async def roster_entry(repo: BallotRepository, user: User, at: datetime) -> RosterEntry | None:
    """The member's seat on the roster now: a voting seat (with a group) first."""
    entries = (await repo.roster(appointments_of(user, at))).values()
    seated = sorted(entries, key=lambda e: (e.stakeholder_group is None, e.name, e.appointment_id))
    return seated[0] if seated else None
