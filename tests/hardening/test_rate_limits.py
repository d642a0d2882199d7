"""Public write endpoints (anyone signed in may write) are rate-limited per caller: one test per family.

Each test writes for real up to the limit, then shows the next attempt refused with 429 problem+json and a
Retry-After, with nothing written, while another caller still gets through.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import asyncpg
import httpx
import msgspec
import pytest
from litestar import Litestar

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.mag.support import Mag
from tests.messages import support as messages
from tests.nri import helpers as nri
from tests.support.auth import Caller, TokenFactory
from tests.tracks.conftest import Tracks, dc_body, if_match

Client = httpx.AsyncClient
Attempt = Callable[[Caller, int], Awaitable[httpx.Response]]


async def count(db: asyncpg.Pool, table: str) -> int:
    async with db.acquire() as conn:
        rows: int = await conn.fetchval(f"SELECT count(*) FROM {table}")  # table names from this file only
    return rows


async def exhaust(
    attempt: Attempt, caller: Caller, limit: int, ok: tuple[int, ...] = (200, 201, 204)
) -> None:
    """``limit`` attempts succeed, the next is refused with 429."""
    for i in range(limit):
        response = await attempt(caller, i)
        assert response.status_code in ok, (i, response.text)
    refused = await attempt(caller, limit)
    assert refused.status_code == 429, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"] == "/problems/rate-limited"
    assert 0 < int(refused.headers["retry-after"]) <= 3600


async def test_public_comments_on_messages(client: Client, tokens: TokenFactory, db: asyncpg.Pool) -> None:
    secretariat = await tokens.user(Role.secretariat)
    message_id = (await messages.message(client, secretariat)).json()["id"]
    await messages.move(client, secretariat, message_id, {"to": "public_comment"})

    async def comment(caller: Caller, i: int) -> httpx.Response:
        return await client.post(
            f"/v1/messages/{message_id}/comments",
            json={
                "body": f"Comment {i}: name small operators.",
                "stakeholder_group": "civil_society",
                "country": "KE",
            },
            headers=caller.headers,
        )

    commenter = await tokens.user()
    await exhaust(comment, commenter, 30)
    assert await count(db, "message_comments") == 30
    assert (await comment(await tokens.user(), 0)).status_code == 201  # another person's own allowance


async def test_nri_registration(client: Client, tokens: TokenFactory, db: asyncpg.Pool) -> None:
    async def register(caller: Caller, i: int) -> httpx.Response:
        body = nri.body(name=f"Internet Governance Forum of Somewhere {i}", acronym=f"SW{i}IGF")
        return await client.post("/v1/nris", json=body, headers=caller.headers)

    await exhaust(register, await tokens.user(), 10)
    assert await count(db, "nris") == 10
    assert (await register(await tokens.user(), 99)).status_code == 201


async def test_session_report_submission(client: Client, tokens: TokenFactory, db: asyncpg.Pool) -> None:
    async def submit(caller: Caller, i: int) -> httpx.Response:
        body = {**messages.REPORT, "session_ref": f"WS #{i}"}
        return await client.post("/v1/session-reports", json=body, headers=caller.headers)

    await exhaust(submit, await tokens.user(), 20)
    assert await count(db, "session_reports") == 20
    assert (await submit(await tokens.user(), 99)).status_code == 201


async def test_mag_nominations(client: Client, tokens: TokenFactory, clock: Clock, db: asyncpg.Pool) -> None:
    mag = Mag(client, await tokens.user(Role.secretariat), tokens, clock)
    await mag.cycle(2027, status="call_open")

    async def nominate(caller: Caller, i: int) -> httpx.Response:
        body = {
            "nominee_name": f"Nominee {i}",
            "nominee_email": f"nominee{i}@example.org",
            "stakeholder_group": "civil_society",
            "country": "NP",
            "gender": "female",
            "nominated_by": {"kind": "organisation", "organisation": "Digital Rights Nepal"},
            "statement": "Ten years of community network work.",
        }
        return await client.post("/v1/mag/cycles/2027/nominations", json=body, headers=caller.headers)

    await exhaust(nominate, await tokens.user(), 10)
    assert await count(db, "mag_nominations") == 10
    assert (await nominate(await tokens.user(), 99)).status_code == 201


@pytest.fixture
async def tracks(client: Client, tokens: TokenFactory) -> Tracks:
    return Tracks(client, tokens, await tokens.user(Role.secretariat))


async def test_joining_and_leaving_tracks_share_one_allowance(client: Client, tracks: Tracks) -> None:
    await tracks.active({"slug": "bpf-cybersecurity", "type": "bpf", "name": "BPF on Cybersecurity"})

    async def join_or_leave(caller: Caller, i: int) -> httpx.Response:
        url = "/v1/tracks/bpf-cybersecurity/participants/me"
        if i % 2:
            return await client.delete(url, headers=caller.headers)
        return await client.put(
            url, json={"stakeholder_group": "academia", "country": "BR"}, headers=caller.headers
        )

    person = await tracks.tokens.user()
    await exhaust(join_or_leave, person, 30)  # 15 joins and 15 leaves: the 31st (a join) is refused
    participants = await client.get("/v1/tracks/bpf-cybersecurity/participants/summary")
    assert participants.json()["total"] == 0
    assert (await join_or_leave(await tracks.tokens.user(), 0)).status_code == 201


async def test_dynamic_coalition_proposals(client: Client, tracks: Tracks, db: asyncpg.Pool) -> None:
    async def propose(caller: Caller, i: int) -> httpx.Response:
        return await client.post("/v1/tracks", json=dc_body(slug=f"dc-topic-{i}"), headers=caller.headers)

    await exhaust(propose, await tracks.tokens.user(), 30)
    assert await count(db, "tracks") == 30
    assert (await propose(await tracks.tokens.user(), 99)).status_code == 201


async def test_comments_on_track_outputs(
    client: Client, tracks: Tracks, clock: Clock, db: asyncpg.Pool
) -> None:
    await tracks.active({"slug": "bpf-cybersecurity", "type": "bpf", "name": "BPF on Cybersecurity"})
    facilitator = await tracks.facilitator("bpf-cybersecurity")
    output = (
        await client.post(
            "/v1/tracks/bpf-cybersecurity/outputs",
            json={"title": "Norms in practice", "kind": "report", "year": 2025, "text": "Capacity matters."},
            headers=facilitator.headers,
        )
    ).json()
    closes = (clock.now() + timedelta(days=7)).isoformat()
    opened = await client.post(
        f"/v1/tracks/outputs/{output['id']}/comment-window",
        json={"closes_at": closes},
        headers=if_match(facilitator, output["version"]),
    )
    assert opened.status_code == 200, opened.text

    async def comment(caller: Caller, i: int) -> httpx.Response:
        return await client.post(
            f"/v1/tracks/outputs/{output['id']}/comments", json={"text": f"Point {i}"}, headers=caller.headers
        )

    await exhaust(comment, await tracks.tokens.user(), 30)
    assert await count(db, "track_output_comments") == 30
    assert (await comment(await tracks.tokens.user(), 99)).status_code == 201


async def test_submissions_to_calls_for_input(
    client: Client, tracks: Tracks, clock: Clock, db: asyncpg.Pool
) -> None:
    await tracks.active({"slug": "pn-ai", "type": "policy_network", "name": "Policy Network on AI"})
    facilitator = await tracks.facilitator("pn-ai")
    opens = clock.now() - timedelta(minutes=1)
    body = {
        "title": "Input on AI",
        "opens_at": opens.isoformat(),
        "closes_at": (opens + timedelta(days=14)).isoformat(),
    }
    call = await client.post("/v1/tracks/pn-ai/calls", json=body, headers=facilitator.headers)
    assert call.status_code == 201, call.text

    async def submit(caller: Caller, i: int) -> httpx.Response:
        return await client.post(
            f"/v1/tracks/calls/{call.json()['id']}/submissions",
            json={"stakeholder_group": "civil_society", "text": f"Input {i}"},
            headers=caller.headers,
        )

    await exhaust(submit, await tracks.tokens.user(), 20)
    assert await count(db, "track_call_submissions") == 20
    assert (await submit(await tracks.tokens.user(), 99)).status_code == 201


async def test_limits_can_be_switched_off_for_load_benchmarks(
    client: Client, tokens: TokenFactory, settings: Settings, app: Litestar
) -> None:
    app.state.settings = msgspec.structs.replace(settings, rate_limits=False)

    async def submit(caller: Caller, i: int) -> httpx.Response:
        body = {**messages.REPORT, "session_ref": f"WS #{i}"}
        return await client.post("/v1/session-reports", json=body, headers=caller.headers)

    caller = await tokens.user()
    statuses = {(await submit(caller, i)).status_code for i in range(21)}
    assert statuses == {201}
