"""The /tracks list asks the database a fixed number of questions, however many tracks there are (issue 17): it
ran one query per track for the participants' count and two more per Dynamic Coalition for its standing."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg

from igf_hub.auth.principal import ANONYMOUS
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.demo.loader import DemoReport
from igf_hub.tracks.pages import all_tracks
from igf_hub.tracks.people_service import PeopleService
from igf_hub.tracks.schemas import TrackStatus, TrackSummary, TrackType
from igf_hub.tracks.service import TrackService

LISTING_STATEMENTS = 3  # participants per group, the DCs' rows, their output years


class Statements:
    """Every statement a connection sends (asyncpg's query logger)."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def __call__(self, record: Any) -> None:
        self.sent.append(record.query)


async def _listing_statements(
    conn: asyncpg.Connection, service: TrackService, tracks: list[TrackSummary]
) -> int:
    statements = Statements()
    conn.add_query_logger(statements)
    try:
        await service.listing(tracks)
        await asyncio.sleep(0)  # asyncpg calls its query loggers with call_soon: let the last one run
    finally:
        conn.remove_query_logger(statements)
    return len(statements.sent)


def _standing_counts(track: TrackSummary) -> bool:
    return track.type is TrackType.dynamic_coalition and track.status is not TrackStatus.proposed


async def test_the_list_costs_the_same_statements_for_three_tracks_or_all(
    db: asyncpg.Pool, settings: Settings, clock: Clock, demo: DemoReport
) -> None:
    async with db.acquire() as conn:
        service = TrackService(conn, clock, settings)
        tracks = await all_tracks(service)
        few = [
            next(t for t in tracks if _standing_counts(t)),
            *[t for t in tracks if not _standing_counts(t)][:2],
        ]
        assert len(tracks) > 2 * len(few)  # the demonstration data has tracks of every kind
        await service.listing(
            tracks
        )  # asyncpg's first use of a type asks PostgreSQL about it once: not counted
        counts = {
            "three": await _listing_statements(conn, service, few),
            "all": await _listing_statements(conn, service, tracks),
        }
    # Before: 1 + 2 per DC for three of them, and one more per track for all of them.
    assert counts == {"three": LISTING_STATEMENTS, "all": LISTING_STATEMENTS}, counts


async def test_the_list_says_what_each_tracks_own_page_says(
    db: asyncpg.Pool, settings: Settings, clock: Clock, demo: DemoReport
) -> None:
    """The batched answers equal the per-track ones (participants' count, a DC's standing)."""
    async with db.acquire() as conn:
        service = TrackService(conn, clock, settings)
        people = PeopleService(conn, clock, settings)
        listed = await service.listing(await all_tracks(service))
        assert any(item.in_good_standing is not None for item in listed)
        assert any(item.participants for item in listed)
        for item in listed:
            track = item.track
            assert item.participants == (await people.summary_of(track.id)).total, track.slug
            expected = None
            if _standing_counts(track):
                expected = (await service.evaluate(await service.row(track.slug))).in_good_standing
            assert item.in_good_standing == expected, track.slug
            assert (await service.detail(track.slug, actor=ANONYMOUS)).participants.total == item.participants
