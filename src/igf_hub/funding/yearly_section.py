"""The funding section of the yearly report: received, in kind, pledged and outstanding by donor type, NRI
grants and donor concentration, as the public transparency queries compute them (``/v1/transparency/…``;
core/report_sections.py)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

import asyncpg

from igf_hub.core.clock import Clock
from igf_hub.core.report_sections import Figure, SectionContext
from igf_hub.funding.public_schemas import AggregateBy, LedgerFilter
from igf_hub.funding.transparency_service import TransparencyService

NAME = "funding"


class _At(Clock):
    """The reading time of the report, for a service that takes a clock."""

    def __init__(self, at: datetime) -> None:
        super().__init__()
        self.at = at

    def now(self) -> datetime:
        return self.at


def _usd(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.01")))


async def section(conn: asyncpg.Connection, ctx: SectionContext) -> list[Figure]:
    service = TransparencyService(conn, _At(ctx.now), ctx.settings)
    year = ctx.year
    summary = await service.summary(year)
    s_src = f"/v1/transparency/summary?year={year}"
    figures = [
        Figure(key=f"funding:{name}", label=label, value=_usd(amount), unit="usd", source=s_src)
        for name, label, amount in (
            ("received", "Received (USD)", summary.received_usd),
            ("in_kind", "In kind (USD)", summary.in_kind_usd),
            ("pledged", "Pledged (USD)", summary.pledged_usd),
            ("outstanding", "Pledges outstanding (USD)", summary.outstanding_pledges_usd),
            ("nri_grants_paid", "Grants paid to NRIs (USD)", summary.nri_grants_paid_usd),
        )
    ]
    figures.append(Figure(key="funding:donors", label="Donors", value=summary.donors, source=s_src))
    by_group = await service.aggregates(AggregateBy.stakeholder_group, LedgerFilter(year=year))
    a_src = f"/v1/transparency/aggregates?by=stakeholder_group&year={year}"
    for row in by_group.rows:
        for name, label, amount in (
            ("received", "Received by donor type (USD)", row.received_usd),
            ("in_kind", "In kind by donor type (USD)", row.in_kind_usd),
            ("pledged", "Pledged by donor type (USD)", row.pledged_usd),
        ):
            figures.append(
                Figure(
                    key=f"funding:{name}_by_donor_type",
                    label=label,
                    value=_usd(amount),
                    unit="usd",
                    dimensions={"donor_type": row.key},
                    source=a_src,
                )
            )
    outstanding: dict[str, Decimal] = defaultdict(Decimal)
    for pledge in await service.pledge_years(year):
        outstanding[pledge.stakeholder_group] += pledge.outstanding
    figures += [
        Figure(
            key="funding:outstanding_by_donor_type",
            label="Pledges outstanding by donor type (USD)",
            value=_usd(amount),
            unit="usd",
            dimensions={"donor_type": group},
            source=f"/v1/transparency/pledges?year={year}",
        )
        for group, amount in sorted(outstanding.items())
    ]
    c = summary.concentration
    for name, label, value in (
        ("top1_share", "Share of the largest donor", c.top1_share),
        ("top3_share", "Share of the three largest donors", c.top3_share),
        ("hhi", "Donor concentration (Herfindahl-Hirschman index)", c.hhi),
        ("effective_donors", "Effective number of donors", c.effective_donors),
    ):
        if value is not None:
            figures.append(
                Figure(key=f"funding:{name}", label=label, value=str(value), unit="share", source=s_src)
            )
    return figures
