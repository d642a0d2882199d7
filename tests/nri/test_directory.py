"""Reading NRIs: the public directory, its filters and search, pages, ETags, CSV, statistics and criteria."""

from __future__ import annotations

import csv
import io
from typing import Any

from igf_hub.auth.principal import Role
from tests.nri.helpers import COMMITTEE, Client, recognised, register
from tests.support.auth import Caller, TokenFactory


async def _directory(client: Client, tokens: TokenFactory) -> dict[str, Any]:
    secretariat = await tokens.user(Role.secretariat)
    coordinator = await tokens.user()
    kenya = await recognised(client, coordinator, secretariat)
    west_africa = await recognised(
        client,
        coordinator,
        secretariat,
        type="regional",
        name="West Africa IGF",
        acronym="WAIGF",
        countries=["SN", "GH", "NG"],
        languages=["fr", "en"],
        year_founded=2008,
        description="A francophone and anglophone regional forum.",
        committee=[{**m, "country": c} for m, c in zip(COMMITTEE, ["GH", "NG", "SN"], strict=True)],
    )
    brazil = await recognised(
        client,
        coordinator,
        secretariat,
        name="Fórum da Internet no Brasil",
        acronym="=FIB",
        countries=["BR"],
        languages=["pt-BR"],
        year_founded=2011,
        description="O fórum brasileiro.",
        committee=[{**m, "country": "BR"} for m in COMMITTEE],
    )
    drafter = await tokens.user()
    uganda = await register(client, drafter, name="Uganda IGF", countries=["UG"], year_founded=2006)
    return {
        "secretariat": secretariat,
        "drafter": drafter,
        "kenya": kenya,
        "west_africa": west_africa,
        "brazil": brazil,
        "uganda": uganda,
    }


def _names(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [n["name"] for n in response.json()["items"]]


async def test_directory_filters_search_and_visibility(client: Client, tokens: TokenFactory) -> None:
    d = await _directory(client, tokens)
    public = ["Fórum da Internet no Brasil", "Kenya Internet Governance Forum", "West Africa IGF"]
    assert _names(await client.get("/v1/nris")) == public  # the draft stays private
    item = (await client.get("/v1/nris")).json()["items"][2]
    assert item["countries"] == ["GH", "NG", "SN"] and item["regional_groups"] == ["african"]

    cases: list[tuple[dict[str, str | int], list[str]]] = [
        ({"type": "regional"}, ["West Africa IGF"]),
        ({"country": "GH"}, ["West Africa IGF"]),
        ({"regional_group": "latin_american_caribbean"}, ["Fórum da Internet no Brasil"]),
        ({"regional_group": "african", "type": "national"}, ["Kenya Internet Governance Forum"]),
        ({"language": "pt"}, ["Fórum da Internet no Brasil"]),  # pt matches pt-BR
        ({"language": "fr"}, ["West Africa IGF"]),
        ({"q": "francophone"}, ["West Africa IGF"]),
        ({"q": "KIGF"}, ["Kenya Internet Governance Forum"]),  # acronyms are searched too
        ({"q": "forum -brasileiro"}, ["Kenya Internet Governance Forum", "West Africa IGF"]),
        ({"status": "recognised", "country": "UG"}, []),
        ({"year_active": 2024}, []),  # nobody has reported yet
    ]
    for params, expected in cases:
        assert _names(await client.get("/v1/nris", params=params)) == expected, params

    # The NRI's coordinator and the Secretariat also see the draft.
    assert "Uganda IGF" in _names(await client.get("/v1/nris", headers=d["drafter"].headers))
    secretariat: Caller = d["secretariat"]
    assert _names(await client.get("/v1/nris", params={"status": "draft"}, headers=secretariat.headers)) == [
        "Uganda IGF"
    ]


async def test_keyset_pages_and_etags(client: Client, tokens: TokenFactory) -> None:
    await _directory(client, tokens)
    first = await client.get("/v1/nris", params={"limit": 2})
    assert _names(first) == ["Fórum da Internet no Brasil", "Kenya Internet Governance Forum"]
    cursor = first.json()["next_cursor"]
    second = await client.get("/v1/nris", params={"limit": 2, "cursor": cursor})
    assert _names(second) == ["West Africa IGF"] and second.json()["next_cursor"] is None

    # Public reads are cacheable and revalidate with If-None-Match.
    assert first.headers["cache-control"] == "public, max-age=60"
    assert "Authorization" in first.headers["vary"]
    again = await client.get(
        "/v1/nris", params={"limit": 2}, headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
    assert (await client.get("/v1/nris", headers={"If-None-Match": first.headers["etag"]})).status_code == 200

    one = await client.get(f"/v1/nris/{first.json()['items'][0]['id']}")
    assert one.headers["etag"] == '"4"'
    cached = await client.get(f"/v1/nris/{first.json()['items'][0]['id']}", headers={"If-None-Match": '"4"'})
    assert cached.status_code == 304


async def test_csv_export_uses_the_same_filters(client: Client, tokens: TokenFactory) -> None:
    d = await _directory(client, tokens)
    response = await client.get("/v1/nris.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"  # once, not twice
    assert response.text.startswith("\ufeffID,Type,")  # a BOM (Excel), human headers
    rows = list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))
    assert [r["Name"] for r in rows] == [
        "Fórum da Internet no Brasil",
        "Kenya Internet Governance Forum",
        "West Africa IGF",
    ]
    assert rows[2]["Countries"] == "GH;NG;SN" and rows[2]["Languages"] == "fr;en"
    assert rows[0]["Acronym"] == "'=FIB"  # a spreadsheet must not run it as a formula
    assert rows[1]["ID"] == d["kenya"]["id"] and rows[1]["Status"] == "recognised"

    regional_csv = (await client.get("/v1/nris.csv", params={"type": "regional", "bom": "0"})).text
    regional = list(csv.DictReader(io.StringIO(regional_csv)))
    assert [r["Name"] for r in regional] == ["West Africa IGF"]
    everything = await client.get("/v1/nris.csv", headers=d["secretariat"].headers)
    assert "Uganda IGF" in everything.text


async def test_stats_count_the_visible_directory(client: Client, tokens: TokenFactory) -> None:
    d = await _directory(client, tokens)
    stats = (await client.get("/v1/nris/stats")).json()
    assert stats["total"] == 3
    assert stats["by_type"] == {"national": 2, "regional": 1}
    assert stats["by_regional_group"] == {"african": 2, "latin_american_caribbean": 1}
    assert stats["by_status"] == {"recognised": 3}
    assert stats["by_year_founded"] == {"2008": 2, "2011": 1}
    assert stats["participants_total"] == 0 and stats["participants_by_gender"] == {}

    everything = (await client.get("/v1/nris/stats", headers=d["secretariat"].headers)).json()
    assert everything["by_status"] == {"recognised": 3, "draft": 1}
    assert (await client.get("/v1/nris/stats", params={"type": "regional"})).json()["total"] == 1


async def test_criteria_are_served_from_one_place(client: Client) -> None:
    response = await client.get("/v1/nris/criteria")
    assert response.status_code == 200
    document = response.json()
    assert [c["code"] for c in document["criteria"]] == [
        "multistakeholder_committee",
        "public_channel",
        "meeting_report",
        "principles_affirmed",
    ]
    assert "at least 3 different stakeholder groups" in document["criteria"][0]["description"]
    assert [a["code"] for a in document["advisories"]] == ["regional_diversity", "gender_diversity"]
    assert document["principles"] == [
        "open_and_transparent",
        "inclusive",
        "bottom_up",
        "multistakeholder",
        "non_commercial",
    ]
    assert "public" in response.headers["cache-control"]
