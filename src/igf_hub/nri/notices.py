"""What the NRI domain tells people (people/notices.py): an NRI submitted for recognition → the Secretariat."""

from __future__ import annotations

import asyncpg

from igf_hub.core.outbox import Event
from igf_hub.people import notices
from igf_hub.people.notices import N_, NoticeKind

SUBMITTED = NoticeKind(
    name="nri.submitted",
    label=N_("An NRI is submitted for recognition (Secretariat)"),
    subject=N_("NRI submitted for recognition: %(name)s"),
    template="nri/notices/submitted",
)

NOTICE_KINDS = [SUBMITTED]


async def notify_submitted(conn: asyncpg.Connection, event: Event) -> None:
    """The Secretariat hears of each submission (after commit, once per event: the key is the event's id)."""
    await notices.notify(
        conn,
        kind=SUBMITTED.name,
        recipients=await notices.secretariat(conn, event.occurred_at),
        key=f"nri.submitted:{event.event_id}",
        params={"name": event.data.get("name", ""), "countries": ", ".join(event.data.get("countries", []))},
        link=f"/nris/{event.subject}",
        now=event.occurred_at,
    )
