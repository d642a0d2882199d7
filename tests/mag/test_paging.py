"""The longest cursor a list issues stays within the cursor bound (core/params.MAX_CURSOR_LENGTH)."""

from __future__ import annotations

import httpx

from igf_hub.core.params import MAX_CURSOR_LENGTH
from tests.mag.support import Mag


async def test_a_page_after_the_longest_name_is_reachable(client: httpx.AsyncClient, mag: Mag) -> None:
    # 200 characters of four UTF-8 bytes each: the longest name a person may have, in its widest encoding
    first, second = "\U0001d538" * 200, "\U0001d539" * 200
    await mag.person(first)
    await mag.person(second)
    page = await client.get("/v1/mag/people", params={"limit": 1}, headers=mag.headers)
    assert [p["name"] for p in page.json()["items"]] == [first]
    cursor = page.json()["next_cursor"]
    assert 1000 < len(cursor) <= MAX_CURSOR_LENGTH
    rest = await client.get("/v1/mag/people", params={"limit": 1, "cursor": cursor}, headers=mag.headers)
    assert rest.status_code == 200, rest.text
    assert [p["name"] for p in rest.json()["items"]] == [second]
