"""Bodies in and out for session reports: the raw material Messages are distilled from."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from igf_hub.core.pagination import Page
from igf_hub.core.schemas import Classification, LanguageTag, Year

SessionTitle = Annotated[str, msgspec.Meta(min_length=2, max_length=500)]
SessionRef = Annotated[
    str, msgspec.Meta(min_length=1, max_length=60, pattern=r"^\S(?:.*\S)?$", examples=["WS #123"])
]
Organiser = Annotated[str, msgspec.Meta(min_length=2, max_length=300)]
Point = Annotated[str, msgspec.Meta(min_length=3, max_length=5_000)]


class SessionType(enum.StrEnum):
    main_session = "main_session"
    high_level_session = "high_level_session"
    workshop = "workshop"
    open_forum = "open_forum"
    town_hall = "town_hall"
    lightning_talk = "lightning_talk"
    launch_award = "launch_award"
    networking_session = "networking_session"
    day_zero = "day_zero"
    dynamic_coalition = "dynamic_coalition"
    best_practice_forum = "best_practice_forum"
    policy_network = "policy_network"
    nri_session = "nri_session"
    parliamentary_track = "parliamentary_track"
    youth_track = "youth_track"
    other = "other"


class SessionReportCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    year: Year
    session_title: SessionTitle
    session_type: SessionType
    organisers: Annotated[list[Organiser], msgspec.Meta(min_length=1, max_length=50)]
    key_takeaways: Annotated[list[Point], msgspec.Meta(min_length=1, max_length=30)]
    calls_to_action: Annotated[list[Point], msgspec.Meta(max_length=30)] = []
    classification: Classification = msgspec.field(default_factory=Classification)
    session_ref: SessionRef | None = None
    language: LanguageTag = "en"


class SessionReportPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    session_title: SessionTitle | msgspec.UnsetType = msgspec.UNSET
    session_type: SessionType | msgspec.UnsetType = msgspec.UNSET
    organisers: Annotated[list[Organiser], msgspec.Meta(min_length=1, max_length=50)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    key_takeaways: Annotated[list[Point], msgspec.Meta(min_length=1, max_length=30)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    calls_to_action: Annotated[list[Point], msgspec.Meta(max_length=30)] | msgspec.UnsetType = msgspec.UNSET
    classification: Classification | msgspec.UnsetType = msgspec.UNSET
    language: LanguageTag | msgspec.UnsetType = msgspec.UNSET


class SessionReport(msgspec.Struct, kw_only=True):
    id: UUID
    year: int
    session_ref: str | None
    session_title: str
    session_type: SessionType
    organisers: list[str]
    key_takeaways: list[str]
    calls_to_action: list[str]
    classification: Classification
    language: str
    source: str  # organiser | import
    version: int
    created_at: datetime
    updated_at: datetime


class SessionReportSummary(msgspec.Struct, kw_only=True):
    id: UUID
    year: int
    session_ref: str | None
    session_title: str
    session_type: SessionType
    classification: Classification
    created_at: datetime


class SessionReportPage(Page[SessionReportSummary]):
    pass


class SessionReportImport(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """JSON import; each report needs its ``session_ref`` so that importing again updates, not duplicates."""

    reports: Annotated[list[SessionReportCreate], msgspec.Meta(min_length=1, max_length=5_000)]


class ImportResult(msgspec.Struct, kw_only=True):
    created: int
    updated: int
    ids: list[UUID]
