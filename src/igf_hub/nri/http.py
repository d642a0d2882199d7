"""HTTP helpers shared by the NRI controllers: directory filters."""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

from igf_hub.core.vocab import RegionalGroup
from igf_hub.nri.schemas import NriFilters, NriStatus, NriType

# The directory filters, declared on each handler. Not a dependency on purpose: when a dependency's own
# parameters fail validation, Litestar raises before it enters the cleanup of dependencies already resolved,
# so the pooled `db` connection would never be released (measured: the pool's only connection stayed out).
TypeFilter = Annotated[NriType | None, QueryParameter(name="type")]
StatusFilter = Annotated[NriStatus | None, QueryParameter()]
CountryFilter = Annotated[str | None, QueryParameter(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")]
RegionalGroupFilter = Annotated[RegionalGroup | None, QueryParameter()]
LanguageFilter = Annotated[str | None, QueryParameter(pattern=r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")]
YearActiveFilter = Annotated[
    int | None, QueryParameter(ge=2006, le=2100, description="NRIs with a submitted report for this year")
]
SearchFilter = Annotated[
    str | None,
    QueryParameter(min_length=1, max_length=200, description="full-text search of names and descriptions"),
]


def directory_filters(
    nri_type: NriType | None,
    status: NriStatus | None,
    country: str | None,
    regional_group: RegionalGroup | None,
    language: str | None,
    year_active: int | None,
    q: str | None,
) -> NriFilters:
    return NriFilters(
        type=nri_type,
        status=status,
        country=country,
        language=language,
        year_active=year_active,
        q=q,
        regional_group=regional_group.value if regional_group else None,
    )
