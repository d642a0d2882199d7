"""Outputs: drafts, community comment windows, publication with a citable id, immutability, new versions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest

from igf_hub.core import references
from igf_hub.core.clock import Clock
from tests.support.auth import Caller
from tests.tracks.conftest import Tracks, assert_problem, dc_body, if_match, pointers

Client = httpx.AsyncClient

REPORT = {
    "title": "Best practices on cybersecurity norms",
    "kind": "report",
    "year": 2025,
    "languages": ["en", "fr"],
    "url": "https://www.intgovforum.org/en/bpf-cyber-2025.pdf",
    "text": "Norms implementation needs capacity building.",
    "dissenting_views": [
        {"text": "Some participants opposed any binding norm.", "held_by": "private sector"}
    ],
    "classification": {"wsis_action_lines": ["C5"], "sdgs": [16], "gdc_objectives": [3]},
}


async def draft(
    client: Client, slug: str, caller: Caller, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await client.post(f"/v1/tracks/{slug}/outputs", json=body or REPORT, headers=caller.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def through_comment(
    client: Client, clock: Clock, output: dict[str, Any], caller: Caller
) -> dict[str, Any]:
    """Open a one-week comment window and let it pass (callers re-mint their tokens afterwards)."""
    closes = (clock.now() + timedelta(days=7)).isoformat()
    opened = await client.post(
        f"/v1/tracks/outputs/{output['id']}/comment-window",
        json={"closes_at": closes},
        headers=if_match(caller, output["version"]),
    )
    assert opened.status_code == 200, opened.text
    clock.advance(timedelta(days=8))
    result: dict[str, Any] = opened.json()
    return result


@pytest.fixture
async def bpf(tracks: Tracks) -> Caller:
    """An active BPF and its facilitator."""
    await tracks.active({"slug": "bpf-cybersecurity", "type": "bpf", "name": "BPF on Cybersecurity"})
    return await tracks.facilitator("bpf-cybersecurity")


async def test_a_bpf_output_is_commented_published_and_citable(
    client: Client, tracks: Tracks, bpf: Caller, clock: Clock, db: asyncpg.Pool
) -> None:
    output = await draft(client, "bpf-cybersecurity", bpf)
    assert output["status"] == "draft" and output["citable_id"] is None and output["output_version"] == 1
    assert output["dissenting_views"][0]["held_by"] == "private sector"
    # A private draft is the facilitators' workspace.
    assert_problem(await client.get(f"/v1/tracks/outputs/{output['id']}"), 404, "output-not-found")

    # BPF drafts go through a community comment window first.
    blocked = await client.post(f"/v1/tracks/outputs/{output['id']}/publish", headers=if_match(bpf, 1))
    assert pointers(assert_problem(blocked, 409, "publication-blocked")) == ["/comment_window"]

    closes = (clock.now() + timedelta(days=7)).isoformat()
    opened = await client.post(
        f"/v1/tracks/outputs/{output['id']}/comment-window",
        json={"closes_at": closes},
        headers=if_match(bpf, 1),
    )
    assert opened.status_code == 200 and opened.json()["comment_window"]["is_open"] is True
    commenter = await tracks.tokens.user()
    comment = await client.post(
        f"/v1/tracks/outputs/{output['id']}/comments",
        json={
            "text": "Please add a section on CERT cooperation.",
            "stakeholder_group": "technical_community",
        },
        headers=commenter.headers,
    )
    assert comment.status_code == 201, comment.text
    assert comment.json()["on_version"] == 2
    assert_problem(
        await client.post(f"/v1/tracks/outputs/{output['id']}/comments", json={"text": "anon"}),
        401,
        "unauthorized",
    )
    # Open for comment: the public can read the draft and the comments.
    assert (await client.get(f"/v1/tracks/outputs/{output['id']}")).status_code == 200
    comments = (await client.get(f"/v1/tracks/outputs/{output['id']}/comments")).json()
    assert [c["text"] for c in comments["items"]] == ["Please add a section on CERT cooperation."]
    still_open = await client.post(f"/v1/tracks/outputs/{output['id']}/publish", headers=if_match(bpf, 2))
    assert "open until" in assert_problem(still_open, 409, "publication-blocked")["detail"]

    clock.advance(timedelta(days=8))
    bpf = await tracks.refreshed(bpf)
    late = await client.post(
        f"/v1/tracks/outputs/{output['id']}/comments",
        json={"text": "Too late"},
        headers=(await tracks.refreshed(commenter)).headers,
    )
    assert "closed at" in assert_problem(late, 409, "comment-window-closed")["detail"]

    published = await client.post(f"/v1/tracks/outputs/{output['id']}/publish", headers=if_match(bpf, 2))
    assert published.status_code == 200, published.text
    body = published.json()
    assert body["status"] == "published" and body["citable_id"] == "igf:bpf-cybersecurity:2025:1:v1"
    assert published.headers["etag"] == '"3"'

    by_cite = await client.get(f"/v1/tracks/outputs/by-citable-id/{body['citable_id']}")
    assert by_cite.status_code == 200 and by_cite.json()["id"] == output["id"]
    async with db.acquire() as conn:
        reference = await references.resolve(conn, "track_output", UUID(output["id"]))
        event = await conn.fetchrow(
            "SELECT data FROM outbox WHERE type = 'track_output.published' AND subject = $1", output["id"]
        )
        history = await conn.fetch("SELECT action FROM track_history ORDER BY id")
    assert reference is not None and reference.citable_id == "igf:bpf-cybersecurity:2025:1:v1"
    assert reference.href == f"/v1/tracks/outputs/{output['id']}" and reference.title == REPORT["title"]
    assert (await client.get(reference.href)).status_code == 200
    assert event["data"]["classification"] == REPORT["classification"]
    assert (
        event["data"]["citable_id"] == "igf:bpf-cybersecurity:2025:1:v1"
        and event["data"]["track_type"] == "bpf"
    )
    assert [h["action"] for h in history][-1] == "output_published"

    detail = (await client.get("/v1/tracks/bpf-cybersecurity")).json()
    assert [o["citable_id"] for o in detail["outputs"]] == ["igf:bpf-cybersecurity:2025:1:v1"]


async def test_a_published_output_is_immutable_and_superseded_by_a_new_version(
    client: Client, tracks: Tracks, clock: Clock, db: asyncpg.Pool
) -> None:
    await tracks.active(dc_body())
    dc = await tracks.facilitator("dc-open-standards")
    # Dynamic Coalitions publish without a comment window.
    v1 = await draft(client, "dc-open-standards", dc, {**REPORT, "kind": "statement"})
    published = await client.post(f"/v1/tracks/outputs/{v1['id']}/publish", headers=if_match(dc, 1))
    assert published.json()["citable_id"] == "igf:dc-open-standards:2025:1:v1"

    edit = await client.patch(
        f"/v1/tracks/outputs/{v1['id']}", json={"title": "Quietly changed"}, headers=if_match(dc, 2)
    )
    problem = assert_problem(edit, 409, "output-immutable")
    assert problem["current_state"] == "published"
    assert_problem(
        await client.delete(f"/v1/tracks/outputs/{v1['id']}", headers=dc.headers), 409, "output-immutable"
    )
    again = await client.post(f"/v1/tracks/outputs/{v1['id']}/publish", headers=if_match(dc, 2))
    problem = assert_problem(again, 409, "illegal-transition")
    assert problem["current_state"] == "published" and problem["allowed"] == ["superseded"]
    # The database refuses it too, whatever the code path.
    async with db.acquire() as conn:
        with pytest.raises(asyncpg.IntegrityConstraintViolationError):
            await conn.execute("UPDATE track_outputs SET title = 'x' WHERE id = $1", UUID(v1["id"]))

    v2 = await client.post(
        f"/v1/tracks/outputs/{v1['id']}/versions",
        json={"title": "Open standards statement, revised"},
        headers=dc.headers,
    )
    assert v2.status_code == 201, v2.text
    v2_body = v2.json()
    assert (
        v2_body["output_version"] == 2
        and v2_body["supersedes"] == v1["id"]
        and v2_body["series_id"] == v1["id"]
    )
    assert v2_body["text"] == REPORT["text"]
    duplicate = await client.post(f"/v1/tracks/outputs/{v1['id']}/versions", json={}, headers=dc.headers)
    assert_problem(duplicate, 409, "draft-version-exists")

    out = await client.post(f"/v1/tracks/outputs/{v2_body['id']}/publish", headers=if_match(dc, 1))
    assert out.status_code == 200, out.text
    assert out.json()["citable_id"] == "igf:dc-open-standards:2025:1:v2"
    old = (await client.get(f"/v1/tracks/outputs/{v1['id']}")).json()
    assert old["status"] == "superseded" and old["superseded_by"] == v2_body["id"]
    assert old["title"] == REPORT["title"] and old["citable_id"] == "igf:dc-open-standards:2025:1:v1"
    # A superseded version is still citable, but no longer revisable.
    stale = await client.post(f"/v1/tracks/outputs/{v1['id']}/versions", json={}, headers=dc.headers)
    assert_problem(stale, 409, "not-current-version")
    problem = assert_problem(
        await client.post(f"/v1/tracks/outputs/{v1['id']}/publish", headers=if_match(dc, 3)),
        409,
        "illegal-transition",
    )
    assert problem["allowed"] == []
    async with db.acquire() as conn:
        types = [
            r["type"]
            for r in await conn.fetch("SELECT type FROM outbox WHERE type LIKE 'track_output.%' ORDER BY id")
        ]
        assert (await references.resolve(conn, "track_output", UUID(v1["id"]))) is not None
        assert (await references.resolve(conn, "track_output", UUID(int=0))) is None
    # The publication causes the supersession of v1, so its event comes first.
    assert types == [
        "track_output.created",
        "track_output.published",
        "track_output.created",
        "track_output.published",
        "track_output.superseded",
    ]

    # A second output of the same year gets the next number.
    other = await draft(client, "dc-open-standards", dc, {**REPORT, "title": "Toolkit", "kind": "toolkit"})
    numbered = await client.post(f"/v1/tracks/outputs/{other['id']}/publish", headers=if_match(dc, 1))
    assert numbered.json()["citable_id"] == "igf:dc-open-standards:2025:2:v1"


async def test_drafts_are_edited_with_if_match_by_their_own_facilitators(
    client: Client, tracks: Tracks, bpf: Caller
) -> None:
    output = await draft(client, "bpf-cybersecurity", bpf)
    url = f"/v1/tracks/outputs/{output['id']}"
    await tracks.active({"slug": "bpf-gender", "type": "bpf", "name": "BPF on Gender"})
    stranger = await tracks.facilitator("bpf-gender")
    assert_problem(
        await client.patch(url, json={"title": "Hijacked"}, headers=if_match(stranger, 1)),
        403,
        "not-track-facilitator",
    )
    assert_problem(
        await client.post(f"/v1/tracks/outputs/{output['id']}/publish", headers=if_match(stranger, 1)),
        403,
        "not-track-facilitator",
    )
    assert_problem(
        await client.post("/v1/tracks/bpf-cybersecurity/outputs", json=REPORT, headers=stranger.headers),
        403,
        "not-track-facilitator",
    )
    assert_problem(await client.patch(url, json={"title": "Anon"}), 401, "unauthorized")
    assert_problem(
        await client.patch(url, json={"title": "No precondition"}, headers=bpf.headers),
        428,
        "precondition-required",
    )

    edited = await client.patch(
        url, json={"title": "Cybersecurity norms in practice", "url": None}, headers=if_match(bpf, 1)
    )
    assert edited.status_code == 200 and edited.json()["url"] is None and edited.headers["etag"] == '"2"'
    assert_problem(
        await client.patch(url, json={"title": "Lost update"}, headers=if_match(bpf, 1)), 412, "stale-version"
    )
    problem = assert_problem(
        await client.patch(url, json={"text": None}, headers=if_match(bpf, 2)), 422, "output-rules-not-met"
    )
    assert "url, a text" in problem["errors"][0]["detail"]
    assert_problem(
        await client.patch(url, json={"kind": "toolkit"}, headers=if_match(bpf, 2)), 422, "validation-failed"
    )

    # Facilitators see their drafts in the track's list; the public does not.
    mine = (await client.get("/v1/tracks/bpf-cybersecurity/outputs", headers=bpf.headers)).json()
    assert [o["id"] for o in mine["items"]] == [output["id"]]
    assert (await client.get("/v1/tracks/bpf-cybersecurity/outputs")).json()["items"] == []

    assert (await client.delete(url, headers=if_match(bpf, 1))).status_code == 412
    assert (await client.delete(url, headers=bpf.headers)).status_code == 204
    assert_problem(await client.get(url, headers=bpf.headers), 404, "output-not-found")


async def test_malformed_outputs_are_refused(client: Client, bpf: Caller) -> None:
    url = "/v1/tracks/bpf-cybersecurity/outputs"
    no_content = {k: v for k, v in REPORT.items() if k not in ("url", "text")}
    assert (
        "url, a text"
        in assert_problem(
            await client.post(url, json=no_content, headers=bpf.headers), 422, "validation-failed"
        )["detail"]
    )
    assert_problem(
        await client.post(url, json={**REPORT, "kind": "novel"}, headers=bpf.headers),
        422,
        "validation-failed",
    )
    assert_problem(
        await client.post(url, json={**REPORT, "year": 1999}, headers=bpf.headers), 422, "validation-failed"
    )
    assert_problem(
        await client.post(url, json={**REPORT, "languages": []}, headers=bpf.headers),
        422,
        "validation-failed",
    )
    bad = await client.post(
        url, content=b"{not json", headers={**bpf.headers, "content-type": "application/json"}
    )
    assert_problem(bad, 400, "malformed-body")
    assert_problem(
        await client.post("/v1/tracks/nope/outputs", json=REPORT, headers=bpf.headers), 404, "track-not-found"
    )


async def test_comment_windows_are_for_drafts_and_close_in_the_future(
    client: Client, tracks: Tracks, bpf: Caller, clock: Clock
) -> None:
    output = await draft(client, "bpf-cybersecurity", bpf)
    window = f"/v1/tracks/outputs/{output['id']}/comment-window"
    past = (clock.now() - timedelta(minutes=1)).isoformat()
    problem = assert_problem(
        await client.post(window, json={"closes_at": past}, headers=if_match(bpf, 1)),
        422,
        "output-rules-not-met",
    )
    assert pointers(problem) == ["/closes_at"]
    naive = (clock.now() + timedelta(days=1)).replace(tzinfo=None).isoformat()
    assert_problem(
        await client.post(window, json={"closes_at": naive}, headers=if_match(bpf, 1)),
        422,
        "validation-failed",
    )
    no_window = await client.post(
        f"/v1/tracks/outputs/{output['id']}/comments", json={"text": "hello"}, headers=bpf.headers
    )
    assert "not been opened" in assert_problem(no_window, 409, "comment-window-closed")["detail"]

    opened = await through_comment(client, clock, output, bpf)
    bpf = await tracks.refreshed(bpf)
    published = await client.post(
        f"/v1/tracks/outputs/{output['id']}/publish", headers=if_match(bpf, opened["version"])
    )
    assert published.status_code == 200, published.text
    future = (clock.now() + timedelta(days=3)).isoformat()
    after = await client.post(
        window, json={"closes_at": future}, headers=if_match(bpf, published.json()["version"])
    )
    assert_problem(after, 409, "output-immutable")
    on_published = await client.post(
        f"/v1/tracks/outputs/{output['id']}/comments", json={"text": "late"}, headers=bpf.headers
    )
    assert "published" in assert_problem(on_published, 409, "comment-window-closed")["detail"]


async def test_outputs_are_findable_by_filters_and_text(
    client: Client, tracks: Tracks, bpf: Caller, clock: Clock
) -> None:
    await tracks.active(dc_body())
    dc = await tracks.facilitator("dc-open-standards")
    statement = await draft(
        client,
        "dc-open-standards",
        dc,
        {
            "title": "Statement on open standards",
            "kind": "statement",
            "year": 2024,
            "languages": ["es"],
            "text": "Interoperability keeps the Internet open.",
            "classification": {"wsis_action_lines": ["C2"], "sdgs": [9]},
        },
    )
    await client.post(f"/v1/tracks/outputs/{statement['id']}/publish", headers=if_match(dc, 1))
    report = await draft(client, "bpf-cybersecurity", bpf)
    opened = await through_comment(client, clock, report, bpf)
    bpf = await tracks.refreshed(bpf)
    await client.post(f"/v1/tracks/outputs/{report['id']}/publish", headers=if_match(bpf, opened["version"]))
    hidden = await draft(client, "bpf-cybersecurity", bpf, {**REPORT, "title": "Unpublished musings"})

    async def titles(query: str) -> list[str]:
        response = await client.get(f"/v1/tracks/outputs?{query}")
        assert response.status_code == 200, response.text
        return [o["title"] for o in response.json()["items"]]

    assert await titles("") == [REPORT["title"], "Statement on open standards"]
    assert await titles("kind=statement") == ["Statement on open standards"]
    assert await titles("year=2025") == [REPORT["title"]]
    assert await titles("action_line=C5") == [REPORT["title"]]
    assert await titles("sdg=9") == ["Statement on open standards"]
    assert await titles("gdc_objective=3") == [REPORT["title"]]
    assert await titles("language=es") == ["Statement on open standards"]
    assert await titles("track_type=dynamic_coalition") == ["Statement on open standards"]
    assert await titles("q=interoperability") == ["Statement on open standards"]
    assert await titles("q=capacity building") == [REPORT["title"]]
    assert await titles("status=draft") == []
    first = (await client.get("/v1/tracks/outputs?limit=1")).json()
    second = (await client.get(f"/v1/tracks/outputs?limit=1&cursor={first['next_cursor']}")).json()
    assert [o["title"] for o in second["items"]] == ["Statement on open standards"]
    # The Secretariat sees every draft.
    await tracks.refresh_admin()
    everything = (await client.get("/v1/tracks/outputs?status=draft", headers=tracks.admin.headers)).json()
    assert [o["id"] for o in everything["items"]] == [hidden["id"]]
    assert_problem(
        await client.get("/v1/tracks/outputs/by-citable-id/igf:none:2025:1:v1"), 404, "output-not-found"
    )


async def test_outputs_need_a_working_track(client: Client, tracks: Tracks) -> None:
    await tracks.create({"slug": "pn-ai", "type": "policy_network", "name": "Policy Network on AI"})
    response = await client.post("/v1/tracks/pn-ai/outputs", json=REPORT, headers=tracks.admin.headers)
    assert_problem(response, 409, "track-not-open")

    # A draft left behind when its track concludes is not published afterwards.
    await tracks.active(dc_body())
    leftover = await draft(client, "dc-open-standards", tracks.admin)
    await tracks.transition("dc-open-standards", "concluded")
    publish = await client.post(
        f"/v1/tracks/outputs/{leftover['id']}/publish", headers=if_match(tracks.admin, 1)
    )
    assert_problem(publish, 409, "track-not-open")


async def test_publication_refusals(client: Client, tracks: Tracks) -> None:
    await tracks.active(dc_body())
    dc = await tracks.facilitator("dc-open-standards")
    output = await draft(client, "dc-open-standards", dc)
    url = f"/v1/tracks/outputs/{output['id']}"
    assert_problem(await client.post(f"{url}/publish", headers=if_match(dc, 5)), 412, "stale-version")
    assert_problem(await client.post(f"{url}/publish", headers=dc.headers), 428, "precondition-required")
    assert_problem(await client.post(f"{url}/publish"), 401, "unauthorized")
    # Only a published version gets a next version.
    assert_problem(
        await client.post(f"{url}/versions", json={}, headers=dc.headers), 409, "not-current-version"
    )
    stranger = await tracks.tokens.user()
    window = await client.post(
        f"{url}/comment-window", json={"closes_at": "2100-01-01T00:00:00Z"}, headers=if_match(stranger, 1)
    )
    assert_problem(window, 403, "forbidden")
    assert_problem(await client.get(f"{url}/comments"), 404, "output-not-found")
