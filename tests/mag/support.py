"""Driving the MAG API as the Secretariat does, for the tests of this package."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from igf_hub.core.clock import Clock
from tests.support.auth import Caller, TokenFactory


def assert_problem(response: httpx.Response, status: int, slug: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    if slug is not None:
        assert body["type"] == f"/problems/{slug}", body
    return body


def pointers(body: dict[str, Any]) -> list[str]:
    return [e["pointer"] for e in body.get("errors", [])]


def if_match(response: httpx.Response) -> dict[str, str]:
    return {"If-Match": response.headers["etag"]}


class Mag:
    """The Secretariat's side of the MAG API."""

    def __init__(self, client: httpx.AsyncClient, caller: Caller, tokens: TokenFactory, clock: Clock) -> None:
        self.client = client
        self.caller = caller
        self.headers = caller.headers
        self.tokens = tokens
        self.clock = clock

    async def advance(self, delta: timedelta) -> None:
        """Move time on; tokens live 15 minutes, so the Secretariat's is minted again."""
        self.clock.advance(delta)
        self.headers = {"Authorization": f"Bearer {await self.tokens.token_for(self.caller.id)}"}

    def today(self) -> date:
        return self.clock.now().date()

    async def cycle(
        self,
        year: int,
        *,
        starts_on: date | None = None,
        ends_on: date | None = None,
        status: str = "planning",
        **extra: Any,
    ) -> dict[str, Any]:
        starts_on = starts_on or date(year, 1, 1)
        ends_on = ends_on or (
            date(year, 12, 31) if starts_on == date(year, 1, 1) else starts_on + timedelta(days=365)
        )
        body = {"year": year, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(), **extra}
        response = await self.client.post("/v1/mag/cycles", json=body, headers=self.headers)
        assert response.status_code == 201, response.text
        for step in ("call_open", "appointed", "closed"):
            if status == response.json()["status"]:
                break
            response = await self.transition(year, step)
        return dict(response.json())

    async def transition(self, year: int, to: str) -> httpx.Response:
        current = await self.client.get(f"/v1/mag/cycles/{year}")
        response = await self.client.post(
            f"/v1/mag/cycles/{year}/transitions",
            json={"to": to},
            headers={**self.headers, **if_match(current)},
        )
        assert response.status_code == 200, response.text
        return response

    async def person(self, name: str, **extra: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/v1/mag/people", json={"name": name, **extra}, headers=self.headers
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def try_appoint(self, year: int, person_id: str, **extra: Any) -> httpx.Response:
        body = {"person_id": person_id, "stakeholder_group": "civil_society", "country": "KE", **extra}
        return await self.client.post(f"/v1/mag/cycles/{year}/appointments", json=body, headers=self.headers)

    async def appoint(self, year: int, person_id: str, **extra: Any) -> dict[str, Any]:
        response = await self.try_appoint(year, person_id, **extra)
        assert response.status_code == 201, response.text
        return dict(response.json())
