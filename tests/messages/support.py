"""Helpers for driving IGF Messages through the API as its users would."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
import httpx

from igf_hub.auth.principal import Role
from igf_hub.core import queue
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.support.auth import Caller, TokenFactory
from tests.support.worker import run_worker_burst

Client = httpx.AsyncClient

BODY = (
    "Meaningful access needs affordable connectivity, skills and local content.\n\n"
    "Governments and the private sector should invest together in community networks.\n\n"
    "Data governance frameworks must be interoperable and respect human rights."
)
REPORT = {
    "year": 2025,
    "session_ref": "WS #101",
    "session_title": "Community networks for the last billion",
    "session_type": "workshop",
    "organisers": ["Rhizomatica", "APC"],
    "key_takeaways": ["Community networks close gaps that markets leave open."],
    "calls_to_action": ["Regulators should license community spectrum."],
    "classification": {"wsis_action_lines": ["C2"], "sdgs": [9], "gdc_objectives": [1]},
}
GROUPS = ("government", "civil_society", "private_sector", "technical_community")


def assert_problem(response: httpx.Response, status: int, slug: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    if slug is not None:
        assert body["type"] == f"/problems/{slug}", body
    return body


def if_match(response: httpx.Response, caller: Caller | None = None) -> dict[str, str]:
    tag = response.headers.get("message-etag") or response.headers["etag"]
    return {**(caller.headers if caller else {}), "If-Match": tag}


async def refresh(tokens: TokenFactory, *callers: Caller) -> None:
    """Tokens live 900 s: after moving the clock, sign the callers in again."""
    for caller in callers:
        caller.token = await tokens.token_for(caller.id)
        caller.headers = {"Authorization": f"Bearer {caller.token}"}


async def report(client: Client, caller: Caller, **changes: Any) -> dict[str, Any]:
    response = await client.post("/v1/session-reports", json={**REPORT, **changes}, headers=caller.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def message(client: Client, secretariat: Caller, **changes: Any) -> httpx.Response:
    body = {
        "year": 2025,
        "theme": "Universal and meaningful connectivity",
        "title": "Connect the next billion",
        "body": BODY,
        "classification": {"wsis_action_lines": ["C2", "C3"], "sdgs": [9], "gdc_objectives": [1]},
        **changes,
    }
    response = await client.post("/v1/messages", json=body, headers=secretariat.headers)
    assert response.status_code == 201, response.text
    return response


async def get(client: Client, message_id: str, caller: Caller | None = None) -> httpx.Response:
    response = await client.get(f"/v1/messages/{message_id}", headers=caller.headers if caller else {})
    assert response.status_code == 200, response.text
    return response


async def move(
    client: Client, caller: Caller, message_id: str, body: dict[str, Any], *, expect: int = 200
) -> httpx.Response:
    current = await get(client, message_id, caller)
    response = await client.post(
        f"/v1/messages/{message_id}/transitions", json=body, headers=if_match(current, caller)
    )
    assert response.status_code == expect, response.text
    return response


async def mag(tokens: TokenFactory, count: int, *, chair: bool = False) -> list[Caller]:
    return [await tokens.user(Role.mag_member, chair=chair and i == 0) for i in range(count)]


async def sweep(settings: Settings, clock: Clock, job: str = "sweep_message_windows") -> None:
    redis = await queue.connect(settings.redis.url)
    try:
        await redis.enqueue_job(job)
    finally:
        await redis.aclose()
    await run_worker_burst(settings, clock)


async def comment(
    client: Client, caller: Caller, message_id: str, *, expect: int = 201, **changes: Any
) -> httpx.Response:
    body = {
        "body": "Please name small operators explicitly.",
        "stakeholder_group": "civil_society",
        "country": "KE",
    }
    response = await client.post(
        f"/v1/messages/{message_id}/comments", json={**body, **changes}, headers=caller.headers
    )
    assert response.status_code == expect, response.text
    return response


async def dispose(
    client: Client,
    caller: Caller,
    message_id: str,
    comment_id: str,
    body: dict[str, Any],
    *,
    expect: int = 200,
) -> httpx.Response:
    current = await client.get(f"/v1/messages/{message_id}/comments/{comment_id}")
    response = await client.put(
        f"/v1/messages/{message_id}/comments/{comment_id}/disposition",
        json=body,
        headers=if_match(current, caller),
    )
    assert response.status_code == expect, response.text
    return response


async def position(
    client: Client,
    caller: Caller,
    message_id: str,
    value: str,
    *,
    group: str | None = None,
    text: str | None = None,
    expect: int = 201,
) -> httpx.Response:
    body: dict[str, Any] = {"position": value}
    if group:
        body["stakeholder_group"] = group
    if text:
        body["text"] = text
    response = await client.post(
        f"/v1/messages/{message_id}/ballot/positions", json=body, headers=caller.headers
    )
    assert response.status_code == expect, response.text
    return response


async def to_review(
    client: Client,
    tokens: TokenFactory,
    clock: Clock,
    settings: Settings,
    secretariat: Caller,
    message_id: str,
    *,
    with_comment: bool = False,
) -> None:
    """draft → public_comment → (window passes, the job closes it) → synthesis → mag_review."""
    await move(client, secretariat, message_id, {"to": "public_comment"})
    if with_comment:
        commenter = await tokens.user()
        made = (await comment(client, commenter, message_id)).json()
    clock.advance(timedelta(days=21, seconds=1))
    await refresh(tokens, secretariat)
    await sweep(settings, clock)
    if with_comment:
        await dispose(
            client,
            secretariat,
            message_id,
            made["id"],
            {"outcome": "not_accepted", "rationale": "Out of our remit."},
        )
    await move(client, secretariat, message_id, {"to": "mag_review"})


async def events(db: asyncpg.Pool, event_type: str) -> list[dict[str, Any]]:
    async with db.acquire() as conn:
        rows = await conn.fetch("SELECT data FROM outbox WHERE type = $1 ORDER BY id", event_type)
    return [r["data"] for r in rows]


async def to_approved(
    client: Client,
    tokens: TokenFactory,
    clock: Clock,
    settings: Settings,
    secretariat: Caller,
    message_id: str,
    members: list[Caller],
) -> None:
    """Through review to approval, every member saying yes from a different stakeholder group."""
    await to_review(client, tokens, clock, settings, secretariat, message_id)
    await refresh(tokens, *members)
    for caller, group in zip(members, GROUPS, strict=False):
        await position(client, caller, message_id, "yes", group=group)
    await move(client, members[0], message_id, {"to": "approved"})
