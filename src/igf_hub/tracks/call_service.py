"""Calls for input: a track asks the community for input between two dates; the server's (injected) clock
decides whether a submission is on time."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from igf_hub.auth.principal import Principal
from igf_hub.core import changelog, countries
from igf_hub.core.clock import Clock
from igf_hub.core.concurrency import check_version
from igf_hub.core.errors import FieldError
from igf_hub.core.pagination import Keyset
from igf_hub.core.settings import Settings
from igf_hub.tracks.access import WORKING, find_track, require_manager, track_event_data
from igf_hub.tracks.call_repository import CallRepository
from igf_hub.tracks.call_schemas import (
    Call,
    CallCreate,
    CallPage,
    CallPatch,
    CallState,
    OpenCall,
    Submission,
    SubmissionCreate,
    SubmissionPage,
)
from igf_hub.tracks.errors import (
    CallClosed,
    CallNotFound,
    CallNotOpen,
    CallRulesNotMet,
    TrackNotOpen,
)
from igf_hub.tracks.repository import TrackRepository
from igf_hub.tracks.schemas import TrackRow


def window_unmet(opens_at: datetime, closes_at: datetime, now: datetime) -> list[FieldError]:
    unmet = []
    if closes_at <= opens_at:
        unmet.append(FieldError("/closes_at", "a call closes after it opens"))
    if closes_at <= now:
        unmet.append(FieldError("/closes_at", "a call must close in the future"))
    return unmet


class CallService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.settings = settings
        self.conn = conn
        self.clock = clock
        self.repo = CallRepository(conn)
        self.tracks = TrackRepository(conn)

    async def _track(self, slug: str) -> TrackRow:
        return await find_track(self.tracks, slug)

    async def get(self, call_id: UUID) -> Call:
        call = await self.repo.get(call_id, now=self.clock.now())
        if call is None:
            raise CallNotFound(f"no call for input {call_id}")
        return call

    async def list_for_track(
        self, slug: str, *, current_only: bool, cursor: str | None, limit: int
    ) -> CallPage:
        track = await self._track(slug)
        keyset = Keyset(cursor, tuple[datetime, UUID], limit)
        rows = await self.repo.list_for_track(
            track.id, now=self.clock.now(), current_only=current_only, before=keyset.after, limit=keyset.fetch
        )
        items, next_cursor = keyset.cut(rows, lambda row: (row.opens_at, row.id))
        return CallPage(items=items, next_cursor=next_cursor)

    async def open_now(self, *, limit: int) -> list[OpenCall]:
        """The calls open now on every track, the soonest to close first."""
        return await self.repo.list_open(now=self.clock.now(), limit=limit)

    async def recent(self, *, limit: int) -> list[tuple[Call, str]]:
        """Every track's calls (they are public from their creation), the most recently changed first, each
        with its track's name: the feed and the calendars of calls for input."""
        return await self.repo.list_recent(now=self.clock.now(), limit=limit)

    async def concerning(self, user_id: UUID, *, limit: int) -> list[tuple[Call, str]]:
        """The calls of the tracks the person facilitates or takes part in (their own calendar)."""
        return await self.repo.list_for_person(user_id, now=self.clock.now(), limit=limit)

    async def create(self, slug: str, data: CallCreate, *, actor: Principal) -> Call:
        track = await self._track(slug)
        require_manager(actor, track)
        if track.status not in WORKING:
            raise TrackNotOpen(f"the track {slug!r} is {track.status.value}: it opens no calls for input")
        now = self.clock.now()
        if unmet := window_unmet(data.opens_at, data.closes_at, now):
            raise CallRulesNotMet(errors=unmet)
        call = await self.repo.insert(
            track.id,
            title=data.title,
            description=data.description,
            opens_at=data.opens_at,
            closes_at=data.closes_at,
            created_by=actor.subject,
            now=now,
        )
        await changelog.record(
            self.conn,
            "track.call_created",
            actor=actor.subject,
            subject_type="track_call",
            subject_id=call.id,
            data=track_event_data(
                track, call_id=str(call.id), opens_at=call.opens_at, closes_at=call.closes_at
            ),
        )
        return call

    async def patch(
        self, call_id: UUID, data: CallPatch, *, expected_version: int | None, actor: Principal
    ) -> Call:
        now = self.clock.now()
        call = await self.repo.get(call_id, now=now, for_update=True)
        if call is None:
            raise CallNotFound(f"no call for input {call_id}")
        track = await self.tracks.get(call.track_id)
        assert track is not None
        require_manager(actor, track)
        if call.state is CallState.closed:
            raise CallClosed(f"the call closed at {call.closes_at.isoformat()}: its record no longer changes")
        check_version(call.version, expected_version)
        opens_at = data.opens_at if isinstance(data.opens_at, datetime) else call.opens_at
        closes_at = data.closes_at if isinstance(data.closes_at, datetime) else call.closes_at
        unmet = window_unmet(opens_at, closes_at, now)
        if call.state is CallState.open and opens_at != call.opens_at:
            unmet.append(FieldError("/opens_at", "the call is already open: its opening date is history"))
        if unmet:
            raise CallRulesNotMet(errors=unmet)
        updated = await self.repo.update(
            call.id,
            opens_at=opens_at,
            closes_at=closes_at,
            now=now,
            title=data.title if isinstance(data.title, str) else call.title,
            description=data.description if isinstance(data.description, str) else call.description,
        )
        await changelog.record(
            self.conn,
            "track.call_updated",
            actor=actor.subject,
            subject_type="track_call",
            subject_id=call.id,
            data=track_event_data(track, call_id=str(call.id), opens_at=opens_at, closes_at=closes_at),
        )
        return updated

    async def close(self, call_id: UUID, *, expected_version: int | None, actor: Principal) -> Call:
        """End an open call now, before its deadline (a scheduled call is moved or left alone instead)."""
        now = self.clock.now()
        call = await self.repo.get(call_id, now=now, for_update=True)
        if call is None:
            raise CallNotFound(f"no call for input {call_id}")
        track = await self.tracks.get(call.track_id)
        assert track is not None
        require_manager(actor, track)
        if call.state is CallState.closed:
            raise CallClosed(f"the call closed at {call.closes_at.isoformat()}")
        if call.state is CallState.scheduled:
            raise CallNotOpen(f"the call opens at {call.opens_at.isoformat()}: change its dates instead")
        check_version(call.version, expected_version)
        if call.opens_at >= now:  # it opened this very moment: a call is open for some time
            raise CallRulesNotMet(errors=[FieldError("/closes_at", "a call closes after it opens")])
        closed = await self.repo.update(
            call.id,
            opens_at=call.opens_at,
            closes_at=now,
            now=now,
            title=call.title,
            description=call.description,
        )
        await changelog.record(
            self.conn,
            "track.call_updated",
            actor=actor.subject,
            subject_type="track_call",
            subject_id=call.id,
            data=track_event_data(track, call_id=str(call.id), opens_at=call.opens_at, closes_at=now),
        )
        return closed

    async def submit(self, call_id: UUID, data: SubmissionCreate, *, actor: Principal) -> Submission:
        now = self.clock.now()
        call = await self.get(call_id)
        if call.state is CallState.scheduled:
            raise CallNotOpen(f"the call opens at {call.opens_at.isoformat()}")
        if call.state is CallState.closed:
            raise CallClosed(f"the call closed at {call.closes_at.isoformat()}")
        if data.country is not None and not countries.is_known(data.country):
            raise CallRulesNotMet(
                errors=[FieldError("/country", f"{data.country} is not an ISO 3166-1 country")]
            )
        submission = await self.repo.insert_submission(call.id, data, user_id=actor.user_id, now=now)
        await changelog.record(
            self.conn,
            "track.call_submission_received",
            actor=actor.subject,
            subject_type="track_call",
            subject_id=call.id,
            data={
                "call_id": str(call.id),
                "submission_id": str(submission.id),
                "track_slug": call.track_slug,
                "stakeholder_group": data.stakeholder_group.value,
            },
        )
        return submission

    async def list_submissions(self, call_id: UUID, *, cursor: str | None, limit: int) -> SubmissionPage:
        await self.get(call_id)
        keyset = Keyset(cursor, tuple[datetime, UUID], limit)
        rows = await self.repo.list_submissions(call_id, after=keyset.after, limit=keyset.fetch)
        items, next_cursor = keyset.cut(rows, lambda row: (row.submitted_at, row.id))
        return SubmissionPage(items=items, next_cursor=next_cursor)
