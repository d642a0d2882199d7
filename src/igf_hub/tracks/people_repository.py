"""People of a track SQL: facilitators, MAG liaisons and participants."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from igf_hub.tracks.schemas import Participation

INSERT_FACILITATOR = """
INSERT INTO track_facilitators (track_id, user_id, grant_id, added_by, added_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING RETURNING user_id"""
DELETE_FACILITATOR = "DELETE FROM track_facilitators WHERE track_id = $1 AND user_id = $2 RETURNING grant_id"
SELECT_FACILITATORS = "SELECT user_id FROM track_facilitators WHERE track_id = $1 ORDER BY added_at, user_id"

INSERT_LIAISON = """
INSERT INTO track_mag_liaisons (track_id, user_id, added_by, added_at) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING RETURNING user_id"""
DELETE_LIAISON = "DELETE FROM track_mag_liaisons WHERE track_id = $1 AND user_id = $2 RETURNING user_id"
SELECT_LIAISONS = "SELECT user_id FROM track_mag_liaisons WHERE track_id = $1 ORDER BY added_at, user_id"

PARTICIPATION_COLUMNS = "track_id, user_id, stakeholder_group, country, joined_at, updated_at"
# xmax = 0 only on a freshly inserted row: tells a join from an updated declaration.
UPSERT_PARTICIPANT = f"""
INSERT INTO track_participants (track_id, user_id, stakeholder_group, country, joined_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $5)
ON CONFLICT (track_id, user_id) DO UPDATE
    SET stakeholder_group = EXCLUDED.stakeholder_group, country = EXCLUDED.country, updated_at = EXCLUDED.updated_at
RETURNING {PARTICIPATION_COLUMNS}, (xmax = 0) AS inserted"""
DELETE_PARTICIPANT = f"""
DELETE FROM track_participants WHERE track_id = $1 AND user_id = $2 RETURNING {PARTICIPATION_COLUMNS}"""
SELECT_PARTICIPANT = (
    f"SELECT {PARTICIPATION_COLUMNS} FROM track_participants WHERE track_id = $1 AND user_id = $2"
)
COUNT_PARTICIPANTS = """
SELECT stakeholder_group, country, count(*) AS n FROM track_participants WHERE track_id = $1
GROUP BY stakeholder_group, country"""
LIST_PARTICIPANTS = f"""
SELECT {PARTICIPATION_COLUMNS} FROM track_participants
WHERE track_id = $1 AND ($2::timestamptz IS NULL OR (joined_at, user_id) > ($2, $3))
ORDER BY joined_at, user_id LIMIT $4"""
SELECT_PARTICIPANT_GROUPS = "SELECT DISTINCT stakeholder_group FROM track_participants WHERE track_id = $1"
COUNT_GROUPS_OF = """
SELECT track_id, stakeholder_group, count(*) AS n FROM track_participants WHERE track_id = ANY($1::uuid[])
GROUP BY track_id, stakeholder_group"""


def _participation(row: asyncpg.Record) -> Participation:
    return Participation(
        track_id=row["track_id"],
        user_id=row["user_id"],
        stakeholder_group=row["stakeholder_group"],
        country=row["country"],
        joined_at=row["joined_at"],
        updated_at=row["updated_at"],
    )


class PeopleRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    # -- facilitators and MAG liaisons ---------------------------------------------------------------

    async def add_facilitator(
        self, track_id: UUID, user_id: UUID, *, grant_id: UUID, added_by: str, now: datetime
    ) -> bool:
        return (
            await self.conn.fetchval(INSERT_FACILITATOR, track_id, user_id, grant_id, added_by, now)
            is not None
        )

    async def remove_facilitator(self, track_id: UUID, user_id: UUID) -> UUID | None:
        grant_id: UUID | None = await self.conn.fetchval(DELETE_FACILITATOR, track_id, user_id)
        return grant_id

    async def facilitators(self, track_id: UUID) -> list[UUID]:
        return [r["user_id"] for r in await self.conn.fetch(SELECT_FACILITATORS, track_id)]

    async def add_liaison(self, track_id: UUID, user_id: UUID, *, added_by: str, now: datetime) -> bool:
        return await self.conn.fetchval(INSERT_LIAISON, track_id, user_id, added_by, now) is not None

    async def remove_liaison(self, track_id: UUID, user_id: UUID) -> bool:
        return await self.conn.fetchval(DELETE_LIAISON, track_id, user_id) is not None

    async def liaisons(self, track_id: UUID) -> list[UUID]:
        return [r["user_id"] for r in await self.conn.fetch(SELECT_LIAISONS, track_id)]

    # -- participants --------------------------------------------------------------------------------

    async def upsert_participant(
        self, track_id: UUID, user_id: UUID, *, stakeholder_group: str, country: str, now: datetime
    ) -> tuple[Participation, bool]:
        row = await self.conn.fetchrow(UPSERT_PARTICIPANT, track_id, user_id, stakeholder_group, country, now)
        return _participation(row), bool(row["inserted"])

    async def get_participant(self, track_id: UUID, user_id: UUID) -> Participation | None:
        row = await self.conn.fetchrow(SELECT_PARTICIPANT, track_id, user_id)
        return _participation(row) if row else None

    async def remove_participant(self, track_id: UUID, user_id: UUID) -> Participation | None:
        row = await self.conn.fetchrow(DELETE_PARTICIPANT, track_id, user_id)
        return _participation(row) if row else None

    async def participant_counts(self, track_id: UUID) -> list[tuple[str, str, int]]:
        rows = await self.conn.fetch(COUNT_PARTICIPANTS, track_id)
        return [(r["stakeholder_group"], r["country"], r["n"]) for r in rows]

    async def group_counts_of(self, track_ids: list[UUID]) -> dict[UUID, dict[str, int]]:
        """Participants per stakeholder group of each of ``track_ids``, in one statement (the track list)."""
        counts: dict[UUID, dict[str, int]] = {}
        for r in await self.conn.fetch(COUNT_GROUPS_OF, track_ids):
            counts.setdefault(r["track_id"], {})[r["stakeholder_group"]] = r["n"]
        return counts

    async def participant_groups(self, track_id: UUID) -> set[str]:
        return {r["stakeholder_group"] for r in await self.conn.fetch(SELECT_PARTICIPANT_GROUPS, track_id)}

    async def list_participants(
        self, track_id: UUID, *, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[Participation]:
        rows = await self.conn.fetch(
            LIST_PARTICIPANTS, track_id, after[0] if after else None, after[1] if after else None, limit
        )
        return [_participation(r) for r in rows]
