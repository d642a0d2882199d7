"""The Messages' web pages over HTTP, on the demonstration data: the archive, the reading view, versions and
their differences, the home page's sections, and what the public is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from uuid import UUID

import asyncpg
import httpx
import pytest
from lxml import html

from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.demo.loader import DemoReport
from tests.support.auth import TokenFactory
from tests.support.web import Site, serve
from tests.web.conftest import PASSWORD


async def ids_by_title(db: asyncpg.Pool) -> dict[str, UUID]:
    rows = await db.fetch(
        "SELECT m.id, v.title FROM messages m JOIN message_versions v "
        "ON v.message_id = m.id AND v.language = m.source_language AND v.number = m.current_version_number"
    )
    return {r["title"]: r["id"] for r in rows}


def page(answer: httpx.Response) -> html.HtmlElement:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    return html.fromstring(answer.text)


def texts(document: html.HtmlElement, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in document.xpath(xpath)]


async def test_the_archive_lists_what_the_public_may_read(
    client: httpx.AsyncClient, demo: DemoReport
) -> None:
    document = page(await client.get("/en/messages"))
    titles = texts(document, "//ul[@class='message-list']//h2")
    assert "Affordable devices for meaningful access" in titles
    assert "Governing AI with everyone at the table" not in titles  # a draft is not public
    assert "Open for comment" in texts(document, "//ul[@class='message-list']//strong")
    # The filters are a form that works without JavaScript: the year keeps its choice.
    years = document.xpath("//select[@name='year']/option/@value")
    archived = min(int(y) for y in years if y)
    filtered = page(await client.get(f"/fr/messages?year={archived}"))
    assert filtered.xpath("//select[@name='year']/option[@selected]/@value") == [str(archived)]
    assert "Connectivity that reaches the last village" in texts(filtered, "//ul[@class='message-list']//h2")
    assert "Affordable devices for meaningful access" not in texts(
        filtered, "//ul[@class='message-list']//h2"
    )
    none = page(await client.get("/en/messages?state=withdrawn&theme=Data%20governance"))
    assert texts(none, "//p[@class='empty']") == ["No Message matches these filters."]


async def test_a_message_reads_in_the_readers_language(
    client: httpx.AsyncClient, db: asyncpg.Pool, demo: DemoReport
) -> None:
    ids = await ids_by_title(db)
    mid = ids["Affordable devices for meaningful access"]
    french = page(await client.get(f"/fr/messages/{mid}"))
    assert texts(french, "//h1") == ["Des appareils abordables pour un accès significatif"]
    assert french.xpath("//article/@lang") == ["fr"]
    notes = texts(french, "//p[contains(@class, 'notice')]")
    assert any("traduction" in n and "anglais" in n for n in notes), (
        notes
    )  # a translation, English is the original
    assert french.xpath("//section[@class='paragraph']/@id") == ["p1", "p2", "p3"]
    assert french.xpath("//a[@class='pid']/@href") == ["#p1", "#p2", "#p3"]
    # Arabic reads right to left, the text as well as the page.
    arabic = page(await client.get(f"/ar/messages/{mid}"))
    assert arabic.xpath("//article/@dir") == ["rtl"] and arabic.getroottree().getroot().get("dir") == "rtl"
    # Russian has no text: the authoritative English one is shown, and the page says so.
    russian = page(await client.get(f"/ru/messages/{mid}"))
    assert texts(russian, "//h1") == ["Affordable devices for meaningful access"]
    assert russian.xpath("//article/@lang") == ["en"]
    # Comments sit under their paragraph, with the drafters' response once given.
    english = page(await client.get(f"/en/messages/{mid}"))
    assert english.xpath("//section[@class='paragraph']//li[@class='comment']")
    assert texts(english, "//p[@class='disposition']"), "a disposition is shown next to its comment"
    classification = texts(english, "//dl[@class='classification']/dd")
    assert "C2: Information and communication infrastructure" in classification
    assert "9: Industry, Innovation and Infrastructure" in classification
    history = texts(english, "//section[@aria-labelledby='history']//tbody/tr")
    assert any("Status changed to: Open for comment" in row for row in history), history
    assert not any("demo" in row or "user:" in row for row in history)  # roles, never people


async def test_a_machine_translation_says_so(
    client: httpx.AsyncClient, db: asyncpg.Pool, demo: DemoReport
) -> None:
    ids = await ids_by_title(db)
    mid = ids["Contenidos locales en lenguas indígenas"]
    chinese = page(await client.get(f"/en/messages/{mid}?text=zh"))
    assert chinese.xpath("//article/@lang") == ["zh"]
    notes = texts(chinese, "//p[contains(@class, 'notice')]")
    assert "This text is a machine translation. Only the Spanish text is authoritative." in notes


async def test_versions_and_what_changed(
    client: httpx.AsyncClient, db: asyncpg.Pool, demo: DemoReport
) -> None:
    ids = await ids_by_title(db)
    mid = ids["Trusted data flows for development"]
    versions = page(await client.get(f"/es/messages/{mid}/versions"))
    links = versions.xpath("//table//a/@href")
    assert links, "a revised Message links to its changes"
    changes = page(await client.get(links[0]))
    assert changes.xpath("//ol[@class='diff']//ins") or changes.xpath("//ol[@class='diff']//del")


async def test_the_home_page_shows_open_and_approved_messages(
    client: httpx.AsyncClient, demo: DemoReport
) -> None:
    document = page(await client.get("/en/"))
    open_now = texts(document, "//section[@id='messages-open']//li")
    assert any("Affordable devices" in item and "Comments close on" in item for item in open_now), open_now
    latest = texts(document, "//section[@id='messages-latest']//h3")
    assert "Keeping the Internet whole" in latest  # approved by the MAG
    assert "Security is a shared responsibility, and a shared capability" in latest  # published


async def test_a_draft_is_not_shown_to_the_public(
    client: httpx.AsyncClient, db: asyncpg.Pool, demo: DemoReport
) -> None:
    ids = await ids_by_title(db)
    draft = ids["Governing AI with everyone at the table"]
    unknown = "00000000-0000-4000-8000-000000000000"
    for path in (f"{draft}", f"{draft}/versions", f"{draft}/diff?from=1&to=1", unknown):
        answer = await client.get(f"/fr/messages/{path}")
        assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
        assert "Page introuvable" in answer.text and "Governing AI" not in answer.text


@pytest.fixture
async def site(settings: Settings, clock: Clock, tokens: TokenFactory) -> AsyncIterator[Site]:
    async with serve(settings, clock) as served:
        yield served


async def test_a_signed_in_person_comments_on_a_paragraph(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, demo: DemoReport, clock: Clock
) -> None:
    mid = (await ids_by_title(db))["Affordable devices for meaningful access"]
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser:
        # Signed out, the reading view offers to sign in first, and signing in comes back to the form.
        reading = html.fromstring((await browser.get(f"/fr/messages/{mid}")).text)
        link = reading.xpath("//section[@id='p2']//p[@class='comment-link']/a/@href")
        assert link == [f"/signin?next=%2Ffr%2Fmessages%2F{mid}%2Fcomment%3Fparagraph%3Dp2"]
        assert (await browser.get(f"/fr/messages/{mid}/comment")).status_code == 303
        signed_in = await browser.sign_in(
            person.user.email, PASSWORD, next_path=f"/fr/messages/{mid}/comment?paragraph=p2"
        )
        assert signed_in.headers["location"] == f"/fr/messages/{mid}/comment?paragraph=p2"
        form = html.fromstring((await browser.get(signed_in.headers["location"])).text)
        assert form.xpath("//select[@name='paragraph']/option[@selected]/@value") == ["p2"]
        token = form.xpath("//input[@name='csrf_token']/@value")[0]

        # Problems come back in plain words, summarised and at each field, the input kept.
        wrong = await browser.post(
            f"/fr/messages/{mid}/comment",
            {
                "csrf_token": token,
                "paragraph": "p2",
                "body": "",
                "stakeholder_group": "civil_society",
                "country": "XX",
                "display_name": "Ana",
                "language": "fr",
            },
        )
        assert wrong.status_code == 422
        page = html.fromstring(wrong.text)
        assert texts(page, "//div[@class='error-summary']//a") == [
            "Écrivez votre commentaire.",
            "Choisissez votre pays ou territoire.",
        ]
        assert page.xpath("//div[@class='error-summary']//a/@href") == ["#field-body", "#field-country"]
        assert page.xpath("//input[@name='display_name']/@value") == ["Ana"]
        assert page.xpath("//select[@name='stakeholder_group']/option[@selected]/@value") == ["civil_society"]

        sent = await browser.post(
            f"/fr/messages/{mid}/comment",
            {
                "csrf_token": token,
                "paragraph": "p2",
                "body": "Les droits de douane comptent aussi.",
                "stakeholder_group": "civil_society",
                "country": "sn",
                "display_name": "Ana",
                "language": "fr",
            },
        )
        assert sent.status_code == 303
        location = sent.headers["location"]
        assert location.startswith(f"/fr/messages/{mid}?commented=1#comment-")
        shown = html.fromstring((await browser.get(location)).text)
        comment = shown.xpath(f"//section[@id='p2']//li[@id='{location.split('#')[1]}']")
        assert comment and "Les droits de douane comptent aussi." in comment[0].text_content()
        assert "Sénégal" in comment[0].text_content() and "Société civile" in comment[0].text_content()

        # The API lists it as the same comment.
        listed = (await browser.get(f"/v1/messages/{mid}/comments?paragraph_id=p2")).json()["items"]
        assert "Les droits de douane comptent aussi." in [c["body"] for c in listed]

        # After the deadline the form says so, and a comment sent anyway is refused in plain words.
        clock.advance(timedelta(days=15))
        await browser.sign_in(person.user.email, PASSWORD)  # the session ended while idle (two hours)
        token = await browser.token("/signin")
        closed = await browser.get(f"/en/messages/{mid}/comment")
        assert "This Message is not open for comment. Comments closed on" in closed.text
        assert 'name="body"' not in closed.text
        late = await browser.post(
            f"/en/messages/{mid}/comment",
            {
                "csrf_token": token,
                "paragraph": "p1",
                "body": "Too late, I know.",
                "stakeholder_group": "academia",
                "country": "FR",
                "display_name": "",
                "language": "en",
            },
        )
        assert late.status_code == 409
        assert "This Message is not open for comment. Comments closed on" in late.text
        assert "Too late, I know." not in (await browser.get(f"/en/messages/{mid}")).text
