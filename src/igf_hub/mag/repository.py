"""MAG SQL: people, cycles and appointments (nominations: nomination_repository.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.core.vocab import RegionalGroup, StakeholderGroup
from igf_hub.mag.enums import AppointmentRole, AppointmentStatus, CycleStatus, Gender
from igf_hub.mag.schemas import AppointmentCreate, Person

PERSON_COLUMNS = "id, name, affiliation, country, user_id, created_at, updated_at, version"
INSERT_PERSON = f"""
INSERT INTO mag_people (name, affiliation, country, user_id) VALUES ($1, $2, $3, $4)
RETURNING {PERSON_COLUMNS}"""
SELECT_PERSON = f"SELECT {PERSON_COLUMNS} FROM mag_people WHERE id = $1"
LOCK_PERSON = f"SELECT {PERSON_COLUMNS} FROM mag_people WHERE id = $1 FOR UPDATE"
UPDATE_PERSON = f"""
UPDATE mag_people SET name = $2, affiliation = $3, country = $4, user_id = $5, version = version + 1,
                      updated_at = $6
WHERE id = $1 RETURNING {PERSON_COLUMNS}"""
# Anyone may list people who have held an appointment; the Secretariat also sees everyone else.
LIST_PEOPLE = f"""
SELECT {PERSON_COLUMNS} FROM mag_people p
WHERE ($1 OR EXISTS (SELECT 1 FROM mag_appointments a WHERE a.person_id = p.id))
  AND ($2::text IS NULL OR p.name ILIKE '%' || $2 || '%')
  AND ($3::text IS NULL OR (p.name, p.id) > ($3, $4::uuid))
ORDER BY p.name, p.id LIMIT $5"""
PERSON_HAS_APPOINTMENTS = "SELECT EXISTS (SELECT 1 FROM mag_appointments WHERE person_id = $1)"

CYCLE_COLUMNS = (
    "id, year, starts_on, ends_on, target_size, status, rule_overrides, created_at, updated_at, version, notes,"
    " imported_at, imported_by, import_source"
)
INSERT_CYCLE = f"""
INSERT INTO mag_cycles (year, starts_on, ends_on, target_size, rule_overrides, notes, status, imported_at,
                        imported_by, import_source)
VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, 'planning'), $8, $9, $10)
RETURNING {CYCLE_COLUMNS}"""
SELECT_CYCLE = f"SELECT {CYCLE_COLUMNS} FROM mag_cycles WHERE year = $1"
LOCK_CYCLE = f"SELECT {CYCLE_COLUMNS} FROM mag_cycles WHERE year = $1 FOR UPDATE"
LIST_CYCLES = f"""
SELECT {CYCLE_COLUMNS} FROM mag_cycles
WHERE ($1::text IS NULL OR status = $1) AND ($2::int IS NULL OR year < $2)
ORDER BY year DESC LIMIT $3"""
UPDATE_CYCLE = f"""
UPDATE mag_cycles SET starts_on = $2, ends_on = $3, target_size = $4, rule_overrides = $5,
                      version = version + 1, updated_at = $6, notes = $7
WHERE id = $1 RETURNING {CYCLE_COLUMNS}"""
UPDATE_CYCLE_STATUS = f"""
UPDATE mag_cycles SET status = $2, version = version + 1, updated_at = $3 WHERE id = $1
RETURNING {CYCLE_COLUMNS}"""
CYCLE_APPOINTMENT_SPAN = """
SELECT count(*) AS appointments, min(starts_on) AS first_day, max(ends_on) AS last_day
FROM mag_appointments WHERE cycle_id = $1"""
CYCLE_EXISTS = "SELECT EXISTS (SELECT 1 FROM mag_cycles WHERE year = $1)"

# Term numbers come from the mag_terms view: computed from history, never stored.
APPOINTMENT_SELECT = """
SELECT a.id, a.cycle_id, c.year AS cycle_year, a.person_id, p.name AS person_name,
       p.affiliation AS person_affiliation, p.user_id, a.role, a.stakeholder_group, a.regional_group,
       a.country, a.gender, a.starts_on, a.ends_on, t.term_number, a.status, a.end_reason,
       a.term_limit_exception_reason, a.term_limit_exception_recorded_at, a.nomination_id, a.role_grant_id,
       a.created_at, a.updated_at, a.version, a.imported_at, a.import_source
FROM mag_appointments a
JOIN mag_cycles c ON c.id = a.cycle_id
JOIN mag_people p ON p.id = a.person_id
JOIN mag_terms t ON t.person_id = a.person_id AND t.year = c.year"""
SELECT_APPOINTMENT = f"{APPOINTMENT_SELECT} WHERE a.id = $1"
LOCK_APPOINTMENT = "SELECT version FROM mag_appointments WHERE id = $1 FOR UPDATE"
LIST_ROSTER = f"""{APPOINTMENT_SELECT}
WHERE c.year = $1 AND ($2::text IS NULL OR a.role = $2) AND ($3::text IS NULL OR a.status = $3)
  AND ($4::text IS NULL OR a.stakeholder_group = $4) AND ($5::text IS NULL OR a.regional_group = $5)
  AND ($6::text IS NULL OR (p.name, a.id) > ($6, $7::uuid))
ORDER BY p.name, a.id LIMIT $8"""
LIST_PERSON_APPOINTMENTS = f"{APPOINTMENT_SELECT} WHERE a.person_id = $1 ORDER BY c.year, a.starts_on, a.id"
LIST_EXCEPTIONS = f"""{APPOINTMENT_SELECT}
WHERE a.term_limit_exception_reason IS NOT NULL AND ($1::int IS NULL OR c.year = $1)
  AND ($2::int IS NULL OR (c.year, a.id) > ($2, $3::uuid))
ORDER BY c.year, a.id LIMIT $4"""
# The seated appointments of a cycle: everyone not resigned or ended early.
LIST_SEATED = f"{APPOINTMENT_SELECT} WHERE c.year = $1 AND a.end_reason IS NULL ORDER BY p.name, a.id"
INSERT_APPOINTMENT = """
INSERT INTO mag_appointments (cycle_id, person_id, nomination_id, role, stakeholder_group, regional_group,
    country, gender, starts_on, ends_on, term_limit_exception_reason, term_limit_exception_recorded_by,
    term_limit_exception_recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
RETURNING id"""
INSERT_ARCHIVED_APPOINTMENT = """
INSERT INTO mag_appointments (cycle_id, person_id, role, stakeholder_group, regional_group, country, gender,
    starts_on, ends_on, status, imported_at, imported_by, import_source)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'ended', $10, $11, $12)
RETURNING id"""
# The archive names people, not ids: the same name (any case) and country is the same person.
FIND_PERSON = """
SELECT id FROM mag_people WHERE lower(name) = lower($1) AND country IS NOT DISTINCT FROM $2 ORDER BY created_at, id
LIMIT 1"""
UPDATE_APPOINTMENT = """
UPDATE mag_appointments SET starts_on = $2, ends_on = $3, gender = $4, version = version + 1, updated_at = $5
WHERE id = $1"""
END_APPOINTMENT = """
UPDATE mag_appointments SET status = $2, ends_on = $3, end_reason = $4, version = version + 1, updated_at = $5
WHERE id = $1"""
SET_APPOINTMENT_GRANT = "UPDATE mag_appointments SET role_grant_id = $2 WHERE id = $1"
# Active appointments whose last day is before $1 (ended by the nightly job or when a cycle closes).
SELECT_COMPLETED = """
SELECT a.id FROM mag_appointments a JOIN mag_cycles c ON c.id = a.cycle_id
WHERE a.status = 'active' AND a.ends_on < $1 AND ($2::uuid IS NULL OR a.cycle_id = $2)
ORDER BY a.ends_on, a.id FOR UPDATE OF a SKIP LOCKED"""
SERVED_YEARS = """
SELECT a.person_id, array_agg(DISTINCT c.year ORDER BY c.year) AS years
FROM mag_appointments a JOIN mag_cycles c ON c.id = a.cycle_id
WHERE a.person_id = ANY($1::uuid[]) GROUP BY a.person_id"""
# People with a counted seat (not an observer, not intergovernmental) in the cycle of year $1.
COUNTED_MEMBERS_OF_YEAR = """
SELECT DISTINCT a.person_id FROM mag_appointments a JOIN mag_cycles c ON c.id = a.cycle_id
WHERE c.year = $1 AND a.role <> 'observer' AND a.stakeholder_group <> 'intergovernmental'"""
SERVED_BEFORE = """
SELECT DISTINCT a.person_id FROM mag_appointments a JOIN mag_cycles c ON c.id = a.cycle_id
WHERE c.year < $1 AND a.person_id = ANY($2::uuid[])"""


class CycleRecord(msgspec.Struct, kw_only=True):
    id: UUID
    year: int
    starts_on: date
    ends_on: date
    target_size: int
    status: CycleStatus
    rule_overrides: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    version: int
    notes: str = ""
    imported_at: datetime | None = None
    imported_by: str | None = None
    import_source: str | None = None


class AppointmentRecord(msgspec.Struct, kw_only=True):
    """An appointment with what the service needs besides the public fields (grant, linked user)."""

    id: UUID
    cycle_id: UUID
    cycle_year: int
    person_id: UUID
    person_name: str
    person_affiliation: str | None
    user_id: UUID | None
    role: AppointmentRole
    stakeholder_group: StakeholderGroup
    regional_group: RegionalGroup
    country: str
    gender: Gender | None
    starts_on: date
    ends_on: date
    term_number: int
    status: AppointmentStatus
    end_reason: str | None
    term_limit_exception_reason: str | None
    term_limit_exception_recorded_at: datetime | None
    nomination_id: UUID | None
    role_grant_id: UUID | None
    created_at: datetime
    updated_at: datetime
    version: int
    imported_at: datetime | None = None
    import_source: str | None = None


def _appointment(row: asyncpg.Record) -> AppointmentRecord:
    return msgspec.convert(dict(row), AppointmentRecord)


def _cycle(row: asyncpg.Record) -> CycleRecord:
    return msgspec.convert(dict(row), CycleRecord)


class MagRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    # -- people --------------------------------------------------------------------------------------

    async def insert_person(
        self, name: str, affiliation: str | None, country: str | None, user_id: UUID | None
    ) -> Person:
        return Person(**await self.conn.fetchrow(INSERT_PERSON, name, affiliation, country, user_id))

    async def get_person(self, person_id: UUID, *, lock: bool = False) -> Person | None:
        row = await self.conn.fetchrow(LOCK_PERSON if lock else SELECT_PERSON, person_id)
        return Person(**row) if row else None

    async def update_person(self, person: Person, now: datetime) -> Person:
        row = await self.conn.fetchrow(
            UPDATE_PERSON, person.id, person.name, person.affiliation, person.country, person.user_id, now
        )
        return Person(**row)

    async def list_people(
        self, *, everyone: bool, name: str | None, after: tuple[str, UUID] | None, limit: int
    ) -> list[Person]:
        after_name, after_id = after if after else (None, None)
        rows = await self.conn.fetch(LIST_PEOPLE, everyone, name, after_name, after_id, limit)
        return [Person(**r) for r in rows]

    async def person_has_appointments(self, person_id: UUID) -> bool:
        found: bool = await self.conn.fetchval(PERSON_HAS_APPOINTMENTS, person_id)
        return found

    # -- cycles --------------------------------------------------------------------------------------

    async def insert_cycle(
        self,
        year: int,
        starts_on: date,
        ends_on: date,
        target_size: int,
        overrides: dict[str, Any],
        notes: str = "",
        *,
        imported: tuple[CycleStatus, datetime, str, str] | None = None,
    ) -> CycleRecord:
        """``imported``: (status, when, by whom, source) of a cycle loaded from the archive."""
        status, at, by, source = imported if imported else (None, None, None, None)
        return _cycle(
            await self.conn.fetchrow(
                INSERT_CYCLE,
                year,
                starts_on,
                ends_on,
                target_size,
                overrides,
                notes,
                status.value if status else None,
                at,
                by,
                source,
            )
        )

    async def get_cycle(self, year: int, *, lock: bool = False) -> CycleRecord | None:
        row = await self.conn.fetchrow(LOCK_CYCLE if lock else SELECT_CYCLE, year)
        return _cycle(row) if row else None

    async def cycle_exists(self, year: int) -> bool:
        found: bool = await self.conn.fetchval(CYCLE_EXISTS, year)
        return found

    async def list_cycles(
        self, *, status: CycleStatus | None, before_year: int | None, limit: int
    ) -> list[CycleRecord]:
        rows = await self.conn.fetch(LIST_CYCLES, status, before_year, limit)
        return [_cycle(r) for r in rows]

    async def update_cycle(self, cycle: CycleRecord, now: datetime) -> CycleRecord:
        row = await self.conn.fetchrow(
            UPDATE_CYCLE,
            cycle.id,
            cycle.starts_on,
            cycle.ends_on,
            cycle.target_size,
            cycle.rule_overrides,
            now,
            cycle.notes,
        )
        return _cycle(row)

    async def set_cycle_status(self, cycle_id: UUID, status: CycleStatus, now: datetime) -> CycleRecord:
        return _cycle(await self.conn.fetchrow(UPDATE_CYCLE_STATUS, cycle_id, status.value, now))

    async def cycle_appointment_span(self, cycle_id: UUID) -> tuple[int, date | None, date | None]:
        row = await self.conn.fetchrow(CYCLE_APPOINTMENT_SPAN, cycle_id)
        return row["appointments"], row["first_day"], row["last_day"]

    # -- appointments --------------------------------------------------------------------------------

    async def insert_appointment(
        self,
        *,
        cycle_id: UUID,
        data: AppointmentCreate,
        regional_group: RegionalGroup,
        starts_on: date,
        ends_on: date,
        exception_recorded_by: str | None,
        exception_recorded_at: datetime | None,
    ) -> UUID:
        appointment_id: UUID = await self.conn.fetchval(
            INSERT_APPOINTMENT,
            cycle_id,
            data.person_id,
            data.nomination_id,
            data.role.value,
            data.stakeholder_group.value,
            regional_group.value,
            data.country,
            data.gender.value if data.gender else None,
            starts_on,
            ends_on,
            data.term_limit_exception_reason,
            exception_recorded_by,
            exception_recorded_at,
        )
        return appointment_id

    async def insert_archived_appointment(
        self,
        *,
        cycle_id: UUID,
        person_id: UUID,
        role: str,
        stakeholder_group: str,
        regional_group: str,
        country: str,
        gender: str | None,
        starts_on: date,
        ends_on: date,
        imported_at: datetime,
        imported_by: str,
        source: str,
    ) -> UUID:
        """An appointment from the archive: ended, and marked as imported."""
        appointment_id: UUID = await self.conn.fetchval(
            INSERT_ARCHIVED_APPOINTMENT,
            cycle_id,
            person_id,
            role,
            stakeholder_group,
            regional_group,
            country,
            gender,
            starts_on,
            ends_on,
            imported_at,
            imported_by,
            source,
        )
        return appointment_id

    async def find_person(self, name: str, country: str | None) -> UUID | None:
        found: UUID | None = await self.conn.fetchval(FIND_PERSON, name, country)
        return found

    async def get_appointment(self, appointment_id: UUID) -> AppointmentRecord | None:
        row = await self.conn.fetchrow(SELECT_APPOINTMENT, appointment_id)
        return _appointment(row) if row else None

    async def lock_appointment(self, appointment_id: UUID) -> bool:
        return await self.conn.fetchval(LOCK_APPOINTMENT, appointment_id) is not None

    async def roster(
        self,
        year: int,
        *,
        role: AppointmentRole | None,
        status: AppointmentStatus | None,
        stakeholder_group: StakeholderGroup | None,
        regional_group: RegionalGroup | None,
        after: tuple[str, UUID] | None,
        limit: int,
    ) -> list[AppointmentRecord]:
        after_name, after_id = after if after else (None, None)
        rows = await self.conn.fetch(
            LIST_ROSTER, year, role, status, stakeholder_group, regional_group, after_name, after_id, limit
        )
        return [_appointment(r) for r in rows]

    async def appointments_of_person(self, person_id: UUID) -> list[AppointmentRecord]:
        return [_appointment(r) for r in await self.conn.fetch(LIST_PERSON_APPOINTMENTS, person_id)]

    async def term_limit_exceptions(
        self, year: int | None, after: tuple[int, UUID] | None, limit: int
    ) -> list[AppointmentRecord]:
        after_year, after_id = after if after else (None, None)
        rows = await self.conn.fetch(LIST_EXCEPTIONS, year, after_year, after_id, limit)
        return [_appointment(r) for r in rows]

    async def seated(self, year: int) -> list[AppointmentRecord]:
        return [_appointment(r) for r in await self.conn.fetch(LIST_SEATED, year)]

    async def update_appointment(
        self, appointment_id: UUID, starts_on: date, ends_on: date, gender: Gender | None, now: datetime
    ) -> None:
        await self.conn.execute(UPDATE_APPOINTMENT, appointment_id, starts_on, ends_on, gender, now)

    async def end_appointment(
        self,
        appointment_id: UUID,
        status: AppointmentStatus,
        ends_on: date,
        reason: str | None,
        now: datetime,
    ) -> None:
        await self.conn.execute(END_APPOINTMENT, appointment_id, status.value, ends_on, reason, now)

    async def set_appointment_grant(self, appointment_id: UUID, grant_id: UUID | None) -> None:
        await self.conn.execute(SET_APPOINTMENT_GRANT, appointment_id, grant_id)

    async def completed_appointments(self, before: date, cycle_id: UUID | None = None) -> list[UUID]:
        return [r["id"] for r in await self.conn.fetch(SELECT_COMPLETED, before, cycle_id)]

    async def served_years(self, person_ids: list[UUID]) -> dict[UUID, list[int]]:
        rows = await self.conn.fetch(SERVED_YEARS, person_ids)
        return {r["person_id"]: list(r["years"]) for r in rows}

    async def counted_members_of_year(self, year: int) -> frozenset[UUID]:
        return frozenset(r["person_id"] for r in await self.conn.fetch(COUNTED_MEMBERS_OF_YEAR, year))

    async def served_before(self, year: int, person_ids: list[UUID]) -> frozenset[UUID]:
        return frozenset(r["person_id"] for r in await self.conn.fetch(SERVED_BEFORE, year, person_ids))
