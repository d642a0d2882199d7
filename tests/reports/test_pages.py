"""The yearly report's pages over HTTP (no browser): the Secretariat drafts, writes, translates and publishes
through the same service as the API, refusals come back as sentences in the form, and readers see a published
report only."""

from __future__ import annotations

import httpx
from lxml import html

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from tests.support.auth import TokenFactory


def _text(answer: httpx.Response) -> str:
    return " ".join(html.fromstring(answer.text).text_content().split())


async def test_the_secretariat_drafts_writes_translates_and_publishes_in_the_pages(
    client: httpx.AsyncClient, tokens: TokenFactory, clock: Clock
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    who = secretariat.headers
    year = clock.now().year
    assert (await client.get("/en/secretariat/reports", headers=who)).status_code == 200
    member = await tokens.user(Role.mag_member)
    assert (await client.get("/en/secretariat/reports", headers=member.headers)).status_code == 403

    bad = await client.post("/en/secretariat/reports/draft", data={"year": "19"}, headers=who)
    assert bad.status_code == 422 and "Give a year between 2006 and 2100." in _text(bad)
    drafted = await client.post("/en/secretariat/reports/draft", data={"year": str(year)}, headers=who)
    assert drafted.status_code == 303, drafted.text
    path = f"/en/secretariat/reports/{year}"
    assert drafted.headers["location"] == f"{path}?done=drafted"
    page = await client.get(path, headers=who)
    assert page.status_code == 200
    document = html.fromstring(page.text)
    ids = document.xpath("//input[@name='section_id']/@value")
    assert ids[0] == "introduction" and "funding" in ids

    # Nobody but the Secretariat sees a draft.
    assert (await client.get(f"/en/reports/{year}")).status_code == 404

    form = {"language": "en", "section_id": ids, "section_title": [i.title() for i in ids]}
    form["section_markdown"] = [f"**{i}** of {year}." for i in ids]
    saved = await client.post(f"{path}/versions", data=form, headers=who)
    assert saved.status_code == 303, saved.text
    # A translation with a section the English text does not have is refused, with what was written kept.
    wrong = {
        **form,
        "language": "ar",
        "section_id": [*ids[:-1], "other"],
        "section_markdown": ["نص"] * len(ids),
    }
    refused = await client.post(f"{path}/versions", data=wrong, headers=who)
    assert refused.status_code == 422 and "translation has the English version's sections" in _text(refused)
    assert "نص" in refused.text
    arabic = {
        **form,
        "language": "ar",
        "section_markdown": ["تقرير المنتدى."] * len(ids),
        "machine_translation": "on",
    }
    assert (await client.post(f"{path}/versions", data=arabic, headers=who)).status_code == 303
    preview = await client.get(f"/ar/reports/{year}", headers=who)
    assert preview.status_code == 200 and 'dir="rtl"' in preview.text and "تقرير المنتدى." in preview.text
    assert "font-src 'self'" in preview.headers["content-security-policy"]
    diff = await client.get(path, params={"from_version": 1, "to_version": 2, "language": "en"}, headers=who)
    assert "+**introduction** of" in _text(diff)

    published = await client.post(f"{path}/publish", headers=who)
    assert published.status_code == 303 and published.headers["location"] == f"{path}?done=published"
    public = await client.get(f"/en/reports/{year}")
    assert public.status_code == 200 and "signed by the IGF" in _text(public)
    assert "introduction of" in _text(public).lower()
    again = await client.post(f"{path}/versions", data=form, headers=who)
    assert again.status_code == 404 or "published" in _text(again)


async def test_the_fonts_come_from_the_font_packages(client: httpx.AsyncClient) -> None:
    css = await client.get("/reports/fonts.css", params={"lang": "ar"})
    assert css.status_code == 200 and "Noto Sans Arabic" in css.text and "CJK" not in css.text
    assert "Noto Sans CJK SC" in (await client.get("/reports/fonts.css", params={"lang": "zh"})).text
    font = await client.get("/reports/fonts/noto-sans-arabic.ttf")
    assert font.status_code == 200 and font.headers["content-type"].startswith("font/ttf")
    assert len(font.content) > 100_000
    assert (await client.get("/reports/fonts/other.ttf")).status_code == 404
