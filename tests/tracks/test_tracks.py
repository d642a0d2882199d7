"""Tracks through the API: creation rules, the status machine, edits with If-Match, listing and detail."""

from __future__ import annotations

import asyncpg
import httpx

from igf_hub.auth.principal import Role
from tests.support.audit import chain_audit
from tests.support.auth import TokenFactory
from tests.tracks.conftest import FOUNDERS, Tracks, assert_problem, dc_body, if_match, pointers

Client = httpx.AsyncClient


async def test_secretariat_creates_a_bpf_and_activates_it(
    client: Client, tracks: Tracks, db: asyncpg.Pool
) -> None:
    created = await tracks.bpf()
    assert created["status"] == "proposed" and created["version"] == 1
    assert created["classification"] == {"wsis_action_lines": ["C5"], "sdgs": [16], "gdc_objectives": [3]}

    active = await tracks.transition("bpf-cybersecurity", "active")
    assert active["status"] == "active" and active["version"] == 2
    assert active["activated_at"] is not None
    assert active["years_active"] == [int(active["activated_at"][:4])]

    async with db.acquire() as conn:
        events = await conn.fetch(
            "SELECT type, data FROM outbox WHERE subject = $1 ORDER BY id", created["id"]
        )
        await chain_audit(conn)
        audit = await conn.fetch(
            "SELECT action FROM audit_log WHERE subject_id = $1 ORDER BY seq", created["id"]
        )
    assert [e["type"] for e in events] == ["track.proposed", "track.activated"]
    assert events[1]["data"]["classification"] == {
        "wsis_action_lines": ["C5"],
        "sdgs": [16],
        "gdc_objectives": [3],
    }
    assert [a["action"] for a in audit] == ["track.proposed", "track.activated"]

    detail = (await client.get("/v1/tracks/bpf-cybersecurity")).json()
    assert [(h["action"], h["to_status"]) for h in detail["history"]] == [
        ("proposed", "proposed"),
        ("status_changed", "active"),
    ]


async def test_anyone_signed_in_may_propose_a_dc_and_then_facilitates_it(
    client: Client, tracks: Tracks, tokens: TokenFactory
) -> None:
    proposer = await tokens.user()
    created = await tracks.create(dc_body(), caller=proposer)
    assert created["status"] == "proposed"
    assert [f["user_id"] for f in created["facilitators"]] == [str(proposer.id)]
    # The grant takes effect on the next request: the proposer may correct the proposal.
    fixed = await client.patch(
        "/v1/tracks/dc-open-standards",
        json={"description": "Open standards, revised."},
        headers=if_match(proposer, 1),
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.headers["etag"] == '"2"'

    # Contact e-mails are for the Secretariat and the facilitators only.
    public = (await client.get("/v1/tracks/dc-open-standards")).json()
    assert public["formation"]["contact_persons"] == [
        {"name": "Kofi Civil", "organisation": None, "email": None}
    ]
    private = (await client.get("/v1/tracks/dc-open-standards", headers=proposer.headers)).json()
    assert private["formation"]["contact_persons"][0]["email"] == "kofi@example.org"
    assert len(private["formation"]["founding_members"]) == 3


async def test_a_dc_proposal_reports_every_unmet_formation_rule(client: Client, tokens: TokenFactory) -> None:
    proposer = await tokens.user()
    body = dc_body(mailing_list_url=None, open_membership=False, slug="outputs")
    body["formation"]["founding_members"] = [FOUNDERS[0], {**FOUNDERS[1], "country": "XX"}]
    problem = assert_problem(
        await client.post("/v1/tracks", json=body, headers=proposer.headers), 422, "track-rules-not-met"
    )
    assert sorted(pointers(problem)) == [
        "/formation/founding_members",
        "/formation/founding_members/1/country",
        "/mailing_list_url",
        "/open_membership",
        "/slug",
    ]

    no_formation = dc_body(slug="dc-x", formation=None)
    problem = assert_problem(
        await client.post("/v1/tracks", json=no_formation, headers=proposer.headers),
        422,
        "track-rules-not-met",
    )
    assert pointers(problem) == ["/formation"]


async def test_only_the_secretariat_creates_bpfs_pns_and_other_tracks(
    client: Client, tracks: Tracks, tokens: TokenFactory
) -> None:
    someone = await tokens.user(Role.mag_member)
    body = {"slug": "pn-ai", "type": "policy_network", "name": "Policy Network on AI"}
    assert_problem(await client.post("/v1/tracks", json=body, headers=someone.headers), 403, "forbidden")
    assert_problem(await client.post("/v1/tracks", json=body), 401, "unauthorized")

    other_without_subtype = {
        "slug": "youth-track",
        "type": "other",
        "name": "Youth track",
        "formation": dc_body()["formation"],
    }
    problem = assert_problem(
        await client.post("/v1/tracks", json=other_without_subtype, headers=tracks.admin.headers),
        422,
        "track-rules-not-met",
    )
    assert sorted(pointers(problem)) == ["/formation", "/subtype"]
    youth = await tracks.create(
        {"slug": "youth-track", "type": "other", "subtype": "youth", "name": "Youth track"}
    )
    assert youth["subtype"] == "youth"
    bpf_with_subtype = {"slug": "bpf-x", "type": "bpf", "subtype": "youth", "name": "BPF X"}
    problem = assert_problem(
        await client.post("/v1/tracks", json=bpf_with_subtype, headers=tracks.admin.headers),
        422,
        "track-rules-not-met",
    )
    assert pointers(problem) == ["/subtype"]


async def test_malformed_and_invalid_bodies(client: Client, tracks: Tracks) -> None:
    headers = {**tracks.admin.headers, "content-type": "application/json"}
    assert_problem(
        await client.post("/v1/tracks", content=b'{"slug": "x",', headers=headers), 400, "malformed-body"
    )
    bad_slug = {"slug": "Not A Slug", "type": "bpf", "name": "BPF"}
    problem = assert_problem(
        await client.post("/v1/tracks", json=bad_slug, headers=tracks.admin.headers), 422, "validation-failed"
    )
    assert pointers(problem) == ["/slug"]
    unknown_code = {"slug": "bpf-y", "type": "bpf", "name": "BPF Y", "classification": {"sdgs": [18]}}
    problem = assert_problem(
        await client.post("/v1/tracks", json=unknown_code, headers=tracks.admin.headers),
        422,
        "validation-failed",
    )
    assert "sdgs: 18" in problem["detail"]
    unknown_field = {"slug": "bpf-y", "type": "bpf", "name": "BPF Y", "colour": "blue"}
    problem = assert_problem(
        await client.post("/v1/tracks", json=unknown_field, headers=tracks.admin.headers),
        422,
        "validation-failed",
    )
    assert pointers(problem) == ["/colour"]


async def test_a_taken_slug_is_a_conflict(client: Client, tracks: Tracks) -> None:
    await tracks.bpf()
    again = await client.post(
        "/v1/tracks",
        json={"slug": "bpf-cybersecurity", "type": "bpf", "name": "Again"},
        headers=tracks.admin.headers,
    )
    assert_problem(again, 409, "track-slug-taken")


async def test_illegal_transitions_name_the_current_and_allowed_states(
    client: Client, tracks: Tracks
) -> None:
    await tracks.bpf()
    response = await client.post(
        "/v1/tracks/bpf-cybersecurity/transitions",
        json={"to": "concluded"},
        headers=if_match(tracks.admin, 1),
    )
    problem = assert_problem(response, 409, "illegal-transition")
    assert problem["current_state"] == "proposed" and problem["allowed"] == ["active"]

    await tracks.transition("bpf-cybersecurity", "active")
    # Only Dynamic Coalitions go inactive.
    response = await client.post(
        "/v1/tracks/bpf-cybersecurity/transitions",
        json={"to": "inactive", "reason": "quiet"},
        headers=if_match(tracks.admin, 2),
    )
    problem = assert_problem(response, 409, "illegal-transition")
    assert problem["allowed"] == ["concluded"]

    await tracks.transition("bpf-cybersecurity", "concluded")
    response = await client.post(
        "/v1/tracks/bpf-cybersecurity/transitions", json={"to": "active"}, headers=if_match(tracks.admin, 3)
    )
    assert assert_problem(response, 409, "illegal-transition")["allowed"] == []
    # A concluded track's record is closed.
    edit = await client.patch(
        "/v1/tracks/bpf-cybersecurity", json={"name": "Renamed"}, headers=if_match(tracks.admin, 3)
    )
    assert_problem(edit, 409, "track-not-open")


async def test_transitions_need_the_secretariat_a_fresh_if_match_and_a_valid_body(
    client: Client, tracks: Tracks, tokens: TokenFactory
) -> None:
    created = await tracks.bpf()
    facilitator = await tracks.facilitator("bpf-cybersecurity")
    url = "/v1/tracks/bpf-cybersecurity/transitions"
    assert_problem(
        await client.post(url, json={"to": "active"}, headers=if_match(facilitator, 1)), 403, "forbidden"
    )
    assert_problem(await client.post(url, json={"to": "active"}), 401, "unauthorized")
    assert_problem(
        await client.post(url, json={"to": "active"}, headers=tracks.admin.headers),
        428,
        "precondition-required",
    )
    assert_problem(
        await client.post(url, json={"to": "active"}, headers=if_match(tracks.admin, 7)), 412, "stale-version"
    )
    assert_problem(
        await client.post(url, json={"to": "dormant"}, headers=if_match(tracks.admin, 1)),
        422,
        "validation-failed",
    )
    assert created["version"] == 1


async def test_a_dc_goes_inactive_only_with_a_reason(client: Client, tracks: Tracks) -> None:
    await tracks.active(dc_body())
    url = "/v1/tracks/dc-open-standards/transitions"
    problem = assert_problem(
        await client.post(url, json={"to": "inactive"}, headers=if_match(tracks.admin, 2)),
        422,
        "track-rules-not-met",
    )
    assert pointers(problem) == ["/reason"]
    inactive = await tracks.transition("dc-open-standards", "inactive", reason="asked to pause")
    assert inactive["status"] == "inactive" and inactive["status_reason"] == "asked to pause"


async def test_patch_needs_if_match_and_refuses_stale_versions(client: Client, tracks: Tracks) -> None:
    await tracks.bpf()
    url = "/v1/tracks/bpf-cybersecurity"
    assert_problem(
        await client.patch(url, json={"name": "New"}, headers=tracks.admin.headers),
        428,
        "precondition-required",
    )
    ok = await client.patch(
        url,
        json={
            "name": "BPF on Cybersecurity and Norms",
            "years_active": [2024, 2023, 2024],
            "mailing_list_url": None,
        },
        headers=if_match(tracks.admin, 1),
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["years_active"] == [2023, 2024]
    stale = await client.patch(url, json={"name": "Other"}, headers=if_match(tracks.admin, 1))
    problem = assert_problem(stale, 412, "stale-version")
    assert problem["current_version"] == 2 and stale.headers["etag"] == '"2"'
    assert_problem(
        await client.patch(url, json={"subtype": "youth"}, headers=if_match(tracks.admin, 2)),
        422,
        "track-rules-not-met",
    )
    assert_problem(
        await client.patch(url, json={"slug": "renamed"}, headers=if_match(tracks.admin, 2)),
        422,
        "validation-failed",
    )
    assert_problem(await client.patch(url, json={"name": "Anon"}), 401, "unauthorized")
    assert_problem(
        await client.patch(
            "/v1/tracks/no-such-track", json={"name": "XY"}, headers=if_match(tracks.admin, 1)
        ),
        404,
        "track-not-found",
    )


async def test_list_filters_search_and_paginates(client: Client, tracks: Tracks) -> None:
    await tracks.active(
        {
            "slug": "bpf-cybersecurity",
            "type": "bpf",
            "name": "BPF on Cybersecurity",
            "description": "Norms for cyberspace",
            "classification": {"wsis_action_lines": ["C5"], "sdgs": [16]},
        }
    )
    await tracks.create(
        {
            "slug": "pn-meaningful-access",
            "type": "policy_network",
            "name": "PN on Meaningful Access",
            "description": "Connectivity and affordability",
            "years_active": [2021, 2022],
            "classification": {"wsis_action_lines": ["C2"], "sdgs": [9], "gdc_objectives": [1]},
        }
    )
    await tracks.create(dc_body())

    async def slugs(query: str) -> list[str]:
        response = await client.get(f"/v1/tracks?{query}")
        assert response.status_code == 200, response.text
        return [t["slug"] for t in response.json()["items"]]

    assert await slugs("") == ["bpf-cybersecurity", "dc-open-standards", "pn-meaningful-access"]
    assert await slugs("type=policy_network") == ["pn-meaningful-access"]
    assert await slugs("status=active") == ["bpf-cybersecurity"]
    assert await slugs("year=2021") == ["pn-meaningful-access"]
    assert await slugs("action_line=C2") == ["dc-open-standards", "pn-meaningful-access"]
    assert await slugs("sdg=16") == ["bpf-cybersecurity"]
    assert await slugs("gdc_objective=1") == ["dc-open-standards", "pn-meaningful-access"]
    assert await slugs("q=affordability") == ["pn-meaningful-access"]
    assert await slugs("q=interoperability standards") == ["dc-open-standards"]

    first = await client.get("/v1/tracks?limit=2")
    assert [t["slug"] for t in first.json()["items"]] == ["bpf-cybersecurity", "dc-open-standards"]
    assert first.headers["cache-control"] == "public, max-age=60"
    cursor = first.json()["next_cursor"]
    assert 'rel="next"' in first.headers["link"]
    second = (await client.get(f"/v1/tracks?limit=2&cursor={cursor}")).json()
    assert [t["slug"] for t in second["items"]] == ["pn-meaningful-access"] and second["next_cursor"] is None

    assert (await client.get("/v1/tracks?sdg=18")).status_code in (400, 422)
    assert_problem(await client.get("/v1/tracks?cursor=garbage!"), 400, "invalid-cursor")


async def test_detail_carries_etag_and_unknown_tracks_are_404(client: Client, tracks: Tracks) -> None:
    await tracks.bpf()
    response = await client.get("/v1/tracks/bpf-cybersecurity")
    assert response.headers["etag"] == '"1"'
    body = response.json()
    assert body["participants"]["total"] == 0 and body["outputs"] == [] and body["calls"] == []
    assert_problem(await client.get("/v1/tracks/nothing-here"), 404, "track-not-found")
