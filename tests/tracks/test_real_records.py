"""Real track records (issue 15): acronyms, a coalition's predecessor and successors, plain-sentence slug
errors, and the Secretariat's bulk allowance under the public rate limits."""

from __future__ import annotations

import httpx

from tests.support.auth import TokenFactory
from tests.tracks.conftest import Tracks, assert_problem, dc_body, if_match


async def test_a_track_has_an_acronym_and_links_to_the_coalition_it_continues(
    client: httpx.AsyncClient, tracks: Tracks
) -> None:
    old = await tracks.create(dc_body("dc-iot", name="Dynamic Coalition on the Internet of Things"))
    new = await tracks.create(
        dc_body("dc-iot-2", name="Dynamic Coalition on IoT and Data", acronym="DC-IoT", predecessor="dc-iot")
    )
    assert (new["acronym"], new["predecessor"]) == ("DC-IoT", "dc-iot")
    read_old = (await client.get("/v1/tracks/dc-iot")).json()
    assert read_old["successors"] == ["dc-iot-2"] and read_old["predecessor"] is None

    unknown = await client.post(
        "/v1/tracks", json=dc_body("dc-x", predecessor="no-such-track"), headers=tracks.admin.headers
    )
    assert [e["pointer"] for e in assert_problem(unknown, 422, "track-rules-not-met")["errors"]] == [
        "/predecessor"
    ]
    # A loop (the old coalition continuing the new one) is refused.
    loop = await client.patch(
        "/v1/tracks/dc-iot", json={"predecessor": "dc-iot-2"}, headers=if_match(tracks.admin, old["version"])
    )
    assert "loop" in assert_problem(loop, 422, "track-rules-not-met")["errors"][0]["detail"]
    renamed = await client.patch(
        "/v1/tracks/dc-iot", json={"acronym": "DC IoT (2008)"}, headers=if_match(tracks.admin, old["version"])
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["acronym"] == "DC IoT (2008)"


async def test_a_bad_slug_is_explained_in_a_sentence(client: httpx.AsyncClient, tracks: Tracks) -> None:
    # Issue 15: the 422 showed msgspec's "Expected `str` matching regex '^[a-z0-9](?:...'".
    response = await client.post(
        "/v1/tracks", json=dc_body("DC Open Standards!"), headers=tracks.admin.headers
    )
    body = assert_problem(response, 422, "validation-failed")
    detail = body["errors"][0]["detail"]
    assert body["errors"][0]["pointer"] == "/slug"
    assert detail.startswith("Must be 1 to 64 lowercase letters, digits or hyphens")
    assert "regex" not in body["detail"] and "[a-z0-9]" not in body["detail"]


async def test_the_secretariat_loads_31_coalitions_without_hitting_the_public_limit(
    client: httpx.AsyncClient, tracks: Tracks, tokens: TokenFactory
) -> None:
    # Issue 15: loading the 31 DCs one call at a time got 429 after 30 POST /v1/tracks.
    statuses = [
        (await client.post("/v1/tracks", json=dc_body(f"dc-{i}"), headers=tracks.admin.headers)).status_code
        for i in range(31)
    ]
    assert statuses == [201] * 31
    # The public limit still holds for everyone else.
    proposer = await tokens.user()
    others = [
        (await client.post("/v1/tracks", json=dc_body(f"dc-p-{i}"), headers=proposer.headers)).status_code
        for i in range(31)
    ]
    assert others == [201] * 30 + [429]
