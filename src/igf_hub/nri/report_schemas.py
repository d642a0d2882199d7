"""Annual activity report bodies: one report per NRI per year."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec

from igf_hub.core import countries
from igf_hub.core.schemas import Classification, CountryCode, Day, HttpUrl, LongText, ShortText, Year
from igf_hub.core.vocab import StakeholderGroup
from igf_hub.nri.schemas import Gender

Count = Annotated[int, msgspec.Meta(ge=0, le=100_000_000)]
KeyMessage = Annotated[str, msgspec.Meta(min_length=1, max_length=2_000)]


class MeetingFormat(enum.StrEnum):
    in_person = "in_person"
    hybrid = "hybrid"
    online = "online"


class ReportStatus(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"


class ReportTopic(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    title: ShortText
    classification: Classification = msgspec.field(default_factory=Classification)


class NriReportCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    year: Year
    meeting_start: Day
    meeting_end: Day
    format: MeetingFormat
    host_city: ShortText | None = None
    host_country: CountryCode | None = None
    participants_total: Count | None = None
    participants_by_stakeholder: dict[StakeholderGroup, Count] = {}
    participants_by_gender: dict[Gender, Count] = {}
    topics: Annotated[list[ReportTopic], msgspec.Meta(max_length=100)] = []
    outcome_summary: LongText | None = None
    report_url: HttpUrl | None = None
    key_messages: Annotated[list[KeyMessage], msgspec.Meta(max_length=30)] = []

    def __post_init__(self) -> None:
        problems = []
        if self.meeting_end < self.meeting_start:
            problems.append("meeting_end must not precede meeting_start")
        if self.meeting_start.year != self.year:
            problems.append(f"the meeting must start in the report's year ({self.year})")
        if self.host_country is not None and not countries.is_known(self.host_country):
            problems.append(f"unknown ISO 3166-1 country code {self.host_country!r}")
        if problems:
            raise ValueError("; ".join(problems))


class NriReportPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """Absent fields are kept; ``null`` clears an optional field. The year of a report never changes."""

    meeting_start: Day | msgspec.UnsetType = msgspec.UNSET
    meeting_end: Day | msgspec.UnsetType = msgspec.UNSET
    format: MeetingFormat | msgspec.UnsetType = msgspec.UNSET
    host_city: ShortText | msgspec.UnsetType | None = msgspec.UNSET
    host_country: CountryCode | msgspec.UnsetType | None = msgspec.UNSET
    participants_total: Count | msgspec.UnsetType | None = msgspec.UNSET
    participants_by_stakeholder: dict[StakeholderGroup, Count] | msgspec.UnsetType = msgspec.UNSET
    participants_by_gender: dict[Gender, Count] | msgspec.UnsetType = msgspec.UNSET
    topics: Annotated[list[ReportTopic], msgspec.Meta(max_length=100)] | msgspec.UnsetType = msgspec.UNSET
    outcome_summary: LongText | msgspec.UnsetType | None = msgspec.UNSET
    report_url: HttpUrl | msgspec.UnsetType | None = msgspec.UNSET
    key_messages: Annotated[list[KeyMessage], msgspec.Meta(max_length=30)] | msgspec.UnsetType = msgspec.UNSET

    def changes(self) -> dict[str, Any]:
        return {f: v for f in self.__struct_fields__ if (v := getattr(self, f)) is not msgspec.UNSET}


class NriReport(msgspec.Struct, kw_only=True):
    id: UUID
    nri_id: UUID
    year: int
    status: ReportStatus
    meeting_start: date
    meeting_end: date
    format: MeetingFormat
    host_city: str | None
    host_country: str | None
    participants_total: int | None
    participants_by_stakeholder: dict[StakeholderGroup, int]
    participants_by_gender: dict[Gender, int]
    topics: list[ReportTopic]
    classification: Classification  # every topic's tags together
    outcome_summary: str | None
    report_url: str | None
    key_messages: list[str]
    submitted_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class ReportRevision(msgspec.Struct, kw_only=True):
    """One published version of a report: the submission, then each late edit."""

    version: int
    revised_at: datetime
    revised_by: str
    content: dict[str, Any]


class OverdueReport(msgspec.Struct, kw_only=True):
    nri_id: UUID
    nri_name: str
    year: int
    report_id: UUID | None  # None: no report was even started for that year
    meeting_end: date | None
    due_on: date
    days_overdue: int


class OverdueReports(msgspec.Struct, kw_only=True):
    as_of: date
    report_due_months: int
    items: list[OverdueReport]
