"""The MAG's configurable composition rules: module defaults, overridable per cycle.

Where the configuration lives: the defaults below come from the MAG renewal guidance and apply to every
cycle; a cycle stores only what it changes (``mag_cycles.rule_overrides``, set by the Secretariat through
``POST``/``PATCH /v1/mag/cycles``), so a past cycle keeps being judged by the rules it was appointed under
even if the defaults change later. The effective rules are served with every cycle and balance.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from igf_hub.core import countries
from igf_hub.core.schemas import CountryCode
from igf_hub.mag.enums import AppointmentRole

Share = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
Seats = Annotated[int, msgspec.Meta(ge=0, le=200)]
Terms = Annotated[int, msgspec.Meta(ge=1, le=20)]

# The annual IGF meetings and their host countries (2020 was held online, without a host country).
IGF_HOST_COUNTRIES: dict[int, str] = {
    2006: "GR",
    2007: "BR",
    2008: "IN",
    2009: "EG",
    2010: "LT",
    2011: "KE",
    2012: "AZ",
    2013: "ID",
    2014: "TR",
    2015: "BR",
    2016: "MX",
    2017: "CH",
    2018: "FR",
    2019: "DE",
    2021: "PL",
    2022: "ET",
    2023: "JP",
    2024: "SA",
    2025: "NO",
}


def former_host_countries(before_year: int) -> list[str]:
    """Countries that hosted an IGF before ``before_year``, each once, sorted."""
    return sorted({code for year, code in IGF_HOST_COUNTRIES.items() if year < before_year})


class BalanceRules(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The effective rules of one cycle."""

    # Appointments of one person in consecutive cycle years; beyond this, only with a recorded exception.
    max_consecutive_terms: Terms = 3
    # Roles appointed beyond the limit without an exception (observers hold seats for their organisation).
    term_limit_exempt_roles: list[AppointmentRole] = msgspec.field(
        default_factory=lambda: [AppointmentRole.observer]
    )
    # Government seats as a share of the counted seats (observers are not counted).
    government_max_share: Share = 0.40
    # Civil society, private sector and technical community (with academia) share the remaining seats
    # equally: the largest and smallest of the three may differ by at most this many seats.
    non_government_max_spread: Seats = 1
    # Each listed country holds one host_country_representative seat; None: every former IGF host country.
    host_countries: list[CountryCode] | None = None
    require_every_regional_group: bool = True
    # The share of women and the share of men among members who declared a gender stay within this band.
    gender_min_share: Share = 0.40
    gender_max_share: Share = 0.60
    # A country with counted seats in at most this many earlier cycles is "rarely represented" (favoured).
    rarely_represented_max_cycles: Seats = 1

    def hosts_for(self, year: int) -> list[str]:
        return (
            sorted(set(self.host_countries))
            if self.host_countries is not None
            else former_host_countries(year)
        )


class BalanceRulesOverride(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """What one cycle changes; absent fields keep the default."""

    max_consecutive_terms: Terms | msgspec.UnsetType = msgspec.UNSET
    term_limit_exempt_roles: list[AppointmentRole] | msgspec.UnsetType = msgspec.UNSET
    government_max_share: Share | msgspec.UnsetType = msgspec.UNSET
    non_government_max_spread: Seats | msgspec.UnsetType = msgspec.UNSET
    host_countries: list[CountryCode] | msgspec.UnsetType | None = msgspec.UNSET
    require_every_regional_group: bool | msgspec.UnsetType = msgspec.UNSET
    gender_min_share: Share | msgspec.UnsetType = msgspec.UNSET
    gender_max_share: Share | msgspec.UnsetType = msgspec.UNSET
    rarely_represented_max_cycles: Seats | msgspec.UnsetType = msgspec.UNSET


DEFAULT_RULES = BalanceRules()


def effective(overrides: BalanceRulesOverride) -> BalanceRules:
    """The defaults with ``overrides`` applied."""
    changed = {k: v for k, v in msgspec.structs.asdict(overrides).items() if v is not msgspec.UNSET}
    return msgspec.structs.replace(DEFAULT_RULES, **changed)


def problems(overrides: BalanceRulesOverride, pointer: str = "/rule_overrides") -> list[tuple[str, str]]:
    """Every reason the overrides (combined with the defaults) are not a usable rule set."""
    rules = effective(overrides)
    found: list[tuple[str, str]] = []
    if rules.gender_min_share > rules.gender_max_share:
        found.append((f"{pointer}/gender_min_share", "must not exceed gender_max_share"))
    for i, code in enumerate(rules.host_countries or []):
        if not countries.is_known(code):
            found.append((f"{pointer}/host_countries/{i}", f"unknown country code {code!r}"))
    return found


def decode_overrides(raw: dict[str, Any]) -> BalanceRulesOverride:
    return msgspec.convert(raw, BalanceRulesOverride)


def encode_overrides(overrides: BalanceRulesOverride) -> dict[str, Any]:
    encoded: dict[str, Any] = msgspec.to_builtins(overrides)
    return encoded
