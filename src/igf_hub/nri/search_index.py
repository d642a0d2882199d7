"""What an NRI is in the site search (core/search.py), kept in step with it in the same transaction.

The in-transaction outbox handler below (wired in nri/wiring.py) rewrites an NRI's documents on every change of
the NRI itself: one per UN language it works in (its text is searched with that language's stemming), English
when none. Only an NRI that was recognised is public; any other has no documents. Migration 0022's backfill
writes the same for the NRIs that existed before.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg

from igf_hub.core import search
from igf_hub.core.outbox import Event
from igf_hub.nri.repository import NriRepository
from igf_hub.nri.schemas import Nri

KIND = "nri"


def documents(nri: Nri) -> list[search.Document]:
    if nri.recognised_at is None:
        return []
    body = "\n".join(part for part in (nri.acronym, nri.scope_note, nri.description) if part)
    return [
        search.Document(language=language, title=nri.name, body=body, path=f"/nris/{nri.id}")
        for language in search.languages_of(nri.languages)
    ]


async def on_event(conn: asyncpg.Connection, event: Event) -> None:
    """An event about an NRI itself (its reports' events are about the report) rewrites its documents."""
    if not event.type.startswith("nri.") or event.type.startswith("nri.report_"):
        return
    try:
        nri_id = UUID(event.subject)
    except ValueError:
        return
    nri = await NriRepository(conn).get(nri_id)
    await search.replace(conn, KIND, nri_id, documents(nri) if nri else [], now=event.occurred_at)
