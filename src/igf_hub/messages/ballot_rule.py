"""The MAG ballot's pass rule, as a pure function over the snapshot and the positions.

A ballot passes when: at least ``min_yes`` yes; no open concern; yes + no_objection reach
ceil(supermajority x (eligible - recused)); and the supporters (yes, no_objection) come from at least
``min_groups`` MAG stakeholder groups. Every threshold comes from settings and is recorded on the ballot.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from fractions import Fraction

import msgspec


class Position(enum.StrEnum):
    yes = "yes"
    no_objection = "no_objection"
    concern = "concern"  # blocking while it stands; text required
    abstain = "abstain"
    recuse = "recuse"  # reason required; reduces the base of the supermajority


SUPPORTING = frozenset({Position.yes, Position.no_objection})


class BallotRule(msgspec.Struct, frozen=True, kw_only=True):
    min_yes: int = 1
    supermajority: str = "2/3"
    min_groups: int = 3

    @property
    def fraction(self) -> Fraction:
        return Fraction(self.supermajority)


class Tally(msgspec.Struct, kw_only=True):
    eligible: int
    taken: int
    not_taken: int
    yes: int
    no_objection: int
    concern: int
    abstain: int
    recuse: int
    supporting: int
    supporting_needed: int
    supporter_groups: list[str]


class Requirement(msgspec.Struct, kw_only=True):
    rule: str  # at_least_yes | no_open_concern | supermajority | stakeholder_groups
    met: bool
    have: int
    needed: int
    detail: str


class Outcome(msgspec.Struct, kw_only=True):
    passes: bool
    needed_to_pass: str
    requirements: list[Requirement]
    tally: Tally


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def evaluate(eligible: int, positions: Iterable[tuple[Position, str]], rule: BallotRule) -> Outcome:
    """``positions``: (position, MAG stakeholder group) of each member who took one."""
    taken = list(positions)
    count = {p: sum(1 for q, _ in taken if q is p) for p in Position}
    supporting = count[Position.yes] + count[Position.no_objection]
    base = eligible - count[Position.recuse]
    needed = max(0, -(-(rule.fraction.numerator * base) // rule.fraction.denominator))  # integer ceiling
    groups = sorted({g for p, g in taken if p in SUPPORTING})
    tally = Tally(
        eligible=eligible,
        taken=len(taken),
        not_taken=eligible - len(taken),
        yes=count[Position.yes],
        no_objection=count[Position.no_objection],
        concern=count[Position.concern],
        abstain=count[Position.abstain],
        recuse=count[Position.recuse],
        supporting=supporting,
        supporting_needed=needed,
        supporter_groups=groups,
    )
    share = f"{rule.supermajority} of {eligible} eligible minus {count[Position.recuse]} recused"
    requirements = [
        Requirement(
            rule="at_least_yes",
            met=count[Position.yes] >= rule.min_yes,
            have=count[Position.yes],
            needed=rule.min_yes,
            detail=f"at least {_plural(rule.min_yes, 'yes', 'yes')}",
        ),
        Requirement(
            rule="no_open_concern",
            met=count[Position.concern] == 0,
            have=count[Position.concern],
            needed=0,
            detail="no open concern",
        ),
        Requirement(
            rule="supermajority",
            met=supporting >= needed,
            have=supporting,
            needed=needed,
            detail=f"{needed} supporting (yes or no objection): {share}",
        ),
        Requirement(
            rule="stakeholder_groups",
            met=len(groups) >= rule.min_groups,
            have=len(groups),
            needed=rule.min_groups,
            detail=f"supporters from at least {_plural(rule.min_groups, 'stakeholder group')}",
        ),
    ]
    passes = all(r.met for r in requirements)
    return Outcome(
        passes=passes,
        needed_to_pass=_sentence(passes, tally, requirements, base),
        requirements=requirements,
        tally=tally,
    )


def _sentence(passes: bool, tally: Tally, requirements: list[Requirement], base: int) -> str:
    have = (
        f"{_plural(tally.yes, 'yes', 'yes')}, {_plural(tally.no_objection, 'no objection', 'no objections')}, "
        f"{_plural(tally.concern, 'open concern')}, {tally.abstain} abstaining, {tally.recuse} recused, "
        f"{tally.not_taken} not yet taken a position, of {tally.eligible} eligible"
    )
    if passes:
        groups = ", ".join(tally.supporter_groups)
        return (
            f"The ballot passes: {tally.supporting} supporting of {tally.supporting_needed} needed, "
            f"from {_plural(len(tally.supporter_groups), 'stakeholder group')} ({groups}), and no open concern "
            f"({have})."
        )
    if base <= 0:
        return f"The ballot cannot pass: every eligible member has recused ({have})."
    missing = []
    for r in requirements:
        if r.met:
            continue
        if r.rule == "at_least_yes":
            missing.append(f"{_plural(r.needed - r.have, 'more yes', 'more yes')}")
        elif r.rule == "no_open_concern":
            missing.append(f"the {_plural(r.have, 'open concern')} withdrawn or resolved")
        elif r.rule == "supermajority":
            missing.append(
                f"{_plural(r.needed - r.have, 'more supporting position')} (yes or no objection; "
                f"{r.have} of the {r.needed} needed)"
            )
        else:
            now = ", ".join(tally.supporter_groups) or "none"
            missing.append(
                f"supporters from {_plural(r.needed - r.have, 'more stakeholder group')} "
                f"(now {now}; {r.needed} needed)"
            )
    return f"To pass, this ballot still needs {'; '.join(missing)}. Now: {have}."
