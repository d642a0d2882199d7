"""MAG bodies: people, cycles, nominations and appointments (the balance lives in balance.py).

Fields only the Secretariat may see (a person's linked account, self-declared gender, nomination links) are
``UNSET`` in what anyone else receives, so they are absent from the JSON rather than ``null``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import msgspec

from igf_hub.core.pagination import Page
from igf_hub.core.schemas import CountryCode, Day, Email, Name, ShortText, Year
from igf_hub.core.vocab import MagStakeholderGroup, RegionalGroup, StakeholderGroup
from igf_hub.mag.enums import (
    AppointmentRole,
    AppointmentStatus,
    CycleStatus,
    EarlyEndStatus,
    Gender,
    NominationStatus,
    NominatorKind,
)
from igf_hub.mag.rules import BalanceRules, BalanceRulesOverride

Affiliation = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
Statement = Annotated[str, msgspec.Meta(min_length=1, max_length=10_000)]
Reason = Annotated[str, msgspec.Meta(min_length=3, max_length=2_000)]
TargetSize = Annotated[int, msgspec.Meta(ge=1, le=200)]


# -- people ---------------------------------------------------------------------------------------------


class PersonCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    affiliation: Affiliation | None = None
    country: CountryCode | None = None
    user_id: UUID | None = None  # link to a user account: its appointments then grant mag_member


class PersonPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    affiliation: Affiliation | msgspec.UnsetType | None = msgspec.UNSET
    country: CountryCode | msgspec.UnsetType | None = msgspec.UNSET
    user_id: UUID | msgspec.UnsetType | None = msgspec.UNSET  # null unlinks (and revokes the mirrored role)


class Person(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    affiliation: str | None
    country: str | None
    created_at: datetime
    updated_at: datetime
    version: int
    user_id: UUID | msgspec.UnsetType | None = msgspec.UNSET  # Secretariat only


class PersonRef(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    affiliation: str | None


class PersonPage(Page[Person]):
    pass


# -- cycles ---------------------------------------------------------------------------------------------


# Notes on a cycle: its published size, the renewal rate, anything the public record needs to say.
CycleNotes = Annotated[str, msgspec.Meta(max_length=5000)]


class CycleCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    year: Year
    starts_on: Day
    ends_on: Day
    target_size: TargetSize = 40
    rule_overrides: BalanceRulesOverride = msgspec.field(default_factory=BalanceRulesOverride)
    notes: CycleNotes = ""

    def __post_init__(self) -> None:
        if self.ends_on <= self.starts_on:
            raise ValueError("ends_on must be after starts_on")


class CyclePatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    starts_on: Day | msgspec.UnsetType = msgspec.UNSET
    ends_on: Day | msgspec.UnsetType = msgspec.UNSET
    target_size: TargetSize | msgspec.UnsetType = msgspec.UNSET
    rule_overrides: BalanceRulesOverride | msgspec.UnsetType = msgspec.UNSET  # replaces the whole set
    notes: CycleNotes | msgspec.UnsetType = msgspec.UNSET  # may change even after the cycle closed


class CycleTransition(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    to: CycleStatus


class Cycle(msgspec.Struct, kw_only=True):
    id: UUID
    year: int
    starts_on: date
    ends_on: date
    target_size: int
    status: CycleStatus
    allowed_transitions: list[CycleStatus]
    rule_overrides: BalanceRulesOverride
    rules: BalanceRules  # the defaults with this cycle's overrides applied
    created_at: datetime
    updated_at: datetime
    version: int
    notes: str = ""
    # Set on a cycle loaded from the archive: it never went through planning, call and appointment here.
    imported_at: datetime | None = None
    import_source: str | None = None


class CyclePage(Page[Cycle]):
    pass


# -- appointments ---------------------------------------------------------------------------------------


class AppointmentCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    person_id: UUID
    role: AppointmentRole = AppointmentRole.member
    stakeholder_group: StakeholderGroup
    country: CountryCode
    regional_group: RegionalGroup | None = (
        None  # derived from the country; needed only for a country without one
    )
    gender: Gender | None = None
    starts_on: Day | None = None  # default: the cycle's dates
    ends_on: Day | None = None
    nomination_id: UUID | None = None
    term_limit_exception_reason: Reason | None = None  # required (and public) beyond the term limit


class AppointmentPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    starts_on: Day | msgspec.UnsetType = msgspec.UNSET
    ends_on: Day | msgspec.UnsetType = msgspec.UNSET
    gender: Gender | msgspec.UnsetType | None = msgspec.UNSET


class AppointmentEarlyEnd(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A resignation, or an early end for another reason; the appointment's last day becomes ``ends_on``."""

    status: EarlyEndStatus = EarlyEndStatus.resigned
    ends_on: Day
    reason: Reason


class TermLimitException(msgspec.Struct, kw_only=True):
    reason: str
    recorded_at: datetime


class Appointment(msgspec.Struct, kw_only=True):
    id: UUID
    cycle_year: int
    person: PersonRef
    role: AppointmentRole
    is_chair: bool
    stakeholder_group: StakeholderGroup
    mag_stakeholder_group: MagStakeholderGroup | None  # None: an observer seat, not counted in the balance
    regional_group: RegionalGroup
    country: str
    starts_on: date
    ends_on: date
    term_number: int
    status: AppointmentStatus
    end_reason: str | None
    term_limit_exception: TermLimitException | None
    created_at: datetime
    updated_at: datetime
    version: int
    gender: Gender | msgspec.UnsetType | None = msgspec.UNSET  # Secretariat only
    nomination_id: UUID | msgspec.UnsetType | None = msgspec.UNSET  # Secretariat only
    # An appointment loaded from the archive (POST /v1/mag/cycles/archive): when and from what source.
    imported_at: datetime | None = None
    import_source: str | None = None


class AppointmentPage(Page[Appointment]):
    pass


class SlateEntry(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A proposed seat: an appointment body without dates or nomination."""

    person_id: UUID | None = None  # None: someone without a person record yet (counted as a newcomer)
    role: AppointmentRole = AppointmentRole.member
    stakeholder_group: StakeholderGroup
    country: CountryCode
    regional_group: RegionalGroup | None = None
    gender: Gender | None = None
    term_limit_exception_reason: Reason | None = None


class SlatePreview(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What-if: the cycle's seated appointments (unless ``include_current`` is false), minus ``remove``,
    plus ``add``."""

    include_current: bool = True
    remove: Annotated[list[UUID], msgspec.Meta(max_length=200)] = []
    add: Annotated[list[SlateEntry], msgspec.Meta(max_length=200)] = []


class PersonWithHistory(Person, kw_only=True):
    appointments: list[Appointment]  # every appointment, oldest cycle first


# -- nominations ----------------------------------------------------------------------------------------


class Endorsement(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    organisation: Affiliation | None = None
    statement: Annotated[str, msgspec.Meta(max_length=2_000)] | None = None


class NominatedBy(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: NominatorKind
    organisation: Affiliation | None = None

    def __post_init__(self) -> None:
        if (self.kind is NominatorKind.organisation) != (self.organisation is not None):
            raise ValueError("organisation is required when, and only when, kind is 'organisation'")


class NominationCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    nominee_name: Name
    nominee_email: Email | None = None
    person_id: UUID | None = None  # an existing MAG person (e.g. a member seeking renewal)
    stakeholder_group: StakeholderGroup
    country: CountryCode
    regional_group: RegionalGroup | None = None
    gender: Gender | None = None
    nominated_by: NominatedBy
    statement: Statement
    endorsements: Annotated[list[Endorsement], msgspec.Meta(max_length=20)] = []


class NominationTransition(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    to: NominationStatus
    note: ShortText | None = None


class Nomination(msgspec.Struct, kw_only=True):
    id: UUID
    cycle_year: int
    person_id: UUID | None
    nominee_name: str
    nominee_email: str | None
    stakeholder_group: StakeholderGroup
    regional_group: RegionalGroup
    country: str
    gender: Gender | None
    nominated_by: NominatedBy
    statement: str
    endorsements: list[Endorsement]
    status: NominationStatus
    status_note: str | None
    allowed_transitions: list[NominationStatus]
    # Earlier cycles in which the nominee's country held a counted seat: rarely represented countries are favoured.
    country_prior_cycles: int
    country_served_before: bool
    country_rarely_represented: bool
    submitted_by: str
    created_at: datetime
    updated_at: datetime
    version: int


class NominationPage(Page[Nomination]):
    pass


class NominationSummary(msgspec.Struct, kw_only=True):
    """The public, aggregate view of a cycle's nominations."""

    cycle_year: int
    total: int
    by_status: dict[str, int]
    by_stakeholder_group: dict[str, int]
    by_regional_group: dict[str, int]
    by_gender: dict[str, int]  # "undeclared" for nominations without one
    by_nominator: dict[str, int]
