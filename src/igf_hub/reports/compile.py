"""Compile the yearly report's figures from the record: every installed domain's section (core/wiring.py's
``report_sections``), computed in one snapshot of the database."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

import asyncpg

from igf_hub.core import wiring
from igf_hub.core.errors import NotFound
from igf_hub.core.report_sections import SectionContext
from igf_hub.core.settings import Settings
from igf_hub.reports.schemas import SECTION_TITLES, FiguresDocument, Section


def _snapshot(conn: asyncpg.Connection) -> Any:
    """A repeatable-read snapshot, unless the caller's transaction (a publication) is the snapshot already."""
    if conn.is_in_transaction():
        return contextlib.nullcontext()
    return conn.transaction(isolation="repeatable_read", readonly=True)


async def figures(
    conn: asyncpg.Connection, settings: Settings, year: int, *, now: datetime
) -> FiguresDocument:
    """Every section's figures for ``year``, read in one repeatable-read snapshot so they add up."""
    ctx = SectionContext(year=year, now=now, settings=settings)
    sections = []
    async with _snapshot(conn):
        for name, source in wiring.report_sections().items():
            sections.append(
                Section(name=name, title=SECTION_TITLES.get(name, name), figures=await source(conn, ctx))
            )
    return FiguresDocument(year=year, computed_at=now, sections=sections)


async def section(
    conn: asyncpg.Connection, settings: Settings, name: str, year: int, *, now: datetime
) -> Section:
    """One section, live: the query a figure's ``source`` names."""
    source = wiring.report_sections().get(name)
    if source is None:
        known = ", ".join(wiring.report_sections())
        raise NotFound(f"the yearly report has no section {name!r}; its sections are {known}")
    ctx = SectionContext(year=year, now=now, settings=settings)
    async with _snapshot(conn):
        return Section(name=name, title=SECTION_TITLES.get(name, name), figures=await source(conn, ctx))
