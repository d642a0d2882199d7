"""The ``data`` of each funding event consumers receive (the OpenAPI ``webhooks`` section). Funding events are
public-safe by construction (public names, never legal names, notes or documents); NRI grants reach consumers
once funded, as ``GET /v1/transparency/nris/{id}`` shows them. Exchange rates are not published."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import msgspec

from igf_hub.core.outbox import EventDoc
from igf_hub.core.vocab import StakeholderGroup
from igf_hub.funding.schemas import (
    Amount,
    Channel,
    Earmark,
    EventKind,
    GrantProgramme,
    GrantStatus,
    OtherProgrammeGrant,
    Rate,
    Usd,
)


class PublicDonor(msgspec.Struct, kw_only=True):
    id: UUID
    public_name: str  # the display name, or "Anonymous (<stakeholder group>)"
    is_anonymous: bool
    stakeholder_group: StakeholderGroup
    country: str | None  # None for an anonymous donor


class PublicContribution(msgspec.Struct, kw_only=True):
    """An anonymous donor's contribution has no donor id and no title, as in the public ledger."""

    id: UUID
    donor_id: UUID | None
    donor_public_name: str
    via_donor_id: UUID | None
    title: str | None
    channel: Channel
    earmark: Earmark
    nri_id: UUID | None
    track_id: UUID | None
    in_kind: bool
    years: list[int]


class PublicLedgerEvent(msgspec.Struct, kw_only=True):
    """A ledger entry as the public ledger lists it: every amount with its USD value and rate; for an anonymous
    donor the USD value only (no donor id, original amount, currency, rate or free text)."""

    id: UUID
    contribution_id: UUID
    donor_id: UUID | None
    kind: EventKind
    amount: Amount | None
    currency: str | None
    value_date: date
    due_on: date | None
    usd_amount: Usd
    rate: Rate | None
    reverses_id: UUID | None
    reason: str | None
    recorded_at: datetime


class FundedGrant(msgspec.Struct, kw_only=True):
    id: UUID
    programme: GrantProgramme
    nri_id: UUID
    year: int
    status: GrantStatus
    amount_requested: Usd
    amount_approved: Usd | None
    other_programmes: list[OtherProgrammeGrant]


FUNDING_EVENTS = [
    EventDoc(
        type="funding.donor.created",
        summary="A donor was added (by public name; anonymous ones are not sent).",
        data=PublicDonor,
    ),
    EventDoc(type="funding.donor.updated", summary="A donor's public details changed.", data=PublicDonor),
    EventDoc(
        type="funding.contribution.created", summary="A contribution was recorded.", data=PublicContribution
    ),
    EventDoc(type="funding.contribution.updated", summary="A contribution changed.", data=PublicContribution),
    EventDoc(
        type="funding.event.recorded",
        summary="A ledger entry: pledge, commitment, receipt, in-kind, reversal.",
        data=PublicLedgerEvent,
    ),
    EventDoc(
        type="funding.nri_grant.approved",
        summary="An NRI grant was approved: public from now on.",
        data=FundedGrant,
    ),
    EventDoc(type="funding.nri_grant.updated", summary="A funded NRI grant changed.", data=FundedGrant),
    EventDoc(type="funding.nri_grant.paid", summary="An NRI grant was paid.", data=FundedGrant),
    EventDoc(type="funding.nri_grant.reported", summary="The NRI reported on its grant.", data=FundedGrant),
]
