"""The inactivity scan runs in the real arq worker; time moves on the injected clock, never by sleeping."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import asyncpg
import msgspec

from igf_hub import worker
from igf_hub.auth.principal import Role
from igf_hub.core import queue
from igf_hub.core.clock import Clock
from igf_hub.core.settings import NriSettings, Settings
from tests.nri.helpers import COMMITTEE, Client, recognised
from tests.nri.test_reports import report_body
from tests.support.audit import chain_audit
from tests.support.auth import Caller, TokenFactory
from tests.support.worker import run_worker_burst


async def _scan(settings: Settings, clock: Clock) -> Any:
    redis = await queue.connect(settings.redis.url)
    try:
        job = await redis.enqueue_job("scan_inactive_nris")
        assert job is not None
        await run_worker_burst(settings, clock)
        return await job.result(timeout=5)
    finally:
        await redis.aclose()


async def _fresh(tokens: TokenFactory, caller: Caller) -> Caller:
    """Tokens expire after 15 minutes of (clock) time: sign in again after moving the clock."""
    return Caller(caller.user, await tokens.token_for(caller.id))


async def test_recognised_nris_without_reports_turn_inactive_and_a_report_reactivates(
    client: Client, tokens: TokenFactory, settings: Settings, clock: Clock, db: asyncpg.Pool
) -> None:
    assert "cron:scan_inactive_nris" in {c.name for c in worker.CRON_JOBS}
    secretariat = await tokens.user(Role.secretariat)
    dormant_coordinator, active_coordinator = await tokens.user(), await tokens.user()
    dormant = await recognised(client, dormant_coordinator, secretariat)
    active = await recognised(
        client,
        active_coordinator,
        secretariat,
        type="regional",
        name="West Africa IGF",
        countries=["GH", "NG"],
        committee=[{**m, "country": c} for m, c in zip(COMMITTEE, ["GH", "NG", "GH"], strict=True)],
    )
    assert await _scan(settings, clock) == 0  # everyone was just recognised

    # Two years and a day later; the regional NRI reported a recent meeting meanwhile.
    clock.advance(timedelta(days=2 * 365 + 2))
    active_coordinator = await _fresh(tokens, active_coordinator)
    meeting = clock.now().date() - timedelta(days=40)
    base = f"/v1/nris/{active['id']}/reports"
    assert (
        await client.post(
            base, json=report_body(meeting, host_country="GH"), headers=active_coordinator.headers
        )
    ).status_code == 201
    assert (
        await client.post(f"{base}/{meeting.year}/submit", headers=active_coordinator.headers)
    ).status_code == 200

    # A longer configured period flags nobody yet ...
    patient = msgspec.structs.replace(settings, nri=NriSettings(inactive_after_years=3))
    assert await _scan(patient, clock) == 0
    # ... the default (2 years) flags the NRI that never reported, and only it.
    assert await _scan(settings, clock) == 1
    assert await _scan(settings, clock) == 0  # a rerun changes nothing

    flagged = (await client.get(f"/v1/nris/{dormant['id']}")).json()
    assert flagged["status"] == "inactive"
    assert "after 2 years without one" in flagged["status_reason"]
    assert (await client.get(f"/v1/nris/{active['id']}")).json()["status"] == "recognised"
    async with db.acquire() as conn:
        event = await conn.fetchrow(
            "SELECT data FROM outbox WHERE type = 'nri.inactive' AND subject = $1", dormant["id"]
        )
        await chain_audit(conn)
        actor = await conn.fetchval(
            "SELECT actor FROM audit_log WHERE action = 'nri.inactive' AND subject_id = $1", dormant["id"]
        )
        assert await conn.fetchval("SELECT count(*) FROM outbox WHERE type = 'nri.inactive'") == 1
    # The coordinators are told why: the event names them, the reason and the last activity.
    assert event["data"]["coordinators"] == [str(dormant_coordinator.id)]
    assert event["data"]["reason"] == flagged["status_reason"]
    assert event["data"]["last_activity_on"] == dormant["last_activity_on"]
    assert event["data"]["inactive_after_years"] == 2
    assert actor == "system"

    # A report of a recent meeting brings it back.
    dormant_coordinator = await _fresh(tokens, dormant_coordinator)
    base = f"/v1/nris/{dormant['id']}/reports"
    assert (
        await client.post(base, json=report_body(meeting), headers=dormant_coordinator.headers)
    ).status_code == 201
    submitted = await client.post(f"{base}/{meeting.year}/submit", headers=dormant_coordinator.headers)
    assert submitted.status_code == 200, submitted.text
    back = (await client.get(f"/v1/nris/{dormant['id']}")).json()
    assert back["status"] == "recognised"
    assert back["last_activity_on"] == (meeting + timedelta(days=1)).isoformat()
    history = [e["action"] for e in (await client.get(f"/v1/nris/{dormant['id']}/history")).json()["items"]]
    assert history[-4:] == ["nri.inactive", "nri.report_created", "nri.report_submitted", "nri.reactivated"]
    assert await _scan(settings, clock) == 0


async def test_an_old_report_does_not_reactivate(
    client: Client, tokens: TokenFactory, settings: Settings, clock: Clock
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    coordinator = await tokens.user()
    nri = await recognised(client, coordinator, secretariat)
    recognised_on = date.fromisoformat(nri["last_activity_on"])
    clock.advance(timedelta(days=3 * 365))
    assert await _scan(settings, clock) == 1

    coordinator = await _fresh(tokens, coordinator)
    old_meeting = recognised_on - timedelta(
        days=200
    )  # before recognition: too old to count as recent activity
    base = f"/v1/nris/{nri['id']}/reports"
    assert (
        await client.post(base, json=report_body(old_meeting), headers=coordinator.headers)
    ).status_code == 201
    assert (
        await client.post(f"{base}/{old_meeting.year}/submit", headers=coordinator.headers)
    ).status_code == 200
    assert (await client.get(f"/v1/nris/{nri['id']}")).json()["status"] == "inactive"
