"""MAG nominations: submitted by anyone signed in while a cycle's call is open, read and shortlisted by the
Secretariat only; the public sees aggregate counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal
from igf_hub.core import changelog
from igf_hub.core.clock import Clock
from igf_hub.core.concurrency import check_version
from igf_hub.core.errors import FieldError, IllegalTransition
from igf_hub.core.pagination import Keyset
from igf_hub.core.settings import Settings
from igf_hub.core.vocab import RegionalGroup, StakeholderGroup
from igf_hub.mag.common import placement, require_secretariat
from igf_hub.mag.enums import CycleStatus, NominationStatus
from igf_hub.mag.errors import CycleNotFound, CycleNotOpen, InvalidNomination, NominationNotFound
from igf_hub.mag.nomination_repository import NominationRecord, NominationRepository
from igf_hub.mag.repository import CycleRecord, MagRepository
from igf_hub.mag.rules import decode_overrides, effective
from igf_hub.mag.schemas import (
    Endorsement,
    NominatedBy,
    Nomination,
    NominationCreate,
    NominationPage,
    NominationSummary,
)

# "appointed" is reached only by appointing the nominee (POST /v1/mag/cycles/{year}/appointments).
NOMINATION_TRANSITIONS: dict[NominationStatus, frozenset[NominationStatus]] = {
    NominationStatus.submitted: frozenset(
        {NominationStatus.shortlisted, NominationStatus.not_selected, NominationStatus.withdrawn}
    ),
    NominationStatus.shortlisted: frozenset(
        {NominationStatus.submitted, NominationStatus.not_selected, NominationStatus.withdrawn}
    ),
    NominationStatus.not_selected: frozenset({NominationStatus.shortlisted}),
    NominationStatus.withdrawn: frozenset(),
    NominationStatus.appointed: frozenset(),
}


def _view(r: NominationRecord, rarely_max: int) -> Nomination:
    return Nomination(
        id=r.id,
        cycle_year=r.cycle_year,
        person_id=r.person_id,
        nominee_name=r.nominee_name,
        nominee_email=r.nominee_email,
        stakeholder_group=r.stakeholder_group,
        regional_group=r.regional_group,
        country=r.country,
        gender=r.gender,
        nominated_by=NominatedBy(kind=r.nominated_by, organisation=r.nominating_organisation),
        statement=r.statement,
        endorsements=[msgspec.convert(e, Endorsement) for e in r.endorsements],
        status=r.status,
        status_note=r.status_note,
        allowed_transitions=sorted(NOMINATION_TRANSITIONS[r.status]),
        country_prior_cycles=r.country_prior_cycles,
        country_served_before=r.country_prior_cycles > 0,
        country_rarely_represented=r.country_prior_cycles <= rarely_max,
        submitted_by=r.submitted_by,
        created_at=r.created_at,
        updated_at=r.updated_at,
        version=r.version,
    )


class NominationService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.settings = settings
        self.conn, self.clock = conn, clock
        self.repo = NominationRepository(conn)
        self.mag = MagRepository(conn)

    async def _cycle(self, year: int, *, lock: bool = False) -> CycleRecord:
        cycle = await self.mag.get_cycle(year, lock=lock)
        if cycle is None:
            raise CycleNotFound(f"no MAG cycle for {year}")
        return cycle

    async def _view(self, record: NominationRecord, cycle: CycleRecord | None = None) -> Nomination:
        cycle = cycle or await self._cycle(record.cycle_year)
        return _view(record, effective(decode_overrides(cycle.rule_overrides)).rarely_represented_max_cycles)

    async def submit(self, year: int, data: NominationCreate, *, actor: Principal) -> Nomination:
        """Anyone signed in may nominate (themselves or on behalf of an organisation) during the call."""
        cycle = await self._cycle(year, lock=True)
        if cycle.status is not CycleStatus.call_open:
            raise CycleNotOpen(
                f"the {year} cycle is {cycle.status.value}: nominations are accepted only while its call is open",
                extra={"current_state": cycle.status.value},
            )
        regional_group, errors = placement(
            country=data.country,
            regional_group=data.regional_group,
            stakeholder_group=data.stakeholder_group,
            role=None,
        )
        if data.person_id is not None and await self.mag.get_person(data.person_id) is None:
            errors.append(FieldError("/person_id", f"no person {data.person_id}"))
        if errors or regional_group is None:
            raise InvalidNomination(errors=errors)
        nomination_id = await self.repo.insert(
            {
                "cycle_id": cycle.id,
                "person_id": data.person_id,
                "nominee_name": data.nominee_name,
                "nominee_email": data.nominee_email,
                "stakeholder_group": data.stakeholder_group.value,
                "country": data.country,
                "regional_group": regional_group.value,
                "gender": data.gender.value if data.gender else None,
                "nominated_by": data.nominated_by.kind.value,
                "nominating_organisation": data.nominated_by.organisation,
                "statement": data.statement,
                "endorsements": msgspec.to_builtins(data.endorsements),
                "submitted_by": actor.subject,
                "created_at": self.clock.now(),
            }
        )
        record = await self._get(nomination_id)
        # The event says only that a nomination exists: its content is private to the Secretariat.
        await self._nomination_changed(actor, "mag.nomination.submitted", record, {"cycle_year": year})
        return await self._view(record, cycle)

    async def _get(self, nomination_id: UUID) -> NominationRecord:
        record = await self.repo.get(nomination_id)
        if record is None:
            raise NominationNotFound(f"no nomination {nomination_id}")
        return record

    async def get(self, nomination_id: UUID, *, actor: Principal) -> Nomination:
        require_secretariat(actor)
        return await self._view(await self._get(nomination_id))

    async def list_page(
        self,
        year: int,
        *,
        actor: Principal,
        status: NominationStatus | None,
        stakeholder_group: StakeholderGroup | None,
        regional_group: RegionalGroup | None,
        cursor: str | None,
        limit: int,
    ) -> NominationPage:
        require_secretariat(actor)
        cycle = await self._cycle(year)
        keyset = Keyset(cursor, tuple[datetime, UUID], limit)
        rows = await self.repo.page(
            year,
            status=status,
            stakeholder_group=stakeholder_group,
            regional_group=regional_group,
            after=keyset.after,
            limit=keyset.fetch,
        )
        items, next_cursor = keyset.cut(rows, lambda row: (row.created_at, row.id))
        return NominationPage(
            items=[await self._view(r, cycle) for r in items],
            next_cursor=next_cursor,
        )

    async def transition(
        self,
        nomination_id: UUID,
        to: NominationStatus,
        note: str | None,
        *,
        expected_version: int | None,
        actor: Principal,
    ) -> Nomination:
        require_secretariat(actor)
        if not await self.repo.lock(nomination_id):
            raise NominationNotFound(f"no nomination {nomination_id}")
        current = await self._get(nomination_id)
        check_version(current.version, expected_version)
        allowed = NOMINATION_TRANSITIONS[current.status]
        if to not in allowed:
            raise IllegalTransition(current=current.status, requested=to, allowed=allowed)
        cycle = await self._cycle(current.cycle_year)
        if cycle.status is CycleStatus.closed:
            raise CycleNotOpen(f"the {cycle.year} cycle is closed")
        await self.repo.set_status(nomination_id, to, note, self.clock.now())
        record = await self._get(nomination_id)
        await self._nomination_changed(
            actor,
            "mag.nomination.status_changed",
            record,
            {"cycle_year": cycle.year, "from": current.status, "to": to},
            audit_extra={"note": note},
        )
        return await self._view(record, cycle)

    async def summary(self, year: int) -> NominationSummary:
        await self._cycle(year)
        dimensions = ("status", "stakeholder_group", "regional_group", "gender", "nominated_by")
        counts: dict[str, dict[str, int]] = {d: {} for d in dimensions}
        for row in await self.repo.summary(year):
            dimension = next(d for d in dimensions if row[d] is not None)
            counts[dimension][row[dimension]] = row["n"]
        return NominationSummary(
            cycle_year=year,
            total=sum(counts["status"].values()),
            by_status={s.value: counts["status"].get(s.value, 0) for s in NominationStatus},
            by_stakeholder_group={
                g.value: counts["stakeholder_group"].get(g.value, 0) for g in StakeholderGroup
            },
            by_regional_group={r.value: counts["regional_group"].get(r.value, 0) for r in RegionalGroup},
            by_gender=dict(sorted(counts["gender"].items())),
            by_nominator=dict(sorted(counts["nominated_by"].items())),
        )

    async def _nomination_changed(
        self,
        actor: Principal,
        action: str,
        record: NominationRecord,
        data: dict[str, Any],
        audit_extra: dict[str, Any] | None = None,
    ) -> None:
        await changelog.record(
            self.conn,
            action,
            actor=actor.subject,
            subject_type="mag_nomination",
            subject_id=record.id,
            data=data | (audit_extra or {}),
            event_data=data | {"id": record.id},
            # Nominations are read by the Secretariat only: never in the consumer feed (appointments are).
            public=False,
        )
