"""The IGF Messages section of the yearly report: the Messages approved that year, their classification as a
matrix of WSIS Action Lines by SDGs by GDC objectives (with links to each Message), the comment process in
numbers and the ballots' outcomes (core/report_sections.py)."""

from __future__ import annotations

from collections import Counter

import asyncpg

from igf_hub.core import countries
from igf_hub.core.report_sections import Figure, SectionContext, section_path, year_bounds
from igf_hub.messages.yearly_repository import YearlyRepository

NAME = "messages"


def _message(message_id: object) -> str:
    return f"/v1/messages/{message_id}"


async def section(conn: asyncpg.Connection, ctx: SectionContext) -> list[Figure]:
    repo = YearlyRepository(conn)
    start, end = year_bounds(ctx.year)

    def src(key: str) -> str:
        return section_path(NAME, ctx.year, key)

    ids = await repo.approved(start, end)
    figures = [
        Figure(
            key="messages:approved",
            label="IGF Messages approved",
            value=len(ids),
            source=src("messages:approved"),
            links=[_message(i) for i in ids],
        )
    ]
    figures += [
        Figure(
            key="messages:matrix",
            label="Approved Messages by WSIS Action Line, SDG and GDC objective",
            value=r["n"],
            dimensions={"wsis_action_line": r["al"], "sdg": r["sdg"], "gdc_objective": r["gdc"]},
            source=src("messages:matrix"),
            links=[_message(i) for i in r["ids"]],
        )
        for r in await repo.matrix(ids)
    ]
    dispositions = await repo.dispositions(ids)
    figures.append(
        Figure(
            key="messages:comments",
            label="Public comments on the approved Messages",
            value=sum(r["n"] for r in dispositions),
            source=src("messages:comments"),
        )
    )
    figures += [
        Figure(
            key="messages:dispositions",
            label="Comments by disposition",
            value=r["n"],
            dimensions={"outcome": r["key"]},
            source=src("messages:dispositions"),
        )
        for r in dispositions
    ]
    participants = await repo.participants(ids)
    figures.append(
        Figure(
            key="messages:participants",
            label="People who commented",
            value=len(participants),
            source=src("messages:participants"),
        )
    )
    by_group = Counter(p["stakeholder_group"] for p in participants)
    figures += [
        Figure(
            key="messages:participants_by_stakeholder_group",
            label="People who commented by stakeholder group",
            value=n,
            dimensions={"stakeholder_group": group},
            source=src("messages:participants_by_stakeholder_group"),
        )
        for group, n in sorted(by_group.items())
    ]
    by_region = Counter(countries.regional_group(p["country"]) for p in participants)
    figures += [
        Figure(
            key="messages:participants_by_regional_group",
            label="People who commented by UN regional group",
            value=n,
            dimensions={"regional_group": region},
            source=src("messages:participants_by_regional_group"),
        )
        for region, n in sorted(by_region.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
    ]
    figures += [
        Figure(
            key="messages:ballots",
            label="MAG ballots closed, by outcome",
            value=r["n"],
            dimensions={"outcome": r["key"]},
            source=src("messages:ballots"),
        )
        for r in await repo.ballots(start, end)
    ]
    return figures
