"""The NRI section of the yearly report: how many NRIs, new recognitions, by type and UN regional group, annual
reports received and their participation (core/report_sections.py)."""

from __future__ import annotations

import asyncpg

from igf_hub.core.report_sections import Figure, SectionContext, section_path
from igf_hub.nri.yearly_repository import YearlyRepository

NAME = "nri"


async def section(conn: asyncpg.Connection, ctx: SectionContext) -> list[Figure]:
    repo = YearlyRepository(conn)
    year = ctx.year

    def src(key: str) -> str:
        return section_path(NAME, year, key)

    totals = await repo.totals(year)
    reports = await repo.reports(year)
    figures = [
        Figure(
            key="nri:recognised",
            label="Recognised NRIs",
            value=totals["recognised"],
            source=src("nri:recognised"),
        ),
        Figure(
            key="nri:new_recognitions",
            label="NRIs recognised this year",
            value=totals["new"],
            source=src("nri:new_recognitions"),
        ),
    ]
    figures += [
        Figure(
            key="nri:by_type",
            label="Recognised NRIs by type",
            value=r["n"],
            dimensions={"type": r["key"]},
            source=src("nri:by_type"),
        )
        for r in await repo.by_type(year)
    ]
    figures += [
        Figure(
            key="nri:by_regional_group",
            label="Recognised NRIs by UN regional group",
            value=r["n"],
            dimensions={"regional_group": r["key"]},
            source=src("nri:by_regional_group"),
        )
        for r in await repo.by_regional_group(year)
    ]
    figures += [
        Figure(
            key="nri:reports_received",
            label="Annual reports received",
            value=reports["reports"],
            source=src("nri:reports_received"),
        ),
        Figure(
            key="nri:participants",
            label="Participants at NRI meetings",
            value=reports["participants"],
            source=src("nri:participants"),
        ),
    ]
    for by, key, label, dimension in (
        (
            "stakeholder",
            "nri:participants_by_stakeholder_group",
            "Participants by stakeholder group",
            "stakeholder_group",
        ),
        ("gender", "nri:participants_by_gender", "Participants by gender", "gender"),
    ):
        figures += [
            Figure(key=key, label=label, value=r["n"], dimensions={dimension: r["key"]}, source=src(key))
            for r in await repo.participation(year, by)
        ]
    return figures
