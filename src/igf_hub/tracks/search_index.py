"""What tracks and their outputs are in the site search (core/search.py), kept in step in the same transaction.

The in-transaction outbox handler below (wired in tracks/wiring.py) rewrites a track's document on every change
of the track (every track is public; its text is English), and an output's on every change of the output: a
published output has one document per UN language it is available in (English when none), a draft or a
superseded version none. Migration 0022's backfill writes the same for what existed before.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg

from igf_hub.core import search
from igf_hub.core.outbox import Event
from igf_hub.tracks.output_repository import OutputRepository
from igf_hub.tracks.output_schemas import Output, OutputStatus
from igf_hub.tracks.repository import TrackRepository
from igf_hub.tracks.schemas import TrackRow

TRACK, OUTPUT = "track", "track_output"


def track_documents(track: TrackRow) -> list[search.Document]:
    body = "\n".join(part for part in (track.acronym, track.description) if part)
    return [search.Document(language="en", title=track.name, body=body, path=f"/tracks/{track.slug}")]


def output_documents(output: Output) -> list[search.Document]:
    if output.status is not OutputStatus.published:
        return []
    body = "\n".join(part for part in (output.citable_id, output.text) if part)
    return [
        search.Document(
            language=language, title=output.title, body=body, path=f"/tracks/{output.track_slug}#outputs"
        )
        for language in search.languages_of(output.languages)
    ]


async def on_event(conn: asyncpg.Connection, event: Event) -> None:
    """A track's own events rewrite its document (its calls' events are about the call); an output's events
    (not its comments') rewrite the output's."""
    if event.type.startswith("track.call_") or event.type == "track_output.comment_received":
        return
    if not event.type.startswith(("track.", "track_output.")):
        return
    try:
        object_id = UUID(event.subject)
    except ValueError:
        return
    now = event.occurred_at
    if event.type.startswith("track."):
        track = await TrackRepository(conn).get(object_id)
        await search.replace(conn, TRACK, object_id, track_documents(track) if track else [], now=now)
    else:
        output = await OutputRepository(conn).get(object_id, now=now)
        await search.replace(conn, OUTPUT, object_id, output_documents(output) if output else [], now=now)
