"""The IGF's public vocabularies (DESIGN.md section 7), encoded here and served at ``/v1/vocab/*``.

Sources are kept beside each list so a reader can check them; nothing is read from outside the package.
"""

from __future__ import annotations

import enum

import msgspec


class StakeholderGroup(enum.StrEnum):
    government = "government"
    intergovernmental = "intergovernmental"
    private_sector = "private_sector"
    civil_society = "civil_society"
    technical_community = "technical_community"
    academia = "academia"


class MagStakeholderGroup(enum.StrEnum):
    """The MAG counts four groups: academia is folded into the technical community; IGOs sit as observers."""

    government = "government"
    private_sector = "private_sector"
    civil_society = "civil_society"
    technical_community = "technical_community"


def mag_group(group: StakeholderGroup) -> MagStakeholderGroup | None:
    """The MAG seat a stakeholder group counts towards (``None``: observer, not counted)."""
    if group is StakeholderGroup.academia:
        return MagStakeholderGroup.technical_community
    if group is StakeholderGroup.intergovernmental:
        return None
    return MagStakeholderGroup(group.value)


class RegionalGroup(enum.StrEnum):
    african = "african"
    asia_pacific = "asia_pacific"
    eastern_european = "eastern_european"
    latin_american_caribbean = "latin_american_caribbean"
    western_european_others = "western_european_others"


class DevelopmentStatus(enum.StrEnum):
    developed = "developed"
    developing = "developing"
    economy_in_transition = "economy_in_transition"


class Term(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    label: str
    parent: str | None = None
    note: str | None = None


class Vocabulary(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    source: str
    terms: list[Term]


STAKEHOLDER_GROUPS = Vocabulary(
    name="stakeholder-groups",
    source="https://whm.intgovforum.org/en/content/igf-mag-renewal-2023-general-guidance; "
    "https://www.intgovforum.org/en/content/igf-2024-suggestions-2023-stocktaking",
    terms=[
        Term(code="government", label="Government"),
        Term(code="intergovernmental", label="Intergovernmental organization", note="MAG: observer seats"),
        Term(code="private_sector", label="Private sector"),
        Term(code="civil_society", label="Civil society"),
        Term(code="technical_community", label="Technical community"),
        Term(code="academia", label="Academia", note="MAG: counted with the technical community"),
    ],
)

REGIONAL_GROUPS = Vocabulary(
    name="regional-groups",
    source="UN regional groups of Member States (https://www.un.org/dgacm/en/content/regional-groups)",
    terms=[
        Term(code="african", label="African Group", note="AFG"),
        Term(code="asia_pacific", label="Asia-Pacific Group", note="APG"),
        Term(code="eastern_european", label="Eastern European Group", note="EEG"),
        Term(code="latin_american_caribbean", label="Latin American and Caribbean Group", note="GRULAC"),
        Term(code="western_european_others", label="Western European and Others Group", note="WEOG"),
    ],
)

_WSIS = [
    (
        "C1",
        "The role of public governance authorities and all stakeholders in the promotion of ICTs for development",
    ),
    ("C2", "Information and communication infrastructure"),
    ("C3", "Access to information and knowledge"),
    ("C4", "Capacity building"),
    ("C5", "Building confidence and security in the use of ICTs"),
    ("C6", "Enabling environment"),
    ("C7", "ICT applications"),
    ("C7.1", "E-government"),
    ("C7.2", "E-business"),
    ("C7.3", "E-learning"),
    ("C7.4", "E-health"),
    ("C7.5", "E-employment"),
    ("C7.6", "E-environment"),
    ("C7.7", "E-agriculture"),
    ("C7.8", "E-science"),
    ("C8", "Cultural diversity and identity; linguistic diversity and local content"),
    ("C9", "Media"),
    ("C10", "Ethical dimensions of the Information Society"),
    ("C11", "International and regional cooperation"),
]
WSIS_ACTION_LINES = Vocabulary(
    name="wsis-action-lines",
    source="WSIS Geneva Plan of Action (https://www.itu.int/net/wsis/docs/geneva/official/poa.html)",
    terms=[Term(code=c, label=t, parent="C7" if c.startswith("C7.") else None) for c, t in _WSIS],
)

_SDGS = [
    "No Poverty",
    "Zero Hunger",
    "Good Health and Well-being",
    "Quality Education",
    "Gender Equality",
    "Clean Water and Sanitation",
    "Affordable and Clean Energy",
    "Decent Work and Economic Growth",
    "Industry, Innovation and Infrastructure",
    "Reduced Inequalities",
    "Sustainable Cities and Communities",
    "Responsible Consumption and Production",
    "Climate Action",
    "Life Below Water",
    "Life on Land",
    "Peace, Justice and Strong Institutions",
    "Partnerships for the Goals",
]
SDGS = Vocabulary(
    name="sdgs",
    source="UN General Assembly A/RES/70/1 (https://sdgs.un.org/goals)",
    terms=[Term(code=str(n), label=t) for n, t in enumerate(_SDGS, start=1)],
)

_GDC = [
    "Close all digital divides and accelerate progress across the Sustainable Development Goals",
    "Expand inclusion in and benefits from the digital economy for all",
    "Foster an inclusive, open, safe and secure digital space that respects, protects and promotes human rights",
    "Advance responsible, equitable and interoperable data governance approaches",
    "Enhance international governance of artificial intelligence for the benefit of humanity",
]
GDC_OBJECTIVES = Vocabulary(
    name="gdc-objectives",
    source="Global Digital Compact, Annex I of A/RES/79/1 (adopted 22 September 2024)",
    terms=[Term(code=str(n), label=t) for n, t in enumerate(_GDC, start=1)],
)

UN_LANGUAGES = Vocabulary(
    name="languages",
    source="The six official UN languages (BCP 47); other languages are allowed",
    terms=[
        Term(code="ar", label="Arabic"),
        Term(code="zh", label="Chinese"),
        Term(code="en", label="English"),
        Term(code="fr", label="French"),
        Term(code="ru", label="Russian"),
        Term(code="es", label="Spanish"),
    ],
)

DEVELOPMENT_STATUS = Vocabulary(
    name="development-status",
    source="https://intgovforum.org/en/content/igf-2022-mag-renewal",
    terms=[
        Term(code="developed", label="Developed"),
        Term(code="developing", label="Developing"),
        Term(code="economy_in_transition", label="Economy in transition"),
        Term(code="ldc", label="Least developed country", note="flag"),
        Term(code="lldc", label="Landlocked developing country", note="flag"),
        Term(code="sids", label="Small island developing State", note="flag"),
    ],
)

VOCABULARIES: dict[str, Vocabulary] = {
    v.name: v
    for v in (
        STAKEHOLDER_GROUPS,
        REGIONAL_GROUPS,
        WSIS_ACTION_LINES,
        SDGS,
        GDC_OBJECTIVES,
        UN_LANGUAGES,
        DEVELOPMENT_STATUS,
    )
}

WSIS_ACTION_LINE_CODES = frozenset(t.code for t in WSIS_ACTION_LINES.terms)
SDG_NUMBERS = frozenset(range(1, 18))
GDC_OBJECTIVE_NUMBERS = frozenset(range(1, 6))
UN_LANGUAGE_CODES = frozenset(t.code for t in UN_LANGUAGES.terms)
