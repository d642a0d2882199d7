"""The NRI pages over HTTP: the directory's filters and their refusals, the profile, and what is not public."""

from __future__ import annotations

import httpx
import pytest
from lxml import html

from igf_hub.demo.loader import DemoReport
from igf_hub.nri import pages


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
