"""The yearly report's figures, as each domain computes its section of it (README, "The yearly report").

Domains do not import each other, and the report reads them all: each domain declares, in its wiring.py, the
function that computes its section for a year (``Wiring.report_sections``), with its SQL in its own repository;
the reports domain assembles the sections. Every figure carries the path of the public query or export that
reproduces it, so a reader can check it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import asyncpg
import msgspec

from igf_hub.core.settings import Settings

Unit = Literal["count", "usd", "share"]
Dimension = str | int | None


class Figure(msgspec.Struct, frozen=True, kw_only=True):
    """One number of the report. Counts are integers; money (USD) and shares are decimal text, so the signed
    canonical form never depends on a float formatter."""

    key: str  # what is counted, stable across years: "nri:recognised", "messages:matrix"
    label: str  # what it says, in English (the pages translate it)
    value: int | str
    unit: Unit = "count"
    # What the figure is broken down by, when it is one cell of a table: {"type": "national"}.
    dimensions: dict[str, Dimension] = msgspec.field(default_factory=dict)
    source: str  # the path (and query) of the public query or export that reproduces it
    links: list[str] = msgspec.field(default_factory=list)  # the records counted, when a figure counts a few


@dataclass(frozen=True, kw_only=True)
class SectionContext:
    year: int
    now: datetime  # the reading time (the injected clock)
    settings: Settings


# (connection, the year and reading time) -> the section's figures, in the order they are shown.
SectionSource = Callable[[asyncpg.Connection, SectionContext], Awaitable[list[Figure]]]

# The sections in the report's order; a domain's section not named here comes after them.
ORDER = ("nri", "tracks", "messages", "mag", "funding")


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January, next 1 January) of ``year`` in UTC: "in year N" means a time in this range."""
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)


def counts(
    key: str, label: str, rows: list[tuple[Dimension, int]], *, dimension: str, source: str
) -> list[Figure]:
    """One figure per (dimension value, count) row."""
    return [
        Figure(key=key, label=label, value=int(n), dimensions={dimension: value}, source=source)
        for value, n in rows
    ]


SECTIONS_PATH = "/v1/reports/sections"


def section_path(name: str, year: int, key: str) -> str:
    """The public query that recomputes a section's figures live, anchored at one figure's key."""
    return f"{SECTIONS_PATH}/{name}?year={year}#{key}"
