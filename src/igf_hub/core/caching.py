"""Cached reads, one policy for every domain (README "Caching").

- Every cached read sends an ``ETag``: ``"<version>"`` for a versioned resource, a weak digest of the body for
  a computed one (lists, statistics). A request whose ``If-None-Match`` names it gets 304 and no body.
- An anonymous caller reading a public answer may share it: ``public, max-age=60``. Whatever a signed-in caller
  reads may hold fields only they see, and some answers are never public: ``private, no-cache`` (kept by the
  client, revalidated with the ETag every time).
- The answer depends on who asks, so it says ``Vary: Authorization`` (the API reads no cookies).
- Documents that are the same for everyone (vocabularies, keys, checkpoints, exports) set ``PUBLIC_MINUTE`` or,
  when they change only with a deployment or a key rotation, ``PUBLIC_HOUR`` on their route.
- Secrets and the webhook delivery log are ``NO_STORE``; an event, immutable, is private for an hour.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, TypeVar, cast

import msgspec
from litestar import Request, Response
from litestar.datastructures import CacheControlHeader

from igf_hub.core.concurrency import etag

T = TypeVar("T")

PUBLIC_MAX_AGE = 60
STABLE_MAX_AGE = 3600
PUBLIC = f"public, max-age={PUBLIC_MAX_AGE}"
PRIVATE = "private, no-cache"
VARY = "Authorization"
# A write's answer (the resource as written, for its author alone).
PRIVATE_HEADERS: Mapping[str, str] = MappingProxyType({"Cache-Control": PRIVATE})
PUBLIC_MINUTE = CacheControlHeader(max_age=PUBLIC_MAX_AGE, public=True)
PUBLIC_HOUR = CacheControlHeader(max_age=STABLE_MAX_AGE, public=True)
# Answers kept nowhere: secrets, and logs that change by the second (webhook deliveries, metrics).
NO_STORE = CacheControlHeader(no_store=True)


def body_etag(content: Any) -> str:
    """A weak validator for a computed body (lists, statistics): the digest of what would be sent."""
    return f'W/"{hashlib.sha256(msgspec.json.encode(content)).hexdigest()[:32]}"'


def cache_headers(request: Request[Any, Any, Any], *, public: bool = True) -> dict[str, str]:
    """Cache-Control and Vary of a read: shared only when the caller is anonymous and the answer public."""
    shared = public and not request.user.is_authenticated
    return {"Cache-Control": PUBLIC if shared else PRIVATE, "Vary": VARY}


def not_modified(request: Request[Any, Any, Any], validator: str) -> bool:
    """Whether ``If-None-Match`` names ``validator`` (weak comparison, RFC 9110 §13.1.2) or is ``*``."""
    header = request.headers.get("if-none-match", "").strip()
    if header == "*":
        return True
    bare = validator.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in header.split(","))


def cached(
    request: Request[Any, Any, Any],
    content: T,
    *,
    version: int | None = None,
    public: bool = True,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    media_type: str | None = None,
) -> Response[T]:
    """A read with ETag (the ``version``, else a digest of ``content``), Cache-Control and Vary; 304 when the
    client already has it. ``public=False``: the answer is never for a shared cache, whoever asks."""
    validator = etag(version) if version is not None else body_etag(content)
    sent = {"ETag": validator, **cache_headers(request, public=public), **(headers or {})}
    if not_modified(request, validator):
        return cast("Response[T]", Response(None, status_code=304, headers=sent))
    if media_type is not None:
        return Response(content, status_code=status_code, headers=sent, media_type=media_type)
    return Response(content, status_code=status_code, headers=sent)
