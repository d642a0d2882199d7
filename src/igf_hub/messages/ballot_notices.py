"""What MAG ballots tell people (people/notices.py): a ballot opened, its reminder and its close with the outcome
→ the MAG members eligible on it (the snapshot taken when it opened) and the MAG chair. The reminder goes to the
eligible members who have not taken a position yet (the event names them)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from igf_hub.auth.principal import Role
from igf_hub.core.outbox import Event
from igf_hub.messages.ballot_repository import BallotRepository
from igf_hub.messages.repository import MessageRepository
from igf_hub.people import notices, recipients
from igf_hub.people.notices import N_, Account, NoticeKind

BALLOT_OPENED = NoticeKind(
    name="message.ballot_opened",
    label=N_("A MAG ballot opens on an IGF Message (MAG members)"),
    subject=N_("MAG ballot open until %(closes_on)s: %(title)s"),
    template="messages/notices/ballot_opened",
)
BALLOT_REMINDER = NoticeKind(
    name="message.ballot_reminder",
    label=N_("A MAG ballot closes soon and you have not taken a position"),
    subject=N_("Reminder: the MAG ballot closes on %(closes_on)s: %(title)s"),
    template="messages/notices/ballot_reminder",
)
BALLOT_CLOSED = NoticeKind(
    name="message.ballot_closed",
    label=N_("A MAG ballot closes, with its outcome (MAG members)"),
    subject=N_("MAG ballot closed: %(title)s"),
    template="messages/notices/ballot_closed",
)

NOTICE_KINDS = [BALLOT_OPENED, BALLOT_REMINDER, BALLOT_CLOSED]


async def _ballot_params(conn: asyncpg.Connection, event: Event) -> tuple[dict[str, Any], list[UUID]]:
    """The Message's title (in its source language), the ballot's deadline, and who was eligible on it."""
    message_id = UUID(str(event.data["message_id"]))
    ballots = BallotRepository(conn)
    ballot = await ballots.by_number(message_id, int(event.data["ballot_number"]))
    assert ballot is not None, f"ballot {event.data['ballot_number']} of {message_id} is gone"
    version = await MessageRepository(conn).version(message_id, ballot.version_number)
    params = {
        "title": version.title if version else "",
        "ballot_number": ballot.number,
        "closes_on": ballot.closes_at.strftime("%Y-%m-%d %H:%M UTC"),
    }
    return params, [m.user_id for m in await ballots.members(ballot.id)]


async def notify_ballot(conn: asyncpg.Connection, event: Event) -> None:
    """Once per event (the key is its id): opened and closed → the eligible members and the chair; the reminder →
    the eligible members without a position."""
    params, eligible = await _ballot_params(conn, event)
    if event.type == "message.ballot_reminder":
        pending = {str(p) for p in event.data.get("pending_member_ids", [])}
        to: list[notices.Recipient] = [Account(m) for m in eligible if str(m) in pending]
        kind = BALLOT_REMINDER
    else:
        chairs = await recipients.chairs(conn, Role.mag_member, event.occurred_at)
        to = [*(Account(m) for m in eligible), *chairs]
        kind = BALLOT_OPENED if event.type == "message.ballot_opened" else BALLOT_CLOSED
        if kind is BALLOT_CLOSED:
            params |= {"passes": bool(event.data.get("passes")), "reason": str(event.data.get("reason", ""))}
    await notices.notify(
        conn,
        kind=kind.name,
        recipients=to,
        key=f"{event.type}:{event.event_id}",
        params=params,
        link=f"/messages/{event.data['message_id']}",
        now=event.occurred_at,
    )
