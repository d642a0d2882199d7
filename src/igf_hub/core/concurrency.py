"""Optimistic concurrency: reads send ``ETag: "<version>"``, writes send ``If-Match`` with it.

A stale ``If-Match`` is 412; a write to a versioned resource without ``If-Match`` is 428.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from litestar import Request, Response

from igf_hub.core.errors import PreconditionFailed, PreconditionRequired

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=Versioned)


def etag(version: int) -> str:
    return f'"{version}"'


def etag_headers(version: int) -> dict[str, str]:
    return {"ETag": etag(version)}


def expected_version(request: Request[Any, Any, Any], *, required: bool = True) -> int | None:
    """The version the client last saw, from If-Match; None when absent and not required."""
    header = request.headers.get("if-match")
    if header is None:
        if required:
            raise PreconditionRequired("send If-Match with the ETag of the version you last read")
        return None
    match = _ETAG.match(header)
    if match is None:
        raise PreconditionFailed(f"If-Match {header!r} is not an ETag this API issued")
    return int(match.group(1))


def required_version(request: Request[Any, Any, Any]) -> int:
    """The version from If-Match, which this write cannot go without (428 when absent)."""
    version = expected_version(request, required=True)
    assert version is not None  # required=True raises 428 instead of returning None
    return version


def written(body: V, *, status_code: int = 200, headers: Mapping[str, str] | None = None) -> Response[V]:
    """A write's answer: the resource with the ETag of the version it is now at (then any other ``headers``)."""
    return Response(body, status_code=status_code, headers={**etag_headers(body.version), **(headers or {})})


def check_version(current: int, expected: int | None) -> None:
    """Raise 412 when the resource moved on since the client read it (None: the client did not ask)."""
    if expected is not None and current != expected:
        raise PreconditionFailed(
            f"the resource is at version {current}, not {expected}: read it again and retry",
            extra={"current_version": current},
            headers={"ETag": etag(current)},
        )
