"""The drafting workspace over HTTP (no browser): session report import with its preview, browsing by theme,
the draft editor (preview, classification, provenance, versions, stale forms), translations side by side and
opening the comment window, each refusal shown in the form with the input kept and nothing half-written."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import msgspec
import pytest
from lxml import html

from igf_hub.auth.principal import Role
from igf_hub.auth.service import IdentityService
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.messages.comment_schemas import CommentCreate
from igf_hub.messages.comment_service import CommentService
from igf_hub.messages.report_schemas import SessionReportCreate
from igf_hub.messages.report_service import SessionReportService
from tests.messages.support import REPORT
from tests.support import twofactor
from tests.support.audit import chain_audit
from tests.support.auth import Caller, TokenFactory
from tests.support.web import Site, WebClient, serve
from tests.web.conftest import PASSWORD

CSV = (
    "year,session_ref,session_title,session_type,organisers,key_takeaways,sdgs\n"
    "2025,WS #7,Community networks in the Sahel,workshop,APC,Spectrum for communities works.,9\n"
    "2025,WS #8,Youth and AI literacy,workshop,Youth IGF,Teach AI in schools.,4\n"
)


@pytest.fixture
async def site(settings: Settings, clock: Clock, tokens: TokenFactory) -> AsyncIterator[Site]:
    async with serve(settings, clock) as served:
        yield served


async def secretariat_browser(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> tuple[WebClient, Caller]:
    person = await tokens.user(Role.secretariat, password=PASSWORD)
    secret, _ = await twofactor.enrol(db, settings, clock, person.id)
    browser = site.browser()
    answer = await twofactor.sign_in(browser, person.user.email, PASSWORD, secret, clock)
    assert answer.status_code == 303, answer.text
    return browser, person


def doc(answer: httpx.Response, status: int = 200) -> html.HtmlElement:
    assert answer.status_code == status, answer.text[:2000]
    return html.fromstring(answer.text)


def texts(document: html.HtmlElement, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in document.xpath(xpath)]


def token_of(document: html.HtmlElement) -> str:
    value: str = document.xpath("//input[@name='csrf_token']/@value")[0]
    return value


async def count(db: asyncpg.Pool, table: str) -> int:
    found: int = await db.fetchval(f"SELECT count(*) FROM {table}")
    return found


# -- session reports ------------------------------------------------------------------------------------


async def test_an_import_is_shown_before_anything_is_written_then_written(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    browser, _ = await secretariat_browser(site, tokens, db, settings, clock)
    async with browser:
        token = token_of(doc(await browser.get("/en/drafting/reports/import")))
        await chain_audit(db)
        before = await count(db, "session_reports"), await count(db, "audit_log")
        preview = doc(
            await browser.post(
                "/en/drafting/reports/import", {"csrf_token": token, "content": CSV, "action": "preview"}
            )
        )
        await chain_audit(db)
        assert (await count(db, "session_reports"), await count(db, "audit_log")) == before
        assert texts(preview, "//table//tbody/tr/th") == [
            "Community networks in the Sahel",
            "Youth and AI literacy",
        ]
        assert "would add 2 new reports and update 0" in preview.text_content()
        kept = preview.xpath("//input[@name='content']/@value")[0]
        done = await browser.post(
            "/en/drafting/reports/import", {"csrf_token": token, "content": kept, "action": "import"}
        )
        assert done.status_code == 303
        assert await count(db, "session_reports") == before[0] + 2
        listing = doc(await browser.get(done.headers["location"]))
        assert "Imported: 2 new, 0 updated." in listing.text_content()
        # The same file again would update both: the preview says so.
        again = doc(
            await browser.post(
                "/en/drafting/reports/import", {"csrf_token": token, "content": CSV, "action": "preview"}
            )
        )
        assert "would add 0 new reports and update 2" in again.text_content()


async def test_a_bad_import_lists_every_problem_and_writes_nothing(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    browser, _ = await secretariat_browser(site, tokens, db, settings, clock)
    async with browser:
        token = token_of(doc(await browser.get("/fr/drafting/reports/import")))
        bad = CSV.replace(
            "2025,WS #8", "1700,WS #7"
        )  # a year out of range, and the first row's reference again
        for action in ("preview", "import"):
            page = doc(
                await browser.post(
                    "/fr/drafting/reports/import", {"csrf_token": token, "content": bad, "action": action}
                ),
                422,
            )
            assert await count(db, "session_reports") == 0
            assert page.xpath("//div[@class='error-summary']//a/@href") == ["#field-content"]
            assert page.xpath("//textarea[@name='content']")[0].text.startswith("year,session_ref")  # kept
            assert len(page.xpath("//div[contains(@class,'notice-warning')]//li")) >= 1
        empty = doc(
            await browser.post("/fr/drafting/reports/import", {"csrf_token": token, "content": " "}), 422
        )
        assert texts(empty, "//div[@class='error-summary']//a") == [
            "Choisissez un fichier CSV ou JSON, ou collez son texte."
        ]


async def test_json_uploads_and_reports_browse_by_theme(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    browser, _ = await secretariat_browser(site, tokens, db, settings, clock)
    body = json.dumps(
        {
            "reports": [
                REPORT,
                {
                    **REPORT,
                    "session_ref": "WS #102",
                    "session_title": "Open data",
                    "classification": {"sdgs": [16]},
                },
            ]
        }
    )
    async with browser:
        token = token_of(doc(await browser.get("/en/drafting/reports/import")))
        answer = await browser.http.post(
            "/en/drafting/reports/import",
            data={"csrf_token": token, "action": "import"},
            files={"file": ("reports.json", body.encode(), "application/json")},
            headers=browser._headers({"Origin": site.url, "Sec-Fetch-Site": "same-origin"}),
        )
        assert answer.status_code == 303, answer.text
    # Browsing is public, like the API's list.
    async with site.browser() as reader:
        by_sdg = doc(await reader.get("/es/drafting/reports?sdg=16"))
        assert texts(by_sdg, "//tbody/tr/th") == ["Open data"]
        by_line = doc(await reader.get("/en/drafting/reports?action_line=C2"))
        assert texts(by_line, "//tbody/tr/th") == ["Community networks for the last billion"]
        assert doc(await reader.get("/en/drafting/reports?sdg=99")).xpath(
            "//tbody/tr"
        )  # an unknown goal: no filter


async def test_only_the_secretariat_imports(site: Site, tokens: TokenFactory, db: asyncpg.Pool) -> None:
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser:
        await browser.sign_in(person.user.email, PASSWORD)
        assert (await browser.get("/en/drafting/reports/import")).status_code == 403
        token = await browser.token("/en/drafting/reports")
        refused = await browser.post(
            "/en/drafting/reports/import", {"csrf_token": token, "content": CSV, "action": "import"}
        )
        assert refused.status_code == 403
        assert "text/html" in refused.headers["content-type"]
    assert await count(db, "session_reports") == 0


# -- the editor --------------------------------------------------------------------------------------------

BODY = "Connectivity is a right.\n\nCommunity networks need spectrum."


async def create(browser: WebClient, token: str, **changes: str) -> httpx.Response:
    form = {
        "csrf_token": token,
        "year": "2025",
        "language": "en",
        "theme": "Universal connectivity",
        "title": "Connect the next billion",
        "body": BODY,
        "action_line": "C2",
        "sdg": "9",
        "action": "save",
        **changes,
    }
    return await browser.post("/en/drafting/new", form)


async def test_a_message_is_drafted_with_classification_and_provenance_then_saved_as_versions(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    browser, secretariat = await secretariat_browser(site, tokens, db, settings, clock)
    async with browser:
        report = await site_report(db, settings, clock, secretariat)
        token = token_of(doc(await browser.get("/en/drafting/new")))
        # The preview shows the paragraphs with the ids they will have; nothing is written.
        preview = doc(await create(browser, token, action="preview"))
        assert texts(preview, "//section[@id='preview']//p[@class='paragraph-id']") == [
            "Paragraph p1",
            "Paragraph p2",
        ]
        assert await count(db, "messages") == 0
        # Searching for a source keeps what was typed and offers the report.
        found = doc(await create(browser, token, action="search", q="community"))
        assert found.xpath("//div[@id='source-results']//input/@value") == [f"session_report:{report}"]
        assert found.xpath("//textarea[@name='body']")[0].text == BODY
        made = await create(browser, token, source=f"session_report:{report}", gdc="1")
        assert made.status_code == 303, made.text
        mid = UUID(made.headers["location"].split("/drafting/")[1].split("?")[0])
        editor = doc(await browser.get(made.headers["location"]))
        assert "Saved as version 1." in editor.text_content()
        assert editor.xpath("//input[@name='action_line'][@checked]/@value") == ["C2"]
        assert editor.xpath("//input[@name='gdc'][@checked]/@value") == ["1"]
        assert editor.xpath("//input[@name='source'][@checked]/@value") == [f"session_report:{report}"]
        # An edit keeps the first paragraph's id; a new paragraph gets a new one; the diff page shows it.
        form = editor_form(editor)
        form["body"] = BODY.replace("right.", "right for everyone.") + "\n\nAnd skills."
        saved = await browser.post(f"/en/drafting/{mid}", {**form, "action": "save"})
        assert saved.status_code == 303, saved.text
        editor = doc(await browser.get(saved.headers["location"]))
        assert texts(editor, "//section[@id='preview']//p[@class='paragraph-id']") == [
            "Paragraph p1",
            "Paragraph p2",
            "Paragraph p3",
        ]
        diff = doc(await browser.get(f"/en/messages/{mid}/diff?from=1&to=2"))
        assert "everyone" in diff.text_content()
        # Unchanged: nothing to save, said in words.
        same = doc(await browser.post(f"/en/drafting/{mid}", {**editor_form(editor), "action": "save"}), 422)
        assert texts(same, "//div[@class='error-summary']//a") == [
            "Nothing has changed since the last saved version, so there is nothing to save."
        ]


async def test_a_stale_form_is_refused_with_the_text_kept_and_nothing_written(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    browser, _ = await secretariat_browser(site, tokens, db, settings, clock)
    async with browser:
        token = token_of(doc(await browser.get("/en/drafting/new")))
        made = await create(browser, token)
        mid = made.headers["location"].split("/drafting/")[1].split("?")[0]
        first = editor_form(doc(await browser.get(f"/en/drafting/{mid}")))
        await browser.post(f"/en/drafting/{mid}", {**first, "theme": "Connectivity", "action": "save"})
        versions = await count(db, "message_versions")
        # The old form changes the classification and the text: both are refused together.
        stale = {**first, "sdg": ["9", "4"], "body": BODY + "\n\nMy late addition.", "action": "save"}
        page = doc(await browser.post(f"/en/drafting/{mid}", stale), 422)
        assert "Someone saved a change to this Message since you opened it" in page.text_content()
        assert "My late addition." in page.xpath("//textarea[@name='body']")[0].text
        assert await count(db, "message_versions") == versions
        assert await db.fetchval("SELECT classification->'sdgs' FROM messages WHERE id = $1", UUID(mid)) == [
            9
        ]


async def test_a_refused_text_rolls_back_the_metadata_saved_with_it(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    browser, _ = await secretariat_browser(site, tokens, db, settings, clock)
    async with browser:
        token = token_of(doc(await browser.get("/en/drafting/new")))
        mid = (await create(browser, token)).headers["location"].split("/drafting/")[1].split("?")[0]
        form = editor_form(doc(await browser.get(f"/en/drafting/{mid}")))
        page = doc(
            await browser.post(
                f"/en/drafting/{mid}", {**form, "theme": "New theme", "title": "x", "action": "save"}
            ),
            422,
        )
        assert texts(page, "//div[@class='error-summary']//a") == [
            "Enter the title: between 2 and 300 characters."
        ]
        assert (
            await db.fetchval("SELECT theme FROM messages WHERE id = $1", UUID(mid))
            == "Universal connectivity"
        )
        assert page.xpath("//input[@name='theme']/@value") == ["New theme"]


async def test_create_refusals_are_sentences_at_their_fields(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    browser, _ = await secretariat_browser(site, tokens, db, settings, clock)
    async with browser:
        token = token_of(doc(await browser.get("/es/drafting/new")))
        page = doc(
            await browser.post(
                "/es/drafting/new",
                {
                    "csrf_token": token,
                    "year": "",
                    "theme": "T",
                    "title": "Ok title",
                    "body": "x",
                    "action": "save",
                },
            ),
            422,
        )
        assert page.xpath("//div[@class='error-summary']//a/@href") == ["#field-year"]
        page = doc(await create(browser, token, theme="T"), 422)
        assert page.xpath("//div[@class='error-summary']//a/@href") == ["#field-theme"]
        unknown = doc(
            await create(
                browser, token, cite_kind="session_report", cite_id="00000000-0000-4000-8000-000000000000"
            ),
            422,
        )
        assert unknown.xpath("//div[@class='error-summary']//a/@href") == ["#field-sources"]
        assert await count(db, "messages") == 0


async def test_drafting_is_for_the_secretariat_and_the_messages_drafters(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    browser, _ = await secretariat_browser(site, tokens, db, settings, clock)
    drafter = await tokens.user(password=PASSWORD)
    stranger = await tokens.user(password=PASSWORD)
    async with browser:
        token = token_of(doc(await browser.get("/en/drafting/new")))
        mid = (await create(browser, token)).headers["location"].split("/drafting/")[1].split("?")[0]
        editor = doc(await browser.get(f"/en/drafting/{mid}"))
        unknown = {
            **editor_form(editor),
            "drafters": "nobody@example.org",
            "theme": "Changed",
            "action": "save",
        }
        refused = doc(await browser.post(f"/en/drafting/{mid}", unknown), 422)
        assert texts(refused, "//div[@class='error-summary']//a") == [
            "No account has the address nobody@example.org."
        ]
        assert (
            await db.fetchval("SELECT theme FROM messages WHERE id = $1", UUID(mid))
            == "Universal connectivity"
        )
        named_form = {**editor_form(editor), "drafters": drafter.user.email, "action": "save"}
        assert (await browser.post(f"/en/drafting/{mid}", named_form)).status_code == 303
        assert (
            await db.fetchval("SELECT user_id FROM message_drafters WHERE message_id = $1", UUID(mid))
            == drafter.id
        )
    async with site.browser() as other:
        await other.sign_in(stranger.user.email, PASSWORD)
        assert (await other.get(f"/en/drafting/{mid}")).status_code == 404  # a draft is not there for them
        assert doc(await other.get("/en/drafting/mine")).xpath("//main//ul[@class='cards']") == []
        assert (await other.get("/en/drafting/new")).status_code == 403
    async with site.browser() as named:
        await named.sign_in(drafter.user.email, PASSWORD)
        mine = doc(await named.get("/en/drafting/mine"))
        assert mine.xpath("//main//ul[@class='cards']//a/@href") == [f"/en/drafting/{mid}"]
        editor = doc(await named.get(f"/en/drafting/{mid}"))
        saved = await named.post(
            f"/en/drafting/{mid}",
            {**editor_form(editor), "body": BODY + "\n\nA drafter's line.", "action": "save"},
        )
        assert saved.status_code == 303
        # Opening the comment window is the Secretariat's (the lifecycle's rule), not a drafter's.
        form = {"csrf_token": token_of(editor), "days": "21", "expected_version": "9"}
        assert (await named.post(f"/en/drafting/{mid}/open-comment", form)).status_code == 403


# -- the comment window ---------------------------------------------------------------------------------


async def test_the_comment_window_opens_for_at_least_the_services_minimum(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    browser, _ = await secretariat_browser(site, tokens, db, settings, clock)
    async with browser:
        token = token_of(doc(await browser.get("/en/drafting/new")))
        mid = (await create(browser, token)).headers["location"].split("/drafting/")[1].split("?")[0]
        editor = doc(await browser.get(f"/en/drafting/{mid}"))
        version = editor.xpath(
            "//form[contains(@action,'open-comment')]//input[@name='expected_version']/@value"
        )[0]
        short = doc(
            await browser.post(
                f"/en/drafting/{mid}/open-comment",
                {"csrf_token": token, "days": "13", "expected_version": version},
            ),
            422,
        )
        assert short.xpath("//div[@class='error-summary']//a/@href") == ["#field-days"]
        assert "14" in texts(short, "//div[@class='error-summary']//a")[0]
        assert await db.fetchval("SELECT state FROM messages WHERE id = $1", UUID(mid)) == "draft"
        opened = await browser.post(
            f"/en/drafting/{mid}/open-comment",
            {"csrf_token": token, "days": "14", "expected_version": version},
        )
        assert opened.status_code == 303, opened.text
        assert await db.fetchval("SELECT state FROM messages WHERE id = $1", UUID(mid)) == "public_comment"
        again = doc(
            await browser.post(
                f"/en/drafting/{mid}/open-comment",
                {"csrf_token": token, "days": "14", "expected_version": version},
            ),
            422,
        )
        assert "Someone saved a change" in again.text_content()
    async with site.browser() as reader:
        public = doc(await reader.get(f"/en/messages/{mid}"))
        assert "Connect the next billion" in public.text_content()


# -- helpers ---------------------------------------------------------------------------------------------


async def site_report(db: asyncpg.Pool, settings: Settings, clock: Clock, caller: Caller) -> str:
    """A session report entered through the API's service (as its organiser would)."""
    async with db.acquire() as conn, conn.transaction():
        service = SessionReportService(conn, clock, settings)
        actor = await IdentityService(conn, clock, settings).user_principal(caller.id)
        assert actor is not None
        report = await service.submit(msgspec.convert(REPORT, SessionReportCreate), actor=actor)
    return str(report.id)


def editor_form(page: html.HtmlElement) -> dict[str, Any]:
    """The editor's fields as the browser would send them (ticked boxes included)."""
    form = page.xpath("//form[@method='post'][.//textarea[@name='body']]")[0]
    values: dict[str, Any] = {}
    for element in form.xpath(".//input[@name] | .//textarea[@name] | .//select[@name]"):
        name = element.get("name")
        if element.tag == "input" and element.get("type") == "checkbox":
            if element.get("checked") is not None:
                current = values.setdefault(name, [])
                assert isinstance(current, list)
                current.append(element.get("value"))
            continue
        if element.tag == "textarea":
            values[name] = element.text or ""
        elif element.tag == "select":
            chosen = element.xpath("./option[@selected]/@value")
            values[name] = chosen[0] if chosen else ""
        else:
            values[name] = element.get("value") or ""
    return values


# -- translations ----------------------------------------------------------------------------------------


async def test_a_translation_side_by_side_is_machine_made_until_a_person_confirms_it(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    browser, _ = await secretariat_browser(site, tokens, db, settings, clock)
    async with browser:
        token = token_of(doc(await browser.get("/en/drafting/new")))
        mid = (await create(browser, token)).headers["location"].split("/drafting/")[1].split("?")[0]
        listing = doc(await browser.get(f"/en/drafting/{mid}/translation"))
        assert len(listing.xpath("//h2[2]/following-sibling::ul[1]/li")) == 5  # every UN language but English
        side = doc(await browser.get(f"/en/drafting/{mid}/translation?language=fr"))
        assert side.xpath("//textarea/@name") == ["p-p1", "p-p2"]
        assert texts(side, "//div[@class='side-by-side']/div[1]//p[not(@class)]") == [
            "Connect the next billion",
            "Connectivity is a right.",
            "Community networks need spectrum.",
        ]
        version = side.xpath("//input[@name='expected_version']/@value")[0]
        form = {"csrf_token": token, "language": "fr", "expected_version": version, "title": "Connecter"}
        # A paragraph left out: said at its field, the rest kept, nothing written.
        versions = await count(db, "message_versions")
        short = doc(
            await browser.post(f"/en/drafting/{mid}/translation", {**form, "p-p1": "La connectivité."}), 422
        )
        assert short.xpath("//div[@class='error-summary']//a/@href") == ["#field-p-p2"]
        assert short.xpath("//textarea[@name='p-p1']")[0].text == "La connectivité."
        assert await count(db, "message_versions") == versions
        full = {**form, "p-p1": "La connectivité est un droit.", "p-p2": "Les réseaux communautaires."}
        saved = await browser.post(f"/en/drafting/{mid}/translation", full)
        assert saved.status_code == 303, saved.text
        public = doc(await browser.get(f"/fr/messages/{mid}/versions"))
        assert "traduction automatique" in public.text_content()
        listing = doc(await browser.get(f"/en/drafting/{mid}/translation"))
        assert texts(listing, "//tbody/tr/td[2]") == ["No: machine translation"]
        assert len(listing.xpath("//h2[2]/following-sibling::ul[1]/li")) == 4
        # The same words, confirmed by a person: a new version without the mark.
        side = doc(await browser.get(f"/en/drafting/{mid}/translation?language=fr"))
        version = side.xpath("//input[@name='expected_version']/@value")[0]
        confirmed = await browser.post(
            f"/en/drafting/{mid}/translation", {**full, "expected_version": version, "confirmed": "yes"}
        )
        assert confirmed.status_code == 303, confirmed.text
        listing = doc(await browser.get(f"/en/drafting/{mid}/translation"))
        assert texts(listing, "//tbody/tr/td[2]") == ["Yes"]
        # A stale form: refused in words, the text kept.
        stale = doc(await browser.post(f"/en/drafting/{mid}/translation", {**full, "p-p2": "Autre."}), 422)
        assert "Someone saved a change" in stale.text_content()
        assert stale.xpath("//textarea[@name='p-p2']")[0].text == "Autre."


# -- moderation ------------------------------------------------------------------------------------------


async def post_comment(
    db: asyncpg.Pool, settings: Settings, clock: Clock, caller: Caller, message_id: str, **fields: Any
) -> str:
    """A comment through the API's service, as its author would post it."""
    async with db.acquire() as conn, conn.transaction():
        actor = await IdentityService(conn, clock, settings).user_principal(caller.id)
        assert actor is not None
        data = msgspec.convert(
            {"stakeholder_group": "civil_society", "country": "KE", **fields}, CommentCreate
        )
        posted = await CommentService(conn, clock, settings).post(UUID(message_id), data, actor=actor)
    return str(posted.id)


async def test_comments_are_moderated_by_paragraph_with_filters_and_hidden_with_a_public_reason(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    browser, _ = await secretariat_browser(site, tokens, db, settings, clock)
    async with browser:
        token = token_of(doc(await browser.get("/en/drafting/new")))
        mid = (await create(browser, token)).headers["location"].split("/drafting/")[1].split("?")[0]
        version = doc(await browser.get(f"/en/drafting/{mid}")).xpath(
            "//form[contains(@action,'open-comment')]//input[@name='expected_version']/@value"
        )[0]
        await browser.post(
            f"/en/drafting/{mid}/open-comment",
            {"csrf_token": token, "days": "21", "expected_version": version},
        )
        one, two = await tokens.user(), await tokens.user()
        abuse = await post_comment(
            db, settings, clock, one, mid, body="You are all liars.", paragraph_id="p1"
        )
        await post_comment(
            db,
            settings,
            clock,
            two,
            mid,
            body="Nommez les petits opérateurs.",
            language="fr",
            stakeholder_group="government",
        )
        page = doc(await browser.get(f"/en/drafting/{mid}/comments"))
        assert texts(page, "//section/h2") == ["Paragraph p1", "The whole Message"]
        assert (
            len(
                doc(await browser.get(f"/en/drafting/{mid}/comments?group=government")).xpath(
                    "//li[@class='comment']"
                )
            )
            == 1
        )
        assert (
            len(
                doc(await browser.get(f"/en/drafting/{mid}/comments?language=fr")).xpath(
                    "//li[@class='comment']"
                )
            )
            == 1
        )
        assert (
            len(
                doc(await browser.get(f"/en/drafting/{mid}/comments?state=hidden")).xpath(
                    "//li[@class='comment']"
                )
            )
            == 0
        )
        form = page.xpath(f"//form[contains(@action,'/comments/{abuse}/hide')]")[0]
        hide = {
            "csrf_token": token,
            "expected_version": form.xpath(".//input[@name='expected_version']/@value")[0],
            "state": "",
            "group": "",
            "language": "",
        }
        # A reason too short: said at that comment's field, nothing written.
        short = doc(
            await browser.post(f"/es/drafting/{mid}/comments/{abuse}/hide", {**hide, "reason": "no"}), 422
        )
        assert short.xpath("//div[@class='error-summary']//a/@href") == [f"#field-reason-{abuse}"]
        assert short.xpath(f"//input[@id='field-reason-{abuse}']/@value") == ["no"]
        assert await db.fetchval("SELECT hidden_at FROM message_comments WHERE id = $1", UUID(abuse)) is None
        done = await browser.post(
            f"/en/drafting/{mid}/comments/{abuse}/hide", {**hide, "reason": "Insults, not a comment."}
        )
        assert done.status_code == 303, done.text
        hidden = doc(await browser.get(f"/en/drafting/{mid}/comments?state=hidden"))
        assert texts(hidden, "//li[@class='comment']//div[@class='comment-body']") == ["You are all liars."]
        # The same form again (its version is old now): refused in words.
        again = doc(
            await browser.post(
                f"/en/drafting/{mid}/comments/{abuse}/hide", {**hide, "reason": "Again, insults."}
            ),
            422,
        )
        assert "changed since you opened the page" in again.text_content()
    async with site.browser() as reader:
        public = doc(await reader.get(f"/en/messages/{mid}"))
        assert "Hidden by the moderators: Insults, not a comment." in " ".join(public.text_content().split())
        assert "You are all liars." not in public.text_content()
        assert (await reader.get(f"/en/drafting/{mid}/comments")).status_code == 401
