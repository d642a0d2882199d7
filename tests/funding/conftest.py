"""Funding test helpers: a Secretariat caller that drives the ledger through the HTTP API."""

from __future__ import annotations

import secrets
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest

from igf_hub.auth.principal import Role
from igf_hub.core import outbox
from tests.support.auth import Caller, TokenFactory

Client = httpx.AsyncClient


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}", body
    return body


def pointers(body: dict[str, Any]) -> list[str]:
    return [e["pointer"] for e in body.get("errors", [])]


class Ledger:
    """The Secretariat's hands on the ledger, through the API (so audit and outbox rows exist)."""

    def __init__(self, client: Client, caller: Caller) -> None:
        self.client = client
        self.caller = caller
        self.headers = caller.headers

    async def donor(self, **fields: Any) -> dict[str, Any]:
        body = {
            "legal_name": f"Donor {secrets.token_hex(4)} Ltd",
            "stakeholder_group": "private_sector",
            "country": "CH",
            **fields,
        }
        response = await self.client.post("/v1/funding/donors", json=body, headers=self.headers)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def contribution(self, donor_id: str, **fields: Any) -> dict[str, Any]:
        body = {
            "donor_id": donor_id,
            "title": "Support to the IGF",
            "channel": "igf_trust_fund",
            "earmark": "core",
            "years": [2024],
            **fields,
        }
        response = await self.client.post("/v1/funding/contributions", json=body, headers=self.headers)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def event(self, contribution_id: str, **fields: Any) -> dict[str, Any]:
        response = await self.post_event(contribution_id, **fields)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def post_event(self, contribution_id: str, **fields: Any) -> httpx.Response:
        body = {
            "kind": "receipt",
            "amount": "1000.00",
            "currency": "USD",
            "value_date": "2024-03-01",
            **fields,
        }
        return await self.client.post(
            f"/v1/funding/contributions/{contribution_id}/events", json=body, headers=self.headers
        )

    async def rates(self, text: str) -> httpx.Response:
        return await self.client.post(
            "/v1/funding/exchange-rates/upload",
            content=text.encode(),
            headers={**self.headers, "content-type": "text/csv"},
        )


@pytest.fixture
async def secretariat(tokens: TokenFactory) -> Caller:
    return await tokens.user(Role.secretariat)


@pytest.fixture
async def ledger(client: Client, secretariat: Caller) -> Ledger:
    return Ledger(client, secretariat)


async def announce_nri(
    db: asyncpg.Pool,
    nri_id: UUID,
    *,
    status: str = "recognised",
    nri_type: str = "national",
    name: str = "Kenya IGF",
) -> None:
    """Publish what the NRI domain publishes when an NRI changes status (funding learns of NRIs this way)."""
    async with db.acquire() as conn, conn.transaction():
        await outbox.publish(
            conn,
            f"nri.{status}",
            subject=nri_id,
            data={"id": str(nri_id), "name": name, "type": nri_type, "countries": ["KE"], "status": status},
        )
