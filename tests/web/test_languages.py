"""The language of a page: the URL's prefix, else the remembered choice, else Accept-Language, else English;
and the gettext catalogs behind it."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from lxml import html

from igf_hub.web import catalogs
from igf_hub.web.i18n import LANGUAGES, gettext, negotiate
from igf_hub.web.templating import TEMPLATES_DIR
from tests.conftest import BASE_URL


@pytest.mark.parametrize(
    ("accept", "remembered", "expected"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8", None, "fr"),
        ("de-DE, ru;q=0.5, es;q=0.7", None, "es"),
        ("zh-TW", None, "zh"),
        ("ar-EG;q=0, en;q=0.1", None, "en"),
        ("de, it", None, "en"),
        ("", None, "en"),
        (None, None, "en"),
        ("en;q=garbage, ru", None, "ru"),
        ("fr", "ar", "ar"),
        ("fr", "xx", "fr"),
    ],
)
def test_negotiation(accept: str | None, remembered: str | None, expected: str) -> None:
    assert negotiate(accept, remembered) == expected


async def test_the_bare_address_sends_the_reader_to_their_language(client: httpx.AsyncClient) -> None:
    answer = await client.get("/", headers={"Accept-Language": "es-MX, es;q=0.9, en;q=0.5"})
    assert answer.status_code == 302 and answer.headers["location"] == "/es/"
    assert "Accept-Language" in answer.headers["vary"]
    # A language chosen earlier (the cookie a prefixed page sets) wins over the browser's.
    client.cookies.set("lang", "ru")
    answer = await client.get("/", headers={"Accept-Language": "es"})
    assert answer.headers["location"] == "/ru/"


@pytest.mark.parametrize("language", list(LANGUAGES))
async def test_every_language_has_its_home_page(client: httpx.AsyncClient, language: str) -> None:
    answer = await client.get(f"/{language}/")
    assert answer.status_code == 200, answer.text
    document = html.fromstring(answer.text)
    root = document.getroottree().getroot()
    assert root.get("lang") == language
    assert root.get("dir") == ("rtl" if language == "ar" else "ltr")
    assert answer.headers["content-language"] == language
    # The choice is remembered for the next visit to the bare address.
    assert f"lang={language};" in answer.headers["set-cookie"]
    switcher = {a.get("hreflang"): a.get("href") for a in document.xpath("//nav[@class='languages']//a")}
    assert switcher == {code: f"/{code}/" for code in LANGUAGES}
    assert document.xpath("//a[@aria-current='true']/@hreflang") == [language]
    alternates = {
        link.get("hreflang"): link.get("href") for link in document.xpath("//link[@rel='alternate']")
    }
    assert alternates == {code: f"{BASE_URL}/{code}/" for code in LANGUAGES}


async def test_a_translated_page_is_translated(client: httpx.AsyncClient) -> None:
    french = html.fromstring((await client.get("/fr/")).text)
    assert french.findtext(".//title").startswith("Accueil")
    arabic = html.fromstring((await client.get("/ar/")).text)
    assert arabic.xpath("string(//a[@class='skip-link'])") == "انتقل إلى المحتوى الرئيسي"


async def test_the_prefix_is_only_a_language(client: httpx.AsyncClient) -> None:
    assert (await client.get("/fr")).status_code == 200  # no trailing slash
    assert (await client.get("/de/")).status_code == 404  # not one of the six
    assert (await client.get("/healthz")).status_code == 200  # the API is not moved
    # The query string survives a switch of language.
    document = html.fromstring((await client.get("/en/?a=1")).text)
    assert document.xpath("//a[@hreflang='zh']/@href") == ["/zh/?a=1"]


async def test_pages_carry_the_strict_web_policy(client: httpx.AsyncClient) -> None:
    answer = await client.get("/en/")
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    document = html.fromstring(answer.text)
    assert document.xpath("//script[not(@src)]") == []  # no inline script at all
    for source in document.xpath("//script/@src | //link[@rel='stylesheet']/@href"):
        assert source.startswith("/static/"), source  # nothing from another origin
        asset = await client.get(source)
        assert asset.status_code == 200 and "immutable" in asset.headers["cache-control"]


def test_every_catalog_is_complete() -> None:
    """Every marked string is translated in all six languages, keeps its placeholders, and no template has a
    string that is not marked. Run ./dev i18n to add new strings to the catalogs, then translate them."""
    assert catalogs.problems() == []


def test_every_component_is_imported_with_the_pages_context() -> None:
    """A macro imported without context sees no ``lang``, so its own words (a button, an error summary's
    title) stay English on every page: each import of a component with words or ``lang`` in it must say
    ``with context``. One without either (the CSRF field) may go without: Jinja then builds it once, not per page."""
    imports = re.compile(r"\{%-?\s*(?:from|import)\s+\"([^\"]+)\"[^%]*%\}")
    bare = [
        f"{path.relative_to(TEMPLATES_DIR)}: {tag.group(0)}"
        for path in sorted(TEMPLATES_DIR.rglob("*.html"))
        for tag in imports.finditer(path.read_text(encoding="utf-8"))
        if "with context" not in tag.group(0)
        and _speaks((TEMPLATES_DIR / tag.group(1)).read_text(encoding="utf-8"))
    ]
    assert bare == []


def _speaks(component: str) -> bool:
    """Words through gettext, or the page's language, anywhere in the component."""
    return bool(re.search(r"\b(?:_|gettext|ngettext)\(|\{%-?\s*trans\b|\blang\b", component))


def test_a_component_with_words_imported_without_context_is_found() -> None:
    """The check above can fail: a component with words or ``lang`` is caught, the bare CSRF field is not."""
    assert _speaks('<button>{{ _("Save") }}</button>')
    assert _speaks("{% trans %}Save{% endtrans %}")
    assert _speaks('<a href="/{{ lang }}/x">x</a>')
    assert not _speaks((TEMPLATES_DIR / "components/csrf.html").read_text(encoding="utf-8"))


def test_an_unmarked_string_is_found(tmp_path: Path) -> None:
    """The check above can fail: text and labels written outside gettext are reported, markup is not."""
    (tmp_path / "page.html").write_text(
        '{% extends "layout.html" %}{% block content %}<h1 class="x">{{ _("Marked") }}</h1>\n'
        '<p>Not marked</p><img alt="A picture" src="{{ src }}"><a title="{{ _(\'ok\') }}" href="/">&rarr;</a>'
        '<td{% if n %} class="num"{% endif %}>{{ n }}</td>{% endblock %}'
    )
    assert list(catalogs.unmarked_strings(tmp_path)) == [
        ("page.html", 'alt="A picture"'),
        ("page.html", "Not marked"),
    ]


async def test_the_home_page_counts_the_initiatives_by_region(
    client: httpx.AsyncClient, demo: object
) -> None:
    """A home section declared by the NRI domain (nri/pages.py) shows the API's own numbers, in words and
    numbers of the page's language."""
    stats = (await client.get("/v1/nris/stats")).json()
    document = html.fromstring((await client.get("/fr/")).text)
    (section,) = document.xpath("//section[@id='nri-regions']")
    assert section.findtext("h2") == "Initiatives nationales et régionales"
    rows = {row.xpath("string(th)"): row.xpath("string(td)") for row in section.xpath(".//tbody/tr")}
    assert rows["Groupe des États d\u2019Afrique"] == str(stats["by_regional_group"]["african"])
    assert f"{stats['total']} initiatives sont répertoriées." in section.text_content()


async def test_the_main_menu_links_each_domain_in_the_readers_language(client: httpx.AsyncClient) -> None:
    """The domains declare their menu entries (NAVIGATION in their pages.py); the layout shows them."""
    document = html.fromstring((await client.get("/fr/nris")).text)
    links = [(a.text_content(), a.get("href")) for a in document.xpath("//nav[@class='site-nav']//a")]
    assert links == [
        (gettext("fr", "IGF Messages"), "/fr/messages"),
        (gettext("fr", "National and regional initiatives"), "/fr/nris"),
        (gettext("fr", "Intersessional work"), "/fr/tracks"),
        (gettext("fr", "Funding"), "/fr/transparency"),
    ]
    assert document.xpath("//nav[@class='site-nav']//a[@aria-current='page']/@href") == ["/fr/nris"]
    home = html.fromstring((await client.get("/fr/")).text)
    assert home.xpath("//nav[@class='site-nav']//a[@aria-current]") == []
