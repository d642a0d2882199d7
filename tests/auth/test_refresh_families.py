"""Issue 14 item 8: presenting a rotated-out refresh token revokes its whole family (RFC 9700 section 4.14.2)."""

from __future__ import annotations

import asyncpg
import httpx

from igf_hub.auth.principal import Role
from tests.auth.test_oauth import CONSOLE, PASSWORD, _code_flow
from tests.support.audit import chain_audit
from tests.support.auth import TokenFactory


async def _refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(
        "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": token, "client_id": CONSOLE}
    )


async def test_reusing_a_rotated_refresh_token_revokes_the_newer_one(
    client: httpx.AsyncClient, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    person = await tokens.user(Role.funder, password=PASSWORD)
    first = (await _code_flow(client, person.user.email))["refresh_token"]
    elsewhere = (await _code_flow(client, person.user.email))["refresh_token"]  # another sign-in: own family
    second = (await _refresh(client, first)).json()["refresh_token"]
    third = await _refresh(client, second)
    assert third.status_code == 200, third.text
    newest = third.json()["refresh_token"]

    reused = await _refresh(client, first)  # the attacker (or the client) replays a rotated-out token
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    refused = await _refresh(client, newest)  # the newest token of that family is dead too
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant", refused.text

    other = await _refresh(client, elsewhere)  # another family of the same user is untouched
    assert other.status_code == 200, other.text
    async with db.acquire() as conn:
        await chain_audit(conn)
        row = await conn.fetchrow(
            "SELECT actor, subject_id, data FROM audit_log WHERE action = 'oauth.refresh_token_reused'"
        )
    assert row["actor"] == f"client:{CONSOLE}" and row["subject_id"] == str(person.id)
    assert row["data"]["revoked"] == 1  # the newest token of the family
