"""The published yearly report in Chromium: the English and Arabic pages meet the bar (axe-core, right to left),
and the PDFs printed by the service in each language carry their text — the Arabic in logical order, the Chinese
drawn with the packaged CJK font — as text extraction reads it back (tests/reports/pdftext.py on pypdf's parse)."""

from __future__ import annotations

import io
from typing import Any

import httpx
from playwright.async_api import Browser
from pypdf import PdfReader

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from tests.reports.pdftext import logical_text
from tests.support.auth import TokenFactory
from tests.support.browser import check_page

ENGLISH = "The IGF brought its year to the CSTD."
ARABIC = "قدّم المنتدى حصيلة عامه إلى اللجنة"
CHINESE = "互联网治理论坛向委员会提交年度报告"


def _fonts(reader: PdfReader) -> list[Any]:
    """The font resources of every page."""
    found: list[Any] = []
    for page in reader.pages:
        resources: Any = page["/Resources"]
        found += list(resources.get("/Font", {}).values())
    return found


async def test_the_report_reads_in_english_and_arabic_on_the_page_and_in_the_pdf(
    browser: Browser, live_url: str, client: httpx.AsyncClient, tokens: TokenFactory, clock: Clock
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    year = clock.now().year
    drafted = await client.post(f"/v1/reports/{year}/draft", headers=secretariat.headers)
    assert drafted.status_code == 201, drafted.text
    english = drafted.json()["narrative"][0]["sections"]
    sections = [{**s, "markdown": ENGLISH if s["id"] == "introduction" else ""} for s in english]
    for language, text, machine in (("en", ENGLISH, False), ("ar", ARABIC, True), ("zh", CHINESE, True)):
        body = {
            "language": language,
            "sections": [{**s, "markdown": text if s["id"] == "introduction" else ""} for s in sections],
            **({"machine_translation": machine} if language != "en" else {}),
        }
        saved = await client.post(f"/v1/reports/{year}/versions", json=body, headers=secretariat.headers)
        assert saved.status_code == 201, saved.text
    published = await client.post(f"/v1/reports/{year}/publish", headers=secretariat.headers)
    assert published.status_code == 200, published.text

    await check_page(browser, live_url, f"/reports/{year}", languages=("en", "ar"))

    async with httpx.AsyncClient(base_url=live_url, timeout=120) as http:
        documents: dict[str, PdfReader] = {}
        extracted: dict[str, str] = {}
        for language in ("en", "ar", "zh"):
            answer = await http.get(f"/reports/{year}/report.pdf", params={"lang": language})
            assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
            documents[language] = PdfReader(io.BytesIO(answer.content))
            extracted[language] = logical_text(answer.content)
    assert ENGLISH in " ".join(extracted["en"].split())
    assert ARABIC in " ".join(extracted["ar"].split())  # logical order: as typed, not as drawn right to left
    assert "ترجمة آلية" in extracted["ar"]  # the machine translation is labelled, in Arabic
    assert CHINESE in "".join(extracted["zh"].split())
    # Chromium embeds the glyphs as Type 3 fonts (no font name survives to check); the Chinese text above is
    # drawn although Debian's chromium image has no CJK system font: only the packaged one can draw it.
    assert all(_fonts(reader) for reader in documents.values())
