"""The public picture: totals, aggregates, pledges against receipts, the ledger and its corrections.

Everything is derived from ledger events, in exact Decimal arithmetic: totals and aggregates sum
``funding_event_totals``, the ledger's own sums per contribution, year and kind, which the database keeps in
each event's transaction (migration 0010; nothing edits them), so a new event is in the very next answer and
reading costs the same at 10k or 1M events. The ledger and its exports read the events themselves.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.core import countries
from igf_hub.core.clock import Clock
from igf_hub.core.pagination import Keyset
from igf_hub.core.settings import Settings
from igf_hub.funding import currencies
from igf_hub.funding.grant_repository import GrantRepository
from igf_hub.funding.labels import (
    CHANNEL_LABELS,
    EARMARK_LABELS,
    GROUP_LABELS,
    METHODOLOGY,
    public_donor_name,
)
from igf_hub.funding.public_repository import PublicRepository
from igf_hub.funding.public_schemas import (
    AggregateBy,
    AggregateRow,
    Aggregates,
    Concentration,
    Correction,
    CorrectionPage,
    CurrencyTotals,
    DonorGiving,
    DonorReport,
    LedgerFilter,
    NriContribution,
    NriFunding,
    PledgeReport,
    PledgeRow,
    PublicEvent,
    PublicGrant,
    PublicLedgerPage,
    Summary,
)
from igf_hub.funding.schemas import Totals

SHARE = Decimal("0.0001")
ZERO = Decimal("0.00")


def concentration(amounts: list[Decimal]) -> Concentration:
    """Top-N shares, the Herfindahl-Hirschman index (sum of squared shares, 0..1) and 1/HHI."""
    positive = sorted((a for a in amounts if a > 0), reverse=True)
    total = sum(positive, Decimal(0))
    if not positive:
        return Concentration(donors=0)
    hhi = sum(((a / total) ** 2 for a in positive), Decimal(0))

    def top(n: int) -> Decimal:
        return (sum(positive[:n], Decimal(0)) / total).quantize(SHARE)

    return Concentration(
        donors=len(positive),
        top1_share=top(1),
        top3_share=top(3),
        top5_share=top(5),
        hhi=hhi.quantize(SHARE),
        effective_donors=(1 / hhi).quantize(Decimal("0.01")),
    )


def _totals(row: asyncpg.Record | dict[str, Any]) -> Totals:
    return Totals(
        pledged_usd=row["pledged_usd"],
        committed_usd=row["committed_usd"],
        received_usd=row["received_usd"],
        in_kind_usd=row["in_kind_usd"],
    )


def _in_currency(by: AggregateBy, row: asyncpg.Record) -> CurrencyTotals | None:
    if by is not AggregateBy.currency or row["key"] is None:
        return None
    return _currency_totals(row["key"], row)


def _currency_totals(currency: str, row: asyncpg.Record) -> CurrencyTotals:
    places = currencies.minor_units(currency)

    def amount(name: str) -> Decimal:
        return Decimal(row[f"{name}_amount"]).quantize(Decimal(1).scaleb(-places))

    return CurrencyTotals(
        currency=currency,
        pledged=amount("pledged"),
        committed=amount("committed"),
        received=amount("received"),
        in_kind=amount("in_kind"),
    )


def _label(by: AggregateBy, key: str | None, extra: str | None) -> str:
    if by in (AggregateBy.donor, AggregateBy.intermediary) and extra:
        info = msgspec.json.decode(extra)
        return public_donor_name(
            is_anonymous=info["is_anonymous"],
            display_name=info["named"],
            legal_name=None,
            stakeholder_group=info["group"],
        )
    if key is None:
        if by is AggregateBy.currency:
            return "Not disclosed (anonymous donors)"
        return "No country (intergovernmental) or not disclosed" if by is AggregateBy.country else "None"
    if by is AggregateBy.country:
        country = countries.get(key)
        return country.name if country else key
    if by is AggregateBy.stakeholder_group:
        return GROUP_LABELS.get(key, key).capitalize()
    if by is AggregateBy.earmark:
        return EARMARK_LABELS.get(key, key)
    if by is AggregateBy.channel:
        return CHANNEL_LABELS.get(key, key)
    return key


class PledgeYear(msgspec.Struct, kw_only=True, frozen=True):
    """One contribution's pledges of one year (the year of their value date) and what fulfils them."""

    contribution_id: UUID
    donor_id: UUID | None  # None: an anonymous donor
    donor_name: str
    stakeholder_group: str
    year: int
    pledged: Decimal
    fulfilled: Decimal
    outstanding: Decimal
    due_on: date | None
    # The donor as recorded, anonymous or not: whose funders hear that the pledge is overdue (never published).
    recorded_donor_id: UUID | None = None


def attribute_fulfilment(
    pledged: list[tuple[int, Decimal]], fulfilled: Decimal
) -> list[tuple[Decimal, Decimal]]:
    """(fulfilled, outstanding) for each pledge year of one contribution, in the order given (by year).

    What the contribution received and was given in kind, in any year, fulfils its earliest pledges first;
    anything beyond everything pledged counts with the latest pledge year. So the years' fulfilled add up to
    what the contribution received, and their outstanding to max(pledged - fulfilled, 0), exactly."""
    remaining = fulfilled
    out = []
    for _, amount in pledged:
        part = min(amount, max(remaining, ZERO))
        remaining -= part
        out.append((part, amount - part))
    if out and remaining > 0:
        last_fulfilled, last_outstanding = out[-1]
        out[-1] = (last_fulfilled + remaining, last_outstanding)
    return out


class TransparencyService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.conn = conn
        self.clock = clock
        self.settings = settings
        self.repo = PublicRepository(conn)

    async def summary(self, year: int | None) -> Summary:
        as_of = self.clock.now()
        f = LedgerFilter(year=year)
        totals = _totals(await self.repo.totals(f))
        per_donor = await self.repo.donor_shares(f)  # every donor, anonymous ones one by one
        active = [
            r
            for r in per_donor
            if any(r[k] != 0 for k in ("pledged_usd", "committed_usd", "received_usd", "in_kind_usd"))
        ]
        outstanding = sum((p.outstanding for p in await self.pledge_years(year)), ZERO)
        paid_out = (await GrantRepository(self.conn).paid_out(year))["paid_usd"]
        return Summary(
            as_of=as_of,
            year=year,
            pledged_usd=totals.pledged_usd,
            committed_usd=totals.committed_usd,
            received_usd=totals.received_usd,
            in_kind_usd=totals.in_kind_usd,
            donors=len(active),
            outstanding_pledges_usd=outstanding,
            nri_grants_paid_usd=paid_out,
            balance_usd=totals.received_usd - paid_out,
            concentration=concentration([r["received_usd"] + r["in_kind_usd"] for r in per_donor]),
            methodology=METHODOLOGY,
        )

    async def aggregates(self, by: AggregateBy, f: LedgerFilter) -> Aggregates:
        as_of = self.clock.now()
        rows = await self.repo.aggregate(by, f)
        total = _totals(await self.repo.totals(f))
        if by is AggregateBy.intermediary:
            # Pass-through money is already counted under its source donors: this view is not a partition.
            total = _totals(
                {
                    k: sum((r[k] for r in rows), ZERO)
                    for k in ("pledged_usd", "committed_usd", "received_usd", "in_kind_usd")
                }
            )
        return Aggregates(
            as_of=as_of,
            by=by,
            filters=f,
            total=total,
            methodology=METHODOLOGY,
            rows=[
                AggregateRow(
                    key=r["key"],
                    label=_label(by, r["key"], r["extra"]),
                    in_currency=_in_currency(by, r),
                    **msgspec.structs.asdict(_totals(r)),
                )
                for r in rows
            ],
        )

    async def pledge_years(self, year: int | None) -> list[PledgeYear]:
        """Every contribution's pledges by the year they were made, with their fulfilment attributed (see
        :func:`attribute_fulfilment`); only ``year``'s when given. Summed over the years, every figure is the
        all-years figure."""
        by_contribution: dict[UUID, list[asyncpg.Record]] = defaultdict(list)
        for row in await self.repo.pledge_years():
            by_contribution[row["contribution_id"]].append(row)
        pieces = []
        for rows in by_contribution.values():
            pledged = [(r["ledger_year"], r["pledged_usd"]) for r in rows if r["pledged_usd"] > 0]
            fulfilled = sum((r["fulfilled_usd"] for r in rows), ZERO)
            due = {r["ledger_year"]: r["due_on"] for r in rows}
            first = rows[0]
            name = public_donor_name(
                is_anonymous=first["is_anonymous"],
                display_name=first["donor_named"],
                legal_name=None,
                stakeholder_group=first["stakeholder_group"],
            )
            for (pledge_year, amount), (done, left) in zip(
                pledged, attribute_fulfilment(pledged, fulfilled), strict=True
            ):
                if year is not None and pledge_year != year:
                    continue
                pieces.append(
                    PledgeYear(
                        contribution_id=first["contribution_id"],
                        donor_id=None if first["is_anonymous"] else first["donor_id"],
                        donor_name=name,
                        stakeholder_group=first["stakeholder_group"],
                        year=pledge_year,
                        pledged=amount,
                        fulfilled=done,
                        outstanding=left,
                        due_on=due[pledge_year],
                        recorded_donor_id=first["donor_id"],
                    )
                )
        return pieces

    async def donors(self, year: int | None) -> DonorReport:
        """Every donor with what it gave: received, in kind, pledged and outstanding in USD, and what it gave in
        each of its currencies. Largest giver (received plus in kind) first."""
        as_of = self.clock.now()
        outstanding: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for p in await self.pledge_years(year):
            outstanding[str(p.donor_id) if p.donor_id else f"anonymous:{p.stakeholder_group}"] += (
                p.outstanding
            )
        rows: dict[str, DonorGiving] = {}
        for r in await self.repo.donor_currencies(LedgerFilter(year=year)):
            info = msgspec.json.decode(r["extra"])
            row = rows.get(r["key"])
            if row is None:
                row = rows[r["key"]] = DonorGiving(
                    donor_id=None if info["is_anonymous"] else UUID(r["key"]),
                    donor_name=_label(AggregateBy.donor, r["key"], r["extra"]),
                    stakeholder_group=info["group"],
                    received_usd=ZERO,
                    in_kind_usd=ZERO,
                    pledged_usd=ZERO,
                    outstanding_usd=outstanding.get(r["key"], ZERO),
                    in_currency=[],
                )
            row.received_usd += r["received_usd"]
            row.in_kind_usd += r["in_kind_usd"]
            row.pledged_usd += r["pledged_usd"]
            if r["currency"] is not None:
                row.in_currency.append(_currency_totals(r["currency"], r))
        ordered = sorted(
            rows.values(), key=lambda d: (-(d.received_usd + d.in_kind_usd), -d.pledged_usd, d.donor_name)
        )
        return DonorReport(as_of=as_of, year=year, rows=ordered, methodology=METHODOLOGY)

    async def latest(self, year: int | None, limit: int = 10) -> list[PublicEvent]:
        return await self.repo.latest(LedgerFilter(year=year), limit)

    async def pledges(self, year: int | None) -> PledgeReport:
        as_of = self.clock.now()
        today = as_of.date()
        # Anonymous donors are one row per stakeholder group (donor_id None).
        by_donor: dict[UUID | str, dict[str, Any]] = {}
        for p in await self.pledge_years(year):
            overdue = p.outstanding > 0 and p.due_on is not None and p.due_on < today
            d = by_donor.setdefault(
                p.donor_id or f"anonymous:{p.stakeholder_group}",
                {
                    "donor_id": p.donor_id,
                    "donor_name": p.donor_name,
                    "stakeholder_group": p.stakeholder_group,
                    "pledged": ZERO,
                    "fulfilled": ZERO,
                    "outstanding": ZERO,
                    "overdue": ZERO,
                    "due": [],
                },
            )
            d["pledged"] += p.pledged
            d["fulfilled"] += p.fulfilled
            d["outstanding"] += p.outstanding
            d["overdue"] += p.outstanding if overdue else ZERO
            if p.outstanding > 0 and p.due_on is not None:
                d["due"].append(p.due_on)
        rows = [
            PledgeRow(
                donor_id=d["donor_id"],
                donor_name=d["donor_name"],
                stakeholder_group=d["stakeholder_group"],
                pledged_usd=d["pledged"],
                fulfilled_usd=d["fulfilled"],
                fulfilment_pct=(d["fulfilled"] * 100 / d["pledged"]).quantize(Decimal("0.1")),
                outstanding_usd=d["outstanding"],
                overdue_usd=d["overdue"],
                overdue=d["overdue"] > 0,
                next_due_on=min(d["due"]) if d["due"] else None,
            )
            for d in by_donor.values()
        ]
        rows.sort(key=lambda r: (-r.pledged_usd, r.donor_name, str(r.donor_id)))
        return PledgeReport(as_of=as_of, year=year, rows=rows, methodology=METHODOLOGY)

    async def ledger(self, f: LedgerFilter, *, cursor: str | None, limit: int) -> PublicLedgerPage:
        as_of = self.clock.now()
        keyset = Keyset(cursor, tuple[int], limit)
        rows = await self.repo.events(f, after_seq=keyset.first(0), limit=keyset.fetch)
        items, next_cursor = keyset.cut(rows, lambda row: (row.seq,))
        return PublicLedgerPage(
            items=items,
            next_cursor=next_cursor,
            as_of=as_of,
            methodology=METHODOLOGY,
        )

    async def corrections(self, *, year: int | None, cursor: str | None, limit: int) -> CorrectionPage:
        as_of = self.clock.now()
        keyset = Keyset(cursor, tuple[int], limit)
        reversals, next_cursor = keyset.cut(
            await self.repo.corrections(year=year, after_seq=keyset.first(0), limit=keyset.fetch),
            lambda row: (row.seq,),
        )
        originals = await self.repo.events_by_id([r.reverses_id for r in reversals if r.reverses_id])
        items = [
            Correction(reversal=r, original=originals[r.reverses_id]) for r in reversals if r.reverses_id
        ]
        return CorrectionPage(items=items, next_cursor=next_cursor, as_of=as_of)

    async def nri_funding(self, nri_id: UUID) -> NriFunding:
        as_of = self.clock.now()
        grants_repo = GrantRepository(self.conn)
        entry = await grants_repo.directory_entry(nri_id)
        grants = [
            msgspec.convert({k: r[k] for k in PublicGrant.__struct_fields__}, PublicGrant)
            for r in await grants_repo.public_grants_of(nri_id)
        ]
        by_programme: dict[str, Decimal] = defaultdict(lambda: ZERO)
        programmes_by_year: dict[int, set[str]] = defaultdict(set)
        for g in grants:
            by_programme[g.programme.value] += g.amount_approved or ZERO
            programmes_by_year[g.year].add(g.programme.value)
        contributions = [
            NriContribution(
                contribution_id=b["contribution_id"],
                donor_id=None if b["is_anonymous"] else b["donor_id"],
                donor_name=public_donor_name(
                    is_anonymous=b["is_anonymous"],
                    display_name=b["donor_named"],
                    legal_name=None,
                    stakeholder_group=b["stakeholder_group"],
                ),
                channel=b["channel"],
                earmark=b["earmark"],
                years=list(b["years"]),
                pledged_usd=b["pledged_usd"],
                received_usd=b["received_usd"],
                in_kind_usd=b["in_kind_usd"],
            )
            for b in await self.repo.contribution_balances(nri_id=nri_id)
        ]
        return NriFunding(
            as_of=as_of,
            nri_id=nri_id,
            nri_name=entry.name if entry else None,
            grants=grants,
            granted_usd_by_programme=dict(sorted(by_programme.items())),
            years_funded_by_several_programmes=sorted(y for y, p in programmes_by_year.items() if len(p) > 1),
            contributions=contributions,
            methodology=METHODOLOGY,
        )
