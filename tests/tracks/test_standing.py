"""Dynamic Coalition standing: computed from known memberships and outputs; the scan job (the real arq worker)
moves a DC that missed its annual report to inactive, with an injected clock instead of waiting a year."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx

from igf_hub.core import queue
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.support.audit import chain_audit
from tests.support.auth import Caller
from tests.support.worker import run_worker_burst
from tests.tracks.conftest import Tracks, assert_problem, dc_body, if_match, pointers

Client = httpx.AsyncClient


def checks(standing: dict[str, Any]) -> dict[str, bool]:
    return {c["rule"]: c["met"] for c in standing["checks"]}


def move_to(clock: Clock, when: datetime) -> None:
    clock.advance(when - clock.now())


async def publish(
    client: Client, slug: str, caller: Caller, year: int, title: str = "Annual report"
) -> dict[str, Any]:
    body = {"title": title, "kind": "report", "year": year, "url": "https://example.org/report.pdf"}
    created = await client.post(f"/v1/tracks/{slug}/outputs", json=body, headers=caller.headers)
    assert created.status_code == 201, created.text
    published = await client.post(
        f"/v1/tracks/outputs/{created.json()['id']}/publish", headers=if_match(caller, 1)
    )
    assert published.status_code == 200, published.text
    result: dict[str, Any] = published.json()
    return result


async def test_standing_is_computed_from_memberships_and_the_dc_rules(
    client: Client, tracks: Tracks, clock: Clock
) -> None:
    recognised = await tracks.active(dc_body())
    url = "/v1/tracks/dc-open-standards/standing"
    people = [await tracks.tokens.user() for _ in range(3)]
    for person, group in zip(people[:2], ["government", "civil_society"], strict=True):
        joined = await client.put(
            "/v1/tracks/dc-open-standards/participants/me",
            json={"stakeholder_group": group, "country": "CH"},
            headers=person.headers,
        )
        assert joined.status_code == 201

    standing = (await client.get(url)).json()
    assert checks(standing) == {
        "open_membership": True,
        "public_mailing_list": True,
        "open_archive": True,
        "stakeholder_diversity": False,
        "annual_output": True,
    }
    assert standing["in_good_standing"] is False
    assert standing["reasons"] == [
        "participants from 2 stakeholder group(s) (civil_society, government); at least 3 needed"
    ]

    await client.put(
        "/v1/tracks/dc-open-standards/participants/me",
        json={"stakeholder_group": "private_sector", "country": "CH"},
        headers=people[2].headers,
    )
    assert (await client.get(url)).json()["in_good_standing"] is True

    closed = await client.patch(
        "/v1/tracks/dc-open-standards",
        json={"open_membership": False, "mailing_list_archive_url": None},
        headers=if_match(tracks.admin, recognised["version"]),
    )
    assert closed.status_code == 200, closed.text
    standing = (await client.get(url)).json()
    assert {rule for rule, met in checks(standing).items() if not met} == {"open_membership", "open_archive"}
    assert len(standing["reasons"]) == 2

    # A year and more later, the annual output is overdue.
    year = clock.now().year
    move_to(clock, datetime(year + 2, 2, 15, tzinfo=UTC))
    standing = (await client.get(url)).json()
    assert standing["reporting_year"] == year + 1
    assert checks(standing)["annual_output"] is False
    assert f"no report or output published for {year + 1}" in standing["reasons"][-1]


async def test_standing_is_for_dynamic_coalitions_only(client: Client, tracks: Tracks) -> None:
    await tracks.bpf()
    assert_problem(await client.get("/v1/tracks/bpf-cybersecurity/standing"), 404, "not-a-dynamic-coalition")
    assert_problem(await client.get("/v1/tracks/no-such/standing"), 404, "track-not-found")


async def test_the_scan_moves_a_dc_that_missed_its_annual_report_to_inactive(
    client: Client, tracks: Tracks, clock: Clock, settings: Settings, db: asyncpg.Pool
) -> None:
    year = clock.now().year
    await tracks.active(dc_body("dc-reporting"))
    silent = await tracks.active(dc_body("dc-silent"))
    await tracks.active({"slug": "bpf-cybersecurity", "type": "bpf", "name": "BPF on Cybersecurity"})
    reporting = await tracks.facilitator("dc-reporting")
    silent_facilitator = await tracks.facilitator("dc-silent")
    await publish(client, "dc-reporting", reporting, year + 1)

    redis = await queue.connect(settings.redis.url)
    try:
        # Before the deadline nothing moves.
        move_to(clock, datetime(year + 2, 1, 20, tzinfo=UTC))
        await redis.enqueue_job("scan_dc_standing")
        await run_worker_burst(settings, clock)
        assert (await client.get("/v1/tracks/dc-silent")).json()["status"] == "active"

        move_to(clock, datetime(year + 2, 2, 15, tzinfo=UTC))
        await redis.enqueue_job("scan_dc_standing")
        await run_worker_burst(settings, clock)
        # Running it again changes nothing more (an inactive DC is not scanned).
        await redis.enqueue_job("scan_dc_standing")
        await run_worker_burst(settings, clock)
    finally:
        await redis.aclose()

    statuses = {t["slug"]: t["status"] for t in (await client.get("/v1/tracks")).json()["items"]}
    assert statuses == {"bpf-cybersecurity": "active", "dc-reporting": "active", "dc-silent": "inactive"}
    detail = (await client.get("/v1/tracks/dc-silent")).json()
    assert detail["status_reason"].startswith(f"no report or output published for {year + 1}")
    assert detail["history"][-1]["to_status"] == "inactive"
    async with db.acquire() as conn:
        events = await conn.fetch("SELECT type, data FROM outbox WHERE type = 'track.inactive'")
        await chain_audit(conn)
        actors = await conn.fetch(
            "SELECT actor FROM audit_log WHERE action = 'track.inactive' AND subject_id = $1", silent["id"]
        )
    assert len(events) == 1
    assert events[0]["data"]["slug"] == "dc-silent" and events[0]["data"]["rule"] == "annual_output"
    assert (
        events[0]["data"]["reporting_year"] == year + 1
        and events[0]["data"]["reason"] == detail["status_reason"]
    )
    assert [a["actor"] for a in actors] == ["system:tracks.dc_standing_scan"]

    # The Secretariat reactivates it only once the missing report is out.
    await tracks.refresh_admin()
    url = "/v1/tracks/dc-silent/transitions"
    refused = await client.post(url, json={"to": "active"}, headers=if_match(tracks.admin, detail["version"]))
    assert pointers(assert_problem(refused, 409, "standing-not-met")) == ["/to"]
    await publish(
        client, "dc-silent", await tracks.refreshed(silent_facilitator), year + 1, "Late annual report"
    )
    reactivated = await client.post(
        url, json={"to": "active"}, headers=if_match(tracks.admin, detail["version"])
    )
    assert reactivated.status_code == 200, reactivated.text
    assert reactivated.json()["status"] == "active" and year + 2 in reactivated.json()["years_active"]
