"""The IGF recognition criteria for NRIs, in one place: checked on submission, served at /v1/nris/criteria.

A criterion refuses a submission (422 naming every unmet one); an advisory is only a warning the reviewer
sees with the submission.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from dataclasses import dataclass

import msgspec

from igf_hub.core.errors import FieldError
from igf_hub.nri.schemas import (
    Advisory,
    CriteriaDocument,
    CriterionInfo,
    Gender,
    IgfPrinciple,
    Nri,
    NriType,
    YouthScope,
)

MIN_STAKEHOLDER_GROUPS = 3

Check = Callable[[Nri, Set[IgfPrinciple]], str | None]  # None: met; otherwise why not


@dataclass(frozen=True)
class Criterion:
    code: str
    title: str
    description: str
    pointer: str  # where to fix it: a field of the NRI, or of the submission body
    check: Check

    def info(self) -> CriterionInfo:
        return CriterionInfo(
            code=self.code, title=self.title, description=self.description, pointer=self.pointer
        )


def _stakeholder_groups(nri: Nri, _: Set[IgfPrinciple]) -> str | None:
    groups = sorted({m.stakeholder_group.value for m in nri.committee})
    if len(groups) >= MIN_STAKEHOLDER_GROUPS:
        return None
    found = f" ({', '.join(groups)})" if groups else ""
    return (
        f"the organising committee draws on {len(groups)} stakeholder group(s){found}; "
        f"at least {MIN_STAKEHOLDER_GROUPS} different groups are required"
    )


def _public_channel(nri: Nri, _: Set[IgfPrinciple]) -> str | None:
    if nri.website or nri.mailing_list_url:
        return None
    return "give a public website or a public mailing list / archive URL"


def _meeting_report(nri: Nri, _: Set[IgfPrinciple]) -> str | None:
    if nri.meeting_report_url or (nri.meeting_report_text and nri.meeting_report_text.strip()):
        return None
    return "give a report (a URL or the text) of the founding or the most recent meeting"


def _principles(_: Nri, affirmed: Set[IgfPrinciple]) -> str | None:
    missing = [p.value for p in IgfPrinciple if p not in affirmed]
    if not missing:
        return None
    return f"affirm every IGF principle the NRI follows; not affirmed: {', '.join(missing)}"


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        code="multistakeholder_committee",
        title="A multistakeholder organising committee",
        description=f"The organising committee is drawn from at least {MIN_STAKEHOLDER_GROUPS} different "
        "stakeholder groups (government, intergovernmental, private sector, civil society, technical "
        "community, academia).",
        pointer="/committee",
        check=_stakeholder_groups,
    ),
    Criterion(
        code="public_channel",
        title="A public website or mailing list",
        description="The NRI is open and transparent: it has a public website or a public mailing list "
        "with an archive.",
        pointer="/website",
        check=_public_channel,
    ),
    Criterion(
        code="meeting_report",
        title="A report of the founding or most recent meeting",
        description="A report (URL or text) of the NRI's founding meeting or its most recent meeting.",
        pointer="/meeting_report_url",
        check=_meeting_report,
    ),
    Criterion(
        code="principles_affirmed",
        title="The IGF principles affirmed",
        description="The submitting coordinator affirms that the NRI is open and transparent, inclusive, "
        "bottom-up, multistakeholder and non-commercial.",
        pointer="/affirmed_principles",
        check=_principles,
    ),
)


def _regional_diversity(nri: Nri) -> str | None:
    regional = nri.type in (NriType.regional, NriType.sub_regional) or nri.youth_scope in (
        YouthScope.regional,
        YouthScope.sub_regional,
    )
    if regional:
        places = {m.country for m in nri.committee}
        if len(places) > 1:
            return None
        return f"the organising committee comes from {len(places)} country; a regional NRI should span more"
    cities = {m.city.strip().casefold() for m in nri.committee if m.city and m.city.strip()}
    if len(cities) > 1:
        return None
    return f"the organising committee comes from {len(cities)} known city; more than one shows regional reach"


def _gender_diversity(nri: Nri) -> str | None:
    stated = {m.gender for m in nri.committee if m.gender not in (None, Gender.undisclosed)}
    if len(stated) > 1:
        return None
    if not stated:
        return "no committee member's gender is given, so gender diversity cannot be shown"
    return f"every committee member whose gender is given is {next(iter(stated)).value}"


ADVISORIES: tuple[tuple[CriterionInfo, Callable[[Nri], str | None]], ...] = (
    (
        CriterionInfo(
            code="regional_diversity",
            title="Regional diversity",
            description="Committee members from more than one city (national NRIs) or more than one "
            "country (regional and sub-regional NRIs). Reported to the reviewer; never a refusal.",
            pointer="/committee",
        ),
        _regional_diversity,
    ),
    (
        CriterionInfo(
            code="gender_diversity",
            title="Gender diversity",
            description="Committee members of more than one gender. Reported to the reviewer; never a refusal.",
            pointer="/committee",
        ),
        _gender_diversity,
    ),
)


class Evaluation(msgspec.Struct, kw_only=True):
    met: list[str]
    unmet: list[str]
    errors: list[FieldError]
    warnings: list[Advisory]


def evaluate(nri: Nri, affirmed: Set[IgfPrinciple]) -> Evaluation:
    """Every criterion and advisory, all at once (never only the first failure)."""
    met, unmet, errors = [], [], []
    for criterion in CRITERIA:
        why = criterion.check(nri, affirmed)
        if why is None:
            met.append(criterion.code)
        else:
            unmet.append(criterion.code)
            errors.append(FieldError(pointer=criterion.pointer, detail=f"{criterion.code}: {why}"))
    warnings = [
        Advisory(code=info.code, detail=why) for info, check in ADVISORIES if (why := check(nri)) is not None
    ]
    return Evaluation(met=met, unmet=unmet, errors=errors, warnings=warnings)


def document() -> CriteriaDocument:
    return CriteriaDocument(
        criteria=[c.info() for c in CRITERIA],
        advisories=[info for info, _ in ADVISORIES],
        principles=list(IgfPrinciple),
    )
