"""The search page over HTTP (web/search.py): results in the reader's language first with their matches marked,
the kinds as filters, pages, an empty result said in words, and a 400 page with a sentence for every refusal."""

from __future__ import annotations

import httpx
import pytest
from lxml import html

from igf_hub.demo.loader import DemoReport
from igf_hub.web import search as search_page


def hits(document: html.HtmlElement) -> list[tuple[str, str]]:
    return [(a.text_content(), a.get("href")) for a in document.xpath("//ol[@class='search-results']//h3/a")]


async def test_a_spanish_reader_finds_an_nri_by_another_form_of_a_word(
    client: httpx.AsyncClient, demo: DemoReport
) -> None:
    answer = await client.get("/es/search", params={"q": "provincia"})
    assert answer.status_code == 200
    document = html.fromstring(answer.text)
    found = hits(document)
    assert found and found[0][0] == "Foro Argentino de Gobernanza de Internet"
    assert found[0][1].startswith("/es/nris/")
    excerpt = document.xpath("//ol[@class='search-results']/li[1]/p[@lang='es']")[0]
    assert [m.text for m in excerpt.xpath(".//mark")] == ["provincias"]
    # The page it links to is the NRI's profile.
    assert (await client.get(found[0][1])).status_code == 200


async def test_the_readers_language_comes_first_then_the_others(
    client: httpx.AsyncClient, demo: DemoReport
) -> None:
    document = html.fromstring((await client.get("/fr/search", params={"q": "internet"})).text)
    items = document.xpath("//ol[@class='search-results']/li")
    languages = [li.xpath(".//h3/a")[0].get("lang") for li in items]
    assert "fr" in languages and languages[0] == "fr"
    assert languages.index("en") > max(i for i, code in enumerate(languages) if code == "fr")
    # A text in another language says which.
    other = items[languages.index("en")]
    assert other.xpath(".//p[@class='meta']")[0].text_content().split()[-3:] == ["Texte", "en", "English"]
    assert other.xpath(".//p[@class='meta']/span[@lang='en']")[0].text == "English"


async def test_kinds_filter_the_results_and_count_them(client: httpx.AsyncClient, demo: DemoReport) -> None:
    document = html.fromstring((await client.get("/en/search", params={"q": "internet"})).text)
    kinds = {
        a.text_content().rsplit(" (", 1)[0]: a.get("href")
        for a in document.xpath("//ul[@class='search-kinds']//a")
    }
    assert set(kinds) == {
        "Everything",
        "National and regional initiatives",
        "Intersessional work",
        "Intersessional outputs",
        "IGF Messages",
    }
    only = html.fromstring((await client.get(kinds["National and regional initiatives"])).text)
    assert {
        li.xpath(".//span[@class='tag']")[0].text for li in only.xpath("//ol[@class='search-results']/li")
    } == {"Initiative"}


async def test_next_and_previous_pages(
    client: httpx.AsyncClient, demo: DemoReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_page, "PAGE_SIZE", 5)
    first = html.fromstring((await client.get("/en/search", params={"q": "internet"})).text)
    assert len(hits(first)) == 5
    next_url = first.xpath("//a[@rel='next']")[0].get("href")
    second = html.fromstring((await client.get(next_url)).text)
    assert second.xpath("//ol[@class='search-results']")[0].get("start") == "6"
    assert not set(hits(first)) & set(hits(second))
    assert second.xpath("//a[@rel='prev']")


async def test_nothing_found_is_said_and_nothing_private_is_found(
    client: httpx.AsyncClient, demo: DemoReport
) -> None:
    answer = await client.get("/en/search", params={"q": "Nepal"})  # an NRI under review
    assert answer.status_code == 200
    assert not hits(html.fromstring(answer.text))
    assert "Nothing matches this search." in answer.text


async def test_an_empty_search_is_the_form(client: httpx.AsyncClient) -> None:
    answer = await client.get("/en/search")
    assert answer.status_code == 200
    assert "Write one or more words above to search." in answer.text


@pytest.mark.parametrize(
    ("params", "field", "sentence"),
    [
        ({"q": "x" * 201}, "q", "Search for at most 200 characters."),
        ({"q": "forum", "kind": "people"}, "kind", "Choose what to search from the list."),
        ({"q": "forum", "page": "0"}, "page", "Ask for a page from 1 to 50."),
        ({"q": "forum", "page": "51"}, "page", "Ask for a page from 1 to 50."),
        ({"q": "forum", "page": "two"}, "page", "Ask for a page from 1 to 50."),
        ({"q": "forum", "page": "٣"}, "page", "Ask for a page from 1 to 50."),
    ],
)
async def test_each_refusal_is_a_400_page_with_a_sentence(
    client: httpx.AsyncClient, params: dict[str, str], field: str, sentence: str
) -> None:
    answer = await client.get("/en/search", params=params)
    assert answer.status_code == 400
    document = html.fromstring(answer.text)
    summary = document.xpath("//div[@class='error-summary']//a")
    assert [(a.get("href"), a.text_content()) for a in summary] == [(f"#field-{field}", sentence)]
    assert document.xpath(f"//*[@id='field-{field}']")
    assert "Correct the search above to see the results." in answer.text


async def test_query_syntax_never_fails(client: httpx.AsyncClient, demo: DemoReport) -> None:
    """Whatever a reader types is words to websearch_to_tsquery, never an error."""
    for q in [
        '"unclosed',
        "or or or",
        "-",
        "!!! & | :*",
        "a:* <-> b",
        "数 字 的",
        "'; DROP TABLE nris; --",
        "ñ",
    ]:
        answer = await client.get("/zh/search", params={"q": q})
        assert answer.status_code == 200, q


async def test_the_nri_directory_search_finds_other_forms_of_a_word(
    client: httpx.AsyncClient, demo: DemoReport
) -> None:
    """``foros`` is not written in any NRI; the site search's Spanish stemming finds the two Foros, in the
    directory page, the API and its CSV alike."""
    document = html.fromstring((await client.get("/es/nris", params={"q": "foros"})).text)
    listed = [a.text_content() for a in document.xpath("//table//tbody//th/a")]
    assert {"Foro Argentino de Gobernanza de Internet", "Foro Boliviano de Internet"} <= set(listed)
    assert "Kenya Open Internet Dialogue" not in listed
    api = (await client.get("/v1/nris", params={"q": "foros"})).json()
    assert [item["name"] for item in api["items"]] == listed
    # Words as written still find an NRI the site search does not hold (one the public cannot see).
    assert (await client.get("/v1/nris", params={"q": "Nepal"})).json()["items"] == []
