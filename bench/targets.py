"""Issue 22's targets, and how the benchmarks hand their measured ratios to ``./dev bench``.

Each benchmark prints, besides its own tables, one line ``<!-- targets: {...} -->`` (a Markdown comment, so it
does not show when the report is rendered) with the figures it measured, by the names below. ``./dev bench``
collects those lines from every benchmark it ran and prints one table: each figure beside its target, met or
not, with the machine line. A target whose benchmark did not run is shown as "not measured".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from bench.common import markdown_table

MARKER = "<!-- targets: "


@dataclass(frozen=True)
class Goal:
    name: str
    at_least: bool  # True: the figure must be >= bound; False: <= bound
    bound: float
    unit: str  # how the figure reads: "x anchor", "x JSON", "ms", ...
    source: str  # the benchmark that measures it

    def met(self, value: float) -> bool:
        return value >= self.bound if self.at_least else value <= self.bound

    def target_text(self) -> str:
        return f"{'≥' if self.at_least else '≤'} {self.bound:g} {self.unit}"


GOALS = [
    Goal("read: NRI by id", True, 0.85, "of anchor req/s", "api"),
    Goal("read: Message by id", True, 0.85, "of anchor req/s", "api"),
    Goal("read: list pages", True, 0.6, "of anchor req/s", "api"),
    Goal("read: aggregates", True, 0.5, "of anchor req/s", "api"),
    Goal("mixed read/write", True, 0.6, "of anchor req/s", "api"),
    Goal("write: public comment", True, 0.5, "of write-anchor req/s", "api"),
    Goal("write: ledger receipt", True, 0.5, "of write-anchor req/s", "api"),
    Goal("html: NRI profile page", False, 1.5, "x JSON cost", "api"),
    Goal("html: Message reading view", False, 1.5, "x JSON cost", "api"),
    Goal("export ledger.csv", False, 3.0, "x COPY time (largest size)", "transparency"),
    Goal("export iati-activities.xml", False, 8.0, "x COPY time (largest size)", "transparency"),
    Goal("delivery: drain", True, 0.8, "of raw aiohttp-loop req/s", "webhooks"),
    Goal("delivery: p50 at 100 events/s", False, 10.0, "ms", "webhooks"),
    Goal("delivery: p99 at 100 events/s", False, 50.0, "ms", "webhooks"),
    Goal("delivery: statements per delivery", False, 3.0, "", "webhooks"),
]
NAMES = {g.name for g in GOALS}


def marker(figures: Mapping[str, float]) -> str:
    """The line a benchmark prints to hand its figures over (names must be in :data:`GOALS`)."""
    unknown = set(figures) - NAMES
    assert not unknown, f"not a target of issue 22: {sorted(unknown)}"
    return MARKER + json.dumps({k: round(v, 4) for k, v in figures.items()}) + " -->"


def extract(output: str) -> tuple[str, dict[str, float]]:
    """A benchmark's output without its marker lines, and the figures they carried."""
    kept, figures = [], {}
    for line in output.splitlines():
        if line.startswith(MARKER):
            figures.update(json.loads(line.removeprefix(MARKER).removesuffix("-->").strip()))
        else:
            kept.append(line)
    return "\n".join(kept), figures


def table(figures: Mapping[str, float]) -> str:
    """Every target of issue 22 with its figure from this run, or 'not measured'."""
    rows = []
    for goal in GOALS:
        value = figures.get(goal.name)
        if value is None:
            rows.append([goal.name, "not measured", goal.target_text(), "-", goal.source])
        else:
            met = "met" if goal.met(value) else "**not met**"
            rows.append([goal.name, f"{value:.2f}", goal.target_text(), met, goal.source])
    return markdown_table(["figure", "measured", "target", "", "benchmark"], rows)


def summary(figures: Mapping[str, float], machine_line: str) -> str:
    measured = [g for g in GOALS if g.name in figures]
    met = sum(1 for g in measured if g.met(figures[g.name]))
    return "\n".join(
        [
            "## Issue 22 targets",
            "",
            f"Machine: {machine_line}.",
            f"{met} of {len(measured)} measured targets met ({len(GOALS) - len(measured)} not measured in this run). "
            "Ratios are taken within one run on this machine; see each benchmark's section for how.",
            "",
            table(figures),
        ]
    )
