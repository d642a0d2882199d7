"""The drafting workspace in a real browser (Chromium through Playwright), in one journey: the Secretariat
imports session reports (preview, then import), drafts a Message with classification and a cited report
(search as you type), saves a second version, adds a French translation side by side, opens the comment window
and moderates a comment; axe-core on every page, in English and Spanish, Arabic on one page. The core path
(draft and save a version) again with JavaScript off.

The helpers below are the steps as a person does them, for other journeys to reuse (issue 20's "done when"):
``sign_in_in_browser``, ``import_session_reports_in_browser``, ``draft_message_in_browser``,
``save_version_in_browser``, ``add_translation_in_browser``, ``open_comment_window``,
``hide_comment_in_browser``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from uuid import UUID

import asyncpg
import pytest
from playwright.async_api import Browser, Page

from igf_hub.auth.principal import Role
from igf_hub.auth.service import IdentityService
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.core.vocab import StakeholderGroup
from igf_hub.messages.comment_schemas import CommentCreate
from igf_hub.messages.comment_service import CommentService
from tests.support import twofactor
from tests.support.auth import TokenFactory
from tests.support.browser import assert_accessible, console_errors
from tests.support.web import Site, serve
from tests.web.conftest import PASSWORD

REPORTS_CSV = (
    "year,session_ref,session_title,session_type,organisers,key_takeaways,wsis_action_lines,sdgs\n"
    "2025,WS #71,Community networks in the Sahel,workshop,APC,Spectrum for communities works.,C2,9\n"
    "2025,WS #72,Youth and AI literacy,workshop,Youth IGF,Teach AI in schools.,C4,4\n"
)


@pytest.fixture
async def site(settings: Settings, clock: Clock, tokens: TokenFactory) -> AsyncIterator[Site]:
    async with serve(settings, clock) as served:
        yield served


# -- reusable steps -----------------------------------------------------------------------------------------


async def sign_in_in_browser(
    page: Page,
    site: Site,
    email: str,
    *,
    password: str = PASSWORD,
    secret: bytes | None = None,
    clock: Clock | None = None,
    language: str = "en",
) -> None:
    """Sign in from the sign-in page; with ``secret`` (and ``clock``), pass the TOTP second step too."""
    await page.goto(f"{site.url}/{language}/signin")
    await page.fill("#field-email", email)
    await page.fill("#field-password", password)
    await page.locator("form[action$='/signin'] button[type=submit]").click()
    await page.wait_for_load_state()
    if secret is not None:
        assert clock is not None
        await page.fill("#field-code", twofactor.code(secret, clock))
        await page.locator("form[action$='/signin/second-factor'] button[type=submit]").first.click()
        await page.wait_for_load_state()


async def import_session_reports_in_browser(
    page: Page, site: Site, csv_text: str, *, language: str = "en", check: bool = True
) -> None:
    """Paste a CSV of session reports, look at the preview (nothing written yet), then import it."""
    await page.goto(f"{site.url}/{language}/drafting/reports/import")
    if check:
        await assert_accessible(page)
    await page.fill("#field-content", csv_text)
    await page.locator("button[name=action][value=preview]").click()
    await page.wait_for_load_state()
    assert await page.locator("#preview-caption").count() == 1, await page.content()
    if check:
        await assert_accessible(page)
    await page.locator("button[name=action][value=import]").click()
    await page.wait_for_url(f"{site.url}/{language}/drafting/reports?*")
    if check:
        await assert_accessible(page)


async def draft_message_in_browser(
    page: Page,
    site: Site,
    *,
    title: str,
    theme: str,
    body: str,
    year: int = 2025,
    action_lines: Sequence[str] = (),
    sdgs: Sequence[int] = (),
    gdc_objectives: Sequence[int] = (),
    cite: str | None = None,
    language: str = "en",
    check: bool = True,
) -> UUID:
    """Start a new Message from the drafting workspace: text, classification ticked, and (``cite``) the first
    session report or output a search for ``cite`` finds, ticked as a source. Works with JavaScript off (the
    search is then a submit). Returns the new Message's id."""
    await page.goto(f"{site.url}/{language}/drafting/new")
    if check:
        await assert_accessible(page)
    await page.fill("#field-year", str(year))
    await page.fill("#field-theme", theme)
    await page.fill("#field-title", title)
    await page.fill("#field-body", body)
    for code in action_lines:
        await page.check(f"input[name=action_line][value='{code}']")
    for number in sdgs:
        await page.check(f"input[name=sdg][value='{number}']")
    for number in gdc_objectives:
        await page.check(f"input[name=gdc][value='{number}']")
    if cite:
        await page.fill("#field-q", cite)
        found = page.locator("#source-results input[name=source]").first
        if await page.evaluate("() => typeof window.htmx === 'undefined'"):
            await page.locator("button[name=action][value=search]").click()
            await page.wait_for_load_state()
        await found.wait_for()  # with htmx: the results come as the person types
        if check:
            await assert_accessible(page)
        await found.check()
    await page.locator("button[name=action][value=save]").click()
    await page.wait_for_url(f"{site.url}/{language}/drafting/*?saved=*")
    if check:
        await assert_accessible(page)
    return UUID(page.url.split("/drafting/")[1].split("?")[0])


async def save_version_in_browser(
    page: Page, site: Site, message_id: UUID, body: str, *, language: str = "en", check: bool = True
) -> None:
    """Edit the text in the editor, look at the preview, and save it as a new version."""
    await page.goto(f"{site.url}/{language}/drafting/{message_id}")
    await page.fill("#field-body", body)
    await page.locator("button[name=action][value=preview]").click()
    await page.wait_for_load_state()
    if check:
        await assert_accessible(page)
    await page.locator("button[name=action][value=save]").click()
    await page.wait_for_url(f"{site.url}/{language}/drafting/{message_id}?saved=*")


async def add_translation_in_browser(
    page: Page,
    site: Site,
    message_id: UUID,
    target: str,
    title: str,
    paragraphs: Sequence[str],
    *,
    confirmed: bool = False,
    language: str = "en",
    check: bool = True,
) -> None:
    """Translate the current text into ``target`` side by side, paragraph for paragraph; ``confirmed``: a
    person checked it (else it is marked as machine translation)."""
    await page.goto(f"{site.url}/{language}/drafting/{message_id}/translation")
    if check:
        await assert_accessible(page)
    await page.goto(f"{site.url}/{language}/drafting/{message_id}/translation?language={target}")
    if check:
        await assert_accessible(page)
    await page.fill("#field-title", title)
    boxes = page.locator("textarea[name^='p-']")
    assert await boxes.count() == len(paragraphs)
    for i, text in enumerate(paragraphs):
        await boxes.nth(i).fill(text)
    if confirmed:
        await page.check("#field-confirmed")
    await page.locator("form[action$='/translation'] button[type=submit]").click()
    await page.wait_for_url(f"{site.url}/{language}/drafting/{message_id}/translation?*saved=*")


async def open_comment_window(
    page: Page, site: Site, message_id: UUID, *, days: int = 21, language: str = "en", check: bool = True
) -> None:
    """Open the public comment window from the editor (the Secretariat), for ``days`` days."""
    await page.goto(f"{site.url}/{language}/drafting/{message_id}")
    await page.fill("#field-days", str(days))
    await page.locator("form[action$='/open-comment'] button[type=submit]").click()
    await page.wait_for_url(f"{site.url}/{language}/drafting/{message_id}?saved=*")
    if check:
        await assert_accessible(page)


async def hide_comment_in_browser(
    page: Page,
    site: Site,
    message_id: UUID,
    comment_text: str,
    reason: str,
    *,
    language: str = "en",
    check: bool = True,
) -> None:
    """From the moderation page, hide the comment that says ``comment_text`` with a public ``reason``."""
    await page.goto(f"{site.url}/{language}/drafting/{message_id}/comments")
    if check:
        await assert_accessible(page)
    item = page.locator("li.comment").filter(has_text=comment_text)
    await item.locator("input[name=reason]").fill(reason)
    await item.locator("button[type=submit]").click()
    await page.wait_for_url(f"{site.url}/{language}/drafting/{message_id}/comments?*")
    if check:
        await assert_accessible(page)


# -- the journey --------------------------------------------------------------------------------------------


async def test_drafting_journey_from_session_reports_to_an_open_comment_window(
    browser: Browser, site: Site, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    person = await tokens.user(Role.secretariat, password=PASSWORD)
    secret, _ = await twofactor.enrol(db, settings, clock, person.id)
    context = await browser.new_context()
    page = await context.new_page()
    errors = console_errors(page)
    await sign_in_in_browser(page, site, person.user.email, secret=secret, clock=clock)

    await page.goto(f"{site.url}/en/drafting")
    await assert_accessible(page)
    await page.goto(f"{site.url}/es/drafting/mine")
    await assert_accessible(page)
    await import_session_reports_in_browser(page, site, REPORTS_CSV)
    # Browse by theme, in Spanish and in Arabic (right to left).
    await page.goto(f"{site.url}/es/drafting/reports?sdg=9")
    assert await page.locator("tbody tr").count() == 1
    await assert_accessible(page)
    await page.goto(f"{site.url}/ar/drafting/reports")
    assert await page.get_attribute("html", "dir") == "rtl"
    await assert_accessible(page)

    body = "Connectivity is a right.\n\nCommunity networks need spectrum."
    message_id = await draft_message_in_browser(
        page,
        site,
        title="Connect the next billion",
        theme="Universal connectivity",
        body=body,
        action_lines=["C2"],
        sdgs=[9],
        gdc_objectives=[1],
        cite="Sahel",
    )
    cited = await db.fetchval("SELECT provenance FROM messages WHERE id = $1", message_id)
    assert [entry["kind"] for entry in cited] == ["session_report"]
    await save_version_in_browser(page, site, message_id, body + "\n\nAnd skills, in every language.")
    await page.goto(f"{site.url}/en/messages/{message_id}/diff?from=1&to=2")
    await assert_accessible(page)

    # The editor and the translation in Spanish.
    await page.goto(f"{site.url}/es/drafting/{message_id}")
    await assert_accessible(page)
    await add_translation_in_browser(
        page,
        site,
        message_id,
        "fr",
        "Connecter le prochain milliard",
        ["La connectivité est un droit.", "Les réseaux communautaires.", "Et des compétences."],
        language="es",
    )
    assert await db.fetchval(
        "SELECT is_machine_translation FROM message_versions WHERE message_id = $1 AND language = 'fr'",
        message_id,
    )

    await open_comment_window(page, site, message_id, days=21)
    await page.goto(f"{site.url}/en/messages/{message_id}")
    assert "Connect the next billion" in await page.locator("h1").inner_text()
    await assert_accessible(page)

    # Two comments come in; the abusive one is hidden with a public reason.
    author = await tokens.user()
    async with db.acquire() as conn, conn.transaction():
        actor = await IdentityService(conn, clock, settings).user_principal(author.id)
        assert actor is not None
        service = CommentService(conn, clock, settings)
        for text in ("You are all liars.", "Name community networks explicitly."):
            data = CommentCreate(body=text, stakeholder_group=StakeholderGroup.civil_society, country="KE")
            await service.post(message_id, data, actor=actor)
    await page.goto(f"{site.url}/es/drafting/{message_id}/comments?state=undisposed")
    await assert_accessible(page)
    await hide_comment_in_browser(page, site, message_id, "You are all liars.", "Insults, not a comment.")
    await page.goto(f"{site.url}/en/messages/{message_id}")
    assert "Insults, not a comment." in await page.locator("main").inner_text()
    assert "You are all liars." not in await page.locator("main").inner_text()
    assert errors == []
    await context.close()


async def test_draft_and_save_a_version_with_javascript_off(
    browser: Browser, site: Site, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    person = await tokens.user(Role.secretariat, password=PASSWORD)
    secret, _ = await twofactor.enrol(db, settings, clock, person.id)
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await sign_in_in_browser(page, site, person.user.email, secret=secret, clock=clock)
    await import_session_reports_in_browser(page, site, REPORTS_CSV, check=False)
    body = "Connectivity is a right.\n\nCommunity networks need spectrum."
    message_id = await draft_message_in_browser(
        page, site, title="Connect", theme="Connectivity", body=body, sdgs=[9], cite="Sahel", check=False
    )
    await save_version_in_browser(page, site, message_id, body + "\n\nAnd skills.", check=False)
    assert await db.fetchval("SELECT current_version_number FROM messages WHERE id = $1", message_id) == 2
    assert (
        await db.fetchval("SELECT jsonb_array_length(provenance) FROM messages WHERE id = $1", message_id)
        == 1
    )
    await context.close()
