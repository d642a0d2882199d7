"""Annual activity reports: drafts, submission, late edits as revisions, refusals, overdue lists, citations."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import pytest

from igf_hub.auth.principal import Role
from igf_hub.core import params, references
from igf_hub.core.clock import Clock
from tests.nri.helpers import Client, problem, recognised, register
from tests.support.auth import Caller, TokenFactory


def report_body(start: date, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "year": start.year,
        "meeting_start": start.isoformat(),
        "meeting_end": (start + timedelta(days=1)).isoformat(),
        "format": "hybrid",
        "host_city": "Nairobi",
        "host_country": "KE",
        "participants_total": 420,
        "participants_by_stakeholder": {"government": 60, "civil_society": 200, "private_sector": 90},
        "participants_by_gender": {"female": 210, "male": 200, "undisclosed": 10},
        "topics": [
            {
                "title": "Meaningful connectivity",
                "classification": {"wsis_action_lines": ["C2"], "sdgs": [9]},
            },
            {"title": "AI and elections", "classification": {"sdgs": [16, 9], "gdc_objectives": [5]}},
        ],
        "outcome_summary": "Connectivity targets for rural counties were agreed.",
        "report_url": "https://kigf.or.ke/reports/annual",
        "key_messages": ["Close the rural connectivity gap by 2030."],
    }
    data.update(overrides)
    return data


async def _kenya(client: Client, tokens: TokenFactory) -> tuple[dict[str, Any], Caller, Caller]:
    secretariat = await tokens.user(Role.secretariat)
    coordinator = await tokens.user()
    return await recognised(client, coordinator, secretariat), coordinator, secretariat


async def test_report_lifecycle_and_late_edits(
    client: Client, tokens: TokenFactory, clock: Clock, db: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    nri, coordinator, _ = await _kenya(client, tokens)
    base = f"/v1/nris/{nri['id']}/reports"
    start = clock.now().date() - timedelta(days=30)

    created = await client.post(base, json=report_body(start), headers=coordinator.headers)
    assert created.status_code == 201, created.text
    report = created.json()
    assert report["status"] == "draft" and report["version"] == 1
    assert report["classification"] == {"wsis_action_lines": ["C2"], "sdgs": [9, 16], "gdc_objectives": [5]}
    assert created.headers["location"] == f"{base}/{start.year}"

    # Drafts are private.
    problem(await client.get(f"{base}/{start.year}"), 404, "nri-report-not-found")
    assert (await client.get(base)).json() == []
    assert (await client.get(base, headers=coordinator.headers)).json()[0]["id"] == report["id"]

    # One report per NRI and year.
    again = await client.post(base, json=report_body(start), headers=coordinator.headers)
    assert problem(again, 409, "nri-report-exists")["href"] == f"{base}/{start.year}"

    submitted = await client.post(
        f"{base}/{start.year}/submit", headers={**coordinator.headers, "If-Match": '"1"'}
    )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted" and submitted.json()["version"] == 2
    problem(
        await client.post(f"{base}/{start.year}/submit", headers=coordinator.headers),
        409,
        "illegal-transition",
    )

    # Public now, and the NRI counts as active that year.
    public = await client.get(f"{base}/{start.year}")
    assert public.status_code == 200 and public.headers["etag"] == '"2"'
    assert [
        n["name"] for n in (await client.get("/v1/nris", params={"year_active": start.year})).json()["items"]
    ] == [nri["name"]]
    current = (await client.get(f"/v1/nris/{nri['id']}")).json()
    # Last activity: the later of the recognition date and the reported meeting.
    assert current["last_activity_on"] == max(start + timedelta(days=1), clock.now().date()).isoformat()
    assert current["version"] == nri["version"]  # reporting is not an edit of the NRI

    # A late edit is versioned: each published version is kept.
    late = await client.patch(
        f"{base}/{start.year}",
        json={"participants_total": 450, "key_messages": ["Close the gap by 2030.", "Protect elections."]},
        headers={**coordinator.headers, "If-Match": '"2"'},
    )
    assert late.status_code == 200, late.text
    assert late.json()["version"] == 3 and late.json()["status"] == "submitted"
    revisions = (await client.get(f"{base}/{start.year}/revisions")).json()
    assert [(r["version"], r["content"]["participants_total"]) for r in revisions] == [(2, 420), (3, 450)]
    # Answered whole, bounded to the latest params.LATEST_SHOWN (here lowered to one).
    monkeypatch.setattr(params, "LATEST_SHOWN", 1)
    assert [r["version"] for r in (await client.get(f"{base}/{start.year}/revisions")).json()] == [3]
    monkeypatch.undo()

    problem(
        await client.patch(
            f"{base}/{start.year}",
            json={"participants_total": 1},
            headers={**coordinator.headers, "If-Match": '"2"'},
        ),
        412,
        "stale-version",
    )
    problem(
        await client.patch(
            f"{base}/{start.year}", json={"participants_total": 1}, headers=coordinator.headers
        ),
        428,
    )

    # Events carry the whole report and its classification.
    async with db.acquire() as conn:
        events = await conn.fetch("SELECT type, data FROM outbox WHERE type LIKE 'nri.report_%' ORDER BY id")
    assert [e["type"] for e in events] == ["nri.report_created", "nri.report_submitted", "nri.report_revised"]
    assert events[1]["data"]["classification"] == {
        "wsis_action_lines": ["C2"],
        "sdgs": [9, 16],
        "gdc_objectives": [5],
    }
    assert events[1]["data"]["report"]["key_messages"] == ["Close the rural connectivity gap by 2030."]
    assert events[2]["data"]["fields"] == ["key_messages", "participants_total"]
    assert "report" not in events[0]["data"]  # a draft's content stays out of events

    # Participation totals reach the statistics.
    stats = (await client.get("/v1/nris/stats")).json()
    assert stats["participants_total"] == 450
    assert stats["participants_by_gender"] == {"female": 210, "male": 200, "undisclosed": 10}
    assert stats["reporting_by_year"] == {str(start.year): 1}


async def test_report_refusals(client: Client, tokens: TokenFactory, clock: Clock) -> None:
    nri, coordinator, _ = await _kenya(client, tokens)
    base = f"/v1/nris/{nri['id']}/reports"
    today = clock.now().date()
    start = today - timedelta(days=10)
    cases: list[tuple[dict[str, Any], str, str]] = [
        (report_body(start, participants_total=-1), "/participants_total", ">= 0"),
        (report_body(start, participants_by_gender={"female": -5}), "/participants_by_gender", ">= 0"),
        (
            report_body(start, participants_by_stakeholder={"aliens": 3}),
            "/participants_by_stakeholder",
            "enum",
        ),
        (report_body(start, format="carrier_pigeon"), "/format", "enum"),
        (report_body(start, year=start.year - 1), "", "must start in the report's year"),
        (report_body(start, meeting_end=(start - timedelta(days=1)).isoformat()), "", "must not precede"),
        (report_body(start, host_country="QQ"), "", "unknown ISO 3166-1 country code 'QQ'"),
        (
            report_body(start, topics=[{"title": "x", "classification": {"sdgs": [18]}}]),
            "/topics/0/classification",
            "sdgs: 18",
        ),
        (report_body(start, extra_field=True), "/extra_field", "unknown field"),
    ]
    for payload, pointer, detail in cases:
        response = await client.post(base, json=payload, headers=coordinator.headers)
        data = problem(response, 422, "validation-failed")
        # (app.py renders a dict value's position `[...]` as a trailing "/]": compare the prefix)
        assert data["errors"][0]["pointer"].startswith(pointer), (payload, data)
        assert detail in data["detail"], (detail, data)
    assert (await client.get(base, headers=coordinator.headers)).json() == []

    # A draft may carry a planned meeting; submitting it before the meeting starts is refused.
    planned = today + timedelta(days=5)
    if planned.year == today.year:
        created = await client.post(base, json=report_body(planned), headers=coordinator.headers)
        assert created.status_code == 201, created.text
        early = await client.post(f"{base}/{planned.year}/submit", headers=coordinator.headers)
        assert problem(early, 422, "nri-report-invalid")["errors"][0]["pointer"] == "/meeting_start"

    # Only recognised NRIs report; other coordinators and the public cannot write.
    draft = await register(client, coordinator, name="Kenya Youth IGF", type="youth", youth_scope="national")
    refused = await client.post(
        f"/v1/nris/{draft['id']}/reports", json=report_body(start), headers=coordinator.headers
    )
    problem(refused, 409, "nri-report-not-accepted")
    stranger = await tokens.user(Role.nri_coordinator)
    problem(
        await client.post(base, json=report_body(start), headers=stranger.headers), 403, "not-nri-coordinator"
    )
    problem(await client.post(base, json=report_body(start)), 401)
    problem(await client.get(f"{base}/2099"), 404)
    problem(await client.get(f"{base}/1999"), 422, "validation-failed")  # before the first IGF


async def test_overdue_reports_for_the_secretariat(
    client: Client, tokens: TokenFactory, clock: Clock
) -> None:
    nri, coordinator, secretariat = await _kenya(client, tokens)
    base = f"/v1/nris/{nri['id']}/reports"
    today = clock.now().date()
    meeting = today - timedelta(days=130)  # ended more than three months ago
    created = await client.post(base, json=report_body(meeting), headers=coordinator.headers)
    assert created.status_code == 201, created.text

    overdue = (await client.get("/v1/nris/reports/overdue", headers=secretariat.headers)).json()
    assert overdue["report_due_months"] == 3
    [item] = overdue["items"]
    assert (item["nri_id"], item["year"], item["report_id"]) == (
        nri["id"],
        meeting.year,
        created.json()["id"],
    )
    assert 30 <= item["days_overdue"] <= 40
    problem(await client.get("/v1/nris/reports/overdue", headers=coordinator.headers), 403)

    await client.post(f"{base}/{meeting.year}/submit", headers=coordinator.headers)
    assert (await client.get("/v1/nris/reports/overdue", headers=secretariat.headers)).json()["items"] == []

    # In April two years on, nothing was reported for the last year (due by 31 March): listed as missing.
    clock.advance(date(today.year + 2, 4, 15) - today)
    fresh = Caller(secretariat.user, await tokens.token_for(secretariat.id))
    missing = (await client.get("/v1/nris/reports/overdue", headers=fresh.headers)).json()["items"]
    last_year = clock.now().year - 1
    assert [(m["nri_id"], m["year"], m["report_id"]) for m in missing] == [(nri["id"], last_year, None)]
    assert missing[0]["due_on"] == f"{last_year + 1}-03-31"


async def test_submitted_reports_are_citable(
    client: Client, tokens: TokenFactory, clock: Clock, db: asyncpg.Pool
) -> None:
    nri, coordinator, _ = await _kenya(client, tokens)
    base = f"/v1/nris/{nri['id']}/reports"
    start = clock.now().date() - timedelta(days=20)
    report = (await client.post(base, json=report_body(start), headers=coordinator.headers)).json()
    async with db.acquire() as conn:
        assert (
            await references.resolve(conn, "nri_report", UUID(report["id"])) is None
        )  # a draft is not citable
        await client.post(f"{base}/{start.year}/submit", headers=coordinator.headers)
        ref = await references.resolve(conn, "nri_report", UUID(report["id"]))
        assert await references.resolve(conn, "nri_report", UUID(int=0)) is None
    assert ref is not None
    assert ref.title == f"Kenya Internet Governance Forum (KIGF): annual activity report {start.year}"
    assert ref.href == f"{base}/{start.year}"
    assert (await client.get(ref.href)).status_code == 200
