"""HTTP helpers shared by the NRI controllers: directory filters, cached reads."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, TypeVar, cast

import msgspec
from litestar import Request, Response
from litestar.params import QueryParameter

from igf_hub.auth.principal import Principal
from igf_hub.core.concurrency import etag
from igf_hub.core.vocab import RegionalGroup
from igf_hub.nri.schemas import NriFilters, NriStatus, NriType

T = TypeVar("T")

PUBLIC_CACHE = "public, max-age=60"
PRIVATE_CACHE = "private, no-cache"


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


def body_etag(content: Any) -> str:
    """A weak validator for a computed body (lists, statistics): the digest of what would be sent."""
    return f'W/"{hashlib.sha256(msgspec.json.encode(content)).hexdigest()[:32]}"'


def cached(
    request: Request[Principal, Any, Any], content: T, *, tag: str | int, status_code: int = 200
) -> Response[T]:
    """A read with ETag and Cache-Control; 304 when the client already has it. Anonymous readers get the
    public view, which caches may share; signed-in readers may see private fields, so theirs is private."""
    validator = etag(tag) if isinstance(tag, int) else tag
    headers = {
        "ETag": validator,
        "Cache-Control": PRIVATE_CACHE if request.user.is_authenticated else PUBLIC_CACHE,
        "Vary": "Authorization",
    }
    if_none_match = request.headers.get("if-none-match", "")
    if if_none_match.strip() == "*" or validator in [t.strip() for t in if_none_match.split(",")]:
        return cast("Response[T]", Response(None, status_code=304, headers=headers))
    return Response(content, status_code=status_code, headers=headers)
