"""The Secretariat's bulk import of tracks (issue 15): all or nothing, a dry run that lists every problem by row
and column, and concluded tracks that load as history with their real years."""

from __future__ import annotations

import asyncpg
import httpx

from tests.support.audit import chain_audit
from tests.tracks.conftest import Tracks, assert_problem

HEADER = (
    "slug,type,subtype,name,acronym,status,years_active,mailing_list_url,wsis_action_lines,sdgs,predecessor"
)
ROWS = [
    "bpf-gender,bpf,,BPF on Gender and Access,BPF Gender,concluded,2015;2016;2017;2018;2019,,C1,5,",
    "dc-iot,dynamic_coalition,,Dynamic Coalition on the Internet of Things,DC-IoT,active,"
    "2008;2009;2010,https://lists.example.org/dc-iot,C5,9,",
    "dc-iot-data,dynamic_coalition,,Dynamic Coalition on IoT and Data,,active,2024,https://lists.example.org/d,,,dc-iot",
    "youth-track,other,youth,IGF Youth Track,,concluded,2021;2022,,,,",
]


def csv_body(*rows: str, header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


async def _post(
    client: httpx.AsyncClient, tracks: Tracks, body: bytes, query: str = "", **headers: str
) -> httpx.Response:
    return await client.post(
        f"/v1/tracks/import{query}",
        content=body,
        headers={**tracks.admin.headers, "content-type": "text/csv", **headers},
    )


async def _count(db: asyncpg.Pool) -> tuple[int, int]:
    async with db.acquire() as conn:
        await chain_audit(conn)
        row = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM tracks) t, (SELECT count(*) FROM audit_log) a"
        )
    return row["t"], row["a"]


async def test_a_dry_run_lists_every_problem_by_row_and_column_and_writes_nothing(
    client: httpx.AsyncClient, tracks: Tracks, db: asyncpg.Pool
) -> None:
    bad = [
        ROWS[0],
        "DC IoT!,dynamic_coalition,,X,,active,2008,not-a-url,C99,99,",  # slug, name, url, action line, sdg
        "bpf-gender,bpf,,BPF on Gender again,,inactive,,,,,nowhere",  # slug twice, inactive BPF, no years, predecessor
    ]
    before = await _count(db)
    response = await _post(client, tracks, csv_body(*bad), "?dry_run=true")
    body = assert_problem(response, 422, "track-import-rejected")
    problems = {(e["pointer"], e["detail"].split(":")[1].strip()) for e in body["errors"]}
    assert {p for p, _ in problems} == {
        "/rows/3/slug",
        "/rows/3/name",
        "/rows/3/mailing_list_url",
        "/rows/3/wsis_action_lines",
        "/rows/4/slug",
        "/rows/4/status",
        "/rows/4/years_active",
        "/rows/4/predecessor",
    }
    assert all(d.startswith("line ") for d in (e["detail"] for e in body["errors"]))
    assert all(
        c
        in {"slug", "name", "mailing_list_url", "wsis_action_lines", "status", "years_active", "predecessor"}
        for _, c in problems
    )
    assert "regex" not in response.text
    assert await _count(db) == before


async def test_tracks_load_as_history_with_their_real_status_and_years(
    client: httpx.AsyncClient, tracks: Tracks, db: asyncpg.Pool
) -> None:
    before = await _count(db)
    dry = await _post(client, tracks, csv_body(*ROWS), "?dry_run=true&source=IGF%20website%202025")
    assert dry.status_code == 200, dry.text
    assert [r["outcome"] for r in dry.json()["rows"]] == ["would_create"] * 4
    assert await _count(db) == before

    done = await _post(client, tracks, csv_body(*ROWS), "?source=IGF%20website%202025")
    assert done.status_code == 200, done.text
    assert done.json()["created"] == 4

    gender = (await client.get("/v1/tracks/bpf-gender")).json()  # public, as history
    assert (gender["status"], gender["years_active"], gender["acronym"]) == (
        "concluded",
        [2015, 2016, 2017, 2018, 2019],
        "BPF Gender",
    )
    assert gender["import_source"] == "IGF website 2025" and gender["imported_at"] is not None
    assert gender["activated_at"] == "2015-01-01T00:00:00Z"  # from its first year, not the day it was loaded
    assert [h["action"] for h in gender["history"]] == ["imported"]  # no proposal or activation it never had
    assert gender["formation"] is None
    data = (await client.get("/v1/tracks/dc-iot-data")).json()
    assert data["predecessor"] == "dc-iot"
    assert (await client.get("/v1/tracks/dc-iot")).json()["successors"] == ["dc-iot-data"]
    async with db.acquire() as conn:
        await chain_audit(conn)
        actions = await conn.fetch(
            "SELECT action, data->>'source' AS source FROM audit_log WHERE action = 'track.imported'"
        )
    assert {(r["action"], r["source"]) for r in actions} == {("track.imported", "IGF website 2025")}
    assert len(actions) == 4

    # Loading the same file again is refused as a whole: the slugs exist.
    again = assert_problem(await _post(client, tracks, csv_body(*ROWS)), 422, "track-import-rejected")
    assert len(again["errors"]) == 4


async def test_json_imports_the_same_way_and_other_media_types_are_refused(
    client: httpx.AsyncClient, tracks: Tracks
) -> None:
    body = {
        "tracks": [
            {
                "slug": "pn-ai",
                "type": "policy_network",
                "name": "Policy Network on AI",
                "status": "active",
                "years_active": [2023, 2024],
                "acronym": "PNAI",
            }
        ]
    }
    done = await client.post("/v1/tracks/import", json=body, headers=tracks.admin.headers)
    assert done.status_code == 200, done.text
    assert (await client.get("/v1/tracks/pn-ai")).json()["acronym"] == "PNAI"
    bad = await client.post(
        "/v1/tracks/import",
        json={"tracks": [{"slug": "x", "type": "bpf", "colour": "red"}]},
        headers=tracks.admin.headers,
    )
    pointers = sorted(e["pointer"] for e in assert_problem(bad, 422, "track-import-rejected")["errors"])
    assert pointers == ["/rows/1/colour", "/rows/1/name", "/rows/1/years_active"]
    refused = await client.post(
        "/v1/tracks/import", content=b"x", headers={**tracks.admin.headers, "content-type": "application/xml"}
    )
    assert_problem(refused, 415, "unsupported-media-type")
    nobody = await client.post("/v1/tracks/import", json=body)
    assert nobody.status_code == 401
