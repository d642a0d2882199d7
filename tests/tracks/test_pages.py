"""The intersessional work's pages over HTTP on the demonstration data: the list by kind, a track's page with its
outputs' citable ids and its calls for input, the home page's open calls, and an unknown track."""

from __future__ import annotations

from datetime import datetime

import httpx
from lxml import html

from igf_hub.demo.loader import DemoReport
from igf_hub.web.formatting import date_text


async def test_the_list_shows_every_track_by_kind_with_its_participants(
    client: httpx.AsyncClient, demo: DemoReport
) -> None:
    answer = await client.get("/en/tracks")
    assert answer.status_code == 200, answer.text
    document = html.fromstring(answer.text)
    assert document.xpath("//main//h2/text()") == [
        "Best Practice Forums",
        "Dynamic Coalitions",
        "Policy Networks",
    ]
    api = (await client.get("/v1/tracks")).json()["items"]
    links = document.xpath("//main//table//tbody//th/a/@href")
    assert sorted(links) == sorted(f"/en/tracks/{t['slug']}" for t in api)
    # Each row's participants' count is the API's.
    for track in api:
        row = document.xpath(f"//tr[th/a/@href='/en/tracks/{track['slug']}']")[0]
        total = (await client.get(f"/v1/tracks/{track['slug']}")).json()["participants"]["total"]
        assert row.xpath("string(td[@class='num'])").strip() == str(total), track["slug"]


async def test_a_track_page_shows_its_outputs_citable_ids_and_open_calls(
    client: httpx.AsyncClient, demo: DemoReport
) -> None:
    api = (await client.get("/v1/tracks/bpf-local-content")).json()
    answer = await client.get("/fr/tracks/bpf-local-content")
    assert answer.status_code == 200, answer.text
    document = html.fromstring(answer.text)
    assert document.findtext(".//h1").startswith("BPF on Multilingual Local Content")
    cited = [o["citable_id"] for o in api["outputs"] if o["citable_id"]]
    assert cited and document.xpath("//code[@class='citable-id']/text()") == cited
    # The open call is listed with its deadline; the reader sees it without any script.
    calls = document.xpath("string(//section[@aria-labelledby='calls'])")
    assert "Share a case study of content in your language" in calls
    assert not document.xpath("//script[not(@src)]")


async def test_the_home_page_lists_the_calls_open_now(client: httpx.AsyncClient, demo: DemoReport) -> None:
    document = html.fromstring((await client.get("/en/")).text)
    text = document.xpath("string(//section[@id='tracks-calls-open'])")
    # Open now: three calls; the one that opens in five days is not yet listed.
    for title in (
        "Share a case study of content in your language",
        "Call for input: AI governance in the Global South",
        "Incidents that small networks survived",
    ):
        assert title in text
    assert "Spectrum for community networks: survey" not in text


async def test_an_unknown_track_is_the_not_found_page_in_the_readers_language(
    client: httpx.AsyncClient, demo: DemoReport
) -> None:
    assert (await client.get("/v1/tracks/no-such-track")).status_code == 404
    for language, heading in (("es", "Página no encontrada"), ("ar", None)):
        answer = await client.get(f"/{language}/tracks/no-such-track")
        assert answer.status_code == 404, language
        assert answer.headers["content-type"].startswith("text/html")
        document = html.fromstring(answer.text)
        assert document.get("lang") == language
        assert heading is None or document.findtext(".//h1") == heading


ROLES = {
    "The IGF Secretariat",
    "The people who proposed it",
    "The track's facilitators",
    "The IGF Secretariat or IGF Hub's yearly check of the rules",
}


async def test_a_track_page_shows_its_public_history_in_role_terms(
    client: httpx.AsyncClient, demo: DemoReport
) -> None:
    """Every step the API's history lists, with when, who (a role, never a person) and what (issue 17)."""
    seen_steps = set()
    for track in (await client.get("/v1/tracks")).json()["items"]:
        api = (await client.get(f"/v1/tracks/{track['slug']}")).json()
        document = html.fromstring((await client.get(f"/en/tracks/{track['slug']}")).text)
        rows = [
            [cell.text_content().strip() for cell in row.xpath("td")]
            for row in document.xpath("//section[@class='track-history']//tbody/tr")
        ]
        assert len(rows) == len(api["history"]) > 0, track["slug"]
        for (when, who, what), entry in zip(rows, api["history"], strict=True):
            assert when == date_text(datetime.fromisoformat(entry["occurred_at"]), "en"), track["slug"]
            assert who in ROLES, (track["slug"], who)
            assert what and what != "Other change", (track["slug"], entry)
            seen_steps.add(what.split(":")[0])
        people = {p["display_name"] for p in api.get("facilitators", [])}
        history = document.xpath("string(//section[@class='track-history'])")
        assert not any(name and name in history for name in people)  # roles, never people
    assert {"Added from the IGF's records of intersessional work", "An output was published"} & seen_steps
    arabic = html.fromstring((await client.get("/ar/tracks/bpf-local-content")).text)
    assert arabic.xpath("string(//section[@class='track-history']/h2)") == "السجل"
