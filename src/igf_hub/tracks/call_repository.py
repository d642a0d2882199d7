"""Calls for input SQL: calls and their submissions. A call's state is computed from the service's clock."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from igf_hub.tracks.call_schemas import Call, CallState, CallSummary, OpenCall, Submission, SubmissionCreate

_STATE = "CASE WHEN $NOW < c.opens_at THEN 'scheduled' WHEN $NOW < c.closes_at THEN 'open' ELSE 'closed' END"


def _state(now_param: str) -> str:
    return _STATE.replace("$NOW", f"{now_param}::timestamptz")


_CALL_COLUMNS = """c.id, c.track_id, t.slug AS track_slug, c.title, c.description, c.opens_at, c.closes_at,
    {state} AS state,
    (SELECT count(*) FROM track_call_submissions s WHERE s.call_id = c.id) AS submissions,
    c.created_at, c.updated_at, c.version"""

INSERT_CALL = f"""
WITH c AS (
    INSERT INTO track_calls (track_id, title, description, opens_at, closes_at, created_by, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
    RETURNING *
)
SELECT {_CALL_COLUMNS.format(state=_state("$7"))} FROM c JOIN tracks t ON t.id = c.track_id"""
SELECT_CALL = f"""
SELECT {_CALL_COLUMNS.format(state=_state("$2"))} FROM track_calls c JOIN tracks t ON t.id = c.track_id
WHERE c.id = $1"""
LOCK_CALL = f"{SELECT_CALL} FOR UPDATE OF c"
UPDATE_CALL = f"""
WITH c AS (
    UPDATE track_calls SET title = $2, description = $3, opens_at = $4, closes_at = $5, updated_at = $6,
        version = version + 1
    WHERE id = $1
    RETURNING *
)
SELECT {_CALL_COLUMNS.format(state=_state("$6"))} FROM c JOIN tracks t ON t.id = c.track_id"""
# Newest first; $2 = only calls still open or scheduled at $3.
LIST_CALLS = f"""
SELECT c.id, t.slug AS track_slug, c.title, c.opens_at, c.closes_at, {_state("$3")} AS state
FROM track_calls c JOIN tracks t ON t.id = c.track_id
WHERE c.track_id = $1 AND (NOT $2::boolean OR c.closes_at > $3)
  AND ($4::timestamptz IS NULL OR (c.opens_at, c.id) < ($4, $5))
ORDER BY c.opens_at DESC, c.id DESC
LIMIT $6"""
# Every track's calls open at $1, the soonest to close first.
LIST_OPEN_CALLS = """
SELECT c.id, t.slug AS track_slug, t.name AS track_name, c.title, c.opens_at, c.closes_at
FROM track_calls c JOIN tracks t ON t.id = c.track_id
WHERE c.opens_at <= $1 AND $1 < c.closes_at
ORDER BY c.closes_at, c.id
LIMIT $2"""
# Every track's calls, the most recently changed first (the feed and the calendars): $1 is the clock's now.
LIST_RECENT_CALLS = f"""
SELECT {_CALL_COLUMNS.format(state=_state("$1"))}, t.name AS track_name
FROM track_calls c JOIN tracks t ON t.id = c.track_id
ORDER BY c.updated_at DESC, c.id DESC
LIMIT $2"""
# The calls of the tracks a person facilitates or takes part in ($3), the most recently changed first.
LIST_PERSON_CALLS = f"""
SELECT {_CALL_COLUMNS.format(state=_state("$1"))}, t.name AS track_name
FROM track_calls c JOIN tracks t ON t.id = c.track_id
WHERE EXISTS (SELECT 1 FROM track_facilitators f WHERE f.track_id = c.track_id AND f.user_id = $3)
   OR EXISTS (SELECT 1 FROM track_participants p WHERE p.track_id = c.track_id AND p.user_id = $3)
ORDER BY c.updated_at DESC, c.id DESC
LIMIT $2"""

SUBMISSION_COLUMNS = "id, call_id, stakeholder_group, country, organisation, text, url, submitted_at"
INSERT_SUBMISSION = f"""
INSERT INTO track_call_submissions (call_id, user_id, stakeholder_group, country, organisation, text, url,
                                    submitted_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING {SUBMISSION_COLUMNS}"""
LIST_SUBMISSIONS = f"""
SELECT {SUBMISSION_COLUMNS} FROM track_call_submissions
WHERE call_id = $1 AND ($2::timestamptz IS NULL OR (submitted_at, id) > ($2, $3))
ORDER BY submitted_at, id LIMIT $4"""


def _call(row: asyncpg.Record) -> Call:
    return Call(**{**row, "state": CallState(row["state"])})


# Calls whose window is open at $1, and those open calls that close by $2 (the notices of tracks/notices.py).
CALLS_OPEN_AT = """
SELECT c.id, c.title, c.opens_at, c.closes_at, t.id AS track_id, t.slug, t.name
FROM track_calls c JOIN tracks t ON t.id = c.track_id
WHERE c.opens_at <= $1 AND c.closes_at > $1 AND c.closes_at <= $2
ORDER BY c.opens_at, c.id"""
PARTICIPANTS = "SELECT user_id FROM track_participants WHERE track_id = $1 ORDER BY user_id"


class CallRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def insert(
        self,
        track_id: UUID,
        *,
        title: str,
        description: str,
        opens_at: datetime,
        closes_at: datetime,
        created_by: str,
        now: datetime,
    ) -> Call:
        row = await self.conn.fetchrow(
            INSERT_CALL, track_id, title, description, opens_at, closes_at, created_by, now
        )
        return _call(row)

    async def get(self, call_id: UUID, *, now: datetime, for_update: bool = False) -> Call | None:
        row = await self.conn.fetchrow(LOCK_CALL if for_update else SELECT_CALL, call_id, now)
        return _call(row) if row else None

    async def update(
        self,
        call_id: UUID,
        *,
        title: str,
        description: str,
        opens_at: datetime,
        closes_at: datetime,
        now: datetime,
    ) -> Call:
        row = await self.conn.fetchrow(UPDATE_CALL, call_id, title, description, opens_at, closes_at, now)
        return _call(row)

    async def list_for_track(
        self,
        track_id: UUID,
        *,
        now: datetime,
        current_only: bool,
        before: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[CallSummary]:
        rows = await self.conn.fetch(
            LIST_CALLS,
            track_id,
            current_only,
            now,
            before[0] if before else None,
            before[1] if before else None,
            limit,
        )
        return [CallSummary(**{**r, "state": CallState(r["state"])}) for r in rows]

    async def list_open(self, *, now: datetime, limit: int) -> list[OpenCall]:
        rows = await self.conn.fetch(LIST_OPEN_CALLS, now, limit)
        return [OpenCall(**r, state=CallState.open) for r in rows]

    async def list_recent(self, *, now: datetime, limit: int) -> list[tuple[Call, str]]:
        """The calls most recently created or changed, each with its track's name."""
        rows = await self.conn.fetch(LIST_RECENT_CALLS, now, limit)
        return [(_call({k: v for k, v in r.items() if k != "track_name"}), r["track_name"]) for r in rows]

    async def list_for_person(self, user_id: UUID, *, now: datetime, limit: int) -> list[tuple[Call, str]]:
        """The calls of the tracks ``user_id`` facilitates or takes part in, each with its track's name."""
        rows = await self.conn.fetch(LIST_PERSON_CALLS, now, limit, user_id)
        return [(_call({k: v for k, v in r.items() if k != "track_name"}), r["track_name"]) for r in rows]

    async def insert_submission(
        self, call_id: UUID, data: SubmissionCreate, *, user_id: UUID | None, now: datetime
    ) -> Submission:
        row = await self.conn.fetchrow(
            INSERT_SUBMISSION,
            call_id,
            user_id,
            data.stakeholder_group.value,
            data.country,
            data.organisation,
            data.text,
            data.url,
            now,
        )
        return Submission(**row)

    async def list_submissions(
        self, call_id: UUID, *, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[Submission]:
        rows = await self.conn.fetch(
            LIST_SUBMISSIONS, call_id, after[0] if after else None, after[1] if after else None, limit
        )
        return [Submission(**r) for r in rows]

    async def open_at(self, now: datetime, closing_by: datetime) -> list[asyncpg.Record]:
        """Calls open at ``now`` that close by ``closing_by``."""
        return list(await self.conn.fetch(CALLS_OPEN_AT, now, closing_by))

    async def participants(self, track_id: UUID) -> list[UUID]:
        return [row["user_id"] for row in await self.conn.fetch(PARTICIPANTS, track_id)]
