"""The demonstration data set (issue 17, "A living site from the first command"): it loads through the services
into a fresh database, every domain's public API then lists it, it refuses a database that holds data, and every
change it made is audited as demonstration data."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Environment, Settings
from igf_hub.core.vocab import RegionalGroup
from igf_hub.demo import loader
from igf_hub.demo.loader import DemoReport
from igf_hub.messages.states import MessageState
from igf_hub.nri.schemas import NriType
from tests.support.audit import chain_audit
from tests.support.auth import TokenFactory
from tests.support.demo import load_demo

UN_LANGUAGES = {"ar", "zh", "en", "fr", "ru", "es"}


async def _all(client: httpx.AsyncClient, path: str, headers: dict[str, str] | None = None) -> list[Any]:
    """Every item of a paged list."""
    items: list[Any] = []
    cursor: str | None = None
    while True:
        params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        response = await client.get(path, params=params, headers=headers or {})
        assert response.status_code == 200, (path, response.text)
        body = response.json()
        items += body["items"]
        cursor = body.get("next_cursor")
        if not cursor:
            return items


async def test_every_domain_lists_the_demonstration_data(
    demo: DemoReport, client: httpx.AsyncClient, tokens: TokenFactory, clock: Clock
) -> None:
    assert demo.nris == 19 and demo.tracks == 8 and demo.donors == 9 and demo.contributions == 11

    secretariat = await tokens.user(Role.secretariat)
    nris = await _all(client, "/v1/nris")
    assert len(nris) == 19
    everything = await _all(client, "/v1/nris", secretariat.headers)
    public_ids = {n["id"] for n in nris}
    pending = sorted(n["status"] for n in everything if n["id"] not in public_ids)
    assert pending == ["draft", "submitted", "under_review"]  # the Secretariat's review queue has work
    assert {n["type"] for n in nris} == set(NriType)
    assert {g for n in nris for g in n["regional_groups"]} == set(RegionalGroup)
    assert {n["youth_scope"] for n in nris if n["type"] == "youth"} == {
        "national",
        "sub_regional",
        "regional",
    }

    tracks = await _all(client, "/v1/tracks")
    assert {t["type"] for t in tracks} == {"bpf", "dynamic_coalition", "policy_network"}
    outputs = await _all(client, "/v1/tracks/outputs")
    assert sum(o["status"] == "published" for o in outputs) == 5
    assert all(o["citable_id"] for o in outputs if o["status"] == "published")
    participants = (await client.get("/v1/tracks/pn-trustworthy-ai/participants/summary")).json()
    assert participants["total"] == 3
    calls = [c for t in tracks for c in await _all(client, f"/v1/tracks/{t['slug']}/calls")]
    assert len(calls) == 4
    case_studies = next(c for c in calls if c["title"] == "Share a case study of content in your language")
    answers = await _all(client, f"/v1/tracks/calls/{case_studies['id']}/submissions", secretariat.headers)
    assert len(answers) == 2
    draft = next(
        o for o in outputs if o["title"] == "Draft guidance on moderating content in minority languages"
    )
    assert len(await _all(client, f"/v1/tracks/outputs/{draft['id']}/comments", secretariat.headers)) == 2
    now = clock.now()
    assert any(
        datetime.fromisoformat(c["opens_at"]) <= now < datetime.fromisoformat(c["closes_at"]) for c in calls
    )

    cycles = await _all(client, "/v1/mag/cycles")
    assert sorted(c["status"] for c in cycles) == ["appointed", "closed"]
    current = max(c["year"] for c in cycles)
    assert current == now.year
    roster = await _all(client, f"/v1/mag/cycles/{current}/appointments")
    assert len(roster) == 13
    balance = await client.get(f"/v1/mag/cycles/{current}/balance")
    assert balance.status_code == 200, balance.text

    donors = await _all(client, "/v1/funding/donors", secretariat.headers)
    assert len(donors) == 9
    rates = await _all(client, "/v1/funding/exchange-rates", secretariat.headers)
    assert {r["currency"] for r in rates} >= {"EUR", "GBP", "JPY", "CHF", "SEK"}
    grants = await _all(client, "/v1/funding/nri-grants", secretariat.headers)
    assert sorted(g["status"] for g in grants) == ["applied", "approved", "declined", "paid", "reported"]
    summary = await client.get("/v1/transparency/summary")
    assert summary.status_code == 200, summary.text

    messages = await _all(client, "/v1/messages", secretariat.headers)
    assert {m["state"] for m in messages} == set(MessageState)
    public = await _all(client, "/v1/messages")
    assert {m["state"] for m in public} == set(MessageState) - {MessageState.draft}
    assert {lang for m in messages for lang in m["languages"]} == UN_LANGUAGES
    assert len({m["source_language"] for m in messages}) >= 3
    assert sum(m["state"] == "published" for m in messages) == 4
    live = next(m for m in messages if m["state"] == "published" and m["year"] == now.year)
    cited = (await client.get(f"/v1/messages/{live['id']}")).json()
    assert {p["kind"] for p in cited["provenance"]} == {"session_report", "track_output"}
    assert cited["supersedes"] and cited["approved_at"]


@pytest.mark.parametrize("today", ["2027-01-02", "2027-06-30", "2027-12-31"])
async def test_windows_are_open_at_the_injected_clock(
    settings: Settings, db: asyncpg.Pool, today: str
) -> None:
    """Dates are relative to the clock the loader is given, on any day of the year (the first days of January
    put "30 days ago" in the previous year): the comment windows opened in the data are open at that time,
    with deadlines ahead of it, and the current MAG cycle is that year's."""
    target = datetime.fromisoformat(f"{today}T10:00:00+00:00")
    clock = Clock(target - Clock().now())
    await load_demo(db, settings, clock)
    async with db.acquire() as conn:
        rounds = await conn.fetch("SELECT opens_at, closes_at, closed_at FROM message_comment_rounds")
        years = await conn.fetch("SELECT DISTINCT year FROM mag_cycles ORDER BY year")
    now = clock.now()
    open_rounds = [r for r in rounds if r["closed_at"] is None]
    assert len(open_rounds) == 2
    assert all(r["opens_at"] < now < r["closes_at"] < now + timedelta(days=30) for r in open_rounds)
    assert [r["year"] for r in years] == [now.year - 1, now.year]


async def test_a_database_with_data_is_refused_and_nothing_is_written(
    demo: DemoReport, settings: Settings, db: asyncpg.Pool
) -> None:
    async with db.acquire() as conn:
        await chain_audit(conn)
        before = await conn.fetchval("SELECT count(*) FROM audit_log")
    with pytest.raises(loader.DemoRefused, match="already holds NRIs, tracks, MAG cycles, donors, Messages"):
        await load_demo(db, settings, Clock())
    async with db.acquire() as conn:
        await chain_audit(conn)
        assert await conn.fetchval("SELECT count(*) FROM audit_log") == before


async def test_it_is_never_loaded_in_production(settings: Settings, db: asyncpg.Pool) -> None:
    production = msgspec.structs.replace(settings, environment=Environment.production)
    with pytest.raises(loader.DemoRefused, match="never loaded in production"):
        await load_demo(db, production, Clock())
    async with db.acquire() as conn:
        assert not await conn.fetchval("SELECT count(*) FROM nris")


async def test_every_change_is_audited_as_demonstration_data(settings: Settings, db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        await chain_audit(conn)
        start = await conn.fetchval("SELECT coalesce(max(seq), 0) FROM audit_log")
    await load_demo(db, settings, Clock())
    async with db.acquire() as conn:
        await chain_audit(conn)
        rows = await conn.fetch(
            "SELECT actor, action, request_id FROM audit_log WHERE seq > $1 ORDER BY seq", start
        )
        people = {
            f"user:{r['id']}"
            for r in await conn.fetch("SELECT id FROM users WHERE email LIKE '%.demo.example'")
        }
        sources = await conn.fetch(
            "SELECT import_source FROM nris WHERE imported_at IS NOT NULL "
            "UNION ALL SELECT import_source FROM messages WHERE imported_at IS NOT NULL"
        )
    assert len(rows) > 200
    assert {r["request_id"] for r in rows} == {loader.REQUEST_ID}
    # The Secretariat's steps are the demo's; the rest are the invented people's own (comments, positions).
    assert {r["actor"] for r in rows} <= {loader.ACTOR.subject, *people}
    actions = {r["action"] for r in rows}
    assert {
        "nri.imported",
        "message.imported",
        "mag.cycle.imported",
        "funding.contribution.imported",
    } <= actions
    assert len(sources) == 19 + 4 and {r["import_source"] for r in sources} == {loader.SOURCE}
