"""What the IGF signs when a track publishes an output (README, "Signed records"): the published version as
readers cite it. core/signing.py makes the signature."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from igf_hub.core import signing
from igf_hub.core.settings import Settings
from igf_hub.tracks.output_repository import OutputRepository
from igf_hub.tracks.output_schemas import Output
from igf_hub.tracks.repository import TrackRepository
from igf_hub.tracks.schemas import TrackRow

KIND = "track_output"


def record_document(output: Output, track: TrackRow, href: str) -> dict[str, Any]:
    """The public record of a published output version (comments and the comment window are not in it: they
    are about the draft, not the output)."""
    return {
        "output_id": str(output.id),
        "citable_id": output.citable_id,
        "track_slug": output.track_slug,
        "track_type": track.type.value,
        "output_version": output.output_version,
        "title": output.title,
        "kind": output.kind.value,
        "year": output.year,
        "languages": output.languages,
        "url": output.url,
        "text": output.text,
        "dissenting_views": output.dissenting_views,
        "classification": output.classification,
        "supersedes": str(output.supersedes) if output.supersedes else None,
        "published_at": output.published_at,
        "href": href,
    }


async def sign_published(
    conn: asyncpg.Connection,
    settings: Settings,
    output: Output,
    track: TrackRow,
    *,
    href: str,
    now: datetime,
    actor: str,
) -> signing.RecordSignature:
    return await signing.sign_record(
        conn,
        settings,
        kind=KIND,
        record_id=output.id,
        version=output.output_version,
        record=record_document(output, track, settings.base_url + href),
        now=now,
        actor=actor,
    )


async def backfill(conn: asyncpg.Connection, settings: Settings, now: datetime) -> signing.BackfillResult:
    """Sign the output versions published before signing began (each in its own transaction; the signing
    time is now, the publication time is in the document)."""
    outputs, tracks = OutputRepository(conn), TrackRepository(conn)
    result = signing.BackfillResult()
    for output_id in await outputs.published_ids():
        async with conn.transaction():
            output = await outputs.get(output_id, now=now)
            if output is None:
                continue
            if await signing.signature_of(conn, settings.base_url, KIND, output.id, output.output_version):
                result.already += 1
                continue
            track = await tracks.get(output.track_id)
            assert track is not None
            await sign_published(
                conn, settings, output, track, href=f"/v1/tracks/outputs/{output.id}", now=now, actor="cli"
            )
            result.signed += 1
    return result
