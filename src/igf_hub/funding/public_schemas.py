"""Public (no sign-in) transparency bodies. Nothing here can carry a legal name, private notes or documents:
donors appear only by their public name (anonymous ones as "Anonymous (<stakeholder group>)")."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import msgspec

from igf_hub.core.pagination import Page
from igf_hub.funding.schemas import (
    Amount,
    Channel,
    Earmark,
    EventKind,
    GrantProgramme,
    GrantStatus,
    LedgerKind,
    Rate,
    Totals,
    Usd,
)


class AggregateBy(enum.StrEnum):
    year = "year"
    donor = "donor"
    stakeholder_group = "stakeholder_group"
    country = "country"
    earmark = "earmark"
    channel = "channel"
    intermediary = (
        "intermediary"  # pass-through money by intermediary: information only, never added to totals
    )
    currency = "currency"  # the currency money was given in (anonymous donors' is not disclosed)


class LedgerFilter(msgspec.Struct, kw_only=True, frozen=True):
    """The filters shared by the public ledger, the aggregates and every export."""

    year: int | None = None
    donor_id: UUID | None = None
    contribution_id: UUID | None = None
    stakeholder_group: str | None = None
    country: str | None = None
    channel: Channel | None = None
    earmark: Earmark | None = None
    kind: EventKind | None = None
    counts_as: LedgerKind | None = None
    nri_id: UUID | None = None
    track_id: UUID | None = None
    via_donor_id: UUID | None = None


class Concentration(msgspec.Struct, kw_only=True):
    """How dependent the IGF is on a few donors, on received plus in-kind per donor."""

    donors: int
    top1_share: Decimal | None = msgspec.field(default=None)
    top3_share: Decimal | None = None
    top5_share: Decimal | None = None
    hhi: Decimal | None = None
    effective_donors: Decimal | None = None


class Summary(msgspec.Struct, kw_only=True):
    as_of: datetime
    year: int | None
    pledged_usd: Usd
    committed_usd: Usd
    received_usd: Usd
    in_kind_usd: Usd
    donors: int
    outstanding_pledges_usd: Usd
    nri_grants_paid_usd: Usd  # money going out: NRI grants paid, in the year of payment
    balance_usd: Usd  # received minus NRI grants paid (in kind is not money that can be paid out)
    concentration: Concentration
    methodology: str


class CurrencyTotals(msgspec.Struct, kw_only=True):
    """Amounts in the currency they were given in, with its minor units."""

    currency: str
    pledged: Amount
    committed: Amount
    received: Amount
    in_kind: Amount


class AggregateRow(msgspec.Struct, kw_only=True, omit_defaults=True):
    key: (
        str | None
    )  # the year, donor id, group, country code, earmark, channel or currency; None: not disclosed
    label: str
    pledged_usd: Usd
    committed_usd: Usd
    received_usd: Usd
    in_kind_usd: Usd
    in_currency: CurrencyTotals | None = None  # by=currency only


class Aggregates(msgspec.Struct, kw_only=True):
    as_of: datetime
    by: AggregateBy
    filters: LedgerFilter
    rows: list[AggregateRow]
    total: Totals
    methodology: str


class DonorGiving(msgspec.Struct, kw_only=True):
    """What one donor gave (anonymous donors: one row per stakeholder group, in USD only)."""

    donor_id: UUID | None
    donor_name: str
    stakeholder_group: str
    received_usd: Usd
    in_kind_usd: Usd
    pledged_usd: Usd
    outstanding_usd: Usd
    in_currency: list[CurrencyTotals]  # what it gave in each currency it gave in (empty for anonymous donors)


class DonorReport(msgspec.Struct, kw_only=True):
    as_of: datetime
    year: int | None
    rows: list[DonorGiving]
    methodology: str


class PledgeRow(msgspec.Struct, kw_only=True):
    donor_id: UUID | None  # None: anonymous donors, one row per stakeholder group
    donor_name: str
    stakeholder_group: str
    pledged_usd: Usd
    fulfilled_usd: Usd  # received plus in-kind
    fulfilment_pct: Decimal | None
    outstanding_usd: Usd
    overdue_usd: Usd
    overdue: bool
    next_due_on: date | None


class PledgeReport(msgspec.Struct, kw_only=True):
    as_of: datetime
    year: int | None
    rows: list[PledgeRow]
    methodology: str


class PublicEvent(msgspec.Struct, kw_only=True):
    """One row of the public ledger (and of the CSV and JSON exports, with the same fields)."""

    seq: int
    id: UUID
    kind: EventKind
    counts_as: LedgerKind
    ledger_year: int
    value_date: date
    amount: Amount | None  # None: an anonymous donor's (only its USD value is public)
    currency: str | None
    usd_amount: Usd
    rate: Rate | None
    rate_source: str | None
    rate_date: date | None
    contribution_id: UUID
    donor_id: UUID | None  # None: an anonymous donor
    donor_name: str
    stakeholder_group: str
    country: str | None
    via_donor_id: UUID | None
    via_donor_name: str | None
    channel: Channel
    earmark: Earmark
    earmark_detail: str | None
    nri_id: UUID | None
    track_id: UUID | None
    in_kind: bool
    due_on: date | None
    reverses_id: UUID | None
    reason: str | None
    description: str | None
    recorded_at: datetime


class PublicLedgerPage(Page[PublicEvent], kw_only=True):
    as_of: datetime
    methodology: str


class Correction(msgspec.Struct, kw_only=True):
    reversal: PublicEvent
    original: PublicEvent


class CorrectionPage(Page[Correction], kw_only=True):
    as_of: datetime


class PublicGrant(msgspec.Struct, kw_only=True):
    id: UUID
    programme: GrantProgramme
    programme_detail: str | None
    year: int
    amount_approved: Usd | None
    status: GrantStatus
    paid_on: date | None


class NriContribution(msgspec.Struct, kw_only=True):
    contribution_id: UUID
    donor_id: UUID | None  # None: an anonymous donor
    donor_name: str
    channel: Channel
    earmark: Earmark
    years: list[int]
    pledged_usd: Usd
    received_usd: Usd
    in_kind_usd: Usd


class NriFunding(msgspec.Struct, kw_only=True):
    """Everything that funds one NRI, from every programme and channel, in one place."""

    as_of: datetime
    nri_id: UUID
    nri_name: str | None
    grants: list[PublicGrant]
    granted_usd_by_programme: dict[str, Usd]
    years_funded_by_several_programmes: list[int]
    contributions: list[NriContribution]
    methodology: str
