"""The recognition workflow end to end, as a coordinator and the Secretariat drive it."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from igf_hub.auth.principal import Role
from igf_hub.core import params
from tests.nri.helpers import COMMITTEE, PRINCIPLES, Client, act, body, problem, register
from tests.support.audit import chain_audit
from tests.support.auth import TokenFactory


async def test_register_submit_request_changes_resubmit_recognise(
    client: Client, tokens: TokenFactory, db: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    coordinator = await tokens.user()  # anyone signed in may register; they become its coordinator
    secretariat = await tokens.user(Role.secretariat)

    # A draft with only part of the evidence: one committee member, no meeting report.
    nri = await register(
        client, coordinator, committee=COMMITTEE[:1], meeting_report_url=None, countries=["KE", "KE"]
    )
    assert nri["status"] == "draft" and nri["version"] == 1
    assert nri["countries"] == ["KE"]
    assert nri["regional_groups"] == ["african"]  # derived from the countries
    nri_id = nri["id"]

    # The registration bound the user as coordinator in the same transaction.
    me = (await client.get("/v1/me", headers=coordinator.headers)).json()
    assert [(g["role"], g["resource_id"], g["source"]) for g in me["grants"]] == [
        ("nri_coordinator", nri_id, "nri")
    ]

    # Complete the evidence with If-Match; every edit bumps the version.
    edited = await client.patch(
        f"/v1/nris/{nri_id}",
        json={"committee": COMMITTEE, "meeting_report_text": "Founding meeting, Nairobi, 12 March 2008."},
        headers={**coordinator.headers, "If-Match": '"1"'},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == 2 and edited.headers["etag"] == '"2"'

    submitted = await act(
        client, coordinator, nri_id, "submit", {"affirmed_principles": PRINCIPLES}, **{"If-Match": '"2"'}
    )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted"
    # The submission stores which criteria it met and the reviewer's warnings.
    latest = submitted.json()["latest_submission"]
    assert latest["criteria_met"] == [
        "multistakeholder_committee",
        "public_channel",
        "meeting_report",
        "principles_affirmed",
    ]
    assert latest["warnings"] == []  # two cities, two genders

    assert (await act(client, secretariat, nri_id, "start-review")).json()["status"] == "under_review"
    changes = await act(
        client,
        secretariat,
        nri_id,
        "request-changes",
        {"reason": "Nearly there.", "changes": ["Add the academic community to the committee"]},
    )
    assert changes.status_code == 200, changes.text
    assert changes.json()["status"] == "changes_requested"
    assert changes.json()["requested_changes"] == ["Add the academic community to the committee"]

    # In changes_requested the coordinator may edit recognition fields again.
    academic = {"name": "Prof. Otieno", "stakeholder_group": "academia", "country": "KE", "city": "Kisumu"}
    current = changes.json()["version"]
    edited = await client.patch(
        f"/v1/nris/{nri_id}",
        json={"committee": [*COMMITTEE, academic]},
        headers={**coordinator.headers, "If-Match": f'"{current}"'},
    )
    assert edited.status_code == 200, edited.text
    assert (
        await act(client, coordinator, nri_id, "submit", {"affirmed_principles": PRINCIPLES})
    ).status_code == 200
    assert (await act(client, secretariat, nri_id, "start-review")).status_code == 200
    recognised = await act(
        client, secretariat, nri_id, "recognise", {"reason": "Open, inclusive, multistakeholder."}
    )
    assert recognised.status_code == 200, recognised.text
    final = recognised.json()
    assert final["status"] == "recognised"
    assert final["status_reason"] == "Open, inclusive, multistakeholder."
    assert final["recognised_at"] is not None and final["last_activity_on"] is not None
    assert final["requested_changes"] == []

    # Now public: the anonymous directory lists it, without private fields.
    public = (await client.get(f"/v1/nris/{nri_id}")).json()
    assert public["status"] == "recognised"
    assert public["focal_points"] == [{"name": "Grace Mutung'u", "email": None, "role": "convenor"}]
    assert {m["gender"] for m in public["committee"]} == {None}
    assert public["latest_submission"] is None

    # Two submissions, each with its decision.
    subs = (await client.get(f"/v1/nris/{nri_id}/submissions", headers=secretariat.headers)).json()
    assert [s["decision"] for s in subs] == ["changes_requested", "recognised"]
    assert subs[0]["requested_changes"] == ["Add the academic community to the committee"]
    # The list is answered whole, bounded to the latest params.LATEST_SHOWN (here lowered to one).
    monkeypatch.setattr(params, "LATEST_SHOWN", 1)
    latest = (await client.get(f"/v1/nris/{nri_id}/submissions", headers=secretariat.headers)).json()
    assert [s["decision"] for s in latest] == ["recognised"]
    monkeypatch.undo()

    # Every transition is audited and emitted as an event, in order.
    async with db.acquire() as conn:
        events = [
            r["type"]
            for r in await conn.fetch("SELECT type FROM outbox WHERE subject = $1 ORDER BY id", nri_id)
        ]
        await chain_audit(conn)
        actions = [
            r["action"]
            for r in await conn.fetch(
                "SELECT action FROM audit_log WHERE subject_type = 'nri' AND subject_id = $1 ORDER BY seq",
                nri_id,
            )
        ]
    expected = [
        "nri.registered",
        "nri.updated",
        "nri.submitted",
        "nri.review_started",
        "nri.changes_requested",
        "nri.updated",
        "nri.submitted",
        "nri.review_started",
        "nri.recognised",
    ]
    assert events == expected
    assert actions == expected

    # The history endpoint reads the audit log; anonymous readers get no actors or private data.
    history = (await client.get(f"/v1/nris/{nri_id}/history")).json()
    assert [e["action"] for e in history["items"]] == expected
    assert all("actor" not in e for e in history["items"])
    assert history["items"][-1]["data"] == {
        "from": "under_review",
        "to": "recognised",
        "reason": "Open, inclusive, multistakeholder.",
    }
    full = (await client.get(f"/v1/nris/{nri_id}/history?limit=2", headers=secretariat.headers)).json()
    assert full["items"][0]["actor"] == f"user:{coordinator.id}"
    following = await client.get(
        f"/v1/nris/{nri_id}/history", params={"cursor": full["next_cursor"]}, headers=secretariat.headers
    )
    assert [e["action"] for e in following.json()["items"]] == expected[2:]


async def test_submission_warnings_for_diversity_are_reported_not_refused(
    client: Client, tokens: TokenFactory
) -> None:
    coordinator = await tokens.user()
    same_city_same_gender = [{**m, "city": "Nairobi", "gender": "male"} for m in COMMITTEE]
    nri = await register(client, coordinator, committee=same_city_same_gender)
    submitted = await act(client, coordinator, nri["id"], "submit", {"affirmed_principles": PRINCIPLES})
    assert submitted.status_code == 200, submitted.text
    warnings = {w["code"]: w["detail"] for w in submitted.json()["latest_submission"]["warnings"]}
    assert set(warnings) == {"regional_diversity", "gender_diversity"}
    assert "1 known city" in warnings["regional_diversity"]
    assert "male" in warnings["gender_diversity"]

    # A regional NRI is judged on countries, not cities.
    regional = await register(
        client,
        coordinator,
        type="regional",
        name="West Africa IGF",
        acronym="WAIGF",
        countries=["GH", "NG", "SN"],
        committee=[{**m, "country": "GH"} for m in COMMITTEE],
    )
    submitted = await act(client, coordinator, regional["id"], "submit", {"affirmed_principles": PRINCIPLES})
    assert [w["code"] for w in submitted.json()["latest_submission"]["warnings"]] == ["regional_diversity"]
    assert submitted.json()["regional_groups"] == ["african"]


async def test_decline_and_withdraw_carry_reasons_and_close_the_nri(
    client: Client, tokens: TokenFactory
) -> None:
    coordinator = await tokens.user()
    secretariat = await tokens.user(Role.secretariat)
    nri = await register(client, coordinator)
    await act(client, coordinator, nri["id"], "submit", {"affirmed_principles": PRINCIPLES})
    await act(client, secretariat, nri["id"], "start-review")
    declined = await act(
        client, secretariat, nri["id"], "decline", {"reason": "The committee is not independent."}
    )
    assert declined.status_code == 200, declined.text
    assert declined.json()["status"] == "declined"
    assert declined.json()["status_reason"] == "The committee is not independent."
    # Declined NRIs were never recognised: still invisible to the public.
    assert (await client.get(f"/v1/nris/{nri['id']}")).status_code == 404

    other = await register(client, coordinator, name="Kenya Youth IGF", type="youth", youth_scope="national")
    withdrawn = await act(client, coordinator, other["id"], "withdraw", {"reason": "Merged into the KIGF."})
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"


async def test_youth_nri_may_be_integrated_into_a_parent(client: Client, tokens: TokenFactory) -> None:
    coordinator = await tokens.user()
    parent = await register(client, coordinator)
    youth = await register(
        client,
        coordinator,
        type="youth",
        youth_scope="national",
        name="Kenya Youth IGF",
        acronym="KYIGF",
        parent_nri_id=parent["id"],
    )
    assert youth["parent_nri_id"] == parent["id"]
    nested = await client.post(
        "/v1/nris",
        json=body(type="youth", youth_scope="national", name="Nested", parent_nri_id=youth["id"]),
        headers=coordinator.headers,
    )
    assert nested.status_code == 422
    assert nested.json()["errors"][0]["pointer"] == "/parent_nri_id"


async def test_the_secretariat_gives_a_reason_per_field_and_the_coordinator_reads_each_beside_its_field(
    client: Client, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    coordinator = await tokens.user()
    secretariat = await tokens.user(Role.secretariat)
    nri = await register(client, coordinator)
    nri_id = nri["id"]
    assert (await act(client, coordinator, nri_id, "submit", {"affirmed_principles": PRINCIPLES})).is_success
    assert (await act(client, secretariat, nri_id, "start-review")).is_success

    # Neither general changes nor a field named: refused whole, naming what is missing; nothing changes.
    cases: list[tuple[dict[str, Any], str]] = [
        ({"reason": "Not yet."}, ""),
        ({"reason": "Not yet.", "fields": {"colour": "Blue, please."}}, "/fields"),
        ({"reason": "Not yet.", "fields": {"website": ""}}, "/fields"),
    ]
    for payload, pointer in cases:
        refused = problem(await act(client, secretariat, nri_id, "request-changes", payload), 422)
        assert [e["pointer"] for e in refused["errors"]] == [pointer], refused
    assert (await client.get(f"/v1/nris/{nri_id}", headers=secretariat.headers)).json()[
        "status"
    ] == "under_review"

    # Reasons per field alone are enough; the coordinator and the submission both keep them.
    reasons = {"website": "The site does not load.", "committee": "Add the academic community."}
    changed = await act(
        client, secretariat, nri_id, "request-changes", {"reason": "Two fields need work.", "fields": reasons}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["requested_fields"] == reasons
    assert changed.json()["requested_changes"] == []
    mine = (await client.get(f"/v1/nris/{nri_id}", headers=coordinator.headers)).json()
    assert mine["requested_fields"] == reasons
    assert mine["latest_submission"]["requested_fields"] == reasons
    async with db.acquire() as conn:
        data = await conn.fetchval(
            "SELECT data FROM outbox WHERE subject = $1 AND type = 'nri.changes_requested'", nri_id
        )
    assert data["fields_requested"] == reasons

    # Submitted again: the reasons no longer stand on the NRI, the first submission still tells them.
    assert (await act(client, coordinator, nri_id, "submit", {"affirmed_principles": PRINCIPLES})).is_success
    again = (await client.get(f"/v1/nris/{nri_id}", headers=coordinator.headers)).json()
    assert again["requested_fields"] == {}
    subs = (await client.get(f"/v1/nris/{nri_id}/submissions", headers=coordinator.headers)).json()
    assert [s["requested_fields"] for s in subs] == [reasons, {}]
