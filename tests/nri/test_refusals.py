"""Every way the NRI API refuses: who, which object, which state, which version, which body."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec
from litestar import Litestar

from igf_hub.auth.principal import Role
from tests.nri.helpers import COMMITTEE, PRINCIPLES, Client, act, body, problem, recognised, register
from tests.support.auth import Caller, TokenFactory


async def _unchanged(client: Client, coordinator: Caller, nri: dict[str, Any]) -> None:
    current = (await client.get(f"/v1/nris/{nri['id']}", headers=coordinator.headers)).json()
    assert (current["version"], current["status"], current["name"]) == (
        nri["version"],
        nri["status"],
        nri["name"],
    )


async def test_anonymous_writes_are_401(client: Client, tokens: TokenFactory) -> None:
    coordinator = await tokens.user()
    nri = await register(client, coordinator)
    path = f"/v1/nris/{nri['id']}"
    attempts = [
        client.post("/v1/nris", json=body()),
        client.patch(path, json={"name": "Hijacked"}, headers={"If-Match": '"1"'}),
        client.post(f"{path}/submit", json={"affirmed_principles": PRINCIPLES}),
        client.post(f"{path}/recognise", json={"reason": "because"}),
        client.post(f"{path}/withdraw", json={"reason": "because"}),
        client.post(f"{path}/coordinators", json={"email": "x@example.org"}),
        client.post(f"{path}/reports", json={}),
        client.post(
            "/v1/nris/import", content=b"type,name,countries\n", headers={"content-type": "text/csv"}
        ),
        client.get("/v1/nris/reports/overdue"),
    ]
    for attempt in attempts:
        response = await attempt
        problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"].startswith("Bearer")
    await _unchanged(client, coordinator, nri)


async def test_wrong_role_and_someone_elses_nri(client: Client, tokens: TokenFactory) -> None:
    secretariat = await tokens.user(Role.secretariat)
    owner = await tokens.user()
    kenya = await recognised(client, owner, secretariat)
    draft = await register(client, owner, type="national", name="Uganda IGF", countries=["UG"])
    other = await tokens.user()
    await register(client, other, name="Tanzania IGF", countries=["TZ"])  # other coordinates an NRI too
    plain = await tokens.user()  # signed in, no role at all

    # No coordinator/secretariat role: the route guard refuses.
    refused = await client.patch(
        f"/v1/nris/{kenya['id']}",
        json={"website": "https://x.example"},
        headers={**plain.headers, "If-Match": '"4"'},
    )
    assert "nri_coordinator" in problem(refused, 403, "forbidden")["detail"]

    # A coordinator of another NRI: the object check refuses a public NRI (403) ...
    for response in [
        await client.patch(
            f"/v1/nris/{kenya['id']}",
            json={"website": "https://x.example"},
            headers={**other.headers, "If-Match": f'"{kenya["version"]}"'},
        ),
        await act(client, other, kenya["id"], "withdraw", {"reason": "not mine to withdraw"}),
        await client.post(
            f"/v1/nris/{kenya['id']}/coordinators", json={"user_id": str(other.id)}, headers=other.headers
        ),
        await client.get(f"/v1/nris/{kenya['id']}/coordinators", headers=other.headers),
        await client.post(
            f"/v1/nris/{kenya['id']}/reports",
            headers=other.headers,
            json={
                "year": 2024,
                "meeting_start": "2024-05-01",
                "meeting_end": "2024-05-02",
                "format": "hybrid",
            },
        ),
    ]:
        problem(response, 403, "not-nri-coordinator")
    # ... and does not even reveal a private draft (404).
    problem(await client.get(f"/v1/nris/{draft['id']}", headers=other.headers), 404, "nri-not-found")
    problem(
        await act(client, other, draft["id"], "submit", {"affirmed_principles": PRINCIPLES}),
        404,
        "nri-not-found",
    )
    problem(await client.get(f"/v1/nris/{draft['id']}"), 404, "nri-not-found")

    # Secretariat-only steps refuse a coordinator; coordinator-only submission refuses the Secretariat.
    problem(await act(client, owner, draft["id"], "start-review"), 403, "forbidden")
    problem(await act(client, owner, draft["id"], "recognise", {"reason": "self-made"}), 403, "forbidden")
    problem(
        await act(client, secretariat, draft["id"], "submit", {"affirmed_principles": PRINCIPLES}),
        403,
        "forbidden",
    )
    problem(
        await client.post(
            "/v1/nris/import", content=b"x", headers={**owner.headers, "content-type": "text/csv"}
        ),
        403,
    )
    await _unchanged(client, owner, kenya)


async def test_submission_names_every_unmet_criterion(client: Client, tokens: TokenFactory) -> None:
    coordinator = await tokens.user()
    nri = await register(
        client,
        coordinator,
        committee=COMMITTEE[:2],
        website=None,
        mailing_list_url=None,
        meeting_report_url=None,
    )
    refused = await act(client, coordinator, nri["id"], "submit", {"affirmed_principles": PRINCIPLES[:3]})
    data = problem(refused, 422, "nri-criteria-not-met")
    assert data["unmet_criteria"] == [
        "multistakeholder_committee",
        "public_channel",
        "meeting_report",
        "principles_affirmed",
    ]
    assert data["met_criteria"] == []
    pointers = {e["pointer"]: e["detail"] for e in data["errors"]}
    assert set(pointers) == {"/committee", "/website", "/meeting_report_url", "/affirmed_principles"}
    assert "2 stakeholder group(s) (civil_society, government)" in pointers["/committee"]
    assert "multistakeholder, non_commercial" in pointers["/affirmed_principles"]

    # Each criterion alone is enough to refuse.
    for patch, unmet in [
        ({"committee": COMMITTEE, "website": "https://x.example", "meeting_report_text": "Notes."}, None),
        ({"committee": COMMITTEE[1:]}, "multistakeholder_committee"),
        ({"committee": COMMITTEE, "website": None}, "public_channel"),
        ({"website": "https://x.example", "meeting_report_text": None}, "meeting_report"),
    ]:
        current = (await client.get(f"/v1/nris/{nri['id']}", headers=coordinator.headers)).json()
        edited = await client.patch(
            f"/v1/nris/{nri['id']}",
            json=patch,
            headers={**coordinator.headers, "If-Match": f'"{current["version"]}"'},
        )
        assert edited.status_code == 200, edited.text
        if unmet is None:
            continue
        data = problem(
            await act(client, coordinator, nri["id"], "submit", {"affirmed_principles": PRINCIPLES}), 422
        )
        assert data["unmet_criteria"] == [unmet]
    data = problem(await act(client, coordinator, nri["id"], "submit", {"affirmed_principles": []}), 422)
    assert data["unmet_criteria"] == ["meeting_report", "principles_affirmed"]
    await _unchanged(client, coordinator, {**current, "version": current["version"] + 1})


async def test_illegal_transitions_are_409_naming_the_allowed_ones(
    client: Client, tokens: TokenFactory
) -> None:
    coordinator = await tokens.user()
    secretariat = await tokens.user(Role.secretariat)
    nri = await register(client, coordinator)

    data = problem(
        await act(client, secretariat, nri["id"], "recognise", {"reason": "too early"}),
        409,
        "illegal-transition",
    )
    assert (data["current_state"], data["requested_state"]) == ("draft", "recognised")
    assert data["allowed"] == ["submitted", "withdrawn"]

    await act(client, coordinator, nri["id"], "submit", {"affirmed_principles": PRINCIPLES})
    data = problem(
        await act(client, coordinator, nri["id"], "submit", {"affirmed_principles": PRINCIPLES}), 409
    )
    assert data["allowed"] == ["under_review", "withdrawn"]
    data = problem(await act(client, secretariat, nri["id"], "decline", {"reason": "not reviewed yet"}), 409)
    assert data["current_state"] == "submitted"

    await act(client, coordinator, nri["id"], "withdraw", {"reason": "Starting over."})
    data = problem(await act(client, secretariat, nri["id"], "withdraw", {"reason": "again"}), 409)
    assert (data["current_state"], data["allowed"]) == ("withdrawn", [])
    assert "allowed next are: none" in data["detail"]
    # A closed NRI takes no edits either.
    current = (await client.get(f"/v1/nris/{nri['id']}", headers=coordinator.headers)).json()
    problem(
        await client.patch(
            f"/v1/nris/{nri['id']}",
            json={"website": "https://x.example"},
            headers={**coordinator.headers, "If-Match": f'"{current["version"]}"'},
        ),
        409,
        "nri-fields-locked",
    )


async def test_stale_or_missing_if_match(client: Client, tokens: TokenFactory) -> None:
    coordinator = await tokens.user()
    nri = await register(client, coordinator)
    path = f"/v1/nris/{nri['id']}"
    first = await client.patch(
        path, json={"acronym": "KeIGF"}, headers={**coordinator.headers, "If-Match": '"1"'}
    )
    assert first.status_code == 200

    stale = await client.patch(
        path, json={"acronym": "K-IGF"}, headers={**coordinator.headers, "If-Match": '"1"'}
    )
    data = problem(stale, 412, "stale-version")
    assert data["current_version"] == 2 and stale.headers["etag"] == '"2"'
    problem(await client.patch(path, json={"acronym": "K-IGF"}, headers=coordinator.headers), 428)
    problem(
        await client.patch(
            path, json={"acronym": "K-IGF"}, headers={**coordinator.headers, "If-Match": "nope"}
        ),
        412,
    )
    # Transitions check If-Match when it is sent.
    problem(
        await act(
            client,
            coordinator,
            nri["id"],
            "submit",
            {"affirmed_principles": PRINCIPLES},
            **{"If-Match": '"1"'},
        ),
        412,
    )
    assert (await client.get(path, headers=coordinator.headers)).json()["acronym"] == "KeIGF"

    # An edit that changes nothing makes no new version.
    same = await client.patch(
        path, json={"acronym": "KeIGF"}, headers={**coordinator.headers, "If-Match": '"2"'}
    )
    assert same.status_code == 200 and same.json()["version"] == 2


async def test_duplicate_of_a_recognised_nri_is_409_pointing_at_it(
    client: Client, tokens: TokenFactory
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    kenya = await recognised(client, await tokens.user(), secretariat)
    rival = await tokens.user()
    copy = await register(client, rival, name="Kenya IGF (rival)")
    data = problem(
        await act(client, rival, copy["id"], "submit", {"affirmed_principles": PRINCIPLES}),
        409,
        "nri-duplicate",
    )
    assert data["duplicate_of"] == {
        "id": kenya["id"],
        "name": kenya["name"],
        "href": f"/v1/nris/{kenya['id']}",
    }

    # Another type, or another set of countries, is not a duplicate.
    youth = await register(client, rival, type="youth", youth_scope="national", name="Kenya Youth IGF")
    assert (
        await act(client, rival, youth["id"], "submit", {"affirmed_principles": PRINCIPLES})
    ).status_code == 200
    regional = await register(
        client, rival, type="sub_regional", name="East Africa IGF", countries=["KE", "UG"]
    )
    assert (
        await act(client, rival, regional["id"], "submit", {"affirmed_principles": PRINCIPLES})
    ).status_code == 200


async def test_two_pending_duplicates_cannot_both_be_recognised(
    client: Client, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    first, second = await tokens.user(), await tokens.user()
    a = await register(client, first)
    b = await register(client, second, name="Kenya IGF bis")
    for caller, nri in ((first, a), (second, b)):
        assert (
            await act(client, caller, nri["id"], "submit", {"affirmed_principles": PRINCIPLES})
        ).status_code == 200
        assert (await act(client, secretariat, nri["id"], "start-review")).status_code == 200
    assert (await act(client, secretariat, a["id"], "recognise", {"reason": "First."})).status_code == 200
    data = problem(
        await act(client, secretariat, b["id"], "recognise", {"reason": "Second."}), 409, "nri-duplicate"
    )
    assert data["duplicate_of"]["id"] == a["id"]
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT status FROM nris WHERE id = $1", b["id"]) == "under_review"


async def test_recognition_fields_lock_after_submission_contact_fields_do_not(
    client: Client, tokens: TokenFactory
) -> None:
    coordinator = await tokens.user()
    secretariat = await tokens.user(Role.secretariat)
    nri = await recognised(client, coordinator, secretariat)
    path, version = f"/v1/nris/{nri['id']}", nri["version"]

    locked = await client.patch(
        path,
        json={"name": "Renamed", "countries": ["UG"], "website": "https://new.example"},
        headers={**coordinator.headers, "If-Match": f'"{version}"'},
    )
    data = problem(locked, 409, "nri-fields-locked")
    assert data["locked_fields"] == ["countries", "name"]
    assert [e["pointer"] for e in data["errors"]] == ["/countries", "/name"]

    contact = await client.patch(
        path,
        json={
            "website": "https://new.example",
            "contact_email": "hello@kigf.or.ke",
            "focal_points": [{"name": "New Focal Point", "email": "fp@example.org"}],
        },
        headers={**coordinator.headers, "If-Match": f'"{version}"'},
    )
    assert contact.status_code == 200, contact.text
    assert contact.json()["version"] == version + 1

    # The public channel a recognition rests on cannot disappear.
    gone = await client.patch(
        path,
        json={"website": None, "mailing_list_url": None},
        headers={**coordinator.headers, "If-Match": f'"{version + 1}"'},
    )
    assert problem(gone, 422, "nri-invalid")["errors"][0]["pointer"] == "/website"

    # The Secretariat may correct recognition fields.
    fixed = await client.patch(
        path, json={"name": "Kenya IGF"}, headers={**secretariat.headers, "If-Match": f'"{version + 1}"'}
    )
    assert fixed.status_code == 200 and fixed.json()["name"] == "Kenya IGF"


async def test_malformed_and_invalid_bodies(client: Client, tokens: TokenFactory, app: Litestar) -> None:
    # One caller sends ~20 refused registrations here; the registration limit has its own test (tests/hardening).
    app.state.settings = msgspec.structs.replace(app.state.settings, rate_limits=False)
    coordinator = await tokens.user()
    malformed = await client.post(
        "/v1/nris",
        content=b'{"type": "national",',
        headers={**coordinator.headers, "content-type": "application/json"},
    )
    problem(malformed, 400, "malformed-body")

    cases: list[tuple[dict[str, Any], str, str]] = [
        (body(shoe_size=44), "/shoe_size", "unknown field"),
        (body(type="municipal"), "/type", "Invalid enum value"),
        (body(countries=["ke"]), "/countries/0", "two-letter country code in capitals"),
        (body(countries=[]), "/countries", "length"),
        (body(countries=["XX"]), "", "unknown ISO 3166-1 country codes: XX"),
        (body(countries=["KE", "UG"]), "", "exactly one country"),
        (body(type="regional", countries=["KE"]), "", "at least two countries"),
        (body(type="youth"), "", "youth_scope"),
        (body(youth_scope="national"), "", "youth_scope"),
        (body(focal_points=[]), "/focal_points", "length"),
        (body(focal_points=[{"name": f"FP {i}"} for i in range(4)]), "/focal_points", "length"),
        (
            body(committee=[{**COMMITTEE[0], "stakeholder_group": "royalty"}]),
            "/committee/0/stakeholder_group",
            "enum",
        ),
        (body(committee=[{**COMMITTEE[0], "country": "QQ"}]), "/committee/0", "unknown ISO"),
        (body(year_founded=1899), "/year_founded", ">= 1990"),  # 2005 is real (the Caribbean IGF)
        (body(website="not a url"), "/website", "web address starting with http"),
        (body(name=None), "/name", "Expected `str`"),
        (body(name=...), "/name", "missing required field `name`"),
    ]
    for payload, pointer, detail in cases:
        response = await client.post("/v1/nris", json=payload, headers=coordinator.headers)
        data = problem(response, 422, "validation-failed")
        assert data["errors"][0]["pointer"] == pointer, (payload, data)
        assert detail in data["detail"], (detail, data)

    nri = await register(client, coordinator)
    bad_patch = await client.patch(
        f"/v1/nris/{nri['id']}",
        json={"countries": ["KE", "UG"]},
        headers={**coordinator.headers, "If-Match": '"1"'},
    )
    assert "exactly one country" in problem(bad_patch, 422, "nri-invalid")["detail"]
    problem(await act(client, coordinator, nri["id"], "submit", {"affirmed_principles": ["benevolent"]}), 422)
    problem(await act(client, coordinator, nri["id"], "withdraw", {}), 422, "validation-failed")
    problem(await client.get("/v1/nris", params={"cursor": "!!not-a-cursor"}), 400, "invalid-cursor")
    for path in ("/v1/nris", "/v1/nris/stats", "/v1/nris.csv"):
        problem(await client.get(path, params={"type": "municipal"}), 422)
        problem(await client.get(path, params={"country": "Kenya", "year_active": 1}), 422)
    problem(await client.get("/v1/nris", params={"limit": 1000}), 422)

    # Refused reads give their pooled connection back (a query filter validated inside a dependency did not).
    pool = app.state.pool
    leaked = pool.get_size() - pool.get_idle_size()
    if leaked:
        pool.terminate()  # fail here rather than hang in the pool's teardown
    assert leaked == 0
