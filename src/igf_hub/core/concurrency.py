"""Optimistic concurrency: reads send ``ETag: "<version>"``, writes send ``If-Match`` with it.

A stale ``If-Match`` is 412; a write to a versioned resource without ``If-Match`` is 428.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request

from igf_hub.core.errors import PreconditionFailed, PreconditionRequired

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')


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


def check_version(current: int, expected: int | None) -> None:
    """Raise 412 when the resource moved on since the client read it (None: the client did not ask)."""
    if expected is not None and current != expected:
        raise PreconditionFailed(
            f"the resource is at version {current}, not {expected}: read it again and retry",
            extra={"current_version": current},
            headers={"ETag": etag(current)},
        )
