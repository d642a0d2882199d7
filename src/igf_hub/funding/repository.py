"""SQL for the ledger's write side and private reads: donors, contributions, events and exchange rates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.funding.labels import public_donor_name
from igf_hub.funding.schemas import (
    Channel,
    Contribution,
    Document,
    Donor,
    Earmark,
    ExchangeRate,
    LedgerEvent,
    Totals,
)

T = TypeVar("T")

DONOR_COLUMNS = """id, legal_name, display_name, is_anonymous, stakeholder_group, country, iati_org_type,
iati_org_ref, private_notes, version, created_at, updated_at"""

INSERT_DONOR = f"""
INSERT INTO donors (legal_name, display_name, is_anonymous, stakeholder_group, country, iati_org_type,
                    iati_org_ref, private_notes, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
RETURNING {DONOR_COLUMNS}"""
SELECT_DONOR = f"SELECT {DONOR_COLUMNS} FROM donors WHERE id = $1"
SELECT_DONOR_BY_LEGAL_NAME = f"SELECT {DONOR_COLUMNS} FROM donors WHERE lower(legal_name) = lower($1)"
SELECT_DONOR_FOR_UPDATE = f"SELECT {DONOR_COLUMNS} FROM donors WHERE id = $1 FOR UPDATE"
UPDATE_DONOR = f"""
UPDATE donors SET legal_name = $2, display_name = $3, is_anonymous = $4, stakeholder_group = $5, country = $6,
                  iati_org_type = $7, iati_org_ref = $8, private_notes = $9, updated_at = $10,
                  version = version + 1
WHERE id = $1
RETURNING {DONOR_COLUMNS}"""
LIST_DONORS = f"""
SELECT {DONOR_COLUMNS} FROM donors
WHERE ($1::uuid[] IS NULL OR id = ANY($1))
  AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3::uuid))
ORDER BY created_at, id
LIMIT $4"""

CONTRIBUTION_SELECT = """
SELECT c.id, c.donor_id, c.via_donor_id, c.title, c.channel, c.earmark, c.earmark_detail, c.nri_id, c.track_id,
       c.in_kind, c.in_kind_description, c.valuation_method, c.years, c.agreement_reference, c.private_notes,
       c.documents, c.version, c.created_by, c.created_at, c.updated_at, c.fiscal_year_start_month,
       d.is_anonymous, d.stakeholder_group, d.display_name, d.legal_name,
       coalesce(t.pledged, 0.00) AS pledged_usd, coalesce(t.committed, 0.00) AS committed_usd,
       coalesce(t.received, 0.00) AS received_usd, coalesce(t.in_kind, 0.00) AS in_kind_usd
FROM funding_contributions c
JOIN donors d ON d.id = c.donor_id
LEFT JOIN LATERAL (
    SELECT sum(usd_amount) FILTER (WHERE counts_as = 'pledge') AS pledged,
           sum(usd_amount) FILTER (WHERE counts_as = 'commitment') AS committed,
           sum(usd_amount) FILTER (WHERE counts_as = 'receipt') AS received,
           sum(usd_amount) FILTER (WHERE counts_as = 'in_kind_valuation') AS in_kind
    FROM funding_events e WHERE e.contribution_id = c.id
) t ON true"""
SELECT_CONTRIBUTION = f"{CONTRIBUTION_SELECT} WHERE c.id = $1"
LOCK_CONTRIBUTION = "SELECT version FROM funding_contributions WHERE id = $1 FOR UPDATE"
LIST_CONTRIBUTIONS = f"""{CONTRIBUTION_SELECT}
WHERE ($1::uuid[] IS NULL OR c.donor_id = ANY($1))
  AND ($2::text IS NULL OR c.channel = $2)
  AND ($3::text IS NULL OR c.earmark = $3)
  AND ($4::int IS NULL OR $4 = ANY(c.years))
  AND ($5::timestamptz IS NULL OR (c.created_at, c.id) > ($5, $6::uuid))
ORDER BY c.created_at, c.id
LIMIT $7"""
INSERT_CONTRIBUTION = """
INSERT INTO funding_contributions (donor_id, via_donor_id, title, channel, earmark, earmark_detail, nri_id,
    track_id, in_kind, in_kind_description, valuation_method, years, agreement_reference, private_notes,
    documents, created_by, created_at, updated_at, fiscal_year_start_month)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18)
RETURNING id"""
UPDATE_CONTRIBUTION = """
UPDATE funding_contributions SET donor_id = $2, via_donor_id = $3, title = $4, channel = $5, earmark = $6,
    earmark_detail = $7, nri_id = $8, track_id = $9, in_kind = $10, in_kind_description = $11,
    valuation_method = $12, years = $13, agreement_reference = $14, private_notes = $15, documents = $16,
    updated_at = $17, fiscal_year_start_month = $18, version = version + 1
WHERE id = $1"""
COUNT_EVENTS = "SELECT count(*) FROM funding_events WHERE contribution_id = $1"

EVENT_COLUMNS = """id, seq, contribution_id, kind, counts_as, ledger_year, amount, currency, value_date, due_on,
usd_amount, rate, rate_source, rate_date, reverses_id, reason, description, recorded_at, recorded_by"""
INSERT_EVENT = f"""
INSERT INTO funding_events (contribution_id, kind, counts_as, ledger_year, amount, currency, value_date, due_on,
    usd_amount, rate, rate_source, rate_date, reverses_id, reason, description, recorded_at, recorded_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
RETURNING {EVENT_COLUMNS}"""
SELECT_EVENT = f"SELECT {EVENT_COLUMNS} FROM funding_events WHERE id = $1"
SUM_REVERSED = (
    "SELECT coalesce(sum(amount), 0), coalesce(sum(usd_amount), 0) FROM funding_events WHERE reverses_id = $1"
)
LIST_EVENTS = f"""
SELECT {EVENT_COLUMNS} FROM funding_events
WHERE contribution_id = $1 AND seq > $2
ORDER BY seq
LIMIT $3"""

RATE_COLUMNS = "currency, effective_on, usd_per_unit, source, recorded_at"
UPSERT_RATE = f"""
INSERT INTO funding_exchange_rates (currency, effective_on, usd_per_unit, source, recorded_at, recorded_by)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (currency, effective_on) DO UPDATE
    SET usd_per_unit = EXCLUDED.usd_per_unit, source = EXCLUDED.source, recorded_at = EXCLUDED.recorded_at,
        recorded_by = EXCLUDED.recorded_by
RETURNING {RATE_COLUMNS}"""
INSERT_RATE = f"""
INSERT INTO funding_exchange_rates (currency, effective_on, usd_per_unit, source, recorded_at, recorded_by)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING {RATE_COLUMNS}"""
SELECT_RATES_FOR_UPDATE = f"""
SELECT {RATE_COLUMNS} FROM funding_exchange_rates
WHERE (currency, effective_on) IN (SELECT * FROM unnest($1::text[], $2::date[]))
ORDER BY currency, effective_on
FOR UPDATE"""
# How many recorded events froze a given rate (an event keeps the rate's currency and effective date).
COUNT_EVENTS_USING_RATE = "SELECT count(*) FROM funding_events WHERE currency = $1 AND rate_date = $2"
# The rate in force on a date: the latest one effective on or before it, and not older than the maximum age.
SELECT_RATE_IN_FORCE = f"""
SELECT {RATE_COLUMNS} FROM funding_exchange_rates
WHERE currency = $1 AND effective_on <= $2 AND effective_on > $2 - $3::int
ORDER BY effective_on DESC
LIMIT 1"""
LIST_RATES = f"""
SELECT {RATE_COLUMNS} FROM funding_exchange_rates
WHERE ($1::text IS NULL OR currency = $1)
  AND ($2::text IS NULL OR (currency, effective_on) > ($2, $3::date))
ORDER BY currency, effective_on
LIMIT $4"""


def _donor(row: asyncpg.Record) -> Donor:
    # msgspec.convert (not Donor(**row)) so that enum columns become enum members.
    return _convert(
        Donor,
        row,
        public_name=public_donor_name(
            is_anonymous=row["is_anonymous"],
            display_name=row["display_name"],
            legal_name=row["legal_name"],
            stakeholder_group=row["stakeholder_group"],
        ),
    )


def _convert(cls: type[T], row: asyncpg.Record, **extra: Any) -> T:
    return msgspec.convert({**dict(row), **extra}, cls)


def _contribution(row: asyncpg.Record) -> Contribution:
    totals = Totals(
        pledged_usd=row["pledged_usd"],
        committed_usd=row["committed_usd"],
        received_usd=row["received_usd"],
        in_kind_usd=row["in_kind_usd"],
    )
    outstanding = max(totals.pledged_usd - totals.received_usd - totals.in_kind_usd, Decimal("0.00"))
    return Contribution(
        id=row["id"],
        donor_id=row["donor_id"],
        donor_public_name=public_donor_name(
            is_anonymous=row["is_anonymous"],
            display_name=row["display_name"],
            legal_name=row["legal_name"],
            stakeholder_group=row["stakeholder_group"],
        ),
        via_donor_id=row["via_donor_id"],
        title=row["title"],
        channel=Channel(row["channel"]),
        earmark=Earmark(row["earmark"]),
        earmark_detail=row["earmark_detail"],
        nri_id=row["nri_id"],
        track_id=row["track_id"],
        in_kind=row["in_kind"],
        in_kind_description=row["in_kind_description"],
        valuation_method=row["valuation_method"],
        years=list(row["years"]),
        agreement_reference=row["agreement_reference"],
        private_notes=row["private_notes"],
        documents=msgspec.convert(row["documents"], list[Document]),
        totals=totals,
        outstanding_pledge_usd=outstanding,
        version=row["version"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        fiscal_year_start_month=row["fiscal_year_start_month"],
    )


class FundingRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    # -- donors --------------------------------------------------------------------------------------

    async def insert_donor(self, values: dict[str, Any], *, now: datetime) -> Donor:
        row = await self.conn.fetchrow(
            INSERT_DONOR,
            values["legal_name"],
            values["display_name"],
            values["is_anonymous"],
            values["stakeholder_group"],
            values["country"],
            values["iati_org_type"],
            values["iati_org_ref"],
            values["private_notes"],
            now,
        )
        return _donor(row)

    async def get_donor(self, donor_id: UUID, *, for_update: bool = False) -> Donor | None:
        row = await self.conn.fetchrow(SELECT_DONOR_FOR_UPDATE if for_update else SELECT_DONOR, donor_id)
        return _donor(row) if row else None

    async def donor_by_legal_name(self, legal_name: str) -> Donor | None:
        row = await self.conn.fetchrow(SELECT_DONOR_BY_LEGAL_NAME, legal_name)
        return _donor(row) if row else None

    async def update_donor(self, donor_id: UUID, values: dict[str, Any], *, now: datetime) -> Donor:
        row = await self.conn.fetchrow(
            UPDATE_DONOR,
            donor_id,
            values["legal_name"],
            values["display_name"],
            values["is_anonymous"],
            values["stakeholder_group"],
            values["country"],
            values["iati_org_type"],
            values["iati_org_ref"],
            values["private_notes"],
            now,
        )
        return _donor(row)

    async def list_donors(
        self, *, only: list[UUID] | None, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[Donor]:
        rows = await self.conn.fetch(
            LIST_DONORS, only, after[0] if after else None, after[1] if after else None, limit
        )
        return [_donor(r) for r in rows]

    # -- contributions -------------------------------------------------------------------------------

    async def insert_contribution(self, values: dict[str, Any], *, created_by: str, now: datetime) -> UUID:
        new_id: UUID = await self.conn.fetchval(
            INSERT_CONTRIBUTION,
            values["donor_id"],
            values["via_donor_id"],
            values["title"],
            values["channel"],
            values["earmark"],
            values["earmark_detail"],
            values["nri_id"],
            values["track_id"],
            values["in_kind"],
            values["in_kind_description"],
            values["valuation_method"],
            values["years"],
            values["agreement_reference"],
            values["private_notes"],
            values["documents"],
            created_by,
            now,
            values.get("fiscal_year_start_month"),
        )
        return new_id

    async def update_contribution(
        self, contribution_id: UUID, values: dict[str, Any], *, now: datetime
    ) -> None:
        await self.conn.execute(
            UPDATE_CONTRIBUTION,
            contribution_id,
            values["donor_id"],
            values["via_donor_id"],
            values["title"],
            values["channel"],
            values["earmark"],
            values["earmark_detail"],
            values["nri_id"],
            values["track_id"],
            values["in_kind"],
            values["in_kind_description"],
            values["valuation_method"],
            values["years"],
            values["agreement_reference"],
            values["private_notes"],
            values["documents"],
            now,
            values.get("fiscal_year_start_month"),
        )

    async def get_contribution(self, contribution_id: UUID) -> Contribution | None:
        row = await self.conn.fetchrow(SELECT_CONTRIBUTION, contribution_id)
        return _contribution(row) if row else None

    async def lock_contribution(self, contribution_id: UUID) -> int | None:
        """Serialise writers on one contribution (events, reversals, edits); returns its version."""
        version: int | None = await self.conn.fetchval(LOCK_CONTRIBUTION, contribution_id)
        return version

    async def list_contributions(
        self,
        *,
        donor_ids: list[UUID] | None,
        channel: str | None,
        earmark: str | None,
        year: int | None,
        after: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[Contribution]:
        rows = await self.conn.fetch(
            LIST_CONTRIBUTIONS,
            donor_ids,
            channel,
            earmark,
            year,
            after[0] if after else None,
            after[1] if after else None,
            limit,
        )
        return [_contribution(r) for r in rows]

    async def count_events(self, contribution_id: UUID) -> int:
        count: int = await self.conn.fetchval(COUNT_EVENTS, contribution_id)
        return count

    # -- events --------------------------------------------------------------------------------------

    async def insert_event(self, values: dict[str, Any]) -> LedgerEvent:
        row = await self.conn.fetchrow(
            INSERT_EVENT,
            values["contribution_id"],
            values["kind"],
            values["counts_as"],
            values["ledger_year"],
            values["amount"],
            values["currency"],
            values["value_date"],
            values["due_on"],
            values["usd_amount"],
            values["rate"],
            values["rate_source"],
            values["rate_date"],
            values["reverses_id"],
            values["reason"],
            values["description"],
            values["recorded_at"],
            values["recorded_by"],
        )
        return _convert(LedgerEvent, row)

    async def get_event(self, event_id: UUID) -> LedgerEvent | None:
        row = await self.conn.fetchrow(SELECT_EVENT, event_id)
        return _convert(LedgerEvent, row) if row else None

    async def reversed_so_far(self, event_id: UUID) -> tuple[Any, Any]:
        """(amount, usd) already reversed of an event; both zero or negative."""
        row = await self.conn.fetchrow(SUM_REVERSED, event_id)
        return row[0], row[1]

    async def list_events(self, contribution_id: UUID, *, after_seq: int, limit: int) -> list[LedgerEvent]:
        rows = await self.conn.fetch(LIST_EVENTS, contribution_id, after_seq, limit)
        return [_convert(LedgerEvent, r) for r in rows]

    # -- exchange rates ------------------------------------------------------------------------------

    async def upsert_rates(self, rows: list[tuple[Any, ...]]) -> list[ExchangeRate]:
        stored = []
        for values in rows:
            stored.append(ExchangeRate(**await self.conn.fetchrow(UPSERT_RATE, *values)))
        return stored

    async def insert_rates(self, rows: list[tuple[Any, ...]]) -> list[ExchangeRate]:
        """New rates only: a concurrent upload of the same currency and date raises UniqueViolationError."""
        return [ExchangeRate(**await self.conn.fetchrow(INSERT_RATE, *values)) for values in rows]

    async def rates_for_update(self, keys: list[tuple[str, date]]) -> dict[tuple[str, date], ExchangeRate]:
        rows = await self.conn.fetch(SELECT_RATES_FOR_UPDATE, [k[0] for k in keys], [k[1] for k in keys])
        return {(r["currency"], r["effective_on"]): ExchangeRate(**r) for r in rows}

    async def events_using_rate(self, currency: str, effective_on: date) -> int:
        count: int = await self.conn.fetchval(COUNT_EVENTS_USING_RATE, currency, effective_on)
        return count

    async def rate_in_force(self, currency: str, on: date, max_age_days: int) -> ExchangeRate | None:
        row = await self.conn.fetchrow(SELECT_RATE_IN_FORCE, currency, on, max_age_days)
        return ExchangeRate(**row) if row else None

    async def list_rates(
        self, *, currency: str | None, after: tuple[str, date] | None, limit: int
    ) -> list[ExchangeRate]:
        rows = await self.conn.fetch(
            LIST_RATES, currency, after[0] if after else None, after[1] if after else None, limit
        )
        return [ExchangeRate(**r) for r in rows]
