"""The intersessional section of the yearly report: active BPFs, DCs and PNs (and other tracks) and their
outputs of the year with their citable ids (core/report_sections.py)."""

from __future__ import annotations

from itertools import groupby

import asyncpg

from igf_hub.core.report_sections import Figure, SectionContext, section_path
from igf_hub.tracks.yearly_repository import YearlyRepository

NAME = "tracks"


async def section(conn: asyncpg.Connection, ctx: SectionContext) -> list[Figure]:
    repo = YearlyRepository(conn)
    figures = [
        Figure(
            key="tracks:active",
            label="Active intersessional tracks by type",
            value=r["n"],
            dimensions={"track_type": r["key"]},
            source=section_path(NAME, ctx.year, "tracks:active"),
            links=[f"/v1/tracks?type={r['key']}&year={ctx.year}"],  # the tracks themselves
        )
        for r in await repo.active(ctx.year)
    ]
    for track_type, rows in groupby(await repo.outputs(ctx.year), key=lambda r: r["key"]):
        ids = [r["citable_id"] for r in rows]
        figures.append(
            Figure(
                key="tracks:outputs",
                label="Outputs published by type of track",
                value=len(ids),
                dimensions={"track_type": track_type},
                source=section_path(NAME, ctx.year, "tracks:outputs"),
                links=[f"/v1/tracks/outputs/by-citable-id/{cid}" for cid in ids],
            )
        )
    return figures
