"""Dynamic Coalition standing: the DC rules (since 2011), evaluated against what the hub knows.

A DC must keep an open membership, a public mailing list with an open archive, participants from at least
three stakeholder groups, and publish one report or output a year. The annual rule is the one the scan job
enforces: a DC recognised before a calendar year began owes an output *for* that year (its ``year`` field),
published by the end of January of the following year.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import msgspec

from igf_hub.tracks.schemas import Standing, StandingCheck, StandingRule, TrackRow

MIN_STAKEHOLDER_GROUPS = 3
# One month after the year ends, so that a report covering December can still be filed for that year.
REPORT_GRACE = timedelta(days=31)


def report_deadline(year: int) -> datetime:
    return datetime(year + 1, 1, 1, tzinfo=UTC) + REPORT_GRACE


def reporting_year(now: datetime) -> int:
    """The latest calendar year whose annual output is already overdue at ``now``."""
    year = now.year - 1
    return year if now >= report_deadline(year) else year - 1


def annual_output_check(track: TrackRow, output_years: Iterable[int], now: datetime) -> StandingCheck:
    year = reporting_year(now)
    if track.activated_at is None:
        return StandingCheck(rule=StandingRule.annual_output, met=True, detail="not recognised yet")
    if track.activated_at >= datetime(year, 1, 1, tzinfo=UTC):
        first_due = track.activated_at.year + 1
        return StandingCheck(
            rule=StandingRule.annual_output,
            met=True,
            detail=f"recognised in {track.activated_at.year}: the first annual output is for {first_due}, "
            f"due by {report_deadline(first_due).date().isoformat()}",
        )
    if year in set(output_years):
        return StandingCheck(
            rule=StandingRule.annual_output, met=True, detail=f"published a report or output for {year}"
        )
    return StandingCheck(
        rule=StandingRule.annual_output,
        met=False,
        detail=f"no report or output published for {year} "
        f"(due by {report_deadline(year).date().isoformat()})",
    )


def _check(rule: StandingRule, met: bool, if_met: str, if_not: str) -> StandingCheck:
    return StandingCheck(rule=rule, met=met, detail=if_met if met else if_not)


def evaluate(
    track: TrackRow, *, participant_groups: Iterable[str], output_years: Iterable[int], now: datetime
) -> Standing:
    groups = sorted(set(participant_groups))
    listed = f" ({', '.join(groups)})" if groups else ""
    diversity = f"participants from {len(groups)} stakeholder group(s){listed}"
    checks = [
        _check(
            StandingRule.open_membership,
            track.open_membership,
            "membership is open to anyone",
            "membership is closed: a Dynamic Coalition must be open to all",
        ),
        _check(
            StandingRule.public_mailing_list,
            track.mailing_list_url is not None,
            f"public mailing list at {track.mailing_list_url}",
            "no public mailing list",
        ),
        _check(
            StandingRule.open_archive,
            track.mailing_list_archive_url is not None,
            f"open archive at {track.mailing_list_archive_url}",
            "no open mailing list archive",
        ),
        _check(
            StandingRule.stakeholder_diversity,
            len(groups) >= MIN_STAKEHOLDER_GROUPS,
            diversity,
            f"{diversity}; at least {MIN_STAKEHOLDER_GROUPS} needed",
        ),
        annual_output_check(track, output_years, now),
    ]
    reasons = [c.detail for c in checks if not c.met]
    return Standing(
        track_id=track.id,
        slug=track.slug,
        status=track.status,
        evaluated_at=now,
        reporting_year=reporting_year(now),
        in_good_standing=not reasons,
        checks=checks,
        reasons=reasons,
    )


class Due(msgspec.Struct, kw_only=True, frozen=True):
    """The next annual report or output a Dynamic Coalition owes: for which year, by when, and whether late."""

    year: int
    deadline: datetime
    overdue: bool


def next_due(track: TrackRow, output_years: Iterable[int], now: datetime) -> Due | None:
    """The earliest year the coalition still owes an output for, from the year the annual rule checks now (an
    older gap no longer counts), or its first year when it was recognised since; None before recognition."""
    if track.activated_at is None:
        return None
    published = set(output_years)
    year = max(track.activated_at.year + 1, reporting_year(now))
    while year in published:
        year += 1
    deadline = report_deadline(year)
    return Due(year=year, deadline=deadline, overdue=now >= deadline)
