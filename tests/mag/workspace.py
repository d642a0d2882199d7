"""Set-ups the MAG workspace tests share (HTTP client and browser): a returning member with three consecutive
terms behind them, a cycle whose government share sits at its 40 % limit, and nominations as the public sends
them through the API."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.mag.support import Mag
from tests.support.auth import Caller

_NOMINATION_LINK = re.compile(r'href="/\w\w/mag/nominations/([0-9a-f-]{36})"')


async def nominate(
    client: httpx.AsyncClient, nominee: Caller, year: int, name: str, **fields: Any
) -> dict[str, Any]:
    """A nomination submitted by ``nominee`` through the API (self-nominated unless said otherwise)."""
    body = {
        "nominee_name": name,
        "nominee_email": f"{name.split()[0].lower()}@example.org",
        "stakeholder_group": "civil_society",
        "country": "KE",
        "gender": "female",
        "nominated_by": {"kind": "self"},
        "statement": f"{name} would bring community networks to the MAG.",
        **fields,
    }
    response = await client.post(f"/v1/mag/cycles/{year}/nominations", json=body, headers=nominee.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def returning_member(mag: Mag, name: str, years: range) -> dict[str, Any]:
    """A person appointed in each of ``years`` (cycles made as needed): their next year is term len(years)+1."""
    person = await mag.person(name, country="KE")
    for year in years:
        existing = await mag.client.get(f"/v1/mag/cycles/{year}")
        if existing.status_code == 404:
            await mag.cycle(year)
        await mag.appoint(year, person["id"], gender="female")
    return person


async def government_at_the_limit(mag: Mag, year: int) -> None:
    """Five counted seats in ``year``, two of them government: a 40 % share, at the limit and not past it."""
    seats = [
        ("Gita Gov", "government", "IN", "female"),
        ("Gabriel Gov", "government", "BR", "male"),
        ("Priya Private", "private_sector", "DE", "female"),
        ("Tomas Tech", "technical_community", "PL", "male"),
        ("Carla Civil", "civil_society", "KE", "female"),
    ]
    for name, group, country, gender in seats:
        person = await mag.person(name, country=country)
        await mag.appoint(year, person["id"], stakeholder_group=group, country=country, gender=gender)


def nomination_ids(html: str) -> list[str]:
    """The nominations a cycle page links to, in its order."""
    return _NOMINATION_LINK.findall(html)
