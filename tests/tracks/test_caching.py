"""Tracks' cached reads: ETag and 304, public for anonymous readers, private and varying for signed-in ones."""

from __future__ import annotations

import httpx

from tests.support.caching import PRIVATE, PUBLIC, assert_revalidates
from tests.tracks.conftest import Tracks


async def test_track_reads_revalidate_and_role_varying_lists_say_vary(
    client: httpx.AsyncClient, tracks: Tracks
) -> None:
    draft = await tracks.bpf()
    await assert_revalidates(
        client, f"/v1/tracks/{draft['slug']}", tracks.admin.headers, cache_control=PRIVATE
    )
    active = await tracks.transition(draft["slug"], "active")
    read = await assert_revalidates(client, f"/v1/tracks/{draft['slug']}", cache_control=PUBLIC)
    assert read.headers["etag"] == f'"{active["version"]}"'
    # what a signed-in caller reads may hold e-mails: private for it, public for anyone else, and it varies
    await assert_revalidates(client, "/v1/tracks", tracks.admin.headers, cache_control=PRIVATE)
    await assert_revalidates(client, "/v1/tracks", cache_control=PUBLIC)
