"""The NRI pages over HTTP: the directory's filters and their refusals, the profile, and what is not public."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest
from lxml import html

from igf_hub.demo.loader import DemoReport
from igf_hub.nri import pages
from igf_hub.nri.repository import NriRepository


def names(document: html.HtmlElement) -> list[str]:
    return [a.text_content() for a in document.xpath("//table//tbody//th/a")]


async def test_the_directory_lists_the_public_nris_with_the_apis_filters(
    client: httpx.AsyncClient, demo: DemoReport
) -> None:
    answer = await client.get("/en/nris")
    assert answer.status_code == 200
    listed = names(html.fromstring(answer.text))
    assert len(listed) == demo.nris == 19  # the three on their way to recognition are not public
    assert "Nepal Digital Dialogue" not in listed
    # Each filter narrows the list the way the API's does.
    for query, expected in [
        (
            "type=youth",
            {
                "Juventude Conectada Brasil",
                "Central Asian Youth Internet Forum",
                "African Youth Internet Governance Caucus",
            },
        ),
        ("country=KE", {"Kenya Open Internet Dialogue", "African Youth Internet Governance Caucus"}),
        (
            "region=eastern_european&type=national",
            {"Polish Internet Governance Roundtable", "Российский диалог по управлению Интернетом"},
        ),
        ("q=Kenya", {"Kenya Open Internet Dialogue"}),
        ("status=inactive", {"Foro Boliviano de Internet"}),
    ]:
        answer = await client.get(f"/en/nris?{query}")
        api = await client.get(f"/v1/nris?{query.replace('region=', 'regional_group=')}")
        assert answer.status_code == 200, (query, answer.text)
        assert (
            set(names(html.fromstring(answer.text))) == expected == {n["name"] for n in api.json()["items"]}
        ), query
    # The form keeps what was chosen, and the CSV link carries the same filters under the API's names.
    document = html.fromstring((await client.get("/en/nris?q=Kenya&region=african&type=")).text)
    assert document.xpath("//input[@name='q']/@value") == ["Kenya"]
    assert document.xpath("//select[@name='region']/option[@selected]/@value") == ["african"]
    csv_url = document.xpath("//a[@download]/@href")[0]
    assert csv_url == "/v1/nris.csv?q=Kenya&regional_group=african"
    csv = await client.get(csv_url)
    assert csv.status_code == 200 and "Kenya Open Internet Dialogue" in csv.text


async def test_the_directory_pages_with_a_next_link(
    client: httpx.AsyncClient, demo: DemoReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "PAGE_SIZE", 10)
    seen: list[str] = []
    url: str | None = "/fr/nris?type=national"
    while url:
        document = html.fromstring((await client.get(url)).text)
        seen += names(document)
        links = document.xpath("//nav[@class='pagination']//a[@rel='next']/@href")
        url = links[0] if links else None
        assert url is None or (url.startswith("/fr/nris?") and "type=national" in url)
    assert len(seen) == len(set(seen)) == 10


async def test_bad_filter_values_give_the_form_back_with_plain_errors(
    client: httpx.AsyncClient, demo: DemoReport
) -> None:
    answer = await client.get(
        "/es/nris",
        params={"type": "planetary", "country": "XX", "year": "1999", "q": "x" * 201, "region": "mars"},
    )
    assert answer.status_code == 400 and answer.headers["content-type"].startswith("text/html")
    document = html.fromstring(answer.text)
    # The components' own words are in the reader's language too (imported with the page's context).
    assert document.findtext(".//div[@class='error-summary']/h2") == "Hay un problema"
    assert document.xpath("//form[@class='filters']//button/text()") == ["Aplicar filtros"]
    summary = document.xpath("//div[@class='error-summary']//a")
    assert [(a.get("href"), a.text_content()) for a in summary] == [
        ("#field-q", "Busque como máximo 200 caracteres."),
        ("#field-type", "Elija un tipo de la lista."),
        ("#field-region", "Elija una región de la lista."),
        ("#field-country", "Elija un país de la lista."),
        ("#field-year", "Escriba un año de 2006 a 2100, por ejemplo 2024."),
    ]
    # Each message is repeated at its field, which keeps what the reader typed.
    assert document.xpath("//input[@name='year']/@value") == ["1999"]
    assert document.xpath("//input[@name='year']/@aria-invalid") == ["true"]
    assert not names(document)
    # A status the public never sees (a draft) is not offered, and not accepted from the address either.
    answer = await client.get("/en/nris?status=draft")
    assert answer.status_code == 400
    assert "Choose a status from the list." in answer.text
    # A page link that was tampered with says so, and offers the first page.
    answer = await client.get("/en/nris?type=national&cursor=not-a-cursor")
    assert answer.status_code == 400
    document = html.fromstring(answer.text)
    assert "This page of results no longer exists." in document.xpath("string(//main)")
    assert "/en/nris?type=national" in document.xpath("//main//a/@href")


async def profile_of(client: httpx.AsyncClient, name: str, language: str = "en") -> httpx.Response:
    items = (await client.get("/v1/nris", params={"q": name})).json()["items"]
    nri_id = next(item["id"] for item in items if item["name"] == name)
    return await client.get(f"/{language}/nris/{nri_id}")


async def test_a_profile_shows_what_the_api_publishes(client: httpx.AsyncClient, demo: DemoReport) -> None:
    answer = await profile_of(client, "Kenya Open Internet Dialogue", "es")
    assert answer.status_code == 200, answer.text
    document = html.fromstring(answer.text)
    main = document.xpath("string(//main)")
    assert document.findtext(".//h1") == "Kenya Open Internet Dialogue (KOID)"
    facts = dict(
        zip(
            document.xpath("//dl/dt/text()"),
            [dd.text_content() for dd in document.xpath("//dl/dd")],
            strict=False,
        )
    )
    assert facts["Tipo"] == "Nacional"
    assert facts["Países"] == "Kenia"  # country and language names from CLDR, in the reader's language
    assert facts["Idiomas"] == "inglés, suajili"
    # The committee by stakeholder group, in the vocabulary's order; no one's gender is shown.
    assert document.xpath("//section[@aria-labelledby='committee']/h3/text()") == [
        "Gobierno",
        "Sector privado",
        "Sociedad civil",
        "Comunidad técnica",
        "Sector académico",
    ]
    assert "Peter Otieno" in main and "female" not in answer.text
    # Reports newest first, and the history in role terms, never a person.
    years = document.xpath("//section[@class='nri-reports']//tbody/tr/th/text()")
    assert years == sorted(years, reverse=True) and len(years) == 2
    history = [
        [cell.text_content().strip() for cell in row.xpath("td")]
        for row in document.xpath("//section[@class='nri-history']//tbody/tr")
    ]
    assert history[0][1:] == [
        "La Secretaría del IGF",
        "Añadida a partir de los registros del IGF de iniciativas reconocidas",
    ]
    assert [row[2] for row in history if row[2].startswith("Datos")] == [
        "Datos modificados: comité organizador"
    ]
    assert "demo:" not in answer.text and "@people.demo.example" not in answer.text


async def test_an_nri_the_public_may_not_read_is_a_not_found_page(
    client: httpx.AsyncClient, demo: DemoReport, db: asyncpg.Pool
) -> None:
    """An unknown NRI, and one on its way to recognition (only its coordinators and the Secretariat read it),
    are the same 404 page in the reader's language, as the API answers 404."""
    pending = await db.fetchval("SELECT id FROM nris WHERE name = 'Nepal Digital Dialogue'")
    assert (await client.get(f"/v1/nris/{pending}")).status_code == 404
    for path in (f"/es/nris/{pending}", f"/es/nris/{uuid4()}", "/es/nris/not-an-id"):
        answer = await client.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("text/html")
        document = html.fromstring(answer.text)
        assert document.findtext(".//h1") == "Página no encontrada", path
        assert "Nepal" not in answer.text
    # A page link to the history that was tampered with is a plain 400 page, not a failure.
    kenya = (await client.get("/v1/nris", params={"q": "Kenya", "type": "national"})).json()["items"][0]["id"]
    answer = await client.get(f"/ar/nris/{kenya}?history=forged")
    assert answer.status_code == 400 and html.fromstring(answer.text).get("dir") == "rtl"


async def test_a_profile_reads_the_nri_once(
    client: httpx.AsyncClient, demo: DemoReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The profile's reports and history take the NRI the page loaded for this reader: one read, not three."""
    items = (await client.get("/v1/nris", params={"q": "Kenya Open Internet Dialogue"})).json()["items"]
    nri_id = next(item["id"] for item in items if item["name"] == "Kenya Open Internet Dialogue")
    reads: list[UUID] = []
    read = NriRepository.get

    async def counted(self: NriRepository, wanted: UUID, **kwargs: Any) -> Any:
        reads.append(wanted)
        return await read(self, wanted, **kwargs)

    monkeypatch.setattr(NriRepository, "get", counted)
    answer = await client.get(f"/en/nris/{nri_id}")
    assert answer.status_code == 200, answer.text
    assert "Kenya Open Internet Dialogue" in answer.text
    assert [str(r) for r in reads] == [nri_id]
