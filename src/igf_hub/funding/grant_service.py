"""NRI grants (money going out) and funding's view of which NRIs are recognised.

Funding does not read the NRI domain's tables: it keeps a small directory fed by the NRI domain's outbox events
(``nri.recognised``, ``nri.declined``, ``nri.inactive``, ``nri.withdrawn``, ``nri.reactivated``), updated in the
publishing transaction. Only an NRI the directory shows as recognised can be granted money.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal
from igf_hub.core import changelog
from igf_hub.core.clock import Clock
from igf_hub.core.concurrency import check_version
from igf_hub.core.errors import Conflict, FieldError, IllegalTransition
from igf_hub.core.outbox import Event
from igf_hub.core.pagination import Keyset
from igf_hub.core.settings import Settings
from igf_hub.funding.errors import (
    FundedByAnotherProgramme,
    InvalidGrant,
    NriGrantAlreadyExists,
    NriGrantNotFound,
)
from igf_hub.funding.grant_repository import GrantRepository
from igf_hub.funding.schemas import (
    GrantNriType,
    GrantStatus,
    GrantTransition,
    NriDirectoryEntry,
    NriGrant,
    NriGrantCreate,
    NriGrantPage,
    NriGrantPatch,
)

# NRI events → the status funding records, for events whose data does not state it.
NRI_STATUS_BY_EVENT: dict[str, str] = {
    "nri.submitted": "submitted",
    "nri.recognised": "recognised",
    "nri.reactivated": "recognised",
    "nri.declined": "declined",
    "nri.inactive": "inactive",
    "nri.withdrawn": "withdrawn",
}
_TYPE_ALIASES = {"subregional": "sub_regional", "sub-regional": "sub_regional"}

TRANSITIONS: dict[GrantStatus, frozenset[GrantStatus]] = {
    GrantStatus.applied: frozenset({GrantStatus.approved, GrantStatus.declined}),
    GrantStatus.approved: frozenset({GrantStatus.paid}),
    GrantStatus.paid: frozenset({GrantStatus.reported}),
    GrantStatus.declined: frozenset(),
    GrantStatus.reported: frozenset(),
}
FUNDED = frozenset({GrantStatus.approved, GrantStatus.paid, GrantStatus.reported})


def _nri_type(data: dict[str, Any]) -> str | None:
    for key in ("type", "nri_type", "kind"):
        value = data.get(key)
        if isinstance(value, str):
            value = _TYPE_ALIASES.get(value, value)
            if value in GrantNriType.__members__:
                return value
    return None


def _youth_scope(data: dict[str, Any]) -> str | None:
    """The level a youth NRI is organised at (national, sub_regional or regional), when the event says."""
    value = data.get("youth_scope")
    if isinstance(value, str):
        value = _TYPE_ALIASES.get(value, value)
        if value in ("national", "sub_regional", "regional"):
            return value
    return None


async def record_nri_event(conn: asyncpg.Connection, event: Event) -> None:
    """In the NRI domain's transaction: keep funding's directory of NRIs current. NRI events carry the NRI's
    ``status``, ``type`` and ``name``; events about other subjects (e.g. reports) carry no top-level status."""
    if not event.type.startswith("nri."):
        return
    data = event.data if isinstance(event.data, dict) else {}
    status = (
        data.get("status") if isinstance(data.get("status"), str) else NRI_STATUS_BY_EVENT.get(event.type)
    )
    if status is None:
        return
    try:
        nri_id = UUID(event.subject)
    except ValueError:
        return
    name = data.get("name") if isinstance(data.get("name"), str) else None
    await GrantRepository(conn).upsert_directory(
        nri_id,
        name=name,
        nri_type=_nri_type(data),
        youth_scope=_youth_scope(data),
        status=status,
        event_type=event.type,
        at=event.occurred_at,
    )


class GrantService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.conn = conn
        self.clock = clock
        self.settings = settings
        self.repo = GrantRepository(conn)

    def ceiling(self, nri_type: str | None, youth_scope: str | None = None) -> Decimal:
        """The grant ceiling for an NRI type; an NRI whose type funding does not know gets the lowest one. A youth
        NRI's ceiling follows the level it is organised at (a regional youth IGF gets the regional ceiling); the
        youth ceiling applies only while that level is unknown."""
        s = self.settings.funding
        if nri_type == "youth" and youth_scope is not None:
            nri_type = youth_scope
        ceilings = {
            "national": s.grant_ceiling_national,
            "sub_regional": s.grant_ceiling_sub_regional,
            "regional": s.grant_ceiling_regional,
            "youth": s.grant_ceiling_youth,
        }
        return Decimal(ceilings.get(nri_type or "", min(ceilings.values())))

    async def _grant(self, row: asyncpg.Record) -> NriGrant:
        others = await self.repo.other_programmes(
            nri_id=row["nri_id"],
            year=row["year"],
            grant_id=row["id"],
            programme=row["programme"],
            programme_detail=row["programme_detail"],
        )
        return msgspec.convert(
            {
                **dict(row),
                "ceiling_usd": self.ceiling(row["nri_type"], row["nri_youth_scope"]),
                "other_programmes": [dict(o) for o in others],
            },
            NriGrant,
        )

    async def get(self, grant_id: UUID) -> NriGrant:
        row = await self.repo.grant_row(grant_id)
        if row is None:
            raise NriGrantNotFound(f"no NRI grant {grant_id}")
        return await self._grant(row)

    async def recognised_nris(self, limit: int = 1000) -> list[NriDirectoryEntry]:
        """The NRIs a grant may go to (recognised ones, as funding's directory knows them), by name."""
        return await self.repo.recognised_directory(limit)

    async def list_grants(
        self,
        *,
        nri_id: UUID | None,
        year: int | None,
        programme: str | None,
        status: str | None,
        cursor: str | None,
        limit: int,
    ) -> NriGrantPage:
        keyset = Keyset(cursor, tuple[datetime, UUID], limit)  # the timestamp travels as an ISO string
        rows = await self.repo.list_grant_rows(
            nri_id=nri_id,
            year=year,
            programme=programme,
            status=status,
            after=keyset.after,
            limit=keyset.fetch,
        )
        page, next_cursor = keyset.cut(rows, lambda row: (row["created_at"].isoformat(), row["id"]))
        items = [await self._grant(r) for r in page]
        return NriGrantPage(items=items, next_cursor=next_cursor)

    async def _recognised_type(self, nri_id: UUID, errors: list[FieldError]) -> tuple[str | None, str | None]:
        """The NRI's type and, for a youth NRI, the level it is organised at."""
        entry = await self.repo.directory_entry(nri_id)
        if entry is None:
            errors.append(FieldError("/nri_id", f"NRI {nri_id} is not a recognised NRI"))
            return None, None
        if entry.status != "recognised":
            errors.append(FieldError("/nri_id", f"NRI {nri_id} is {entry.status}, not recognised"))
        return (entry.nri_type.value if entry.nri_type else None), entry.youth_scope

    @staticmethod
    def _money_rule(pointer: str, amount: Decimal, errors: list[FieldError]) -> None:
        if not amount.is_finite() or amount <= 0 or -int(amount.as_tuple().exponent) > 2:
            errors.append(FieldError(pointer, "a positive USD amount with at most 2 decimal places"))

    async def apply(self, data: NriGrantCreate, *, actor: Principal) -> NriGrant:
        errors: list[FieldError] = []
        if data.programme == "other" and not data.programme_detail:
            errors.append(FieldError("/programme_detail", "name the programme when it is 'other'"))
        self._money_rule("/amount_requested", data.amount_requested, errors)
        nri_type, youth_scope = await self._recognised_type(data.nri_id, errors)
        ceiling = self.ceiling(nri_type, youth_scope)
        if data.amount_requested.is_finite() and data.amount_requested > ceiling:
            kind = " ".join(filter(None, [youth_scope, nri_type])).replace("_", "-") or "NRI"
            errors.append(
                FieldError("/amount_requested", f"above the USD {ceiling} ceiling for a {kind} NRI")
            )
        if errors:
            raise InvalidGrant(errors=errors)
        try:
            async with self.conn.transaction():
                grant_id = await self.repo.insert_grant(
                    programme=data.programme.value,
                    programme_detail=data.programme_detail,
                    nri_id=data.nri_id,
                    nri_type=nri_type,
                    year=data.year,
                    amount_requested=data.amount_requested,
                    co_funding_evidence=data.co_funding_evidence,
                    created_by=actor.subject,
                    now=self.clock.now(),
                )
        except asyncpg.UniqueViolationError:
            raise NriGrantAlreadyExists(
                f"{data.programme} already has a grant for NRI {data.nri_id} in {data.year}"
            ) from None
        grant = await self.get(grant_id)
        await self._grant_changed(grant, "applied", actor)
        return grant

    async def patch(
        self, grant_id: UUID, patch: NriGrantPatch, *, expected_version: int | None, actor: Principal
    ) -> NriGrant:
        current = await self._locked(grant_id, expected_version)
        if current.status is not GrantStatus.applied:
            raise Conflict(f"only an application can be edited; this grant is {current.status}")
        values = self._values(current)
        errors: list[FieldError] = []
        if patch.amount_requested is not msgspec.UNSET:
            self._money_rule("/amount_requested", patch.amount_requested, errors)
            if patch.amount_requested.is_finite() and patch.amount_requested > current.ceiling_usd:
                errors.append(FieldError("/amount_requested", f"above the USD {current.ceiling_usd} ceiling"))
            values["amount_requested"] = patch.amount_requested
        if patch.co_funding_evidence is not msgspec.UNSET:
            values["co_funding_evidence"] = patch.co_funding_evidence
        if errors:
            raise InvalidGrant(errors=errors)
        await self.repo.update_grant(grant_id, values, now=self.clock.now())
        grant = await self.get(grant_id)
        await self._grant_changed(grant, "updated", actor)
        return grant

    async def transition(
        self, grant_id: UUID, data: GrantTransition, *, expected_version: int | None, actor: Principal
    ) -> NriGrant:
        current = await self._locked(grant_id, expected_version)
        allowed = TRANSITIONS[current.status]
        if data.to not in allowed:
            raise IllegalTransition(
                current=current.status.value, requested=data.to.value, allowed=[s.value for s in allowed]
            )
        values = self._values(current)
        values["status"] = data.to.value
        errors: list[FieldError] = []
        today = self.clock.now().date()
        if data.to is GrantStatus.approved:
            self._approval_rules(current, data, errors)
            await self._recognised_type(current.nri_id, errors)
            values["amount_approved"] = data.amount_approved
            values["decision_reason"] = data.reason
        elif data.to is GrantStatus.declined:
            if not data.reason:
                errors.append(FieldError("/reason", "a declined application gives its reason"))
            values["decision_reason"] = data.reason
        elif data.to is GrantStatus.paid:
            paid_on = data.paid_on or today
            if paid_on > today:
                errors.append(FieldError("/paid_on", f"{paid_on} is in the future"))
            values["paid_on"] = paid_on
        elif data.to is GrantStatus.reported:
            if not data.report_url:
                errors.append(FieldError("/report_url", "link the NRI's report on the use of the grant"))
            values["report_url"] = data.report_url
        if errors:
            raise InvalidGrant(errors=errors)
        if data.to is GrantStatus.approved:
            funded = [o for o in current.other_programmes if o.status in FUNDED]
            if funded:
                raise FundedByAnotherProgramme(
                    f"NRI {current.nri_id} is already funded in {current.year} by {funded[0].programme} "
                    f"(grant {funded[0].grant_id}): the programmes do not fund the same NRI twice",
                    extra={"other_programmes": msgspec.to_builtins(funded)},
                )
        await self.repo.update_grant(grant_id, values, now=self.clock.now())
        grant = await self.get(grant_id)
        await self._grant_changed(grant, data.to.value, actor)
        return grant

    @staticmethod
    def _approval_rules(current: NriGrant, data: GrantTransition, errors: list[FieldError]) -> None:
        amount = data.amount_approved
        if amount is None:
            errors.append(FieldError("/amount_approved", "an approval states the approved amount"))
            return
        GrantService._money_rule("/amount_approved", amount, errors)
        if amount.is_finite() and amount > current.amount_requested:
            errors.append(
                FieldError("/amount_approved", f"above the USD {current.amount_requested} requested")
            )
        if amount.is_finite() and amount > current.ceiling_usd:
            errors.append(FieldError("/amount_approved", f"above the USD {current.ceiling_usd} ceiling"))

    async def _locked(self, grant_id: UUID, expected_version: int | None) -> NriGrant:
        version = await self.repo.lock_grant(grant_id)
        if version is None:
            raise NriGrantNotFound(f"no NRI grant {grant_id}")
        check_version(version, expected_version)
        return await self.get(grant_id)

    @staticmethod
    def _values(grant: NriGrant) -> dict[str, Any]:
        return {
            "amount_requested": grant.amount_requested,
            "co_funding_evidence": grant.co_funding_evidence,
            "amount_approved": grant.amount_approved,
            "status": grant.status.value,
            "decision_reason": grant.decision_reason,
            "paid_on": grant.paid_on,
            "report_url": grant.report_url,
        }

    async def _grant_changed(self, grant: NriGrant, what: str, actor: Principal) -> None:
        await changelog.record(
            self.conn,
            f"funding.nri_grant.{what}",
            actor=actor.subject,
            subject_type="nri_grant",
            subject_id=grant.id,
            data=grant,
            event_data={
                "id": grant.id,
                "programme": grant.programme,
                "nri_id": grant.nri_id,
                "year": grant.year,
                "status": grant.status,
                "amount_requested": grant.amount_requested,
                "amount_approved": grant.amount_approved,
                "other_programmes": grant.other_programmes,
            },
            public=grant.status in FUNDED,  # what GET /v1/transparency/nris/{id} shows
        )
