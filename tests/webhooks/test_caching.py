"""Webhooks' cached reads: a consumer and an endpoint, private, with ETag, 304 and Vary."""

from __future__ import annotations

import httpx

from tests.support.auth import Caller
from tests.support.caching import PRIVATE, assert_revalidates


async def test_consumer_reads_revalidate(client: httpx.AsyncClient, admin: Caller) -> None:
    made = await client.post(
        "/v1/consumers", json={"name": "WSIS Forum", "kind": "wsis_forum"}, headers=admin.headers
    )
    assert made.status_code == 201, made.text
    read = await assert_revalidates(
        client, f"/v1/consumers/{made.json()['id']}", admin.headers, cache_control=PRIVATE
    )
    assert read.headers["etag"] == f'"{made.json()["version"]}"'
    # every consumer for the Secretariat, their own for a consumer's members: the list varies by caller
    await assert_revalidates(client, "/v1/consumers", admin.headers, cache_control=PRIVATE)
    await assert_revalidates(
        client, f"/v1/consumers/{made.json()['id']}/endpoints", admin.headers, cache_control=PRIVATE
    )
