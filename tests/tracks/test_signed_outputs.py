"""A published track output is signed in the publishing transaction: its GET and its event carry the signature,
which verifies independently; a draft has none, and each published version has its own."""

from __future__ import annotations

import asyncpg
import httpx

from igf_hub.app import WIRING
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.core.test_signing import independent_verify, jwks_of
from tests.tracks.conftest import Tracks, dc_body, if_match
from tests.tracks.test_outputs import REPORT, draft


async def test_each_published_output_version_is_signed_and_verifies(
    client: httpx.AsyncClient, tracks: Tracks, db: asyncpg.Pool
) -> None:
    await tracks.active(dc_body())
    dc = await tracks.facilitator("dc-open-standards")
    v1 = await draft(client, "dc-open-standards", dc, {**REPORT, "kind": "statement"})
    assert v1["signature"] is None
    published = (await client.post(f"/v1/tracks/outputs/{v1['id']}/publish", headers=if_match(dc, 1))).json()
    signature = published["signature"]
    assert signature["kind"] == "track_output" and signature["id"] == v1["id"] and signature["version"] == 1
    assert (await client.get(f"/v1/tracks/outputs/{v1['id']}")).json()["signature"] == signature
    async with db.acquire() as conn:
        event = await conn.fetchval(
            "SELECT data FROM outbox WHERE type = 'track_output.published' AND subject = $1", v1["id"]
        )
    assert event["signature"] == signature

    document = await client.get(f"/v1/signatures/track_output/{v1['id']}/1/document")
    independent_verify(document.content, signature["jws"], await jwks_of(client))
    record = document.json()["record"]
    assert record["citable_id"] == "igf:dc-open-standards:2025:1:v1" and record["text"] == REPORT["text"]
    assert record["dissenting_views"] == REPORT["dissenting_views"]

    v2 = (
        await client.post(
            f"/v1/tracks/outputs/{v1['id']}/versions", json={"title": "Revised"}, headers=dc.headers
        )
    ).json()
    out = (await client.post(f"/v1/tracks/outputs/{v2['id']}/publish", headers=if_match(dc, 1))).json()
    assert out["signature"]["version"] == 2 and out["signature"]["jws"] != signature["jws"]
    # The superseded version keeps its signature.
    assert (await client.get(f"/v1/tracks/outputs/{v1['id']}")).json()["signature"] == signature


async def test_outputs_published_before_signing_began_are_signed_by_the_backfill(
    client: httpx.AsyncClient, tracks: Tracks, db: asyncpg.Pool, settings: Settings
) -> None:
    await tracks.active(dc_body())
    dc = await tracks.facilitator("dc-open-standards")
    v1 = await draft(client, "dc-open-standards", dc, {**REPORT, "kind": "statement"})
    await client.post(f"/v1/tracks/outputs/{v1['id']}/publish", headers=if_match(dc, 1))
    async with db.acquire() as conn:
        # As before migration 0028: the output is published, and nothing signed it (the trigger is bypassed as
        # only the database owner could).
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("DELETE FROM signed_records")
        await conn.execute("SET session_replication_role = DEFAULT")
        assert (await client.get(f"/v1/tracks/outputs/{v1['id']}")).json()["signature"] is None
        backfill = next(
            w.signed_records["track_output"] for w in WIRING if "track_output" in w.signed_records
        )
        done = await backfill(conn, settings, Clock().now())
        assert (done.signed, done.already, done.skipped) == (1, 0, [])
        again = await backfill(conn, settings, Clock().now())
        assert (again.signed, again.already) == (0, 1)
    signature = (await client.get(f"/v1/tracks/outputs/{v1['id']}")).json()["signature"]
    document = await client.get(f"/v1/signatures/track_output/{v1['id']}/1/document")
    independent_verify(document.content, signature["jws"], await jwks_of(client))
