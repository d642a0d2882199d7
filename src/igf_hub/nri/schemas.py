"""NRI bodies: the initiative, its organising committee and focal points, submissions and coordinators."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec

from igf_hub.core import countries
from igf_hub.core.pagination import Page
from igf_hub.core.schemas import (
    CountryCode,
    Email,
    FoundedYear,
    HttpUrl,
    LanguageTag,
    LongText,
    Name,
    ShortText,
)
from igf_hub.core.vocab import StakeholderGroup

Acronym = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
Description = Annotated[str, msgspec.Meta(max_length=20_000)]
Reason = Annotated[str, msgspec.Meta(min_length=3, max_length=5_000)]


class NriType(enum.StrEnum):
    national = "national"
    sub_regional = "sub_regional"
    regional = "regional"
    youth = "youth"


class YouthScope(enum.StrEnum):
    """The level a youth NRI is organised at; its grant ceiling follows that level."""

    national = "national"
    sub_regional = "sub_regional"
    regional = "regional"


class NriStatus(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"
    under_review = "under_review"
    changes_requested = "changes_requested"
    recognised = "recognised"
    declined = "declined"
    inactive = "inactive"
    withdrawn = "withdrawn"


class Gender(enum.StrEnum):
    female = "female"
    male = "male"
    non_binary = "non_binary"
    other = "other"
    undisclosed = "undisclosed"


class IgfPrinciple(enum.StrEnum):
    """The IGF principles a coordinator affirms when submitting an NRI for recognition."""

    open_and_transparent = "open_and_transparent"
    inclusive = "inclusive"
    bottom_up = "bottom_up"
    multistakeholder = "multistakeholder"
    non_commercial = "non_commercial"


def unknown_countries(codes: list[str]) -> list[str]:
    return [c for c in codes if not countries.is_known(c)]


class CommitteeMember(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    organisation: ShortText | None = None
    stakeholder_group: StakeholderGroup
    country: CountryCode
    city: ShortText | None = None
    gender: Gender | None = None  # optional; never shown publicly per person

    def __post_init__(self) -> None:
        if not countries.is_known(self.country):
            raise ValueError(f"unknown ISO 3166-1 country code {self.country!r}")


class FocalPoint(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    email: Email | None = None  # shown to the NRI's coordinators and the Secretariat only
    role: ShortText | None = None


class NriCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What a coordinator registers; everything the recognition criteria need can follow in the draft."""

    type: NriType
    youth_scope: YouthScope | None = None
    parent_nri_id: UUID | None = None
    name: Name
    acronym: Acronym | None = None
    countries: Annotated[list[CountryCode], msgspec.Meta(min_length=1, max_length=250)]
    scope_note: ShortText | None = None  # e.g. "the Portuguese-speaking countries"
    website: HttpUrl | None = None
    mailing_list_url: HttpUrl | None = None
    contact_email: Email | None = None
    languages: Annotated[list[LanguageTag], msgspec.Meta(max_length=30)] = []
    year_founded: FoundedYear | None = None
    description: Description = ""
    committee: Annotated[list[CommitteeMember], msgspec.Meta(max_length=500)] = []
    focal_points: Annotated[list[FocalPoint], msgspec.Meta(min_length=1, max_length=3)]
    meeting_report_url: HttpUrl | None = None
    meeting_report_text: LongText | None = None

    def __post_init__(self) -> None:
        problems = []
        if unknown := unknown_countries(self.countries):
            problems.append(f"unknown ISO 3166-1 country codes: {', '.join(unknown)}")
        self.countries = sorted(set(self.countries))
        self.languages = list(dict.fromkeys(self.languages))
        if (self.type is NriType.youth) != (self.youth_scope is not None):
            problems.append(
                "youth_scope (national, sub_regional or regional) is required for youth NRIs and only for them"
            )
        if self.parent_nri_id is not None and self.type is not NriType.youth:
            problems.append("only a youth NRI is integrated into a parent NRI")
        single = self.type is NriType.national or self.youth_scope is YouthScope.national
        if single and len(self.countries) != 1:
            problems.append("a national initiative covers exactly one country")
        if not single and len(self.countries) < 2:
            problems.append("a sub-regional or regional initiative covers at least two countries")
        if problems:
            raise ValueError("; ".join(problems))


class NriPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """Absent fields are kept; ``null`` clears an optional field."""

    type: NriType | msgspec.UnsetType = msgspec.UNSET
    youth_scope: YouthScope | msgspec.UnsetType | None = msgspec.UNSET
    parent_nri_id: UUID | msgspec.UnsetType | None = msgspec.UNSET
    name: Name | msgspec.UnsetType = msgspec.UNSET
    acronym: Acronym | msgspec.UnsetType | None = msgspec.UNSET
    countries: (
        Annotated[list[CountryCode], msgspec.Meta(min_length=1, max_length=250)] | msgspec.UnsetType
    ) = msgspec.UNSET
    scope_note: ShortText | msgspec.UnsetType | None = msgspec.UNSET
    website: HttpUrl | msgspec.UnsetType | None = msgspec.UNSET
    mailing_list_url: HttpUrl | msgspec.UnsetType | None = msgspec.UNSET
    contact_email: Email | msgspec.UnsetType | None = msgspec.UNSET
    languages: Annotated[list[LanguageTag], msgspec.Meta(max_length=30)] | msgspec.UnsetType = msgspec.UNSET
    year_founded: FoundedYear | msgspec.UnsetType | None = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    committee: Annotated[list[CommitteeMember], msgspec.Meta(max_length=500)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    focal_points: (
        Annotated[list[FocalPoint], msgspec.Meta(min_length=1, max_length=3)] | msgspec.UnsetType
    ) = msgspec.UNSET
    meeting_report_url: HttpUrl | msgspec.UnsetType | None = msgspec.UNSET
    meeting_report_text: LongText | msgspec.UnsetType | None = msgspec.UNSET

    def changes(self) -> dict[str, Any]:
        return {f: v for f in self.__struct_fields__ if (v := getattr(self, f)) is not msgspec.UNSET}


class Advisory(msgspec.Struct, kw_only=True):
    """A warning the reviewer sees with a submission; it never refuses it."""

    code: str
    detail: str


class Submission(msgspec.Struct, kw_only=True):
    id: UUID
    nri_version: int
    submitted_at: datetime
    submitted_by: str
    affirmed_principles: list[IgfPrinciple]
    criteria_met: list[str]
    warnings: list[Advisory]
    review_started_at: datetime | None = None
    review_started_by: str | None = None
    decision: NriStatus | None = None
    decision_reason: str | None = None
    requested_changes: list[str] = []
    # The reasons per field (field name to reason) when the decision asked for changes.
    requested_fields: dict[str, str] = {}
    decided_at: datetime | None = None
    decided_by: str | None = None


class AwaitingReview(msgspec.Struct, kw_only=True):
    """An NRI waiting for the Secretariat (submitted, or under review), with its latest submission's result."""

    id: UUID
    name: str
    acronym: str | None
    type: NriType
    countries: list[str]
    status: NriStatus
    version: int
    submitted_at: datetime
    criteria_met: list[str]
    warnings: list[Advisory]


class Nri(msgspec.Struct, kw_only=True):
    id: UUID
    type: NriType
    youth_scope: YouthScope | None
    parent_nri_id: UUID | None
    name: str
    acronym: str | None
    countries: list[str]
    regional_groups: list[str]
    scope_note: str | None
    website: str | None
    mailing_list_url: str | None
    contact_email: str | None
    languages: list[str]
    year_founded: int | None
    description: str
    committee: list[CommitteeMember]
    focal_points: list[FocalPoint]
    meeting_report_url: str | None
    meeting_report_text: str | None
    status: NriStatus
    status_reason: str | None
    requested_changes: list[str]
    recognised_at: datetime | None
    last_activity_on: date | None
    version: int
    created_at: datetime
    updated_at: datetime
    # The date the Secretariat recognised the NRI (for an NRI loaded from the archive, the historical date).
    recognised_on: date | None = None
    # Set on an NRI loaded by an import rather than through the recognition workflow: when, from what source,
    # and by whom (the last shown to the Secretariat and the NRI's coordinators only).
    imported_at: datetime | None = None
    import_source: str | None = None
    imported_by: str | None = None
    # Shown to the NRI's coordinators and the Secretariat only.
    latest_submission: Submission | None = None
    # The Secretariat's reasons per field (field name to reason) while changes are requested.
    requested_fields: dict[str, str] = {}


class NriSummary(msgspec.Struct, kw_only=True):
    id: UUID
    type: NriType
    youth_scope: YouthScope | None
    name: str
    acronym: str | None
    countries: list[str]
    regional_groups: list[str]
    languages: list[str]
    website: str | None
    status: NriStatus
    recognised_at: datetime | None
    last_activity_on: date | None
    recognised_on: date | None = None


class NriPage(Page[NriSummary]):
    pass


class NriFilters(msgspec.Struct, kw_only=True):
    type: NriType | None = None
    status: NriStatus | None = None
    country: str | None = None
    regional_group: str | None = None
    language: str | None = None
    year_active: int | None = None
    q: str | None = None


# -- workflow bodies ----------------------------------------------------------------------------------


class NriSubmit(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The coordinator affirms the IGF principles the NRI follows (all five are required)."""

    affirmed_principles: Annotated[list[IgfPrinciple], msgspec.Meta(max_length=10)] = []


class NriDecision(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: Reason


class NriField(enum.StrEnum):
    """The fields of an NRI a coordinator writes: what a reason per field is about."""

    type = "type"
    youth_scope = "youth_scope"
    parent_nri_id = "parent_nri_id"
    name = "name"
    acronym = "acronym"
    countries = "countries"
    scope_note = "scope_note"
    website = "website"
    mailing_list_url = "mailing_list_url"
    contact_email = "contact_email"
    languages = "languages"
    year_founded = "year_founded"
    description = "description"
    committee = "committee"
    focal_points = "focal_points"
    meeting_report_url = "meeting_report_url"
    meeting_report_text = "meeting_report_text"


class NriChangesRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Why, and what to change: general changes (``changes``), reasons per field (``fields``, e.g.
    ``{"website": "The site does not load"}``), or both; at least one."""

    reason: Reason
    changes: Annotated[list[ShortText], msgspec.Meta(max_length=50)] = []
    fields: dict[NriField, ShortText] = {}

    def __post_init__(self) -> None:
        if not self.changes and not self.fields:
            raise ValueError("name at least one change: in changes, or a reason for a field in fields")


# -- coordinators -------------------------------------------------------------------------------------


class CoordinatorInvite(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Name an existing user by id or e-mail."""

    user_id: UUID | None = None
    email: Email | None = None

    def __post_init__(self) -> None:
        if (self.user_id is None) == (self.email is None):
            raise ValueError("give exactly one of user_id or email")


class Coordinator(msgspec.Struct, kw_only=True):
    user_id: UUID
    email: str
    display_name: str


# -- reading ------------------------------------------------------------------------------------------


class HistoryEntry(msgspec.Struct, kw_only=True, omit_defaults=True):
    seq: int
    occurred_at: datetime
    action: str
    actor: str | None = None  # shown to the NRI's coordinators and the Secretariat only
    data: dict[str, Any] = {}


class HistoryPage(Page[HistoryEntry]):
    pass


class CriterionInfo(msgspec.Struct, kw_only=True):
    code: str
    title: str
    description: str
    pointer: str


class CriteriaDocument(msgspec.Struct, kw_only=True):
    criteria: list[CriterionInfo]
    advisories: list[CriterionInfo]
    principles: list[IgfPrinciple]


class NriStats(msgspec.Struct, kw_only=True):
    total: int
    by_type: dict[str, int]
    by_regional_group: dict[str, int]
    by_status: dict[str, int]
    by_year_founded: dict[str, int]
    reporting_by_year: dict[str, int]  # NRIs with a submitted activity report for each year
    participants_by_stakeholder: dict[str, int]
    participants_by_gender: dict[str, int]
    participants_total: int


class ImportRow(msgspec.Struct, kw_only=True):
    row: int
    id: UUID | None  # None in a dry run, for an NRI not created yet
    name: str
    outcome: str  # created | updated | unchanged


class ImportReport(msgspec.Struct, kw_only=True):
    created: int
    updated: int
    unchanged: int
    rows: list[ImportRow]
    dry_run: bool = False  # true: the counts say what the import would do; nothing was written
