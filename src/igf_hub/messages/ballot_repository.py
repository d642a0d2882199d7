"""SQL for MAG ballots: the eligibility snapshot, positions, closing and reminders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

BALLOT_COLUMNS = """
id, message_id, number, version_number, content_sha256, status, closed_reason, rule, outcome, opened_by, opened_at,
closes_at, closed_at, reminder_sent_at"""
INSERT_BALLOT = f"""
INSERT INTO message_ballots (message_id, number, version_number, content_sha256, rule, opened_by, opened_at,
                             closes_at)
VALUES ($1, (SELECT coalesce(max(number), 0) + 1 FROM message_ballots WHERE message_id = $1), $2, $3, $4, $5, $6, $7)
RETURNING {BALLOT_COLUMNS}"""
INSERT_MEMBERS = """
INSERT INTO message_ballot_members (ballot_id, user_id, display_name, stakeholder_group, is_chair)
SELECT $1, m.user_id, m.display_name, m.stakeholder_group, m.is_chair
FROM unnest($2::uuid[], $3::text[], $4::text[], $5::boolean[]) AS m (user_id, display_name, stakeholder_group, is_chair)"""
SELECT_LATEST = (
    f"SELECT {BALLOT_COLUMNS} FROM message_ballots WHERE message_id = $1 ORDER BY number DESC LIMIT 1"
)
SELECT_BY_NUMBER = f"SELECT {BALLOT_COLUMNS} FROM message_ballots WHERE message_id = $1 AND number = $2"
# The latest $2 ballots (NULL: all of them), first to latest.
SELECT_ALL = f"""
SELECT * FROM (
  SELECT {BALLOT_COLUMNS} FROM message_ballots WHERE message_id = $1 ORDER BY number DESC LIMIT $2
) latest ORDER BY number"""
SELECT_OPEN_FOR_UPDATE = f"""
SELECT {BALLOT_COLUMNS} FROM message_ballots WHERE message_id = $1 AND status = 'open' FOR UPDATE"""
CLOSE_BALLOT = f"""
UPDATE message_ballots SET status = 'closed', closed_reason = $2, closed_at = $3, outcome = $4
WHERE id = $1 AND status = 'open' RETURNING {BALLOT_COLUMNS}"""
SELECT_DUE = (
    "SELECT message_id FROM message_ballots WHERE status = 'open' AND closes_at <= $1 ORDER BY closes_at"
)
SELECT_REMIND = f"""
SELECT {BALLOT_COLUMNS} FROM message_ballots
WHERE status = 'open' AND reminder_sent_at IS NULL AND closes_at > $1 AND closes_at <= $2
ORDER BY closes_at FOR UPDATE SKIP LOCKED"""
MARK_REMINDED = "UPDATE message_ballots SET reminder_sent_at = $2 WHERE id = $1"

SELECT_MEMBERS = """
SELECT m.user_id, m.display_name, m.stakeholder_group, m.is_chair, (p.user_id IS NOT NULL) AS has_taken_position
FROM message_ballot_members m LEFT JOIN message_ballot_positions p ON p.ballot_id = m.ballot_id AND p.user_id = m.user_id
WHERE m.ballot_id = $1 ORDER BY m.display_name, m.user_id"""
SELECT_POSITIONS = """
SELECT p.user_id, m.display_name, p.stakeholder_group, p.position, p.text, p.revision, p.cast_at, p.updated_at
FROM message_ballot_positions p JOIN message_ballot_members m ON m.ballot_id = p.ballot_id AND m.user_id = p.user_id
WHERE p.ballot_id = $1 ORDER BY p.cast_at, p.user_id"""
INSERT_POSITION = """
INSERT INTO message_ballot_positions (ballot_id, user_id, position, text, stakeholder_group, cast_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $6)
ON CONFLICT (ballot_id, user_id) DO NOTHING
RETURNING revision"""
SELECT_POSITION_FOR_UPDATE = """
SELECT position, text, stakeholder_group, revision FROM message_ballot_positions
WHERE ballot_id = $1 AND user_id = $2 FOR UPDATE"""
UPDATE_POSITION = """
UPDATE message_ballot_positions SET position = $3, text = $4, stakeholder_group = $5, updated_at = $6,
                                    revision = revision + 1
WHERE ballot_id = $1 AND user_id = $2 RETURNING revision"""

# What messages knows of the MAG roster: a projection of the MAG domain's appointment events (roster.py).
UPSERT_ROSTER = """
INSERT INTO message_mag_roster (appointment_id, person_id, name, stakeholder_group, updated_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (appointment_id) DO UPDATE SET person_id = EXCLUDED.person_id, name = EXCLUDED.name,
    stakeholder_group = EXCLUDED.stakeholder_group, updated_at = EXCLUDED.updated_at"""
SELECT_ROSTER = """
SELECT appointment_id, name, stakeholder_group FROM message_mag_roster WHERE appointment_id = ANY($1::uuid[])"""


class RosterEntry(msgspec.Struct, kw_only=True):
    appointment_id: UUID
    name: str
    stakeholder_group: str | None  # None: an observer seat


class BallotRow(msgspec.Struct, kw_only=True):
    id: UUID
    message_id: UUID
    number: int
    version_number: int
    content_sha256: str
    status: str
    closed_reason: str | None
    rule: dict[str, Any]
    outcome: dict[str, Any] | None
    opened_by: str
    opened_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    reminder_sent_at: datetime | None


class MemberRow(msgspec.Struct, kw_only=True):
    user_id: UUID
    display_name: str
    stakeholder_group: str | None
    is_chair: bool
    has_taken_position: bool


class PositionRow(msgspec.Struct, kw_only=True):
    user_id: UUID
    display_name: str
    stakeholder_group: str
    position: str
    text: str | None
    revision: int
    cast_at: datetime
    updated_at: datetime


class ExistingPosition(msgspec.Struct, kw_only=True):
    position: str
    text: str | None
    stakeholder_group: str
    revision: int


class MemberSnapshot(msgspec.Struct, kw_only=True):
    user_id: UUID
    display_name: str
    stakeholder_group: str | None
    is_chair: bool


class BallotRepository:
    async def upsert_roster(
        self, appointment_id: UUID, *, person_id: UUID, name: str, group: str | None, at: datetime
    ) -> None:
        await self.conn.execute(UPSERT_ROSTER, appointment_id, person_id, name, group, at)

    async def roster(self, appointment_ids: list[UUID]) -> dict[UUID, RosterEntry]:
        rows = await self.conn.fetch(SELECT_ROSTER, appointment_ids)
        return {r["appointment_id"]: RosterEntry(**r) for r in rows}

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def open(
        self,
        message_id: UUID,
        *,
        version_number: int,
        content_sha256: str,
        rule: object,
        opened_by: str,
        opened_at: datetime,
        closes_at: datetime,
        members: Sequence[MemberSnapshot],
    ) -> BallotRow:
        row = await self.conn.fetchrow(
            INSERT_BALLOT, message_id, version_number, content_sha256, rule, opened_by, opened_at, closes_at
        )
        await self.conn.execute(
            INSERT_MEMBERS,
            row["id"],
            [m.user_id for m in members],
            [m.display_name for m in members],
            [m.stakeholder_group for m in members],
            [m.is_chair for m in members],
        )
        return BallotRow(**row)

    async def latest(self, message_id: UUID) -> BallotRow | None:
        row = await self.conn.fetchrow(SELECT_LATEST, message_id)
        return BallotRow(**row) if row else None

    async def by_number(self, message_id: UUID, number: int) -> BallotRow | None:
        row = await self.conn.fetchrow(SELECT_BY_NUMBER, message_id, number)
        return BallotRow(**row) if row else None

    async def all(self, message_id: UUID, *, latest: int | None = None) -> list[BallotRow]:
        return [BallotRow(**r) for r in await self.conn.fetch(SELECT_ALL, message_id, latest)]

    async def open_for_update(self, message_id: UUID) -> BallotRow | None:
        row = await self.conn.fetchrow(SELECT_OPEN_FOR_UPDATE, message_id)
        return BallotRow(**row) if row else None

    async def close(
        self, ballot_id: UUID, *, reason: str, now: datetime, outcome: object
    ) -> BallotRow | None:
        row = await self.conn.fetchrow(CLOSE_BALLOT, ballot_id, reason, now, outcome)
        return BallotRow(**row) if row else None

    async def due_messages(self, now: datetime) -> list[UUID]:
        return [r["message_id"] for r in await self.conn.fetch(SELECT_DUE, now)]

    async def needing_reminder(self, now: datetime, until: datetime) -> list[BallotRow]:
        return [BallotRow(**r) for r in await self.conn.fetch(SELECT_REMIND, now, until)]

    async def mark_reminded(self, ballot_id: UUID, now: datetime) -> None:
        await self.conn.execute(MARK_REMINDED, ballot_id, now)

    async def members(self, ballot_id: UUID) -> list[MemberRow]:
        return [MemberRow(**r) for r in await self.conn.fetch(SELECT_MEMBERS, ballot_id)]

    async def positions(self, ballot_id: UUID) -> list[PositionRow]:
        return [PositionRow(**r) for r in await self.conn.fetch(SELECT_POSITIONS, ballot_id)]

    async def insert_position(
        self, ballot_id: UUID, user_id: UUID, *, position: str, text: str | None, group: str, now: datetime
    ) -> int | None:
        """The new position's revision, or None when the member already took one."""
        revision: int | None = await self.conn.fetchval(
            INSERT_POSITION, ballot_id, user_id, position, text, group, now
        )
        return revision

    async def position_for_update(self, ballot_id: UUID, user_id: UUID) -> ExistingPosition | None:
        row = await self.conn.fetchrow(SELECT_POSITION_FOR_UPDATE, ballot_id, user_id)
        return ExistingPosition(**row) if row else None

    async def update_position(
        self, ballot_id: UUID, user_id: UUID, *, position: str, text: str | None, group: str, now: datetime
    ) -> int:
        revision: int = await self.conn.fetchval(
            UPDATE_POSITION, ballot_id, user_id, position, text, group, now
        )
        return revision
