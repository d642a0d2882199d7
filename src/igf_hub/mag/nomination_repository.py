"""MAG nominations SQL (private to the Secretariat, except the aggregate summary)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.core.vocab import RegionalGroup, StakeholderGroup
from igf_hub.mag.enums import Gender, NominationStatus, NominatorKind

# How many earlier cycles gave the nominee's country a counted seat (observers and IGOs do not count).
NOMINATION_SELECT = """
SELECT n.id, c.year AS cycle_year, n.cycle_id, n.person_id, n.nominee_name, n.nominee_email,
       n.stakeholder_group, n.regional_group, n.country, n.gender, n.nominated_by, n.nominating_organisation,
       n.statement, n.endorsements, n.status, n.status_note, n.submitted_by, n.created_at, n.updated_at,
       n.version,
       (SELECT count(DISTINCT c2.year) FROM mag_appointments a2 JOIN mag_cycles c2 ON c2.id = a2.cycle_id
        WHERE a2.country = n.country AND c2.year < c.year AND a2.role <> 'observer'
          AND a2.stakeholder_group <> 'intergovernmental')::int AS country_prior_cycles
FROM mag_nominations n JOIN mag_cycles c ON c.id = n.cycle_id"""
SELECT_NOMINATION = f"{NOMINATION_SELECT} WHERE n.id = $1"
LOCK_NOMINATION = "SELECT version FROM mag_nominations WHERE id = $1 FOR UPDATE"
LIST_NOMINATIONS = f"""{NOMINATION_SELECT}
WHERE c.year = $1 AND ($2::text IS NULL OR n.status = $2) AND ($3::text IS NULL OR n.stakeholder_group = $3)
  AND ($4::text IS NULL OR n.regional_group = $4)
  AND ($5::timestamptz IS NULL OR (n.created_at, n.id) > ($5, $6::uuid))
ORDER BY n.created_at, n.id LIMIT $7"""
INSERT_NOMINATION = """
INSERT INTO mag_nominations (cycle_id, person_id, nominee_name, nominee_email, stakeholder_group, country,
    regional_group, gender, nominated_by, nominating_organisation, statement, endorsements, submitted_by,
    created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
RETURNING id"""
UPDATE_NOMINATION_STATUS = """
UPDATE mag_nominations SET status = $2, status_note = $3, version = version + 1, updated_at = $4 WHERE id = $1"""
# One count per value of each dimension (GROUPING SETS), over a subquery where nothing is NULL.
SUMMARY = """
SELECT status, stakeholder_group, regional_group, gender, nominated_by, count(*)::int AS n
FROM (SELECT n.status, n.stakeholder_group, n.regional_group, coalesce(n.gender, 'undeclared') AS gender,
             n.nominated_by
      FROM mag_nominations n JOIN mag_cycles c ON c.id = n.cycle_id WHERE c.year = $1) s
GROUP BY GROUPING SETS ((status), (stakeholder_group), (regional_group), (gender), (nominated_by))"""


class NominationRecord(msgspec.Struct, kw_only=True):
    id: UUID
    cycle_id: UUID
    cycle_year: int
    person_id: UUID | None
    nominee_name: str
    nominee_email: str | None
    stakeholder_group: StakeholderGroup
    regional_group: RegionalGroup
    country: str
    gender: Gender | None
    nominated_by: NominatorKind
    nominating_organisation: str | None
    statement: str
    endorsements: list[dict[str, Any]]
    status: NominationStatus
    status_note: str | None
    submitted_by: str
    created_at: datetime
    updated_at: datetime
    version: int
    country_prior_cycles: int


def _nomination(row: asyncpg.Record) -> NominationRecord:
    return msgspec.convert(dict(row), NominationRecord)


class NominationRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def insert(self, values: dict[str, Any]) -> UUID:
        nomination_id: UUID = await self.conn.fetchval(
            INSERT_NOMINATION,
            values["cycle_id"],
            values["person_id"],
            values["nominee_name"],
            values["nominee_email"],
            values["stakeholder_group"],
            values["country"],
            values["regional_group"],
            values["gender"],
            values["nominated_by"],
            values["nominating_organisation"],
            values["statement"],
            values["endorsements"],
            values["submitted_by"],
            values["created_at"],
        )
        return nomination_id

    async def get(self, nomination_id: UUID) -> NominationRecord | None:
        row = await self.conn.fetchrow(SELECT_NOMINATION, nomination_id)
        return _nomination(row) if row else None

    async def lock(self, nomination_id: UUID) -> bool:
        return await self.conn.fetchval(LOCK_NOMINATION, nomination_id) is not None

    async def page(
        self,
        year: int,
        *,
        status: NominationStatus | None,
        stakeholder_group: StakeholderGroup | None,
        regional_group: RegionalGroup | None,
        after: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[NominationRecord]:
        after_at, after_id = after if after else (None, None)
        rows = await self.conn.fetch(
            LIST_NOMINATIONS, year, status, stakeholder_group, regional_group, after_at, after_id, limit
        )
        return [_nomination(r) for r in rows]

    async def set_status(
        self, nomination_id: UUID, status: NominationStatus, note: str | None, now: datetime
    ) -> None:
        await self.conn.execute(UPDATE_NOMINATION_STATUS, nomination_id, status.value, note, now)

    async def summary(self, year: int) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.conn.fetch(SUMMARY, year)
        return rows
