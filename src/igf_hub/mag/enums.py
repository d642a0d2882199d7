"""The MAG's own vocabularies (the stakeholder and regional groups are shared: ``core/vocab.py``)."""

from __future__ import annotations

import enum


class Gender(enum.StrEnum):
    """Self-declared and optional; absent means not declared."""

    female = "female"
    male = "male"
    non_binary = "non_binary"


class CycleStatus(enum.StrEnum):
    planning = "planning"
    call_open = "call_open"
    appointed = "appointed"
    closed = "closed"


class AppointmentRole(enum.StrEnum):
    member = "member"
    chair = "chair"
    host_country_representative = "host_country_representative"
    observer = "observer"


class AppointmentStatus(enum.StrEnum):
    active = "active"
    ended = "ended"
    resigned = "resigned"


class EarlyEndStatus(enum.StrEnum):
    resigned = "resigned"
    ended = "ended"


class NominationStatus(enum.StrEnum):
    submitted = "submitted"
    shortlisted = "shortlisted"
    not_selected = "not_selected"
    withdrawn = "withdrawn"
    appointed = "appointed"


class NominatorKind(enum.StrEnum):
    self = "self"
    organisation = "organisation"


class RuleStatus(enum.StrEnum):
    passed = "pass"
    warn = "warn"
