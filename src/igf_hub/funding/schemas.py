"""Funding bodies for the Secretariat and funders: donors, contributions, ledger events, rates and NRI grants.

Money is ``Decimal`` everywhere and travels as a JSON **string**, so no amount ever passes through a binary
float. Requests must send strings of plain digits: the bounded types of core/schemas.py refuse JSON numbers,
NaN, Infinity, signs, exponents, zero and absurd magnitudes with a 422 naming the field.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import msgspec

from igf_hub.core.pagination import Page
from igf_hub.core.schemas import (
    CountryCode,
    CurrencyAmount,
    CurrencyCode,
    Day,
    HttpUrl,
    ShortText,
    UsdAmount,
    UsdRate,
    Year,
)
from igf_hub.core.vocab import StakeholderGroup

# What clients send: bounded, strictly read (core/schemas.py). Responses carry what the ledger holds, which can
# be negative (a reversal) or zero (a total), as decimal strings.
Amount = Annotated[
    Decimal,
    msgspec.Meta(
        description="An amount in the given currency, a decimal string, never a float (negative for a reversal)"
    ),
]
Usd = Annotated[
    Decimal, msgspec.Meta(description='US dollars as a decimal string (never a float), e.g. "1250.00"')
]
Rate = Annotated[
    Decimal, msgspec.Meta(description="USD per one unit of the currency, a decimal string (never a float)")
]
Notes = Annotated[str, msgspec.Meta(max_length=20_000)]
IatiOrgRef = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{2,99}$",
        description="IATI organisation identifier",
        examples=["XM-DAC-41127"],
    ),
]


# A donor that reports by fiscal year: the month its fiscal year starts (4 = April-March). ``years`` then name
# fiscal years by the calendar year they start in (UK FY 2019-20 is 2019); null means calendar years.
FiscalYearStart = Annotated[
    int, msgspec.Meta(ge=1, le=12, description="month the donor's fiscal year starts; null: calendar years")
]


class Channel(enum.StrEnum):
    igf_trust_fund = "igf_trust_fund"
    igfsa = "igfsa"
    host_country_agreement = "host_country_agreement"
    direct_to_nri = "direct_to_nri"
    mixed = "mixed"  # one contribution paid through several channels (e.g. part Trust Fund, part IGFSA)
    other = "other"


class Earmark(enum.StrEnum):
    core = "core"
    nri_support = "nri_support"
    intersessional = "intersessional"
    travel_grants = "travel_grants"
    host_country = "host_country"
    capacity_development = "capacity_development"
    other = "other"


class EventKind(enum.StrEnum):
    pledge = "pledge"
    commitment = "commitment"
    receipt = "receipt"
    in_kind_valuation = "in_kind_valuation"
    reversal = "reversal"


class LedgerKind(enum.StrEnum):
    """What an event counts towards: its own kind, or for a reversal the kind of the event it reverses."""

    pledge = "pledge"
    commitment = "commitment"
    receipt = "receipt"
    in_kind_valuation = "in_kind_valuation"


class IatiOrgType(enum.StrEnum):
    """IATI OrganisationType codelist (2.03)."""

    government = "10"
    local_government = "11"
    other_public_sector = "15"
    international_ngo = "21"
    national_ngo = "22"
    regional_ngo = "23"
    partner_country_based_ngo = "24"
    public_private_partnership = "30"
    multilateral = "40"
    foundation = "60"
    private_sector = "70"
    private_sector_in_provider_country = "71"
    private_sector_in_aid_recipient_country = "72"
    private_sector_in_third_country = "73"
    academic = "80"
    other = "90"


# -- donors ----------------------------------------------------------------------------------------------


class DonorCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    legal_name: Annotated[str, msgspec.Meta(min_length=2, max_length=300)]
    display_name: Annotated[str, msgspec.Meta(min_length=2, max_length=300)] | None = None
    is_anonymous: bool = False
    stakeholder_group: StakeholderGroup
    country: CountryCode | None = None
    iati_org_type: IatiOrgType | None = None
    iati_org_ref: IatiOrgRef | None = None
    private_notes: Notes = ""


class DonorPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    legal_name: Annotated[str, msgspec.Meta(min_length=2, max_length=300)] | msgspec.UnsetType = msgspec.UNSET
    display_name: Annotated[str, msgspec.Meta(min_length=2, max_length=300)] | msgspec.UnsetType | None = (
        msgspec.UNSET
    )
    is_anonymous: bool | msgspec.UnsetType = msgspec.UNSET
    stakeholder_group: StakeholderGroup | msgspec.UnsetType = msgspec.UNSET
    country: CountryCode | msgspec.UnsetType | None = msgspec.UNSET
    iati_org_type: IatiOrgType | msgspec.UnsetType | None = msgspec.UNSET
    iati_org_ref: IatiOrgRef | msgspec.UnsetType | None = msgspec.UNSET
    private_notes: Notes | msgspec.UnsetType = msgspec.UNSET


class Donor(msgspec.Struct, kw_only=True):
    """A donor as the Secretariat and the donor's own funders see it (legal name and notes included)."""

    id: UUID
    legal_name: str
    display_name: str | None
    public_name: str  # what the public sees: the display name, or "Anonymous (<group>)"
    is_anonymous: bool
    stakeholder_group: StakeholderGroup
    country: str | None
    iati_org_type: IatiOrgType | None
    iati_org_ref: str | None
    private_notes: str
    version: int
    created_at: datetime
    updated_at: datetime


class DonorPage(Page[Donor]):
    pass


class FunderBinding(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    user_id: UUID


class FunderBound(msgspec.Struct, kw_only=True):
    donor_id: UUID
    user_id: UUID
    grant_id: UUID


# -- contributions ---------------------------------------------------------------------------------------


class Document(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    title: ShortText
    url: HttpUrl


class ContributionCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    donor_id: UUID
    via_donor_id: UUID | None = None
    title: Annotated[str, msgspec.Meta(min_length=2, max_length=300)]
    channel: Channel
    earmark: Earmark
    earmark_detail: ShortText | None = None
    nri_id: UUID | None = None
    track_id: UUID | None = None
    in_kind: bool = False
    in_kind_description: ShortText | None = None
    valuation_method: ShortText | None = None
    years: Annotated[list[Year], msgspec.Meta(min_length=1, max_length=10)]
    fiscal_year_start_month: FiscalYearStart | None = None
    agreement_reference: ShortText | None = None
    private_notes: Notes = ""
    documents: Annotated[list[Document], msgspec.Meta(max_length=50)] = []


class ContributionPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    donor_id: UUID | msgspec.UnsetType = msgspec.UNSET
    via_donor_id: UUID | msgspec.UnsetType | None = msgspec.UNSET
    title: Annotated[str, msgspec.Meta(min_length=2, max_length=300)] | msgspec.UnsetType = msgspec.UNSET
    channel: Channel | msgspec.UnsetType = msgspec.UNSET
    earmark: Earmark | msgspec.UnsetType = msgspec.UNSET
    earmark_detail: ShortText | msgspec.UnsetType | None = msgspec.UNSET
    nri_id: UUID | msgspec.UnsetType | None = msgspec.UNSET
    track_id: UUID | msgspec.UnsetType | None = msgspec.UNSET
    in_kind: bool | msgspec.UnsetType = msgspec.UNSET
    in_kind_description: ShortText | msgspec.UnsetType | None = msgspec.UNSET
    valuation_method: ShortText | msgspec.UnsetType | None = msgspec.UNSET
    years: Annotated[list[Year], msgspec.Meta(min_length=1, max_length=10)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    fiscal_year_start_month: FiscalYearStart | msgspec.UnsetType | None = msgspec.UNSET
    agreement_reference: ShortText | msgspec.UnsetType | None = msgspec.UNSET
    private_notes: Notes | msgspec.UnsetType = msgspec.UNSET
    documents: Annotated[list[Document], msgspec.Meta(max_length=50)] | msgspec.UnsetType = msgspec.UNSET


class Totals(msgspec.Struct, kw_only=True):
    """Derived from the ledger events (reversals included), never stored."""

    pledged_usd: Usd
    committed_usd: Usd
    received_usd: Usd
    in_kind_usd: Usd


class Contribution(msgspec.Struct, kw_only=True):
    """A contribution in full: what the Secretariat and the donor's own funders see."""

    id: UUID
    donor_id: UUID
    donor_public_name: str
    via_donor_id: UUID | None
    title: str
    channel: Channel
    earmark: Earmark
    earmark_detail: str | None
    nri_id: UUID | None
    track_id: UUID | None
    in_kind: bool
    in_kind_description: str | None
    valuation_method: str | None
    years: list[int]
    agreement_reference: str | None
    private_notes: str
    documents: list[Document]
    fiscal_year_start_month: int | None = None
    totals: Totals
    outstanding_pledge_usd: Usd
    version: int
    created_by: str
    created_at: datetime
    updated_at: datetime


class ContributionPage(Page[Contribution]):
    pass


# -- ledger events ---------------------------------------------------------------------------------------


class EventCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One ledger entry. For a ``reversal`` give ``reverses`` and ``reason``; ``amount`` (positive, in the
    reversed event's currency) defaults to everything not yet reversed, and ``currency`` is the original's."""

    kind: EventKind
    amount: CurrencyAmount | None = None
    currency: CurrencyCode | None = None
    value_date: Day
    due_on: Day | None = None
    reverses: UUID | None = None
    reason: ShortText | None = None
    description: ShortText | None = None


class LedgerEvent(msgspec.Struct, kw_only=True):
    id: UUID
    seq: int
    contribution_id: UUID
    kind: EventKind
    counts_as: LedgerKind
    ledger_year: int
    amount: Amount
    currency: str
    value_date: date
    due_on: date | None
    usd_amount: Usd
    rate: Rate
    rate_source: str
    rate_date: date
    reverses_id: UUID | None
    reason: str | None
    description: str | None
    recorded_at: datetime
    recorded_by: str


class LedgerEventPage(Page[LedgerEvent]):
    pass


# -- exchange rates --------------------------------------------------------------------------------------


class ExchangeRateCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    currency: CurrencyCode
    effective_on: Day
    usd_per_unit: UsdRate
    source: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class ExchangeRate(msgspec.Struct, kw_only=True):
    currency: str
    effective_on: date
    usd_per_unit: Rate
    source: str
    recorded_at: datetime


class ExchangeRatePage(Page[ExchangeRate]):
    pass


class RatesUploaded(msgspec.Struct, kw_only=True):
    rows: int  # rows written: added plus corrected
    currencies: list[str]
    added: int = 0
    corrected: int = 0
    unchanged: int = 0  # the same rate and source sent again: nothing written


# -- NRI grants ------------------------------------------------------------------------------------------


class GrantProgramme(enum.StrEnum):
    igf_secretariat = "igf_secretariat"
    igfsa = "igfsa"
    other = "other"


class GrantStatus(enum.StrEnum):
    applied = "applied"
    approved = "approved"
    declined = "declined"
    paid = "paid"
    reported = "reported"


class GrantNriType(enum.StrEnum):
    """The NRI types funding knows (from the NRI domain's events); each has its grant ceiling."""

    national = "national"
    sub_regional = "sub_regional"
    regional = "regional"
    youth = "youth"


class NriGrantCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    programme: GrantProgramme
    programme_detail: ShortText | None = None
    nri_id: UUID
    year: Year
    amount_requested: UsdAmount
    co_funding_evidence: Notes = ""


class NriGrantPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    amount_requested: UsdAmount | msgspec.UnsetType = msgspec.UNSET
    co_funding_evidence: Notes | msgspec.UnsetType = msgspec.UNSET


class GrantTransition(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    to: GrantStatus
    reason: ShortText | None = None
    amount_approved: UsdAmount | None = None
    paid_on: Day | None = None
    report_url: HttpUrl | None = None


class OtherProgrammeGrant(msgspec.Struct, kw_only=True):
    """The same NRI funded (or applying) in the same year under another programme: flagged to everyone."""

    grant_id: UUID
    programme: GrantProgramme
    status: GrantStatus


class NriGrant(msgspec.Struct, kw_only=True):
    id: UUID
    programme: GrantProgramme
    programme_detail: str | None
    nri_id: UUID
    nri_name: str | None
    nri_type: GrantNriType | None
    year: int
    amount_requested: Usd
    amount_approved: Usd | None
    ceiling_usd: Usd
    co_funding_evidence: str
    status: GrantStatus
    decision_reason: str | None
    paid_on: date | None
    report_url: str | None
    other_programmes: list[OtherProgrammeGrant]
    version: int
    created_at: datetime
    updated_at: datetime


class NriGrantPage(Page[NriGrant]):
    pass


class NriDirectoryEntry(msgspec.Struct, kw_only=True):
    nri_id: UUID
    name: str | None
    nri_type: GrantNriType | None
    youth_scope: str | None = None
    status: str
