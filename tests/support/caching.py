"""The caching rule every cached read follows (core/caching.py): checked the same way in every domain."""

from __future__ import annotations

import httpx

PUBLIC = "public, max-age=60"
PRIVATE = "private, no-cache"


async def assert_revalidates(
    client: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None, *, cache_control: str
) -> httpx.Response:
    """A 200 with an ETag, the expected Cache-Control and ``Vary: Authorization``; sent back in If-None-Match,
    the ETag gets a 304 without a body."""
    first = await client.get(url, headers=headers or {})
    assert first.status_code == 200, first.text
    assert first.headers["cache-control"] == cache_control
    assert "Authorization" in [name.strip() for name in first.headers.get("vary", "").split(",")]
    again = await client.get(url, headers={**(headers or {}), "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["cache-control"] == cache_control
    # another validator (the resource moved on) gets the body again
    other = await client.get(url, headers={**(headers or {}), "If-None-Match": '"0", W/"stale"'})
    assert other.status_code == 200 and other.content == first.content
    return first
