"""The public verification page in a real browser (Chromium, JavaScript on and off, axe-core), in the six
languages: an address of this site checks, an uploaded copy with one changed byte does not, another host is
refused with a sentence, and a kept signature of another document is named as such."""

from __future__ import annotations

import json
from pathlib import Path

import asyncpg
import httpx
from playwright.async_api import Browser

from igf_hub.core import signing
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.support.browser import assert_accessible, check_page


async def signed(db: asyncpg.Pool, settings: Settings, rid: str) -> tuple[bytes, signing.RecordSignature]:
    async with db.acquire() as conn, conn.transaction():
        made = await signing.sign_record(
            conn,
            settings,
            kind="test_record",
            record_id=rid,
            version=1,
            record={"t": "é " + rid},
            now=Clock().now(),
            actor="test",
        )
        document = await signing.signed_document(conn, "test_record", rid, 1)
    assert document is not None
    return document, made


async def test_the_verify_page_meets_the_bar(browser: Browser, live_url: str) -> None:
    await check_page(browser, live_url, "/verify")


async def test_a_document_is_verified_by_address_and_by_upload_without_javascript(
    browser: Browser, live_url: str, db: asyncpg.Pool, settings: Settings, tmp_path: Path
) -> None:
    document, made = await signed(db, settings, "one")
    _, other = await signed(db, settings, "two")
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()

    await page.goto(f"{live_url}/fr/verify")
    await page.fill("#field-url", made.document)
    await page.click("text=Vérifier cette adresse")
    assert await page.locator("#result-title").inner_text() == "Vérifié"
    assert "C'est exactement ce que l'IGF a publié." in await page.inner_text("main")
    assert made.kid in await page.inner_text("main")

    await page.goto(f"{live_url}/en/verify")
    changed = tmp_path / "changed.json"
    changed.write_bytes(document.replace("é one".encode(), "é onf".encode()))  # one byte, in the record
    await page.set_input_files("#field-document", str(changed))
    await page.click("text=Check this file")
    assert await page.locator("#result-title").inner_text() == "Not verified"
    assert "at least one byte differs" in await page.inner_text("main")

    kept = tmp_path / "kept.json"
    kept.write_text(json.dumps(json.loads(document), indent=1))
    jws = tmp_path / "two.jws"
    jws.write_text(other.jws)
    await page.set_input_files("#field-document", str(kept))
    await page.set_input_files("#field-signature", str(jws))
    await page.click("text=Check this file")
    assert "belongs to another document" in await page.inner_text("main")

    await page.set_input_files("#field-document", str(kept))
    await page.click("text=Check this file")
    assert await page.locator("#result-title").inner_text() == "Verified"
    await context.close()

    # With JavaScript on, the answer pages are as accessible as the form (here in Arabic, right to left).
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{live_url}/ar/verify?url=https://elsewhere.example.org/x.json")
    assert await page.get_attribute("html", "dir") == "rtl"
    assert "elsewhere" not in await page.inner_text(".error-summary")
    await assert_accessible(page)
    await page.goto(f"{live_url}/ar/verify?url={made.document}")
    assert await page.locator("#result-title").inner_text() == "تم التحقق"
    await assert_accessible(page)
    await context.close()


async def test_the_page_answers_bad_input_with_sentences(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    other_host = await client.get("/en/verify", params={"url": "https://elsewhere.example.org/x"})
    assert other_host.status_code == 422
    assert (
        "Enter an address of 127.0.0.1:8000, or download the document and upload it below." in other_host.text
    )
    nothing = await client.get("/en/verify", params={"url": "/v1/signatures/message/nope/1/document"})
    assert (
        nothing.status_code == 422
        and "Nothing signed by the IGF is published at this address." in nothing.text
    )
    too_long = await client.get("/en/verify", params={"url": "x" * 3000})
    assert too_long.status_code == 400
