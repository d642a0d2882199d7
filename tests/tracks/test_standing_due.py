"""What a Dynamic Coalition's workspace says it owes next (tracks/standing.py ``next_due``)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from igf_hub.core.schemas import Classification
from igf_hub.tracks import standing
from igf_hub.tracks.schemas import TrackRow, TrackStatus, TrackType


def dc(activated_at: datetime | None) -> TrackRow:
    now = datetime(2020, 1, 1, tzinfo=UTC)
    return TrackRow(
        id=uuid4(),
        slug="dc-example",
        type=TrackType.dynamic_coalition,
        subtype=None,
        name="DC on examples",
        description="",
        status=TrackStatus.active if activated_at else TrackStatus.proposed,
        status_reason=None,
        status_changed_at=now,
        activated_at=activated_at,
        years_active=[],
        open_membership=True,
        mailing_list_url=None,
        mailing_list_archive_url=None,
        classification=Classification(),
        created_at=now,
        updated_at=now,
        version=1,
    )


def test_the_first_year_still_owed_from_the_year_the_annual_rule_checks() -> None:
    # February 2026: the rule checks 2025 (due by the end of January 2026); an older gap no longer counts.
    now = datetime(2026, 2, 10, tzinfo=UTC)
    recognised = dc(datetime(2023, 5, 1, tzinfo=UTC))
    assert standing.next_due(recognised, {2024}, now) == standing.Due(
        year=2025, deadline=standing.report_deadline(2025), overdue=True
    )
    assert standing.next_due(recognised, {2025}, now) == standing.Due(
        year=2026, deadline=standing.report_deadline(2026), overdue=False
    )
    assert standing.next_due(recognised, {2025, 2026}, now) == standing.Due(
        year=2027, deadline=standing.report_deadline(2027), overdue=False
    )


def test_a_coalition_recognised_this_year_owes_its_first_output_for_next_year() -> None:
    now = datetime(2026, 2, 10, tzinfo=UTC)
    assert standing.next_due(dc(datetime(2026, 1, 15, tzinfo=UTC)), set(), now) == standing.Due(
        year=2027, deadline=standing.report_deadline(2027), overdue=False
    )
    assert standing.next_due(dc(None), set(), now) is None  # proposed: nothing is owed yet
