"""What the MAG services share: who may see what, record-to-API mapping, dates, and seat placement rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import msgspec

from igf_hub.auth.principal import Principal, Role
from igf_hub.core import countries
from igf_hub.core.clock import Clock
from igf_hub.core.errors import FieldError, Forbidden
from igf_hub.core.vocab import RegionalGroup, StakeholderGroup, mag_group
from igf_hub.mag.enums import AppointmentRole, CycleStatus
from igf_hub.mag.repository import AppointmentRecord, CycleRecord
from igf_hub.mag.rules import BalanceRules, decode_overrides, effective
from igf_hub.mag.schemas import Appointment, Cycle, Person, PersonRef, TermLimitException

CYCLE_TRANSITIONS: dict[CycleStatus, frozenset[CycleStatus]] = {
    CycleStatus.planning: frozenset({CycleStatus.call_open}),
    CycleStatus.call_open: frozenset({CycleStatus.appointed}),
    CycleStatus.appointed: frozenset({CycleStatus.closed}),
    CycleStatus.closed: frozenset(),
}


def is_secretariat(principal: Principal) -> bool:
    return principal.has_role(Role.secretariat)


def require_secretariat(actor: Principal) -> None:
    """The object-level check behind the route guard: only the Secretariat manages the MAG."""
    if not is_secretariat(actor):
        raise Forbidden(
            "only the Secretariat manages MAG membership", extra={"required_roles": ["secretariat"]}
        )


def today(clock: Clock) -> date:
    return clock.now().date()


def day_start(day: date) -> datetime:
    """Appointment dates are whole UTC days: a day starts at 00:00 UTC."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def day_after(day: date) -> datetime:
    """The exclusive end of an inclusive last day."""
    return day_start(day + timedelta(days=1))


def cycle_view(record: CycleRecord) -> Cycle:
    overrides = decode_overrides(record.rule_overrides)
    return Cycle(
        id=record.id,
        year=record.year,
        starts_on=record.starts_on,
        ends_on=record.ends_on,
        target_size=record.target_size,
        status=record.status,
        allowed_transitions=sorted(CYCLE_TRANSITIONS[record.status]),
        rule_overrides=overrides,
        rules=effective(overrides),
        created_at=record.created_at,
        updated_at=record.updated_at,
        version=record.version,
        notes=record.notes,
        imported_at=record.imported_at,
        import_source=record.import_source,
    )


def rules_of(cycle: CycleRecord) -> BalanceRules:
    """The cycle's effective composition rules: the defaults with its overrides."""
    return effective(decode_overrides(cycle.rule_overrides))


def beyond_term_limit(rules: BalanceRules, role: AppointmentRole, number: int) -> bool:
    """Whether consecutive term ``number`` in ``role`` needs a recorded exception to be appointed."""
    return role not in rules.term_limit_exempt_roles and number > rules.max_consecutive_terms


def term_errors(
    *, rules: BalanceRules, role: AppointmentRole, number: int, reason: str | None, who: str, pointer: str
) -> list[FieldError]:
    """Beyond the consecutive-term limit only with an exception's reason, and never a needless exception."""
    beyond = beyond_term_limit(rules, role, number)
    if beyond and reason is None:
        return [
            FieldError(
                pointer,
                f"{who} would serve consecutive term {number}, beyond the limit of {rules.max_consecutive_terms}: "
                "record an exception with its reason to appoint anyway",
            )
        ]
    if reason is not None and not beyond:
        return [FieldError(pointer, f"no exception is needed for consecutive term {number} as {role.value}")]
    return []


def person_view(person: Person, *, private: bool) -> Person:
    return person if private else msgspec.structs.replace(person, user_id=msgspec.UNSET)


def appointment_view(r: AppointmentRecord, *, private: bool) -> Appointment:
    exception = (
        TermLimitException(
            reason=r.term_limit_exception_reason, recorded_at=r.term_limit_exception_recorded_at
        )
        if r.term_limit_exception_reason is not None and r.term_limit_exception_recorded_at is not None
        else None
    )
    return Appointment(
        id=r.id,
        cycle_year=r.cycle_year,
        person=PersonRef(id=r.person_id, name=r.person_name, affiliation=r.person_affiliation),
        role=r.role,
        is_chair=r.role is AppointmentRole.chair,
        stakeholder_group=r.stakeholder_group,
        mag_stakeholder_group=None if r.role is AppointmentRole.observer else mag_group(r.stakeholder_group),
        regional_group=r.regional_group,
        country=r.country,
        starts_on=r.starts_on,
        ends_on=r.ends_on,
        term_number=r.term_number,
        status=r.status,
        end_reason=r.end_reason,
        term_limit_exception=exception,
        created_at=r.created_at,
        updated_at=r.updated_at,
        version=r.version,
        gender=r.gender if private else msgspec.UNSET,
        nomination_id=r.nomination_id if private else msgspec.UNSET,
        imported_at=r.imported_at,
        import_source=r.import_source,
    )


def placement(
    *,
    country: str,
    regional_group: RegionalGroup | None,
    stakeholder_group: StakeholderGroup,
    role: AppointmentRole | None,
    pointer: str = "",
) -> tuple[RegionalGroup | None, list[FieldError]]:
    """The seat's UN regional group (from the country unless it has none) and every rule the seat breaks."""
    errors: list[FieldError] = []
    derived: RegionalGroup | None = None
    if not countries.is_known(country):
        errors.append(
            FieldError(f"{pointer}/country", f"{country!r} is not an ISO 3166-1 country code we know")
        )
    elif (group := countries.regional_group(country)) is not None:
        derived = RegionalGroup(group)
    if derived is not None and regional_group is not None and regional_group is not derived:
        errors.append(
            FieldError(
                f"{pointer}/regional_group",
                f"{country} belongs to {derived.value}, not {regional_group.value}",
            )
        )
    elif derived is None and regional_group is None and countries.is_known(country):
        errors.append(
            FieldError(
                f"{pointer}/regional_group", f"{country} is in no UN regional group: name the group to count"
            )
        )
    if role is not None and mag_group(stakeholder_group) is None and role is not AppointmentRole.observer:
        errors.append(
            FieldError(f"{pointer}/role", "intergovernmental organisations sit on the MAG as observers only")
        )
    return derived or regional_group, errors
