"""Drive NRIs through the API as coordinators and the Secretariat would."""

from __future__ import annotations

import copy
from typing import Any

import httpx

from tests.support.auth import Caller

Client = httpx.AsyncClient

PRINCIPLES = ["open_and_transparent", "inclusive", "bottom_up", "multistakeholder", "non_commercial"]

COMMITTEE = [
    {
        "name": "Amina Odhiambo",
        "organisation": "Ministry of ICT",
        "stakeholder_group": "government",
        "country": "KE",
        "city": "Nairobi",
        "gender": "female",
    },
    {
        "name": "Peter Kamau",
        "organisation": "KICTANet",
        "stakeholder_group": "civil_society",
        "country": "KE",
        "city": "Mombasa",
        "gender": "male",
    },
    {
        "name": "Lucy Wanjiru",
        "organisation": "KENIC",
        "stakeholder_group": "technical_community",
        "country": "KE",
        "city": "Nairobi",
        "gender": "female",
    },
]

KENYA: dict[str, Any] = {
    "type": "national",
    "name": "Kenya Internet Governance Forum",
    "acronym": "KIGF",
    "countries": ["KE"],
    "website": "https://kigf.or.ke",
    "mailing_list_url": "https://lists.example.org/kigf",
    "contact_email": "info@kigf.or.ke",
    "languages": ["en", "sw"],
    "year_founded": 2008,
    "description": "The national multistakeholder forum on Internet policy in Kenya.",
    "committee": COMMITTEE,
    "focal_points": [{"name": "Grace Mutung'u", "email": "grace@example.org", "role": "convenor"}],
    "meeting_report_url": "https://kigf.or.ke/reports/2024",
}


def body(**overrides: Any) -> dict[str, Any]:
    data = copy.deepcopy(KENYA)
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not ...}


def problem(response: httpx.Response, status: int, slug: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    data: dict[str, Any] = response.json()
    assert data["status"] == status
    if slug is not None:
        assert data["type"] == f"/problems/{slug}", data
    return data


async def register(client: Client, coordinator: Caller, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v1/nris", json=body(**overrides), headers=coordinator.headers)
    assert response.status_code == 201, response.text
    nri: dict[str, Any] = response.json()
    assert response.headers["etag"] == f'"{nri["version"]}"'
    return nri


async def act(
    client: Client,
    caller: Caller,
    nri_id: str,
    action: str,
    payload: dict[str, Any] | None = None,
    **headers: str,
) -> httpx.Response:
    return await client.post(
        f"/v1/nris/{nri_id}/{action}", json=payload or {}, headers={**caller.headers, **headers}
    )


async def recognised(
    client: Client, coordinator: Caller, secretariat: Caller, **overrides: Any
) -> dict[str, Any]:
    """Register, submit, review and recognise an NRI; returns it as the coordinator reads it."""
    nri = await register(client, coordinator, **overrides)
    steps: list[tuple[Caller, str, dict[str, Any]]] = [
        (coordinator, "submit", {"affirmed_principles": PRINCIPLES}),
        (secretariat, "start-review", {}),
        (secretariat, "recognise", {"reason": "Meets every IGF criterion."}),
    ]
    for caller, action, payload in steps:
        response = await act(client, caller, nri["id"], action, payload)
        assert response.status_code == 200, response.text
        nri = response.json()
    assert nri["status"] == "recognised"
    return nri
