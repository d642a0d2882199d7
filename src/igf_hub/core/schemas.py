"""Shared constrained types used by every domain's Structs."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import msgspec

from igf_hub.core.errors import describe_pattern

Slug = Annotated[
    str,
    msgspec.Meta(
        pattern=describe_pattern(
            r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$",
            "must be 1 to 64 lowercase letters, digits or hyphens, starting and ending with a letter or digit "
            "(for example ke-igf)",
        ),
        examples=["ke-igf"],
    ),
]
CountryCode = Annotated[
    str,
    msgspec.Meta(
        pattern=describe_pattern(
            r"^[A-Z]{2}$", "must be a two-letter country code in capitals (for example KE)"
        ),
        description="ISO 3166-1 alpha-2",
    ),
]
CurrencyCode = Annotated[
    str,
    msgspec.Meta(
        pattern=describe_pattern(
            r"^[A-Z]{3}$", "must be a three-letter currency code in capitals (for example USD)"
        ),
        description="ISO 4217",
    ),
]
LanguageTag = Annotated[
    str,
    msgspec.Meta(
        pattern=describe_pattern(
            r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$", "must be a language tag such as en, fr or pt-BR"
        ),
        description="BCP 47",
        examples=["en", "pt-BR"],
    ),
]
NonEmptyStr = Annotated[str, msgspec.Meta(min_length=1, max_length=10_000)]
Name = Annotated[str, msgspec.Meta(min_length=2, max_length=200)]
ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
LongText = Annotated[str, msgspec.Meta(max_length=100_000)]
Email = Annotated[
    str,
    msgspec.Meta(
        pattern=describe_pattern(
            r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "must be an e-mail address (name@example.org)"
        ),
        max_length=320,
        examples=["coordinator@example.org"],
    ),
]
HttpUrl = Annotated[
    str,
    msgspec.Meta(
        pattern=describe_pattern(
            r"^https?://[^\s/$.?#].[^\s]*$", "must be a web address starting with http:// or https://"
        ),
        max_length=2000,
    ),
]
Money = Annotated[Decimal, msgspec.Meta(description="a decimal amount, never a float", examples=["1250.00"])]
Year = Annotated[int, msgspec.Meta(ge=2006, le=2100)]  # an IGF year: the first IGF met in 2006
# The year an initiative was founded: several predate the first IGF (the Caribbean IGF dates from 2005).
FoundedYear = Annotated[int, msgspec.Meta(ge=1990, le=2100)]


class Classification(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Where an object sits in the IGF's frames: WSIS Action Lines, SDGs, Global Digital Compact objectives."""

    wsis_action_lines: list[str] = []
    sdgs: list[int] = []
    gdc_objectives: list[int] = []

    def __post_init__(self) -> None:
        from igf_hub.core.vocab import GDC_OBJECTIVE_NUMBERS, SDG_NUMBERS, WSIS_ACTION_LINE_CODES

        unknown = (
            [f"wsis_action_lines: {c}" for c in self.wsis_action_lines if c not in WSIS_ACTION_LINE_CODES]
            + [f"sdgs: {n}" for n in self.sdgs if n not in SDG_NUMBERS]
            + [f"gdc_objectives: {n}" for n in self.gdc_objectives if n not in GDC_OBJECTIVE_NUMBERS]
        )
        if unknown:
            raise ValueError(f"unknown classification codes ({', '.join(unknown)}); see /v1/vocab")
        self.wsis_action_lines = sorted(set(self.wsis_action_lines))
        self.sdgs = sorted(set(self.sdgs))
        self.gdc_objectives = sorted(set(self.gdc_objectives))
