"""What the tracks domain tells people (people/notices.py): a call for input opened, and one closing within 48
hours → the track's participants and the people who follow the track (people/follows.py).

A call opens and closes by the clock (its state is computed, no event marks it), so the worker's minute sweep
says both (tracks/jobs.py). Each notice is keyed by the call and the moment it speaks of: the sweep may run
again or late and adds nothing; a window that is moved is said again for its new dates."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from igf_hub.people import follows, notices
from igf_hub.people.notices import N_, NoticeKind
from igf_hub.tracks.call_repository import CallRepository

CALL_OPENED = NoticeKind(
    name="track.call_opened",
    label=N_("A call for input opens on a track you take part in or follow"),
    subject=N_("Call for input open: %(title)s (%(track)s)"),
    template="tracks/notices/call_opened",
)
CALL_CLOSING = NoticeKind(
    name="track.call_closing",
    label=N_("A call for input of a track you take part in or follow closes in 48 hours"),
    subject=N_("Call for input closes in 48 hours: %(title)s (%(track)s)"),
    template="tracks/notices/call_closing",
)
NOTICE_KINDS = [CALL_OPENED, CALL_CLOSING]
CLOSING_NOTICE = timedelta(hours=48)
# An open call is announced however long it still runs: the sweep looks this far ahead for its close.
OPEN_HORIZON = timedelta(days=3660)


async def _recipients(conn: asyncpg.Connection, call: Mapping[str, Any]) -> list[notices.Recipient]:
    participants = [notices.Account(u) for u in await CallRepository(conn).participants(call["track_id"])]
    return [*participants, *await follows.followers(conn, [(follows.TRACK, call["slug"])])]


async def _notify(
    conn: asyncpg.Connection, kind: NoticeKind, call: Mapping[str, Any], at: datetime, now: datetime
) -> int:
    return await notices.notify(
        conn,
        kind=kind.name,
        recipients=await _recipients(conn, call),
        key=f"{kind.name}:{call['id']}:{at.isoformat()}",
        params={"title": call["title"], "track": call["name"]},
        link=f"/tracks/{call['slug']}",
        now=now,
    )


async def announce_calls(conn: asyncpg.Connection, now: datetime) -> int:
    """Every call open now is announced once; every open call closing within 48 hours is warned of once."""
    repo = CallRepository(conn)
    sent = 0
    for call in await repo.open_at(now, now + OPEN_HORIZON):
        sent += await _notify(conn, CALL_OPENED, call, call["opens_at"], now)
    for call in await repo.open_at(now, now + CLOSING_NOTICE):
        sent += await _notify(conn, CALL_CLOSING, call, call["closes_at"], now)
    return sent
