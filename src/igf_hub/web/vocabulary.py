"""The shared vocabularies (core/vocab.py) in words for the reader, once for every page: stakeholder groups,
the MAG's four groups and the UN regional groups. Marked with N_() and translated when shown (``gettext(language, name)`` or
``_(name)`` in a template). Keyed by code; a ``StakeholderGroup`` member finds its name too (a str enum)."""

from __future__ import annotations

from igf_hub.core.vocab import MagStakeholderGroup, StakeholderGroup
from igf_hub.web.i18n import N_

STAKEHOLDER_GROUP_NAMES: dict[str, str] = {
    StakeholderGroup.government: N_("Government"),
    StakeholderGroup.intergovernmental: N_("Intergovernmental organisations"),
    StakeholderGroup.private_sector: N_("Private sector"),
    StakeholderGroup.civil_society: N_("Civil society"),
    StakeholderGroup.technical_community: N_("Technical community"),
    StakeholderGroup.academia: N_("Academia"),
}

# The four groups the MAG counts (core/vocab.py mag_group): academia sits with the technical community.
MAG_GROUP_NAMES: dict[str, str] = {
    MagStakeholderGroup.government: N_("Government"),
    MagStakeholderGroup.civil_society: N_("Civil society"),
    MagStakeholderGroup.private_sector: N_("Private sector"),
    MagStakeholderGroup.technical_community: N_("Technical community (with academia)"),
}

# The UN regional groups (core/vocab.py REGIONAL_GROUPS).
REGIONAL_GROUP_NAMES: dict[str, str] = {
    "african": N_("African Group"),
    "asia_pacific": N_("Asia-Pacific Group"),
    "eastern_european": N_("Eastern European Group"),
    "latin_american_caribbean": N_("Latin American and Caribbean Group"),
    "western_european_others": N_("Western European and Others Group"),
}
