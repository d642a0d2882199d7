"""The balance picture of a MAG slate: counts, shares, rotation and each composition rule with its figures.

Pure computation, no I/O: the same function judges a cycle's real appointments (``GET .../balance``) and a
proposed slate (``POST .../balance:preview``), so a preview equals the real result once the slate is appointed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import msgspec

from igf_hub.core.vocab import MagStakeholderGroup, RegionalGroup, StakeholderGroup, mag_group
from igf_hub.mag.enums import AppointmentRole, Gender, RuleStatus
from igf_hub.mag.rules import BalanceRules


class Seat(msgspec.Struct, frozen=True, kw_only=True):
    """One appointment (real or proposed) as the balance sees it."""

    person_id: UUID | None  # None: a proposed newcomer without a person record yet
    role: AppointmentRole
    stakeholder_group: StakeholderGroup
    regional_group: RegionalGroup
    country: str
    gender: Gender | None
    term_number: int
    has_term_limit_exception: bool = False

    @property
    def counted(self) -> bool:
        """Observers (and any intergovernmental seat) do not count towards the balance."""
        return self.role is not AppointmentRole.observer and mag_group(self.stakeholder_group) is not None


class History(msgspec.Struct, frozen=True, kw_only=True):
    """What the rotation figures compare with."""

    previous_year: int | None  # None: no cycle the year before
    previous_members: frozenset[UUID] = frozenset()  # people with a counted seat in the previous cycle
    served_before: frozenset[UUID] = frozenset()  # people with any appointment in an earlier cycle


class GroupCount(msgspec.Struct, kw_only=True):
    group: str
    seats: int
    share: float


class GenderBreakdown(msgspec.Struct, kw_only=True):
    declared: int
    undeclared: int
    groups: list[GroupCount]  # shares of the members who declared a gender


class Rotation(msgspec.Struct, kw_only=True):
    previous_year: int | None
    returning: int | None  # members who also held a counted seat in the previous cycle
    renewed: int | None  # members who did not: the seats that rotated
    renewed_share: float | None
    newcomers: int  # members never appointed to the MAG before
    newcomer_share: float


class RuleCheck(msgspec.Struct, kw_only=True):
    rule: str
    status: RuleStatus
    detail: str
    figures: dict[str, Any]


class Balance(msgspec.Struct, kw_only=True):
    cycle_year: int
    basis: str  # "appointed": the cycle's seated appointments; "preview": a proposed slate
    status: RuleStatus  # pass only when every rule passes
    seats: int  # counted seats
    observers: int
    target_size: int
    by_stakeholder_group: list[GroupCount]
    by_regional_group: list[GroupCount]
    gender: GenderBreakdown
    rotation: Rotation
    rules: list[RuleCheck]
    config: BalanceRules


def share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def term_number(served_years: Iterable[int], year: int) -> int:
    """The position of ``year`` in the run of consecutive years served (a gap starts again at 1)."""
    served = set(served_years)
    number = 1
    while year - number in served:
        number += 1
    return number


def _check(rule: str, ok: bool, detail: str, **figures: Any) -> RuleCheck:
    return RuleCheck(
        rule=rule, status=RuleStatus.passed if ok else RuleStatus.warn, detail=detail, figures=figures
    )


def compute(
    *, year: int, basis: str, seats: Sequence[Seat], history: History, target_size: int, rules: BalanceRules
) -> Balance:
    counted = [s for s in seats if s.counted]
    total = len(counted)
    groups = Counter(mag_group(s.stakeholder_group) for s in counted)
    regions = Counter(s.regional_group for s in counted)
    genders = Counter(s.gender for s in counted if s.gender is not None)
    declared = sum(genders.values())
    checks = [
        _target_size(counted, target_size),
        _government_share(groups, total, rules),
        _non_government_parity(groups, rules),
        _host_country_seats(seats, rules.hosts_for(year)),
        _observers_not_counted(seats),
        _regional_representation(regions, rules),
        _gender_band(genders, declared, total, rules),
        _term_limit(seats, rules),
    ]
    return Balance(
        cycle_year=year,
        basis=basis,
        status=RuleStatus.passed if all(c.status is RuleStatus.passed for c in checks) else RuleStatus.warn,
        seats=total,
        observers=len(seats) - total,
        target_size=target_size,
        by_stakeholder_group=[
            GroupCount(group=g.value, seats=groups[g], share=share(groups[g], total))
            for g in MagStakeholderGroup
        ],
        by_regional_group=[
            GroupCount(group=r.value, seats=regions[r], share=share(regions[r], total)) for r in RegionalGroup
        ],
        gender=GenderBreakdown(
            declared=declared,
            undeclared=total - declared,
            groups=[
                GroupCount(group=g.value, seats=genders[g], share=share(genders[g], declared)) for g in Gender
            ],
        ),
        rotation=_rotation(counted, history),
        rules=checks,
        config=rules,
    )


def _rotation(counted: Sequence[Seat], history: History) -> Rotation:
    total = len(counted)
    newcomers = sum(1 for s in counted if s.person_id is None or s.person_id not in history.served_before)
    if history.previous_year is None:
        return Rotation(
            previous_year=None,
            returning=None,
            renewed=None,
            renewed_share=None,
            newcomers=newcomers,
            newcomer_share=share(newcomers, total),
        )
    returning = sum(1 for s in counted if s.person_id is not None and s.person_id in history.previous_members)
    return Rotation(
        previous_year=history.previous_year,
        returning=returning,
        renewed=total - returning,
        renewed_share=share(total - returning, total),
        newcomers=newcomers,
        newcomer_share=share(newcomers, total),
    )


def _target_size(counted: Sequence[Seat], target_size: int) -> RuleCheck:
    n = len(counted)
    return _check(
        "target_size",
        n == target_size,
        f"{n} counted seats for a target of {target_size}",
        seats=n,
        target_size=target_size,
    )


def _government_share(
    groups: Counter[MagStakeholderGroup | None], total: int, rules: BalanceRules
) -> RuleCheck:
    government = groups[MagStakeholderGroup.government]
    ratio = share(government, total)
    return _check(
        "government_share",
        ratio <= rules.government_max_share,
        f"government holds {government} of {total} seats ({ratio:.1%}); at most {rules.government_max_share:.0%}",
        government=government,
        seats=total,
        share=ratio,
        max_share=rules.government_max_share,
    )


def _non_government_parity(groups: Counter[MagStakeholderGroup | None], rules: BalanceRules) -> RuleCheck:
    others = [g for g in MagStakeholderGroup if g is not MagStakeholderGroup.government]
    counts = {g.value: groups[g] for g in others}
    spread = max(counts.values()) - min(counts.values())
    return _check(
        "non_government_parity",
        spread <= rules.non_government_max_spread,
        f"civil society, private sector and technical community seats differ by {spread} "
        f"(at most {rules.non_government_max_spread})",
        **counts,
        spread=spread,
        max_spread=rules.non_government_max_spread,
    )


def _host_country_seats(seats: Sequence[Seat], hosts: list[str]) -> RuleCheck:
    reps = Counter(s.country for s in seats if s.role is AppointmentRole.host_country_representative)
    missing = [c for c in hosts if reps[c] == 0]
    duplicated = sorted(c for c in hosts if reps[c] > 1)
    not_host = sorted(c for c in reps if c not in hosts)
    ok = not (missing or duplicated or not_host)
    detail = (
        f"each of the {len(hosts)} host countries holds one seat"
        if ok
        else f"missing: {', '.join(missing) or 'none'}; more than one seat: {', '.join(duplicated) or 'none'}; "
        f"not a host country: {', '.join(not_host) or 'none'}"
    )
    return _check(
        "host_country_seats",
        ok,
        detail,
        host_countries=hosts,
        represented=sorted(c for c in reps if c in hosts),
        missing=missing,
        duplicated=duplicated,
        not_host_country=not_host,
    )


def _observers_not_counted(seats: Sequence[Seat]) -> RuleCheck:
    observers = [s for s in seats if not s.counted]
    igos = sum(1 for s in observers if s.stakeholder_group is StakeholderGroup.intergovernmental)
    igo_members = sum(
        1
        for s in seats
        if s.stakeholder_group is StakeholderGroup.intergovernmental
        and s.role is not AppointmentRole.observer
    )
    return _check(
        "intergovernmental_observers",
        igo_members == 0,
        f"{len(observers)} observer seats ({igos} intergovernmental), not counted towards the balance",
        observers=len(observers),
        intergovernmental_observers=igos,
        intergovernmental_members=igo_members,
    )


def _regional_representation(regions: Counter[RegionalGroup], rules: BalanceRules) -> RuleCheck:
    missing = [r.value for r in RegionalGroup if regions[r] == 0]
    ok = not missing or not rules.require_every_regional_group
    return _check(
        "regional_representation",
        ok,
        "every UN regional group is represented" if not missing else f"not represented: {', '.join(missing)}",
        missing=missing,
        required=rules.require_every_regional_group,
        **{r.value: regions[r] for r in RegionalGroup},
    )


def _gender_band(genders: Counter[Gender], declared: int, total: int, rules: BalanceRules) -> RuleCheck:
    female, male = share(genders[Gender.female], declared), share(genders[Gender.male], declared)
    low, high = rules.gender_min_share, rules.gender_max_share
    ok = declared > 0 and all(low <= s <= high for s in (female, male))
    return _check(
        "gender_band",
        ok,
        f"women {female:.1%} and men {male:.1%} of {declared} members who declared a gender; "
        f"each within {low:.0%}-{high:.0%}",
        female_share=female,
        male_share=male,
        min_share=low,
        max_share=high,
        declared=declared,
        undeclared=total - declared,
    )


def _term_limit(seats: Sequence[Seat], rules: BalanceRules) -> RuleCheck:
    limited = [s for s in seats if s.role not in rules.term_limit_exempt_roles]
    beyond = [s for s in limited if s.term_number > rules.max_consecutive_terms]
    without = [s for s in beyond if not s.has_term_limit_exception]
    return _check(
        "term_limit",
        not without,
        f"{len(beyond)} seats beyond {rules.max_consecutive_terms} consecutive terms, "
        f"{len(beyond) - len(without)} with a recorded exception",
        max_consecutive_terms=rules.max_consecutive_terms,
        beyond_limit=len(beyond),
        with_exception=len(beyond) - len(without),
        without_exception=len(without),
        longest_run=max((s.term_number for s in limited), default=0),
    )
