"""The Secretariat's work queue over HTTP: one item of each kind the domains declare (NRIs awaiting review,
reports overdue, Dynamic Coalitions losing standing, calls closing, MAG nominations, failing webhook endpoints),
each linking to where it is acted on; for the Secretariat only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
from lxml import html

from igf_hub.app import WIRING
from igf_hub.auth.principal import Role
from igf_hub.core import wiring
from igf_hub.core.clock import Clock
from tests.nri.helpers import PRINCIPLES, act, recognised, register
from tests.support.auth import TokenFactory

UNGIS = "dccce80e-91f7-4a05-b3ca-9233becf7d05"


def _sections(answer: httpx.Response) -> dict[str, list[tuple[str, str]]]:
    document = html.fromstring(answer.text)
    return {
        section.get("aria-labelledby"): [
            (" ".join(li.text_content().split()), li.xpath(".//a/@href")[0]) for li in section.xpath(".//li")
        ]
        for section in document.xpath("//main//section")
    }


async def test_the_queue_gathers_each_domain_s_work_for_the_secretariat(
    client: httpx.AsyncClient, tokens: TokenFactory, db: asyncpg.Pool, clock: Clock
) -> None:
    coordinator = await tokens.user()
    secretariat = await tokens.user(Role.secretariat)
    waiting = await register(client, coordinator, name="Waiting IGF", countries=["UG"])
    assert (
        await act(client, coordinator, waiting["id"], "submit", {"affirmed_principles": PRINCIPLES})
    ).is_success
    late = await recognised(client, await tokens.user(), secretariat, name="Late IGF", countries=["TZ"])
    now = clock.now()
    async with db.acquire() as conn:
        # Recognised long ago, so last year's report is owed (and, past its due date, overdue).
        await conn.execute(
            "UPDATE nris SET recognised_at = $2 WHERE id = $1", late["id"], datetime(2020, 1, 1, tzinfo=UTC)
        )
        dc = await conn.fetchval(
            """INSERT INTO tracks (slug, type, name, status, status_changed_at, activated_at, created_by,
                                   created_at, updated_at, open_membership)
               VALUES ('quiet-dc', 'dynamic_coalition', 'Quiet Coalition', 'active', $1, $2, 'test', $1, $1, false)
               RETURNING id""",
            now,
            now - timedelta(days=800),
        )
        bpf = await conn.fetchval(
            """INSERT INTO tracks (slug, type, name, status, status_changed_at, created_by, created_at, updated_at)
               VALUES ('bpf-cyber', 'bpf', 'BPF Cybersecurity', 'active', $1, 'test', $1, $1) RETURNING id""",
            now,
        )
        await conn.execute(
            """INSERT INTO track_calls (track_id, title, opens_at, closes_at, created_by, created_at, updated_at)
               VALUES ($1, 'Input on norms', $2, $3, 'test', $2, $2),
                      ($1, 'A call far off', $2, $4, 'test', $2, $2)""",
            bpf,
            now - timedelta(days=1),
            now + timedelta(days=5),
            now + timedelta(days=60),
        )
        cycle = await conn.fetchval(
            """INSERT INTO mag_cycles (year, starts_on, ends_on, target_size, status)
               VALUES (2031, '2031-01-01', '2031-12-31', 40, 'call_open') RETURNING id"""
        )
        for name in ("Nominee One", "Nominee Two"):
            await conn.execute(
                """INSERT INTO mag_nominations (cycle_id, nominee_name, stakeholder_group, country, regional_group,
                                                nominated_by, statement, submitted_by)
                   VALUES ($1, $2, 'academia', 'KE', 'african', 'self', 'I would serve.', 'test')""",
                cycle,
                name,
            )
        await conn.execute(
            """INSERT INTO webhook_endpoints (consumer_id, url, event_types, retry_schedule, consecutive_failures,
                                              failing_since)
               VALUES ($1, 'https://ungis.example.org/hook', '{*}', '{0}', 12, $2)""",
            UNGIS,
            now - timedelta(days=2),
        )
    assert dc is not None

    answer = await client.get("/en/secretariat/queue", headers=secretariat.headers)
    assert answer.status_code == 200, answer.text
    sections = _sections(answer)
    assert sections["queue-nri-awaiting-review"] == [
        ("Waiting IGF · waiting 0 days", f"/en/secretariat/nris/{waiting['id']}")
    ]
    ((text, link),) = sections["queue-nri-reports-overdue"]
    assert text.startswith(f"Late IGF ({now.year - 1}) · overdue since") and link == f"/en/nris/{late['id']}"
    assert [link for _, link in sections["queue-tracks-dcs-losing-standing"]] == ["/en/tracks/quiet-dc"]
    assert [text.split(" · ")[0] for text, _ in sections["queue-tracks-calls-closing"]] == [
        "BPF Cybersecurity: Input on norms"
    ]
    assert sections["queue-mag-nominations-to-process"] == [
        ("MAG 2031 · 2 waiting · waiting 0 days", "/en/mag/cycles/2031")
    ]
    assert sections["queue-webhooks-failing-endpoints"] == [
        ("UNGIS: https://ungis.example.org/hook · waiting 2 days", f"/en/consumers/{UNGIS}")
    ]
    assert "Nominee One" not in answer.text  # nominations are private: counted, never named here

    french = await client.get("/fr/secretariat/queue", headers=secretariat.headers)
    assert french.status_code == 200 and "File de travail" in french.text


async def test_the_queue_is_the_secretariat_s_only(client: httpx.AsyncClient, tokens: TokenFactory) -> None:
    assert (await client.get("/en/secretariat/queue")).status_code == 401
    for role in (Role.nri_coordinator, Role.mag_member, Role.track_facilitator):
        who = await tokens.user(role)
        answer = await client.get("/en/secretariat/queue", headers=who.headers)
        assert answer.status_code == 403 and answer.headers["content-type"].startswith("text/html")


def test_every_source_is_declared_by_its_domain_s_wiring() -> None:
    wiring.install(WIRING)
    assert [source.name for source in wiring.work_queue()] == [
        "nri.awaiting_review",
        "nri.reports_overdue",
        "tracks.dcs_losing_standing",
        "tracks.calls_closing",
        "mag.nominations_to_process",
        "webhooks.failing_endpoints",
        "messages.awaiting_dispositions",
        "messages.ballots_passing",
        "messages.awaiting_publication",
    ]
