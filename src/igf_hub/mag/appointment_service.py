"""MAG appointments: term limits, the identity mirror, early ends and the roster (the balance: balance_service.py)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.principal import SYSTEM, Principal
from igf_hub.core import changelog
from igf_hub.core.clock import Clock
from igf_hub.core.concurrency import check_version
from igf_hub.core.errors import FieldError, IllegalTransition
from igf_hub.core.pagination import Keyset
from igf_hub.core.settings import Settings
from igf_hub.core.vocab import RegionalGroup, StakeholderGroup
from igf_hub.mag import mirror
from igf_hub.mag.balance import term_number
from igf_hub.mag.common import (
    appointment_view,
    is_secretariat,
    placement,
    require_secretariat,
    rules_of,
    term_errors,
    today,
)
from igf_hub.mag.enums import AppointmentRole, AppointmentStatus, CycleStatus, NominationStatus
from igf_hub.mag.errors import (
    AlreadyAppointed,
    AppointmentNotActive,
    AppointmentNotFound,
    ChairTaken,
    CycleNotFound,
    CycleNotOpen,
    InvalidAppointment,
)
from igf_hub.mag.nomination_repository import NominationRepository
from igf_hub.mag.repository import AppointmentRecord, CycleRecord, MagRepository
from igf_hub.mag.schemas import (
    Appointment,
    AppointmentCreate,
    AppointmentEarlyEnd,
    AppointmentPage,
    AppointmentPatch,
)

APPOINTMENT_TRANSITIONS: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    AppointmentStatus.active: frozenset({AppointmentStatus.ended, AppointmentStatus.resigned}),
    AppointmentStatus.ended: frozenset(),
    AppointmentStatus.resigned: frozenset(),
}


def _event_data(appointment: Appointment) -> dict[str, Any]:
    """Events reach webhook consumers: the public fields only."""
    public = msgspec.structs.replace(appointment, gender=msgspec.UNSET, nomination_id=msgspec.UNSET)
    data: dict[str, Any] = msgspec.to_builtins(public)
    return data


async def _appointment_changed(
    conn: asyncpg.Connection,
    actor: Principal,
    action: str,
    appointment: Appointment,
    audit_data: dict[str, Any],
) -> None:
    await changelog.record(
        conn,
        action,
        actor=actor.subject,
        subject_type="mag_appointment",
        subject_id=appointment.id,
        data=audit_data,
        event_data=_event_data(appointment),
    )


async def end_completed(
    repo: MagRepository, clock: Clock, *, actor: Principal = SYSTEM, cycle_id: UUID | None = None
) -> int:
    """Mark active appointments whose last day has passed as ended (their role grants expire by date)."""
    ended = 0
    for appointment_id in await repo.completed_appointments(today(clock), cycle_id):
        record = await repo.get_appointment(appointment_id)
        if record is None:
            continue
        await repo.end_appointment(appointment_id, AppointmentStatus.ended, record.ends_on, None, clock.now())
        ended_record = await repo.get_appointment(appointment_id)
        assert ended_record is not None  # locked by completed_appointments: it cannot have gone
        view = appointment_view(ended_record, private=False)
        await _appointment_changed(
            repo.conn, actor, "mag.appointment.ended", view, {"ends_on": record.ends_on}
        )
        ended += 1
    return ended


class AppointmentService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.settings = settings
        self.conn, self.clock = conn, clock
        self.repo = MagRepository(conn)
        self.nominations = NominationRepository(conn)

    async def _cycle(self, year: int, *, lock: bool = False) -> CycleRecord:
        cycle = await self.repo.get_cycle(year, lock=lock)
        if cycle is None:
            raise CycleNotFound(f"no MAG cycle for {year}")
        return cycle

    async def _record_of(self, appointment_id: UUID) -> AppointmentRecord:
        record = await self.repo.get_appointment(appointment_id)
        if record is None:
            raise AppointmentNotFound(f"no appointment {appointment_id}")
        return record

    async def _locked(self, appointment_id: UUID, expected_version: int | None) -> AppointmentRecord:
        """The appointment, locked for this transaction, at the version the caller last read (412 if not)."""
        if not await self.repo.lock_appointment(appointment_id):
            raise AppointmentNotFound(f"no appointment {appointment_id}")
        current = await self._record_of(appointment_id)
        check_version(current.version, expected_version)
        return current

    # -- reads ---------------------------------------------------------------------------------------

    async def get(self, appointment_id: UUID, *, actor: Principal) -> Appointment:
        return appointment_view(await self._record_of(appointment_id), private=is_secretariat(actor))

    async def roster(
        self,
        year: int,
        *,
        actor: Principal,
        role: AppointmentRole | None = None,
        status: AppointmentStatus | None = None,
        stakeholder_group: StakeholderGroup | None = None,
        regional_group: RegionalGroup | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> AppointmentPage:
        await self._cycle(year)
        keyset = Keyset(cursor, tuple[str, UUID], limit)
        rows = await self.repo.roster(
            year,
            role=role,
            status=status,
            stakeholder_group=stakeholder_group,
            regional_group=regional_group,
            after=keyset.after,
            limit=keyset.fetch,
        )
        items, next_cursor = keyset.cut(rows, lambda row: (row.person_name, row.id))
        return AppointmentPage(
            items=[appointment_view(r, private=is_secretariat(actor)) for r in items],
            next_cursor=next_cursor,
        )

    async def term_limit_exceptions(
        self, *, year: int | None, actor: Principal, cursor: str | None, limit: int
    ) -> AppointmentPage:
        keyset = Keyset(cursor, tuple[int, UUID], limit)
        items, next_cursor = keyset.cut(
            await self.repo.term_limit_exceptions(year, keyset.after, keyset.fetch),
            lambda row: (row.cycle_year, row.id),
        )
        return AppointmentPage(
            items=[appointment_view(r, private=is_secretariat(actor)) for r in items],
            next_cursor=next_cursor,
        )

    # -- writes --------------------------------------------------------------------------------------

    async def appoint(self, year: int, data: AppointmentCreate, *, actor: Principal) -> Appointment:
        require_secretariat(actor)
        cycle = await self._cycle(year, lock=True)  # serialises appointments within one cycle
        if cycle.status is CycleStatus.closed:
            raise CycleNotOpen(f"the {year} cycle is closed: no more appointments")
        rules = rules_of(cycle)
        starts_on, ends_on = data.starts_on or cycle.starts_on, data.ends_on or cycle.ends_on
        regional_group, errors = placement(
            country=data.country,
            regional_group=data.regional_group,
            stakeholder_group=data.stakeholder_group,
            role=data.role,
        )
        errors += self._date_errors(cycle, starts_on, ends_on)
        errors += await self._nomination_errors(cycle, data)
        person = await self.repo.get_person(data.person_id)
        if person is None:
            errors.append(FieldError("/person_id", f"no person {data.person_id}"))
        else:
            served = (await self.repo.served_years([person.id])).get(person.id, [])
            errors += term_errors(
                rules=rules,
                role=data.role,
                number=term_number([*served, year], year),
                reason=data.term_limit_exception_reason,
                who=person.name,
                pointer="/term_limit_exception_reason",
            )
        if errors or regional_group is None:
            raise InvalidAppointment(errors=errors)
        now = self.clock.now()
        try:
            async with self.conn.transaction():
                appointment_id = await self.repo.insert_appointment(
                    cycle_id=cycle.id,
                    data=data,
                    regional_group=regional_group,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    exception_recorded_by=actor.subject if data.term_limit_exception_reason else None,
                    exception_recorded_at=now if data.term_limit_exception_reason else None,
                )
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "mag_appointments_one_chair_idx":
                raise ChairTaken(f"the {year} cycle already has an active Chair") from None
            raise AlreadyAppointed(f"the person already holds an active appointment in {year}") from None
        record = await self._record_of(appointment_id)
        await mirror.sync_grant(
            self.repo, self.clock, self.settings, record, actor=actor, previous_holder=None
        )
        if data.nomination_id is not None:
            await self._mark_nomination_appointed(data.nomination_id, year, actor)
        view = appointment_view(record, private=True)
        await _appointment_changed(
            self.conn, actor, "mag.appointment.created", view, msgspec.to_builtins(view)
        )
        return view

    async def update(
        self, appointment_id: UUID, patch: AppointmentPatch, *, expected_version: int | None, actor: Principal
    ) -> Appointment:
        """New dates (within the cycle) move the mirrored role grant with them."""
        require_secretariat(actor)
        current = await self._locked(appointment_id, expected_version)
        if current.status is not AppointmentStatus.active:
            raise AppointmentNotActive(f"the appointment is {current.status.value}: it can no longer change")
        cycle = await self._cycle(current.cycle_year)
        starts_on = current.starts_on if patch.starts_on is msgspec.UNSET else patch.starts_on
        ends_on = current.ends_on if patch.ends_on is msgspec.UNSET else patch.ends_on
        gender = current.gender if patch.gender is msgspec.UNSET else patch.gender
        if errors := self._date_errors(cycle, starts_on, ends_on):
            raise InvalidAppointment(errors=errors)
        await self.repo.update_appointment(appointment_id, starts_on, ends_on, gender, self.clock.now())
        record = await self._record_of(appointment_id)
        if (starts_on, ends_on) != (current.starts_on, current.ends_on):
            await mirror.sync_grant(
                self.repo, self.clock, self.settings, record, actor=actor, previous_holder=current.user_id
            )
        view = appointment_view(record, private=True)
        changes = {k: v for k, v in msgspec.structs.asdict(patch).items() if v is not msgspec.UNSET}
        await _appointment_changed(self.conn, actor, "mag.appointment.updated", view, {"changes": changes})
        return view

    async def end_early(
        self,
        appointment_id: UUID,
        data: AppointmentEarlyEnd,
        *,
        expected_version: int | None,
        actor: Principal,
    ) -> Appointment:
        """A resignation (or another early end): the last day moves earlier and so does the role grant."""
        require_secretariat(actor)
        current = await self._locked(appointment_id, expected_version)
        requested = AppointmentStatus(data.status.value)
        allowed = APPOINTMENT_TRANSITIONS[current.status]
        if requested not in allowed:
            raise IllegalTransition(current=current.status, requested=requested, allowed=allowed)
        if not current.starts_on <= data.ends_on <= current.ends_on:
            raise InvalidAppointment(
                errors=[
                    FieldError(
                        "/ends_on",
                        f"an early end falls within the appointment ({current.starts_on} to {current.ends_on})",
                    )
                ]
            )
        await self.repo.end_appointment(
            appointment_id, requested, data.ends_on, data.reason, self.clock.now()
        )
        record = await self._record_of(appointment_id)
        await mirror.sync_grant(
            self.repo, self.clock, self.settings, record, actor=actor, previous_holder=current.user_id
        )
        view = appointment_view(record, private=True)
        action = f"mag.appointment.{requested.value}"
        await _appointment_changed(
            self.conn, actor, action, view, {"ends_on": data.ends_on, "reason": data.reason}
        )
        return view

    async def end_completed(self, *, actor: Principal = SYSTEM) -> int:
        return await end_completed(self.repo, self.clock, actor=actor)

    async def _mark_nomination_appointed(self, nomination_id: UUID, year: int, actor: Principal) -> None:
        await self.nominations.set_status(nomination_id, NominationStatus.appointed, None, self.clock.now())
        change = {"cycle_year": year, "from": NominationStatus.shortlisted, "to": NominationStatus.appointed}
        await changelog.record(
            self.conn,
            "mag.nomination.status_changed",
            actor=actor.subject,
            subject_type="mag_nomination",
            subject_id=nomination_id,
            data=change,
            event_data=change | {"id": nomination_id},
            public=False,  # nominations are the Secretariat's; the appointment's own event is public
        )

    # -- checks --------------------------------------------------------------------------------------

    @staticmethod
    def _date_errors(cycle: CycleRecord, starts_on: date, ends_on: date) -> list[FieldError]:
        errors = []
        if starts_on < cycle.starts_on:
            errors.append(
                FieldError("/starts_on", f"before the {cycle.year} cycle starts ({cycle.starts_on})")
            )
        if ends_on > cycle.ends_on:
            errors.append(FieldError("/ends_on", f"after the {cycle.year} cycle ends ({cycle.ends_on})"))
        if ends_on < starts_on:
            errors.append(FieldError("/ends_on", "must not precede starts_on"))
        return errors

    async def _nomination_errors(self, cycle: CycleRecord, data: AppointmentCreate) -> list[FieldError]:
        if data.nomination_id is None:
            return []
        nomination = await self.nominations.get(data.nomination_id)
        if nomination is None or nomination.cycle_id != cycle.id:
            return [
                FieldError("/nomination_id", f"no nomination {data.nomination_id} in the {cycle.year} cycle")
            ]
        errors = []
        if nomination.status is not NominationStatus.shortlisted:
            errors.append(
                FieldError(
                    "/nomination_id", f"the nomination is {nomination.status.value}; shortlist it first"
                )
            )
        if nomination.person_id is not None and nomination.person_id != data.person_id:
            errors.append(FieldError("/person_id", "differs from the person the nomination names"))
        return errors
