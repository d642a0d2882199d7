"""The balance of a cycle, real (its seated appointments) and what-if (a proposed slate), through one computation."""

from __future__ import annotations

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal
from igf_hub.core.clock import Clock
from igf_hub.core.errors import FieldError
from igf_hub.core.settings import Settings
from igf_hub.mag.balance import Balance, History, Seat, compute, term_number
from igf_hub.mag.common import beyond_term_limit, placement, require_secretariat, rules_of, term_errors
from igf_hub.mag.errors import CycleNotFound, InvalidAppointment
from igf_hub.mag.repository import AppointmentRecord, CycleRecord, MagRepository
from igf_hub.mag.schemas import SlateEntry, SlatePreview


def _seat(r: AppointmentRecord) -> Seat:
    return Seat(
        person_id=r.person_id,
        role=r.role,
        stakeholder_group=r.stakeholder_group,
        regional_group=r.regional_group,
        country=r.country,
        gender=r.gender,
        term_number=r.term_number,
        has_term_limit_exception=r.term_limit_exception_reason is not None,
    )


class WhatIf(msgspec.Struct, kw_only=True):
    """One appointment's effect: the cycle's balance now and with it, and the term it would be."""

    now: Balance
    after: Balance
    term_number: int  # the consecutive term the appointment would be (1 for someone without a record yet)
    beyond_term_limit: bool  # appointing needs a recorded exception (term_errors refuses it without one)


class BalanceService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.settings = settings
        self.conn, self.clock, self.repo = conn, clock, MagRepository(conn)

    async def _cycle(self, year: int) -> CycleRecord:
        cycle = await self.repo.get_cycle(year)
        if cycle is None:
            raise CycleNotFound(f"no MAG cycle for {year}")
        return cycle

    async def balance(self, year: int) -> Balance:
        """The cycle's seated appointments (everyone not resigned or ended early) against its rules."""
        cycle = await self._cycle(year)
        return await self._compute(cycle, "appointed", [_seat(r) for r in await self.repo.seated(year)])

    async def preview(self, year: int, data: SlatePreview, *, actor: Principal) -> Balance:
        """The same computation on a proposed slate, validated like appointments; nothing is written."""
        require_secretariat(actor)
        cycle = await self._cycle(year)
        rules = rules_of(cycle)
        current = await self.repo.seated(year) if data.include_current else []
        current_ids = {r.id for r in current}
        errors = [
            FieldError(f"/remove/{i}", f"{a} is not a seated appointment of the {year} cycle")
            for i, a in enumerate(data.remove)
            if a not in current_ids
        ]
        kept = [r for r in current if r.id not in set(data.remove)]
        proposed_people = [e.person_id for e in data.add if e.person_id is not None]
        served = await self.repo.served_years(proposed_people)
        known = {p for p in proposed_people if await self.repo.get_person(p) is not None}
        seated_people = {r.person_id for r in kept}
        seats = [_seat(r) for r in kept]
        for i, entry in enumerate(data.add):
            pointer = f"/add/{i}"
            region, problems = placement(
                country=entry.country,
                regional_group=entry.regional_group,
                stakeholder_group=entry.stakeholder_group,
                role=entry.role,
                pointer=pointer,
            )
            errors += problems
            number = 1
            if entry.person_id is not None:
                if entry.person_id not in known:
                    errors.append(FieldError(f"{pointer}/person_id", f"no person {entry.person_id}"))
                elif entry.person_id in seated_people:
                    errors.append(FieldError(f"{pointer}/person_id", "already holds a seat in this slate"))
                seated_people.add(entry.person_id)
                number = term_number([*served.get(entry.person_id, []), year], year)
            if entry.term_limit_exception_reason is not None:  # without one, the term_limit rule warns
                errors += term_errors(
                    rules=rules,
                    role=entry.role,
                    number=number,
                    reason=entry.term_limit_exception_reason,
                    who="this person",
                    pointer=f"{pointer}/term_limit_exception_reason",
                )
            if region is not None:
                seats.append(
                    Seat(
                        person_id=entry.person_id,
                        role=entry.role,
                        stakeholder_group=entry.stakeholder_group,
                        regional_group=region,
                        country=entry.country,
                        gender=entry.gender,
                        term_number=number,
                        has_term_limit_exception=entry.term_limit_exception_reason is not None,
                    )
                )
        if errors:
            raise InvalidAppointment("the proposed slate has errors", errors=errors)
        return await self._compute(cycle, "preview", seats)

    async def what_if(self, year: int, entry: SlateEntry, *, actor: Principal) -> WhatIf:
        """The balance before and after adding ``entry`` to the seated appointments, through ``preview`` (so the
        same validation and computation as ``POST .../balance:preview``); nothing is written."""
        after = await self.preview(year, SlatePreview(add=[entry]), actor=actor)
        now = await self.balance(year)
        number = 1
        if entry.person_id is not None:
            served = (await self.repo.served_years([entry.person_id])).get(entry.person_id, [])
            number = term_number([*served, year], year)
        return WhatIf(
            now=now,
            after=after,
            term_number=number,
            beyond_term_limit=beyond_term_limit(after.config, entry.role, number),
        )

    async def _compute(self, cycle: CycleRecord, basis: str, seats: list[Seat]) -> Balance:
        previous = cycle.year - 1
        has_previous = await self.repo.cycle_exists(previous)
        history = History(
            previous_year=previous if has_previous else None,
            previous_members=(
                await self.repo.counted_members_of_year(previous) if has_previous else frozenset()
            ),
            served_before=await self.repo.served_before(
                cycle.year, [s.person_id for s in seats if s.person_id is not None]
            ),
        )
        return compute(
            year=cycle.year,
            basis=basis,
            seats=seats,
            history=history,
            target_size=cycle.target_size,
            rules=rules_of(cycle),
        )
