"""Public wording: how donors are named in public, labels for codes, and the methodology every public
response carries. The one function that names a donor in public lives here, so anonymity has one gate."""

from __future__ import annotations

GROUP_LABELS: dict[str, str] = {
    "government": "government",
    "intergovernmental": "intergovernmental organisation",
    "private_sector": "private sector",
    "civil_society": "civil society",
    "technical_community": "technical community",
    "academia": "academia",
}

CHANNEL_LABELS: dict[str, str] = {
    "igf_trust_fund": "IGF Trust Fund (UN DESA)",
    "igfsa": "IGF Support Association",
    "host_country_agreement": "Host country agreement",
    "direct_to_nri": "Direct support to an NRI",
    "mixed": "Several channels",
    "other": "Other",
}

EARMARK_LABELS: dict[str, str] = {
    "core": "Core (unearmarked)",
    "nri_support": "NRI support",
    "intersessional": "Intersessional work",
    "travel_grants": "Travel grants",
    "host_country": "Host country",
    "capacity_development": "Capacity development",
    "other": "Other",
}


def anonymous_label(stakeholder_group: str) -> str:
    return f"Anonymous ({GROUP_LABELS.get(stakeholder_group, stakeholder_group.replace('_', ' '))})"


def public_donor_name(
    *, is_anonymous: bool, display_name: str | None, legal_name: str | None, stakeholder_group: str
) -> str:
    """The only name the public may see: an anonymous donor is never named, whatever else is set."""
    if is_anonymous:
        return anonymous_label(stakeholder_group)
    return display_name or legal_name or anonymous_label(stakeholder_group)


# Earmarks → IATI EarmarkingCategory (aid-type vocabulary 2): 1 unearmarked, 2 softly earmarked (a theme),
# 3 earmarked (a specific activity line), 4 tightly earmarked (one named project: a given NRI or track).
IATI_EARMARKING: dict[str, str] = {
    "core": "1",
    "nri_support": "2",
    "intersessional": "2",
    "capacity_development": "2",
    "other": "2",
    "travel_grants": "3",
    "host_country": "3",
}
IATI_TIGHTLY_EARMARKED = "4"

METHODOLOGY = (
    "Amounts are in US dollars at the exchange rate frozen when each ledger event was recorded (the rate, its "
    "source and its date are in the ledger). Pledged, committed, received and in-kind are sums of ledger "
    "events, never stored totals; a reversal is a negative event that counts in the kind and year of the "
    "event it reverses. Every figure for a year counts the events whose value date falls in that year, "
    "pledges included: a pledge made in 2019 for 2020-2022 counts in 2019 (the years a contribution supports "
    "are shown with it, and as the IATI activity's planned dates, but they do not move money between years), "
    "so the figures of the single years always add up to the all-years figure. Money that passes through an "
    "intermediary donor (a contribution's 'via', e.g. IGFSA into the IGF Trust Fund) is recorded once, on the "
    "contribution of the original donor, and is counted once: under that donor, never again under the "
    "intermediary (the 'intermediary' aggregate shows such pass-through separately and is not added to any "
    "total). In-kind contributions count at their stated valuation. Outstanding pledges are, per contribution, "
    "pledged minus received and in-kind, floored at zero. What a contribution received (in any year) fulfils "
    "its earliest pledges first, and anything received beyond all its pledges counts with its latest pledge; "
    "a year's outstanding is what is still unfulfilled of the pledges made in that year. A pledge is overdue "
    "when its due date has passed while it is outstanding. Donor concentration uses received plus in-kind per donor: top-N shares, the "
    "Herfindahl-Hirschman index (sum of squared shares, 0 to 1) and the effective number of donors (1 / HHI). "
    "Anonymous donors are shown as 'Anonymous (<stakeholder group>)' and their country is not disclosed."
)
