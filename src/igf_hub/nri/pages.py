"""The NRIs' web pages, and what they add to the home page.

Pages are thin like controllers: they call the NRI directory on the request's connection, with the reader as
the actor (the API's own visibility rules), and render ``templates/nri/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from igf_hub.nri.directory import NriDirectory
from igf_hub.nri.schemas import NriFilters
from igf_hub.web.home import HomeSection, SectionContext
from igf_hub.web.i18n import N_

# The UN regional groups (core/vocab.py REGIONAL_GROUPS), in words for the reader.
REGIONAL_GROUP_NAMES = {
    "african": N_("African Group"),
    "asia_pacific": N_("Asia-Pacific Group"),
    "eastern_european": N_("Eastern European Group"),
    "latin_american_caribbean": N_("Latin American and Caribbean Group"),
    "western_european_others": N_("Western European and Others Group"),
}


async def load_regions(context: SectionContext) -> Mapping[str, Any]:
    """How many NRIs the reader can see, in each UN regional group (an NRI may span several)."""
    stats = await NriDirectory(context.conn, context.clock, context.settings).stats(
        NriFilters(), actor=context.actor
    )
    regions = [
        (REGIONAL_GROUP_NAMES.get(code, code), stats.by_regional_group.get(code, 0))
        for code in REGIONAL_GROUP_NAMES
    ]
    return {"total": stats.total, "regions": regions}


HOME_SECTIONS = [
    HomeSection(
        key="nri-regions",
        title=N_("National and regional initiatives"),
        template="nri/home_regions.html",
        load=load_regions,
        order=40,
    )
]
