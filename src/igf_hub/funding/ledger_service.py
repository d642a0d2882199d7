"""The ledger proper: appending events (pledge, commitment, receipt, in-kind valuation) and reversals.

Nothing here updates or deletes an event (the database refuses both): a correction is a reversal, negative,
pointing at what it reverses, with a reason. Writers on one contribution are serialised by a row lock.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal
from igf_hub.core import changelog
from igf_hub.core.clock import Clock
from igf_hub.core.errors import FieldError
from igf_hub.core.pagination import Keyset
from igf_hub.core.settings import Settings
from igf_hub.funding import currencies
from igf_hub.funding.errors import ContributionNotFound, InvalidEvent
from igf_hub.funding.rate_service import RateService
from igf_hub.funding.repository import FundingRepository
from igf_hub.funding.schemas import Contribution, EventCreate, EventKind, LedgerEvent, LedgerEventPage
from igf_hub.funding.service import FundingService

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1e15")


def usd(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_EVEN)


class LedgerService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.conn = conn
        self.clock = clock
        self.settings = settings
        self.repo = FundingRepository(conn)
        self.funding = FundingService(conn, clock, settings)
        self.rates = RateService(conn, clock, settings)

    async def record_event(
        self, contribution_id: UUID, data: EventCreate, *, actor: Principal
    ) -> LedgerEvent:
        if await self.repo.lock_contribution(contribution_id) is None:
            raise ContributionNotFound(f"no contribution {contribution_id}")
        contribution = await self.funding.contribution(contribution_id)
        if data.kind is EventKind.reversal:
            values = await self._reversal(contribution, data)
        else:
            values = await self._entry(contribution, data)
        values.update(
            contribution_id=contribution_id,
            recorded_at=self.clock.now(),
            recorded_by=actor.subject,
            reason=data.reason,
            description=data.description,
        )
        event = await self.repo.insert_event(values)
        public = msgspec.to_builtins(event)
        public.pop("recorded_by")
        donor = await self.repo.get_donor(contribution.donor_id)
        if donor is not None and donor.is_anonymous:
            # As the public ledger shows it: the USD value only (see funding/public_repository.public_event).
            for field in ("amount", "currency", "rate", "rate_source", "rate_date", "reason", "description"):
                public[field] = None
            public["donor_id"] = None
        else:
            public["donor_id"] = str(contribution.donor_id)
        await changelog.record(
            self.conn,
            "funding.event.recorded",  # the audit row's data says which kind of entry (pledge, receipt ...)
            actor=actor.subject,
            subject_type="contribution",
            subject_id=contribution_id,
            data=event,
            event_data=public,
            event_subject=event.id,
        )
        return event

    def _common_rules(self, data: EventCreate) -> list[FieldError]:
        errors = []
        today = self.clock.now().date()
        if data.value_date > today:
            errors.append(FieldError("/value_date", f"{data.value_date} is in the future (today is {today})"))
        if not 2006 <= data.value_date.year <= 2100:
            errors.append(FieldError("/value_date", "must fall between 2006 and 2100"))
        return errors

    async def _entry(self, contribution: Contribution, data: EventCreate) -> dict[str, Any]:
        errors = self._common_rules(data)
        kind = data.kind.value
        amount, currency = data.amount, data.currency
        if amount is None:
            errors.append(FieldError("/amount", "required"))
        elif not amount.is_finite() or amount <= 0 or amount >= MAX_AMOUNT:
            errors.append(FieldError("/amount", "must be a positive decimal below 10^15"))
        elif currency and -int(amount.as_tuple().exponent) > min(currencies.minor_units(currency), 4):
            errors.append(
                FieldError(
                    "/amount", f"{currency} has {currencies.minor_units(currency)} decimal places at most"
                )
            )
        if currency is None:
            errors.append(FieldError("/currency", "required"))
        elif not currencies.is_known(currency):
            errors.append(FieldError("/currency", f"{currency} is not an active ISO 4217 code"))
        for field in ("reverses", "reason"):
            if getattr(data, field) is not None:
                errors.append(FieldError(f"/{field}", "only a reversal has this"))
        if data.due_on is not None and kind != "pledge":
            errors.append(FieldError("/due_on", "only a pledge has a due date"))
        if data.due_on is not None and data.due_on < data.value_date:
            errors.append(FieldError("/due_on", "a pledge cannot fall due before it was made"))
        if kind == "receipt" and contribution.in_kind:
            errors.append(
                FieldError("/kind", "an in-kind contribution records in_kind_valuation, not receipt")
            )
        if kind == "in_kind_valuation" and not contribution.in_kind:
            errors.append(FieldError("/kind", "only an in-kind contribution has an in_kind_valuation"))
        if errors:
            raise InvalidEvent(errors=errors)
        assert amount is not None and currency is not None
        rate = await self.rates.in_force(currency, data.value_date)
        due_on = data.due_on
        if kind == "pledge" and due_on is None:
            due_on = date(max(contribution.years), 12, 31)  # a pledge for year Y falls due by the end of Y
        return {
            "kind": kind,
            "counts_as": kind,
            "ledger_year": data.value_date.year,
            "amount": amount,
            "currency": currency,
            "value_date": data.value_date,
            "due_on": due_on,
            "usd_amount": usd(amount, rate.usd_per_unit),
            "rate": rate.usd_per_unit,
            "rate_source": rate.source,
            "rate_date": rate.effective_on,
            "reverses_id": None,
        }

    async def _reversal(self, contribution: Contribution, data: EventCreate) -> dict[str, Any]:
        errors = self._common_rules(data)
        if data.reverses is None:
            errors.append(FieldError("/reverses", "a reversal names the event it reverses"))
        if not data.reason:
            errors.append(FieldError("/reason", "a reversal gives its reason"))
        if data.due_on is not None:
            errors.append(FieldError("/due_on", "only a pledge has a due date"))
        original = await self.repo.get_event(data.reverses) if data.reverses else None
        if data.reverses is not None:
            if original is None or original.contribution_id != contribution.id:
                errors.append(FieldError("/reverses", f"no event {data.reverses} in this contribution"))
            elif original.kind is EventKind.reversal:
                errors.append(
                    FieldError("/reverses", "a reversal cannot be reversed: record the event again")
                )
        if original is not None and original.kind is not EventKind.reversal:
            if data.currency is not None and data.currency != original.currency:
                errors.append(
                    FieldError("/currency", f"a reversal is in the original's currency, {original.currency}")
                )
            if data.value_date < original.value_date:
                errors.append(FieldError("/value_date", "a reversal cannot predate the event it reverses"))
            reversed_amount, reversed_usd = await self.repo.reversed_so_far(original.id)
            remaining = original.amount + reversed_amount
            amount = data.amount if data.amount is not None else remaining
            if remaining <= 0:
                errors.append(FieldError("/reverses", "this event is already fully reversed"))
            elif not amount.is_finite() or amount <= 0:
                errors.append(FieldError("/amount", "give the positive amount to reverse"))
            elif amount > remaining:
                errors.append(
                    FieldError("/amount", f"at most {remaining} {original.currency} is left to reverse")
                )
        if errors:
            raise InvalidEvent(errors=errors)
        assert original is not None
        remaining_usd = original.usd_amount + reversed_usd
        # A full reversal takes back exactly the USD still booked, so the pair nets to zero.
        usd_amount = remaining_usd if amount == remaining else min(usd(amount, original.rate), remaining_usd)
        return {
            "kind": "reversal",
            "counts_as": original.counts_as.value,
            "ledger_year": original.ledger_year,
            "amount": -amount,
            "currency": original.currency,
            "value_date": data.value_date,
            "due_on": None,
            "usd_amount": -usd_amount,
            "rate": original.rate,
            "rate_source": original.rate_source,
            "rate_date": original.rate_date,
            "reverses_id": original.id,
        }

    async def list_events(
        self, contribution_id: UUID, *, actor: Principal, cursor: str | None, limit: int
    ) -> LedgerEventPage:
        await self.funding.get_contribution(contribution_id, actor=actor)
        keyset = Keyset(cursor, tuple[int], limit)
        rows = await self.repo.list_events(contribution_id, after_seq=keyset.first(0), limit=keyset.fetch)
        items, next_cursor = keyset.cut(rows, lambda row: (row.seq,))
        return LedgerEventPage(items=items, next_cursor=next_cursor)
