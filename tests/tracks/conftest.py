"""Helpers for the tracks tests: problem assertions and tracks driven through the API as their users would."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from igf_hub.auth.principal import Role
from tests.support.auth import Caller, TokenFactory

FOUNDERS = [
    {"name": "Ana Gov", "stakeholder_group": "government", "country": "BR"},
    {"name": "Kofi Civil", "stakeholder_group": "civil_society", "country": "GH"},
    {"name": "Lena Tech", "stakeholder_group": "technical_community", "country": "DE"},
]


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}", body
    return body


def pointers(body: dict[str, Any]) -> list[str]:
    return [e["pointer"] for e in body.get("errors", [])]


def if_match(caller: Caller, version: int) -> dict[str, str]:
    return {**caller.headers, "If-Match": f'"{version}"'}


def dc_body(slug: str = "dc-open-standards", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "slug": slug,
        "type": "dynamic_coalition",
        "name": "Dynamic Coalition on Open Standards",
        "description": "Interoperability and open standards for the Internet.",
        "mailing_list_url": "https://lists.example.org/dc-open-standards",
        "mailing_list_archive_url": "https://lists.example.org/archives/dc-open-standards",
        "classification": {"wsis_action_lines": ["C2", "C6"], "sdgs": [9], "gdc_objectives": [1]},
        "formation": {
            "statement_of_need": "No forum brings standards bodies and users together.",
            "action_plan": "Two workshops and a report a year.",
            "contact_persons": [{"name": "Kofi Civil", "email": "kofi@example.org"}],
            "founding_members": FOUNDERS,
        },
    }
    body.update(overrides)
    return body


class Tracks:
    """Drives the API: a Secretariat admin and convenience steps that assert they worked."""

    def __init__(self, client: httpx.AsyncClient, tokens: TokenFactory, admin: Caller) -> None:
        self.client = client
        self.tokens = tokens
        self.admin = admin

    async def create(self, body: dict[str, Any], caller: Caller | None = None) -> dict[str, Any]:
        response = await self.client.post("/v1/tracks", json=body, headers=(caller or self.admin).headers)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def bpf(self, slug: str = "bpf-cybersecurity", **overrides: Any) -> dict[str, Any]:
        body = {
            "slug": slug,
            "type": "bpf",
            "name": "BPF on Cybersecurity",
            "description": "Norms for a safer Internet.",
            "classification": {"wsis_action_lines": ["C5"], "sdgs": [16], "gdc_objectives": [3]},
            **overrides,
        }
        return await self.create(body)

    async def transition(self, slug: str, to: str, reason: str | None = None) -> dict[str, Any]:
        current = await self.client.get(f"/v1/tracks/{slug}")
        body: dict[str, Any] = {"to": to} | ({"reason": reason} if reason else {})
        response = await self.client.post(
            f"/v1/tracks/{slug}/transitions",
            json=body,
            headers={**self.admin.headers, "If-Match": current.headers["etag"]},
        )
        assert response.status_code == 200, response.text
        moved: dict[str, Any] = response.json()
        return moved

    async def active(self, body: dict[str, Any]) -> dict[str, Any]:
        created = await self.create(body)
        return await self.transition(created["slug"], "active")

    async def facilitator(self, slug: str) -> Caller:
        """A new user bound to the track as its facilitator (through the API), with a fresh token."""
        person = await self.tokens.user()
        response = await self.client.post(
            f"/v1/tracks/{slug}/facilitators", json={"user_id": str(person.id)}, headers=self.admin.headers
        )
        assert response.status_code == 201, response.text
        return await self.refreshed(person)

    async def refreshed(self, caller: Caller) -> Caller:
        return Caller(caller.user, await self.tokens.token_for(caller.id))

    async def refresh_admin(self) -> None:
        self.admin = await self.refreshed(self.admin)


@pytest.fixture
async def tracks(client: httpx.AsyncClient, tokens: TokenFactory) -> Tracks:
    return Tracks(client, tokens, await tokens.user(Role.secretariat))
