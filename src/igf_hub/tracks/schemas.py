"""Bodies for tracks, their people, Dynamic Coalition formation and standing, and their history."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from igf_hub.core.pagination import Page
from igf_hub.core.schemas import (
    Classification,
    CountryCode,
    Email,
    HttpUrl,
    LongText,
    Name,
    NonEmptyStr,
    ShortText,
    Slug,
    Year,
)
from igf_hub.core.vocab import StakeholderGroup
from igf_hub.tracks.call_schemas import CallSummary
from igf_hub.tracks.output_schemas import OutputSummary


class TrackType(enum.StrEnum):
    bpf = "bpf"
    dynamic_coalition = "dynamic_coalition"
    policy_network = "policy_network"
    other = "other"


class OtherTrackSubtype(enum.StrEnum):
    """What an ``other`` track is: youth, parliamentary, NRI collaborative sessions, the Leadership Panel …"""

    youth = "youth"
    parliamentary = "parliamentary"
    nri_collaborative_sessions = "nri_collaborative_sessions"
    leadership_panel = "leadership_panel"
    other = "other"


class TrackStatus(enum.StrEnum):
    proposed = "proposed"
    active = "active"
    inactive = "inactive"  # Dynamic Coalitions only
    concluded = "concluded"


# Path segments under /v1/tracks that are not track slugs.
RESERVED_SLUGS = frozenset({"outputs", "calls", "import"})

YearsActive = Annotated[list[Year], msgspec.Meta(max_length=100)]
Acronym = Annotated[str, msgspec.Meta(min_length=1, max_length=40, examples=["DC-IoT"])]


class FoundingMember(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    stakeholder_group: StakeholderGroup
    country: CountryCode | None = None
    organisation: ShortText | None = None


class ContactPerson(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    email: Email
    organisation: ShortText | None = None


class DcFormationCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What a new Dynamic Coalition is proposed with."""

    statement_of_need: NonEmptyStr
    action_plan: NonEmptyStr
    contact_persons: Annotated[list[ContactPerson], msgspec.Meta(min_length=1, max_length=20)]
    founding_members: Annotated[list[FoundingMember], msgspec.Meta(min_length=1, max_length=500)]


class PublicContactPerson(msgspec.Struct, kw_only=True):
    name: str
    organisation: str | None = None
    email: str | None = None  # only for the Secretariat and the track's facilitators


class DcFormation(msgspec.Struct, kw_only=True):
    statement_of_need: str
    action_plan: str
    contact_persons: list[PublicContactPerson]
    founding_members: list[FoundingMember]
    submitted_at: datetime


class TrackCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    slug: Slug
    type: TrackType
    subtype: OtherTrackSubtype | None = None
    name: Name
    acronym: Acronym | None = None
    predecessor: Slug | None = None  # the slug of the track (e.g. an earlier coalition) this one continues
    description: LongText = ""
    years_active: YearsActive = []
    open_membership: bool = True
    mailing_list_url: HttpUrl | None = None
    mailing_list_archive_url: HttpUrl | None = None
    classification: Classification = msgspec.field(default_factory=Classification)
    formation: DcFormationCreate | None = None  # required for (and only for) Dynamic Coalitions


class TrackPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """The slug and type never change: citable output ids are built from the slug."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    acronym: Acronym | msgspec.UnsetType | None = msgspec.UNSET
    predecessor: Slug | msgspec.UnsetType | None = msgspec.UNSET
    subtype: OtherTrackSubtype | msgspec.UnsetType = msgspec.UNSET
    description: LongText | msgspec.UnsetType = msgspec.UNSET
    years_active: YearsActive | msgspec.UnsetType = msgspec.UNSET
    open_membership: bool | msgspec.UnsetType = msgspec.UNSET
    mailing_list_url: HttpUrl | msgspec.UnsetType | None = msgspec.UNSET
    mailing_list_archive_url: HttpUrl | msgspec.UnsetType | None = msgspec.UNSET
    classification: Classification | msgspec.UnsetType = msgspec.UNSET


class TrackImportRow(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One track of an import: a CSV row (these fields are the columns; lists separated by ``;``) or a JSON
    object. ``status`` and ``years_active`` are the track's real history (a concluded BPF keeps its years)."""

    slug: Slug
    type: TrackType
    subtype: OtherTrackSubtype | None = None
    name: Name
    acronym: Acronym | None = None
    description: LongText = ""
    status: TrackStatus = TrackStatus.active
    years_active: YearsActive = []
    open_membership: bool = True
    mailing_list_url: HttpUrl | None = None
    mailing_list_archive_url: HttpUrl | None = None
    wsis_action_lines: Annotated[list[str], msgspec.Meta(max_length=11)] = []
    sdgs: Annotated[list[int], msgspec.Meta(max_length=17)] = []
    gdc_objectives: Annotated[list[int], msgspec.Meta(max_length=5)] = []
    predecessor: Slug | None = None


class TrackImportOutcome(msgspec.Struct, kw_only=True):
    row: int
    slug: str
    outcome: str  # created | would_create (a dry run)


class TrackImportReport(msgspec.Struct, kw_only=True):
    dry_run: bool
    source: str
    created: int
    rows: list[TrackImportOutcome]


class TrackTransition(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    to: TrackStatus
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)] | None = None


class Person(msgspec.Struct, kw_only=True):
    user_id: UUID
    display_name: str


class MagLiaison(Person, kw_only=True):
    is_current_mag_member: bool


class PersonRef(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    user_id: UUID


class TrackRow(msgspec.Struct, kw_only=True):
    """A track as stored, without the people and formation the service adds."""

    id: UUID
    slug: str
    type: TrackType
    subtype: OtherTrackSubtype | None
    name: str
    description: str
    status: TrackStatus
    status_reason: str | None
    status_changed_at: datetime
    activated_at: datetime | None
    years_active: list[int]
    open_membership: bool
    mailing_list_url: str | None
    mailing_list_archive_url: str | None
    classification: Classification
    created_at: datetime
    updated_at: datetime
    version: int
    acronym: str | None = None
    predecessor_id: UUID | None = None
    predecessor: str | None = None  # the predecessor's slug
    successors: list[str] = []  # the slugs of the tracks that continue this one
    # Set on a track loaded from the archive rather than created here: when, from what source, by whom.
    imported_at: datetime | None = None
    import_source: str | None = None
    imported_by: str | None = None


class Track(TrackRow, kw_only=True):
    facilitators: list[Person] = []
    mag_liaisons: list[MagLiaison] = []
    formation: DcFormation | None = None


class TrackSummary(msgspec.Struct, kw_only=True):
    id: UUID
    slug: str
    type: TrackType
    subtype: OtherTrackSubtype | None
    name: str
    status: TrackStatus
    years_active: list[int]
    classification: Classification


class TrackPage(Page[TrackSummary]):
    pass


class TrackListing(msgspec.Struct, kw_only=True):
    """A track as the /tracks page lists it."""

    track: TrackSummary
    participants: int
    in_good_standing: bool | None  # None: not a Dynamic Coalition, or one still proposed


# -- participants ------------------------------------------------------------------------------------


class ParticipationCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    stakeholder_group: StakeholderGroup
    country: CountryCode


class Participation(msgspec.Struct, kw_only=True):
    track_id: UUID
    user_id: UUID
    stakeholder_group: StakeholderGroup
    country: str
    joined_at: datetime
    updated_at: datetime


class ParticipationPage(Page[Participation]):
    pass


class ParticipantSummary(msgspec.Struct, kw_only=True):
    """Public counts only: who participates is visible to the Secretariat and the track's facilitators."""

    total: int
    by_stakeholder_group: dict[str, int]
    by_regional_group: dict[str, int]


# -- standing and history -----------------------------------------------------------------------------


class StandingRule(enum.StrEnum):
    open_membership = "open_membership"
    public_mailing_list = "public_mailing_list"
    open_archive = "open_archive"
    stakeholder_diversity = "stakeholder_diversity"
    annual_output = "annual_output"


class StandingCheck(msgspec.Struct, kw_only=True):
    rule: StandingRule
    met: bool
    detail: str


class Standing(msgspec.Struct, kw_only=True):
    """A Dynamic Coalition measured against the DC rules (open membership, a public mailing list with an open
    archive, participants from 3+ stakeholder groups, one report or output a year)."""

    track_id: UUID
    slug: str
    status: TrackStatus
    evaluated_at: datetime
    reporting_year: int
    in_good_standing: bool
    checks: list[StandingCheck]
    reasons: list[str]


class HistoryEntry(msgspec.Struct, kw_only=True):
    occurred_at: datetime
    action: str
    from_status: str | None = None
    to_status: str | None = None
    reason: str | None = None
    output_id: UUID | None = None


class TrackDetail(Track, kw_only=True):
    """``GET /v1/tracks/{slug}``: the track with its participants summary, latest outputs, open calls and
    history (outputs beyond the latest ``DETAIL_OUTPUTS`` are on ``/v1/tracks/{slug}/outputs``)."""

    participants: ParticipantSummary
    outputs: list[OutputSummary]
    calls: list[CallSummary]
    history: list[HistoryEntry]
