"""The MAG section of the yearly report: the year's cycle, its composition and balance, as the cycle's public
balance (``GET /v1/mag/cycles/{year}/balance``) computes them (core/report_sections.py)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from igf_hub.core.clock import Clock
from igf_hub.core.report_sections import Figure, SectionContext
from igf_hub.mag.balance_service import BalanceService
from igf_hub.mag.enums import RuleStatus
from igf_hub.mag.errors import CycleNotFound

NAME = "mag"


class _At(Clock):
    """The reading time of the report, for a service that takes a clock."""

    def __init__(self, at: datetime) -> None:
        super().__init__()
        self.at = at

    def now(self) -> datetime:
        return self.at


def _share(value: float) -> str:
    return f"{value:.4f}"


async def section(conn: asyncpg.Connection, ctx: SectionContext) -> list[Figure]:
    try:
        balance = await BalanceService(conn, _At(ctx.now), ctx.settings).balance(ctx.year)
    except CycleNotFound:
        return []
    src = f"/v1/mag/cycles/{ctx.year}/balance"
    roster = [f"/v1/mag/cycles/{ctx.year}/appointments"]
    figures = [
        Figure(key="mag:seats", label="MAG members", value=balance.seats, source=src, links=roster),
        Figure(key="mag:observers", label="MAG observers", value=balance.observers, source=src),
        Figure(key="mag:target_size", label="Target size of the MAG", value=balance.target_size, source=src),
    ]
    for key, label, share_label, dimension, groups in (
        (
            "mag:by_stakeholder_group",
            "MAG members by stakeholder group",
            "Share of MAG members by stakeholder group",
            "stakeholder_group",
            balance.by_stakeholder_group,
        ),
        (
            "mag:by_regional_group",
            "MAG members by UN regional group",
            "Share of MAG members by UN regional group",
            "regional_group",
            balance.by_regional_group,
        ),
        (
            "mag:by_gender",
            "MAG members by gender",
            "Share of MAG members by gender (of those who declared it)",
            "gender",
            balance.gender.groups,
        ),
    ):
        for g in groups:
            figures.append(
                Figure(key=key, label=label, value=g.seats, dimensions={dimension: g.group}, source=src)
            )
            figures.append(
                Figure(
                    key=f"{key}_share",
                    label=share_label,
                    value=_share(g.share),
                    unit="share",
                    dimensions={dimension: g.group},
                    source=src,
                )
            )
    figures += [
        Figure(
            key="mag:gender_undeclared",
            label="MAG members who did not declare a gender",
            value=balance.gender.undeclared,
            source=src,
        ),
        Figure(
            key="mag:newcomers",
            label="MAG members new to the MAG",
            value=balance.rotation.newcomers,
            source=src,
        ),
        Figure(key="mag:balance_rules", label="Balance rules", value=len(balance.rules), source=src),
        Figure(
            key="mag:balance_rules_met",
            label="Balance rules met",
            value=sum(1 for r in balance.rules if r.status is RuleStatus.passed),
            source=src,
        ),
    ]
    return figures
