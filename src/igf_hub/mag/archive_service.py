"""Past MAG cycles loaded as history (the archive since 2006): a cycle with its members and their terms.

A cycle from the archive never went through planning, the call for nominations or appointment here: it is
stored closed, its appointments ended, and both carry the import marks (who loaded them, when, from which
source) in the record and the audit log. Imported appointments are appointments like any other for the term
count (the ``mag_terms`` view counts every year a person served), so a term limit reached in the archive holds
for the next live appointment. The archive is not re-judged by today's composition rules or term limits: it
records what the Secretary-General appointed. All or nothing; ``dry_run`` checks and writes nothing.

JSON: ``{"cycles": [{"year", "starts_on", "ends_on", "target_size", "notes", "members": [{"name", "affiliation",
"country", "stakeholder_group", "regional_group", "gender", "role", "starts_on", "ends_on"}]}]}``. CSV: one row
per member with the columns ``year, cycle_starts_on, cycle_ends_on, target_size, notes`` (the same on every row
of a year) and the member's fields.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal
from igf_hub.core import changelog, imports
from igf_hub.core.clock import Clock
from igf_hub.core.errors import FieldError, Unprocessable, convert_all
from igf_hub.core.schemas import CountryCode, Name, Year
from igf_hub.core.settings import Settings
from igf_hub.core.vocab import RegionalGroup, StakeholderGroup
from igf_hub.mag.common import placement, require_secretariat
from igf_hub.mag.enums import AppointmentRole, CycleStatus, Gender
from igf_hub.mag.repository import MagRepository
from igf_hub.mag.schemas import Affiliation, CycleNotes, TargetSize

CYCLE_COLUMNS = {
    "year": "year",
    "cycle_starts_on": "starts_on",
    "cycle_ends_on": "ends_on",
    "target_size": "target_size",
    "notes": "notes",
}
MEMBER_COLUMNS = (
    "name",
    "affiliation",
    "country",
    "stakeholder_group",
    "regional_group",
    "gender",
    "role",
    "starts_on",
    "ends_on",
)
REQUIRED_COLUMNS = ("year", "cycle_starts_on", "cycle_ends_on", "name", "country", "stakeholder_group")


class ArchiveRejected(Unprocessable):
    slug, title = (
        "mag-archive-rejected",
        "The archive was not loaded: fix the problems listed and send it again",
    )


class ArchiveMember(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    affiliation: Affiliation | None = None
    country: CountryCode
    stakeholder_group: StakeholderGroup
    regional_group: RegionalGroup | None = None  # only for a country outside the UN regional groups
    gender: Gender | None = None
    role: AppointmentRole = AppointmentRole.member
    starts_on: date | None = None  # default: the cycle's dates
    ends_on: date | None = None


class ArchiveCycle(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    year: Year
    starts_on: date
    ends_on: date
    target_size: TargetSize | None = None  # default: the number of members
    notes: CycleNotes = ""
    members: Annotated[list[ArchiveMember], msgspec.Meta(min_length=1, max_length=200)]


class ArchiveCycleOutcome(msgspec.Struct, kw_only=True):
    year: int
    members: int
    people_created: int


class MagArchiveReport(msgspec.Struct, kw_only=True):
    dry_run: bool
    source: str
    cycles: list[ArchiveCycleOutcome]


def parse_json(body: bytes) -> list[tuple[str, dict[str, Any]]]:
    data = imports.decode_json(body, ArchiveRejected)
    cycles = data.get("cycles") if isinstance(data, dict) else None
    if not isinstance(cycles, list) or not cycles or not all(isinstance(c, dict) for c in cycles):
        raise ArchiveRejected('send {"cycles": [...]}', errors=[FieldError("/cycles", "a list of cycles")])
    return [(f"/cycles/{i}", c) for i, c in enumerate(cycles)]


def parse_csv(text: str) -> list[tuple[str, dict[str, Any]]]:
    """Rows grouped into cycles by year; a cycle's pointer names the line of its first row."""
    table = imports.read_csv(text, ArchiveRejected)
    errors = [
        FieldError("/header", f"unknown column {h!r}")
        for h in table.header
        if h not in CYCLE_COLUMNS and h not in MEMBER_COLUMNS
    ]
    errors += [
        FieldError("/header", f"missing column {c!r}") for c in REQUIRED_COLUMNS if c not in table.header
    ]
    cycles: dict[str, tuple[str, dict[str, Any]]] = {}
    lines: dict[str, list[int]] = {}
    for line, record in table.records():
        if record is None:
            errors.append(imports.ragged_row(line))
            continue
        year = record.get("year", "")
        _, cycle = cycles.setdefault(year, (f"/rows/{line}", {"members": []}))
        lines.setdefault(year, []).append(line)
        for column, field in CYCLE_COLUMNS.items():
            if record.get(column) and field not in cycle:
                value = record[column]
                cycle[field] = int(value) if field in ("year", "target_size") and value.isdigit() else value
        cycle["members"].append({c: record[c] for c in MEMBER_COLUMNS if record.get(c)})
    if errors:
        raise ArchiveRejected("; ".join(e.detail for e in errors), errors=errors)
    if not cycles:
        raise ArchiveRejected("the file has no rows", errors=[FieldError("/rows", "the file has no rows")])
    # A member's problem is named by its own line: /rows/<line>/<column>.
    return [(where, {**cycle, LINES_KEY: lines[year]}) for year, (where, cycle) in cycles.items()]


LINES_KEY = "\x00lines"  # carried beside a CSV cycle's fields, never a field itself


def _by_line(error: FieldError, where: str, lines: list[int] | None) -> FieldError:
    """``/rows/2/members/3/country`` -> ``/rows/5/country`` when the cycle came from CSV rows."""
    prefix = f"{where}/members/"
    if lines is None or not error.pointer.startswith(prefix):
        return error
    index, _, rest = error.pointer.removeprefix(prefix).partition("/")
    if not index.isdigit() or int(index) >= len(lines):
        return error
    line = lines[int(index)]
    column = rest.split("/")[0]
    return FieldError(
        f"/rows/{line}/{rest}".rstrip("/"), f"line {line}: {column + ': ' if column else ''}{error.detail}"
    )


class MagArchiveService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.settings = settings
        self.conn = conn
        self.clock = clock
        self.repo = MagRepository(conn)

    async def load(
        self, cycles: list[tuple[str, dict[str, Any]]], *, actor: Principal, source: str, dry_run: bool
    ) -> MagArchiveReport:
        require_secretariat(actor)
        checked = await self._check(cycles)
        report = MagArchiveReport(dry_run=dry_run, source=source, cycles=[])
        now = self.clock.now()
        for cycle in checked:
            created = 0
            if not dry_run:
                record = await self.repo.insert_cycle(
                    cycle.year,
                    cycle.starts_on,
                    cycle.ends_on,
                    cycle.target_size or len(cycle.members),
                    {},
                    cycle.notes,
                    imported=(CycleStatus.closed, now, actor.subject, source),
                )
                appointments = []
                for member in cycle.members:
                    person_id = await self.repo.find_person(member.name, member.country)
                    if person_id is None:
                        person = await self.repo.insert_person(
                            member.name, member.affiliation, member.country, None
                        )
                        person_id, created = person.id, created + 1
                    group, _ = placement(
                        country=member.country,
                        regional_group=member.regional_group,
                        stakeholder_group=member.stakeholder_group,
                        role=member.role,
                    )
                    appointment_id = await self.repo.insert_archived_appointment(
                        cycle_id=record.id,
                        person_id=person_id,
                        role=member.role.value,
                        stakeholder_group=member.stakeholder_group.value,
                        regional_group=(group or member.regional_group or RegionalGroup.african).value,
                        country=member.country,
                        gender=member.gender.value if member.gender else None,
                        starts_on=member.starts_on or cycle.starts_on,
                        ends_on=member.ends_on or cycle.ends_on,
                        imported_at=now,
                        imported_by=actor.subject,
                        source=source,
                    )
                    appointments.append(str(appointment_id))
                data = {
                    "year": cycle.year,
                    "source": source,
                    "status": "closed",
                    "appointments": appointments,
                    "notes": cycle.notes,
                }
                await changelog.record(
                    self.conn,
                    "mag.cycle.imported",
                    actor=actor.subject,
                    subject_type="mag_cycle",
                    subject_id=record.id,
                    data=data,
                )
            report.cycles.append(
                ArchiveCycleOutcome(year=cycle.year, members=len(cycle.members), people_created=created)
            )
        return report

    async def _check(self, cycles: list[tuple[str, dict[str, Any]]]) -> list[ArchiveCycle]:
        errors: list[FieldError] = []
        checked: list[ArchiveCycle] = []
        years: dict[int, str] = {}
        today = self.clock.now().date()
        for where, given in cycles:
            fields = {k: v for k, v in given.items() if k != LINES_KEY}
            lines = given.get(LINES_KEY)
            found = len(errors)
            await self._check_cycle(where, fields, checked, years, today, errors)
            errors[found:] = [_by_line(e, where, lines) for e in errors[found:]]
        if errors:
            raise ArchiveRejected(f"{len(errors)} problem(s); nothing was loaded", errors=errors)
        return checked

    async def _check_cycle(
        self,
        where: str,
        fields: dict[str, Any],
        checked: list[ArchiveCycle],
        years: dict[int, str],
        today: date,
        errors: list[FieldError],
    ) -> None:
        cycle, cycle_errors = convert_all(fields, ArchiveCycle, prefix=where)
        if cycle is None:
            # A cycle-level problem hides the members' own: check each member on its own too.
            for i, member in enumerate(fields.get("members") or []):
                if isinstance(member, dict):
                    _, member_errors = convert_all(member, ArchiveMember, prefix=f"{where}/members/{i}")
                    cycle_errors += [e for e in member_errors if e not in cycle_errors]
            errors += cycle_errors
            return
        if cycle.year in years:
            errors.append(FieldError(f"{where}/year", f"{cycle.year} is also at {years[cycle.year]}"))
        years.setdefault(cycle.year, where)
        if await self.repo.cycle_exists(cycle.year):
            errors.append(FieldError(f"{where}/year", f"the {cycle.year} cycle already exists"))
        if cycle.ends_on <= cycle.starts_on:
            errors.append(FieldError(f"{where}/ends_on", "must be after starts_on"))
        if cycle.ends_on >= today:
            errors.append(
                FieldError(f"{where}/ends_on", "the archive holds past cycles: this one has not ended")
            )
        seen: dict[tuple[str, str], int] = {}
        for i, member in enumerate(cycle.members):
            at = f"{where}/members/{i}"
            _, placement_errors = placement(
                country=member.country,
                regional_group=member.regional_group,
                stakeholder_group=member.stakeholder_group,
                role=member.role,
                pointer=at,
            )
            errors += placement_errors
            starts, ends = member.starts_on or cycle.starts_on, member.ends_on or cycle.ends_on
            if starts < cycle.starts_on or ends > cycle.ends_on or ends < starts:
                errors.append(FieldError(f"{at}/starts_on", "the appointment lies outside the cycle's dates"))
            key = (member.name.casefold(), member.country)
            if key in seen:
                errors.append(
                    FieldError(f"{at}/name", f"{member.name} is listed twice (also member {seen[key]})")
                )
            seen.setdefault(key, i)
        checked.append(cycle)
