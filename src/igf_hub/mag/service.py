"""MAG rules for people and cycles (appointments: appointment_service.py; nominations: nomination_service.py)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.errors import UserNotFound
from igf_hub.auth.principal import Principal
from igf_hub.auth.service import IdentityService
from igf_hub.core import changelog, countries
from igf_hub.core.clock import Clock
from igf_hub.core.concurrency import check_version
from igf_hub.core.errors import FieldError, IllegalTransition
from igf_hub.core.pagination import Keyset
from igf_hub.core.settings import Settings
from igf_hub.mag import mirror
from igf_hub.mag.appointment_service import end_completed
from igf_hub.mag.common import (
    CYCLE_TRANSITIONS,
    appointment_view,
    cycle_view,
    is_secretariat,
    person_view,
    require_secretariat,
    today,
)
from igf_hub.mag.enums import CycleStatus
from igf_hub.mag.errors import (
    CycleExists,
    CycleNotFound,
    CycleNotOpen,
    InvalidCycle,
    InvalidPerson,
    PersonNotFound,
    TransitionGuard,
    UserAlreadyLinked,
)
from igf_hub.mag.repository import CycleRecord, MagRepository
from igf_hub.mag.rules import BalanceRulesOverride, encode_overrides, problems
from igf_hub.mag.schemas import (
    Cycle,
    CycleCreate,
    CyclePage,
    CyclePatch,
    Person,
    PersonCreate,
    PersonPage,
    PersonPatch,
    PersonWithHistory,
)


def _linked_user(person: Person) -> UUID | None:
    return None if person.user_id is msgspec.UNSET else person.user_id


class PersonService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.settings = settings
        self.conn, self.clock, self.repo = conn, clock, MagRepository(conn)

    async def _person_errors(self, country: str | None, user_id: UUID | None) -> list[FieldError]:
        errors = []
        if country is not None and not countries.is_known(country):
            errors.append(FieldError("/country", f"{country!r} is not an ISO 3166-1 country code we know"))
        if user_id is not None:
            try:
                await IdentityService(self.conn, self.clock, self.settings).get_user(user_id)
            except UserNotFound:
                errors.append(FieldError("/user_id", f"no user {user_id}"))
        return errors

    async def create(self, data: PersonCreate, *, actor: Principal) -> Person:
        require_secretariat(actor)
        if errors := await self._person_errors(data.country, data.user_id):
            raise InvalidPerson(errors=errors)
        try:
            async with self.conn.transaction():
                person = await self.repo.insert_person(
                    data.name, data.affiliation, data.country, data.user_id
                )
        except asyncpg.UniqueViolationError:
            raise UserAlreadyLinked(f"user {data.user_id} is already linked to another person") from None
        await changelog.record(
            self.conn,
            "mag.person.created",
            actor=actor.subject,
            subject_type="mag_person",
            subject_id=person.id,
            data=person,
            # A person is public only through an appointment, whose own events consumers get: no event.
            publish=False,
        )
        return person

    async def get(self, person_id: UUID, *, actor: Principal) -> PersonWithHistory:
        """Public for anyone who has held an appointment; other records only for the Secretariat."""
        private = is_secretariat(actor)
        person = await self.repo.get_person(person_id)
        appointments = await self.repo.appointments_of_person(person_id) if person else []
        if person is None or not (private or appointments):
            raise PersonNotFound(f"no person {person_id}")
        return PersonWithHistory(
            **msgspec.structs.asdict(person_view(person, private=private)),
            appointments=[appointment_view(a, private=private) for a in appointments],
        )

    async def list_page(
        self, *, actor: Principal, name: str | None, cursor: str | None, limit: int
    ) -> PersonPage:
        private = is_secretariat(actor)
        keyset = Keyset(cursor, tuple[str, UUID], limit)
        rows = await self.repo.list_people(
            everyone=private, name=name, after=keyset.after, limit=keyset.fetch
        )
        items, next_cursor = keyset.cut(rows, lambda row: (row.name, row.id))
        return PersonPage(
            items=[person_view(p, private=private) for p in items],
            next_cursor=next_cursor,
        )

    async def update(
        self, person_id: UUID, patch: PersonPatch, *, expected_version: int | None, actor: Principal
    ) -> Person:
        """Changing the linked account moves every appointment's mag_member grant to the new account."""
        require_secretariat(actor)
        current = await self.repo.get_person(person_id, lock=True)
        if current is None:
            raise PersonNotFound(f"no person {person_id}")
        check_version(current.version, expected_version)
        changes: dict[str, Any] = {
            k: v for k, v in msgspec.structs.asdict(patch).items() if v is not msgspec.UNSET
        }
        updated = msgspec.structs.replace(current, **changes)
        before, after = _linked_user(current), _linked_user(updated)
        relinked = after != before
        if errors := await self._person_errors(changes.get("country"), after if relinked else None):
            raise InvalidPerson(errors=errors)
        try:
            async with self.conn.transaction():
                person = await self.repo.update_person(updated, self.clock.now())
        except asyncpg.UniqueViolationError:
            raise UserAlreadyLinked(f"user {updated.user_id} is already linked to another person") from None
        if relinked:
            for appointment in await self.repo.appointments_of_person(person_id):
                await mirror.sync_grant(
                    self.repo, self.clock, self.settings, appointment, actor=actor, previous_holder=before
                )
        await changelog.record(
            self.conn,
            "mag.person.updated",
            actor=actor.subject,
            subject_type="mag_person",
            subject_id=person.id,
            data={"changes": changes, "version": person.version},
            publish=False,  # as for mag.person.created: appointments carry what consumers see of a person
        )
        return person


class CycleService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.settings = settings
        self.conn, self.clock, self.repo = conn, clock, MagRepository(conn)

    async def _get(self, year: int, *, lock: bool = False) -> CycleRecord:
        cycle = await self.repo.get_cycle(year, lock=lock)
        if cycle is None:
            raise CycleNotFound(f"no MAG cycle for {year}")
        return cycle

    async def get(self, year: int) -> Cycle:
        return cycle_view(await self._get(year))

    async def list_page(self, *, status: CycleStatus | None, cursor: str | None, limit: int) -> CyclePage:
        """Newest year first."""
        keyset = Keyset(cursor, tuple[int], limit)
        rows = await self.repo.list_cycles(status=status, before_year=keyset.first(None), limit=keyset.fetch)
        items, next_cursor = keyset.cut(rows, lambda row: (row.year,))
        return CyclePage(items=[cycle_view(c) for c in items], next_cursor=next_cursor)

    async def create(self, data: CycleCreate, *, actor: Principal) -> Cycle:
        require_secretariat(actor)
        if errors := [FieldError(p, d) for p, d in problems(data.rule_overrides)]:
            raise InvalidCycle(errors=errors)
        try:
            async with self.conn.transaction():
                record = await self.repo.insert_cycle(
                    data.year,
                    data.starts_on,
                    data.ends_on,
                    data.target_size,
                    encode_overrides(data.rule_overrides),
                    data.notes,
                )
        except asyncpg.UniqueViolationError:
            raise CycleExists(f"the {data.year} cycle already exists") from None
        cycle = cycle_view(record)
        await changelog.record(
            self.conn,
            "mag.cycle.created",
            actor=actor.subject,
            subject_type="mag_cycle",
            subject_id=cycle.id,
            data={"cycle": cycle},
        )
        return cycle

    async def update(
        self, year: int, patch: CyclePatch, *, expected_version: int | None, actor: Principal
    ) -> Cycle:
        require_secretariat(actor)
        current = await self._get(year, lock=True)
        check_version(current.version, expected_version)
        changes: dict[str, Any] = {
            k: v for k, v in msgspec.structs.asdict(patch).items() if v is not msgspec.UNSET
        }
        # Notes are commentary on the record, not its composition: they may be added after the cycle closed.
        if current.status is CycleStatus.closed and set(changes) - {"notes"}:
            raise CycleNotOpen(f"the {year} cycle is closed and can no longer change")
        if isinstance(patch.rule_overrides, BalanceRulesOverride):
            changes["rule_overrides"] = encode_overrides(patch.rule_overrides)
        updated = msgspec.structs.replace(current, **changes)
        errors = [FieldError(p, d) for p, d in problems(cycle_view(updated).rule_overrides)]
        if updated.ends_on <= updated.starts_on:
            errors.append(FieldError("/ends_on", "must be after starts_on"))
        count, first_day, last_day = await self.repo.cycle_appointment_span(current.id)
        if count and first_day is not None and first_day < updated.starts_on:
            errors.append(FieldError("/starts_on", f"an appointment of this cycle starts on {first_day}"))
        if count and last_day is not None and last_day > updated.ends_on:
            errors.append(FieldError("/ends_on", f"an appointment of this cycle runs until {last_day}"))
        if errors:
            raise InvalidCycle(errors=errors)
        cycle = cycle_view(await self.repo.update_cycle(updated, self.clock.now()))
        await changelog.record(
            self.conn,
            "mag.cycle.updated",
            actor=actor.subject,
            subject_type="mag_cycle",
            subject_id=cycle.id,
            data={"cycle": cycle, "changed": sorted(changes)},
        )
        return cycle

    async def transition(
        self, year: int, to: CycleStatus, *, expected_version: int | None, actor: Principal
    ) -> Cycle:
        """planning -> call_open -> appointed -> closed. Closing needs the cycle's last day to be past,
        and ends the appointments still marked active."""
        require_secretariat(actor)
        current = await self._get(year, lock=True)
        check_version(current.version, expected_version)
        allowed = CYCLE_TRANSITIONS[current.status]
        if to not in allowed:
            raise IllegalTransition(current=current.status, requested=to, allowed=allowed)
        if to is CycleStatus.appointed and (await self.repo.cycle_appointment_span(current.id))[0] == 0:
            raise TransitionGuard(f"the {year} cycle has no appointments yet")
        if to is CycleStatus.closed and today(self.clock) <= current.ends_on:
            raise TransitionGuard(f"the {year} cycle runs until {current.ends_on}: close it after that day")
        cycle = cycle_view(await self.repo.set_cycle_status(current.id, to, self.clock.now()))
        await changelog.record(
            self.conn,
            "mag.cycle.status_changed",
            actor=actor.subject,
            subject_type="mag_cycle",
            subject_id=cycle.id,
            data={"year": year, "from": current.status, "to": to, "version": cycle.version},
        )
        if to is CycleStatus.closed:
            # Closing ends its completed appointments: their events follow the cycle's.
            await end_completed(self.repo, self.clock, actor=actor, cycle_id=current.id)
        return cycle
