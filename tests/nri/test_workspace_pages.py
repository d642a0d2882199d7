"""The NRI coordinator's workspace over real HTTP (issue 19): "My initiatives", registering with the IGF criteria
shown live and on submission, saving drafts, every refusal said as a sentence in the form with the input kept
and nothing written, the merge after a stale save, and what the coordinator sees after the Secretariat asks
for changes. The pages call the API's services: what the API refuses, they refuse."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import asyncpg
import httpx

from igf_hub.auth.principal import Role
from tests.nri.helpers import PRINCIPLES, act, recognised, register
from tests.support.auth import Caller, TokenFactory
from tests.support.web import Site, WebClient
from tests.web.conftest import PASSWORD, site

__all__ = ["site"]

BASE = "/en/my/initiatives"
FIELD_ERROR = re.compile(r'<p class="field-error" id="field-([a-z0-9_]+)-error">.*?</span>\s*(.*?)</p>', re.S)


def form_for(**overrides: Any) -> dict[str, Any]:
    """A registration form as a browser posts it: a national NRI with two criteria unmet (a committee of one
    stakeholder group, and no meeting report)."""
    form: dict[str, Any] = {
        "type": "national",
        "youth_scope": "",
        "name": "Forum de gouvernance de l'Internet du Sénégal",
        "acronym": "FGI-SN",
        "year_founded": "2009",
        "description": "",
        "countries": ["SN"],
        "scope_note": "",
        "languages": "fr, wo",
        "website": "https://fgi.example.sn",
        "mailing_list_url": "",
        "contact_email": "",
        "fp0_name": "Awa Ndiaye",
        "fp0_email": "awa@example.sn",
        "fp0_role": "Coordinatrice",
        "rows": "3",
        "cm0_name": "Moussa Diop",
        "cm0_stakeholder_group": "government",
        "cm0_country": "SN",
        "cm0_city": "Dakar",
        "meeting_report_url": "",
        "meeting_report_text": "",
        "principles": PRINCIPLES,
        "action": "save",
    }
    form.update(overrides)
    return form


FIXES = {
    "cm1_name": "Fatou Sarr",
    "cm1_stakeholder_group": "civil_society",
    "cm1_country": "SN",
    "cm1_city": "Thiès",
    "cm2_name": "Ibrahima Fall",
    "cm2_stakeholder_group": "technical_community",
    "cm2_country": "SN",
    "meeting_report_url": "https://fgi.example.sn/rapport-2024",
}


async def post(browser: WebClient, path: str, form: dict[str, Any], **headers: str) -> httpx.Response:
    """Post ``form`` (lists as repeated fields) with the CSRF token of the page at ``path``'s form."""
    token = await browser.token(BASE + "/new")
    pairs = [("csrf_token", token)]
    for name, value in form.items():
        pairs += [(name, v) for v in value] if isinstance(value, list) else [(name, str(value))]
    extra = {"Origin": browser.origin, "Sec-Fetch-Site": "same-origin", **headers}
    return browser._remember(
        await browser.http.post(
            path,
            content=urlencode(pairs).encode(),
            headers=browser._headers({**extra, "Content-Type": "application/x-www-form-urlencoded"}),
        )
    )


def field_errors(page: str) -> dict[str, str]:
    return {name: html.unescape(" ".join(text.split())) for name, text in FIELD_ERROR.findall(page)}


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no {name} field"
    return html.unescape(match.group(1))


async def coordinator_browser(site: Site, tokens: TokenFactory) -> tuple[WebClient, Caller]:
    person = await tokens.user(password=PASSWORD)
    browser = site.browser()
    answer = await browser.sign_in(person.user.email, PASSWORD)
    assert answer.status_code == 303, answer.text
    return browser, person


async def nri_count(db: asyncpg.Pool) -> int:
    count: int = await db.fetchval("SELECT count(*) FROM nris")
    return count


async def registered(browser: WebClient, **overrides: Any) -> UUID:
    answer = await post(browser, BASE + "/new", form_for(**overrides))
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith(BASE + "/") and location.endswith("?done=registered"), location
    return UUID(location.split("/")[-1].split("?")[0])


# -- My initiatives ---------------------------------------------------------------------------------------


async def test_the_workspace_asks_a_visitor_to_sign_in(site: Site) -> None:
    async with site.browser() as browser:
        for path in (BASE, BASE + "/new", f"{BASE}/00000000-0000-0000-0000-000000000001"):
            answer = await browser.get(path)
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/en/signin?next=")


async def test_my_initiatives_lists_each_nri_its_state_and_what_is_missing(
    site: Site, tokens: TokenFactory
) -> None:
    browser, _ = await coordinator_browser(site, tokens)
    async with browser:
        empty = await browser.get(BASE)
        assert empty.status_code == 200 and "You do not coordinate an initiative yet." in empty.text
        nri_id = await registered(browser)
        page = (await browser.get(BASE)).text
        assert f'href="{BASE}/{nri_id}"' in page
        assert "Draft" in page and "Still missing for recognition:" in page
        assert "A multistakeholder organising committee" in page
        assert "A report of the founding or most recent meeting" in page
        assert "A public website or mailing list" not in page.split("Still missing")[1]


# -- registering ------------------------------------------------------------------------------------------


async def test_a_draft_is_saved_with_the_coordinator_bound_to_it(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    browser, person = await coordinator_browser(site, tokens)
    async with browser:
        nri_id = await registered(browser)
        page = await browser.get(f"{BASE}/{nri_id}?done=registered")
        assert page.status_code == 200
        assert "The initiative is saved as a draft." in page.text
        assert 'value="Moussa Diop"' in page.text
    row = await db.fetchrow("SELECT status, name, countries FROM nris WHERE id = $1", nri_id)
    assert row["status"] == "draft" and row["countries"] == ["SN"]
    grants = await db.fetch("SELECT role, resource_id FROM role_grants WHERE user_id = $1", person.user.id)
    assert [(g["role"], g["resource_id"]) for g in grants] == [("nri_coordinator", nri_id)]


async def test_every_bad_field_is_a_sentence_at_the_field_with_the_input_kept_and_nothing_written(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    browser, _ = await coordinator_browser(site, tokens)
    async with browser:
        answer = await post(
            browser,
            BASE + "/new",
            form_for(
                name="X",
                website="not a web address",
                year_founded="nineteen",
                languages="en, !!",
                cm0_stakeholder_group="",
                cm1_name="Someone Else",
                cm1_stakeholder_group="academia",
                cm1_country="",
                fp0_name="",
                fp0_email="",
                fp0_role="",
            ),
        )
        assert answer.status_code == 422
        errors = field_errors(answer.text)
        assert errors == {
            "name": "Enter the initiative's name, from 2 to 200 characters.",
            "website": "Enter the website's full address, starting with https://, or leave it empty.",
            "year_founded": "Enter the year the initiative was founded, from 1990 to 2100, or leave it empty.",
            "languages": "Enter languages as codes separated by commas, such as en, fr, pt-BR.",
            "cm0_stakeholder_group": "Committee member 1: choose their stakeholder group.",
            "cm1_country": "Committee member 2: choose their country.",
            "fp0_name": "Name at least one focal point: the person the IGF Secretariat writes to.",
        }, errors
        assert 'class="error-summary"' in answer.text and 'href="#field-website"' in answer.text
        assert 'value="not a web address"' in answer.text and 'value="Someone Else"' in answer.text
    assert await nri_count(db) == 0


async def test_the_schemas_own_rules_are_said_at_the_field_to_fix(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    browser, _ = await coordinator_browser(site, tokens)
    async with browser:
        two = await post(browser, BASE + "/new", form_for(countries=["SN", "GM"]))
        assert two.status_code == 422
        assert field_errors(two.text) == {"countries": "A national initiative covers exactly one country."}
        one = await post(browser, BASE + "/new", form_for(type="regional"))
        assert field_errors(one.text) == {
            "countries": "A sub-regional or regional initiative covers at least two countries."
        }
        youth = await post(browser, BASE + "/new", form_for(type="youth"))
        assert "youth_scope" in field_errors(youth.text)
        assert 'name="countries"' in two.text and '<option value="GM" selected>' in two.text
    assert await nri_count(db) == 0


async def test_the_criteria_are_checked_live_as_a_fragment(site: Site, tokens: TokenFactory) -> None:
    browser, _ = await coordinator_browser(site, tokens)
    async with browser:
        partial = await post(browser, BASE + "/criteria", form_for(), **{"HX-Request": "true"})
        assert partial.status_code == 200
        assert "<html" not in partial.text and "2 criteria are not met yet." in partial.text
        assert partial.text.count("Not met") == 2
        assert "Government: 1" in partial.text and "African Group" in partial.text
        full = await post(browser, BASE + "/criteria", form_for(**FIXES), **{"HX-Request": "true"})
        assert "Every criterion is met." in full.text and "Not met" not in full.text
        unaffirmed = await post(
            browser,
            BASE + "/criteria",
            form_for(principles=PRINCIPLES[:2], **FIXES),
            **{"HX-Request": "true"},
        )
        assert "1 criterion is not met yet." in unaffirmed.text
        # Without JavaScript, the same check gives the whole form back, unsaved, with more rows on request.
        plain = await post(browser, BASE + "/criteria", form_for(action="more"))
        assert plain.status_code == 200 and "<html" in plain.text
        assert 'name="cm5_name"' in plain.text and 'name="rows" value="6"' in plain.text
        assert 'value="Moussa Diop"' in plain.text


async def test_submitting_with_unmet_criteria_keeps_the_draft_and_names_each_criterion(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    browser, _ = await coordinator_browser(site, tokens)
    async with browser:
        answer = await post(browser, BASE + "/new", form_for(action="submit"))
        assert answer.status_code == 422
        assert "the initiative was not submitted: 2 of the IGF criteria are not met yet." in answer.text
        summary = answer.text.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
        assert "A multistakeholder organising committee" in summary
        assert "A report of the founding or most recent meeting" in summary
        nri_id = UUID(hidden(answer.text, "nri_id"))
        assert await db.fetchval("SELECT status FROM nris WHERE id = $1", nri_id) == "draft"
        # Fixed and submitted from the NRI's page.
        page = await browser.get(f"{BASE}/{nri_id}")
        version = hidden(page.text, "version")
        done = await post(
            browser,
            f"{BASE}/{nri_id}",
            form_for(action="submit", version=version, rows="3", **FIXES),
        )
        assert done.status_code == 303, field_errors(done.text)
        assert done.headers["location"] == f"{BASE}/{nri_id}?done=submitted"
    assert await db.fetchval("SELECT status FROM nris WHERE id = $1", nri_id) == "submitted"


async def test_submitting_without_affirming_every_principle_is_refused_at_the_principles(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    browser, _ = await coordinator_browser(site, tokens)
    async with browser:
        answer = await post(
            browser, BASE + "/new", form_for(action="submit", principles=PRINCIPLES[:4], **FIXES)
        )
        assert answer.status_code == 422, answer.text
        assert 'href="#field-principles">The IGF principles affirmed</a>' in answer.text
    assert await db.fetchval("SELECT status FROM nris") == "draft"


# -- editing ----------------------------------------------------------------------------------------------


async def test_a_stale_save_shows_both_versions_and_merges_field_by_field(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    browser, _ = await coordinator_browser(site, tokens)
    async with browser:
        nri_id = await registered(browser)
        page = (await browser.get(f"{BASE}/{nri_id}")).text
        version, base = hidden(page, "version"), hidden(page, "base")
        # Someone else (in another tab) renames it and adds a mailing list.
        first = await post(
            browser,
            f"{BASE}/{nri_id}",
            form_for(version=version, base=base, name="FGI Sénégal", mailing_list_url="https://l.example.sn"),
        )
        assert first.status_code == 303
        # This form was read before: it renames too, and changes the website.
        stale = await post(
            browser,
            f"{BASE}/{nri_id}",
            form_for(version=version, base=base, name="Forum sénégalais", website="https://new.example.sn"),
        )
        assert stale.status_code == 409
        text = html.unescape(re.sub(r"<[^>]+>", "", stale.text))
        assert "Someone else saved this initiative while you were editing it." in text
        assert "Keep mine: Forum sénégalais" in text and "Take theirs: FGI Sénégal" in text
        assert "They changed, and their version is kept:" in text and "https://l.example.sn" in text
        assert 'value="https://new.example.sn"' in stale.text  # mine, where only I changed it
        merged_version = hidden(stale.text, "version")
        assert merged_version != version
        merged = await post(
            browser,
            f"{BASE}/{nri_id}",
            form_for(
                version=merged_version,
                base=hidden(stale.text, "base"),
                name="Forum sénégalais",
                website="https://new.example.sn",
                mailing_list_url="https://l.example.sn",
                resolve_name="theirs",
                theirs_name=hidden(stale.text, "theirs_name"),
            ),
        )
        assert merged.status_code == 303, field_errors(merged.text)
    row = await db.fetchrow("SELECT name, website, mailing_list_url FROM nris WHERE id = $1", nri_id)
    assert tuple(row) == ("FGI Sénégal", "https://new.example.sn", "https://l.example.sn")


async def test_after_changes_are_requested_the_coordinator_sees_the_reasons_and_the_diff_and_resubmits(
    site: Site, tokens: TokenFactory, client: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    browser, _ = await coordinator_browser(site, tokens)
    secretariat = await tokens.user(Role.secretariat)
    async with browser:
        answer = await post(browser, BASE + "/new", form_for(action="submit", **FIXES))
        assert answer.status_code == 303
        nri_id = answer.headers["location"].split("/")[-1].split("?")[0]
        assert (await act(client, secretariat, nri_id, "start-review")).status_code == 200
        asked = await act(
            client,
            secretariat,
            nri_id,
            "request-changes",
            {
                "reason": "The committee needs academia.",
                "changes": ["Add a member from academia"],
                "fields": {"website": "The address does not open."},
            },
        )
        assert asked.status_code == 200, asked.text
        page = (await browser.get(f"{BASE}/{nri_id}")).text
        assert "The IGF Secretariat asked for changes." in page
        assert "The committee needs academia." in page and "Add a member from academia" in page
        # Each field's reason, as the Secretariat wrote it beside the field on the review page.
        assert 'Website: <span dir="auto">The address does not open.</span>' in page
        assert "Nothing has changed since it was submitted." in page
        mine = (await browser.get(BASE)).text
        assert "The committee needs academia." in mine
        more = {"cm3_name": "Aminata Ba", "cm3_stakeholder_group": "academia", "cm3_country": "SN"}
        saved = await post(
            browser,
            f"{BASE}/{nri_id}",
            form_for(version=hidden(page, "version"), rows="6", **FIXES, **more),
        )
        assert saved.status_code == 303
        page = html.unescape((await browser.get(f"{BASE}/{nri_id}?done=saved")).text)
        since = page.split("What changed since it was submitted", 1)[1].split("</table>", 1)[0]
        assert "organising committee" in since and "Aminata Ba (Academia, Senegal)" in since
        again = await post(
            browser,
            f"{BASE}/{nri_id}",
            form_for(version=hidden(page, "version"), rows="6", action="submit", **FIXES, **more),
        )
        assert again.status_code == 303, field_errors(again.text)
    assert await db.fetchval("SELECT status FROM nris WHERE id = $1", UUID(nri_id)) == "submitted"


async def test_recognition_fields_are_locked_after_submission_and_said_so(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    browser, _ = await coordinator_browser(site, tokens)
    async with browser:
        answer = await post(browser, BASE + "/new", form_for(action="submit", **FIXES))
        nri_id = answer.headers["location"].split("/")[-1].split("?")[0]
        page = (await browser.get(f"{BASE}/{nri_id}")).text
        version = hidden(page, "version")
        refused = await post(
            browser, f"{BASE}/{nri_id}", form_for(version=version, name="Another name", **FIXES)
        )
        assert refused.status_code == 422
        assert field_errors(refused.text)["name"].startswith(
            "This cannot change while the initiative is submitted"
        )
        contact = await post(
            browser, f"{BASE}/{nri_id}", form_for(version=version, contact_email="info@fgi.sn", **FIXES)
        )
        assert contact.status_code == 303
    row = await db.fetchrow("SELECT name, contact_email FROM nris WHERE id = $1::uuid", nri_id)
    assert tuple(row) == ("Forum de gouvernance de l'Internet du Sénégal", "info@fgi.sn")


async def test_an_nri_someone_else_coordinates_is_not_theirs_to_see_or_change(
    site: Site, tokens: TokenFactory, client: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    owner = await tokens.user()
    secretariat = await tokens.user(Role.secretariat)
    draft = await register(client, owner, name="A private draft")
    public = await recognised(client, owner, secretariat, name="A recognised NRI", countries=["GH"])
    browser, _ = await coordinator_browser(site, tokens)
    async with browser:
        assert (await browser.get(f"{BASE}/{draft['id']}")).status_code == 404
        assert (await browser.get(f"{BASE}/{public['id']}")).status_code == 403
        refused = await post(browser, f"{BASE}/{public['id']}", form_for(version=str(public["version"])))
        assert refused.status_code == 403
        assert (await post(browser, f"{BASE}/{draft['id']}", form_for(version="1"))).status_code == 404
    assert await db.fetchval("SELECT name FROM nris WHERE id = $1::uuid", public["id"]) == "A recognised NRI"


# -- the annual report ------------------------------------------------------------------------------------


def report_form(**overrides: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "meeting_start": "2025-06-10",
        "meeting_end": "2025-06-11",
        "format": "hybrid",
        "host_city": "Dakar",
        "host_country": "SN",
        "participants_total": "120",
        "by_group_government": "30",
        "by_group_civil_society": "50",
        "by_gender_female": "60",
        "by_gender_male": "58",
        "topics": "Accès\nCybersécurité",
        "outcome_summary": "",
        "key_messages": "",
        "report_url": "https://fgi.example.sn/2025",
        "action": "save",
    }
    form.update(overrides)
    return form


async def recognised_in_workspace(
    site: Site, tokens: TokenFactory, client: httpx.AsyncClient
) -> tuple[WebClient, str]:
    browser, _ = await coordinator_browser(site, tokens)
    answer = await post(browser, BASE + "/new", form_for(action="submit", **FIXES))
    nri_id = answer.headers["location"].split("/")[-1].split("?")[0]
    secretariat = await tokens.user(Role.secretariat)
    for action, payload in (("start-review", {}), ("recognise", {"reason": "Meets the criteria."})):
        assert (await act(client, secretariat, nri_id, action, payload)).status_code == 200
    return browser, nri_id


async def test_a_report_is_drafted_then_published_and_each_bad_field_is_a_sentence(
    site: Site, tokens: TokenFactory, client: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    browser, nri_id = await recognised_in_workspace(site, tokens, client)
    path = f"{BASE}/{nri_id}/reports/2025"
    async with browser:
        empty = await browser.get(path)
        assert empty.status_code == 200 and "Copy last year's report as a start" in html.unescape(empty.text)
        bad = await post(
            browser,
            path,
            report_form(
                meeting_end="2025-06-01", participants_total="many", by_gender_female="-3", report_url="x"
            ),
        )
        assert bad.status_code == 422
        assert field_errors(bad.text) == {
            "participants_total": "Enter the number of participants as a whole number, or leave it empty.",
            "report_url": "Enter the report's full address, starting with https://, or leave it empty.",
        }
        assert "Enter each number of participants as a whole number, or leave it empty." in bad.text
        order = await post(browser, path, report_form(meeting_end="2025-06-01"))
        assert field_errors(order.text) == {"meeting_end": "The meeting cannot end before it starts."}
        other_year = await post(browser, path, report_form(meeting_start="2024-06-10"))
        assert field_errors(other_year.text) == {
            "meeting_start": "The meeting must start in the report's year."
        }
        assert await db.fetchval("SELECT count(*) FROM nri_reports") == 0
        saved = await post(browser, path, report_form())
        assert saved.status_code == 303 and saved.headers["location"] == f"{path}?done=saved"
        page = await browser.get(f"{path}?done=saved")
        assert "The report is saved as a draft." in page.text and 'value="Dakar"' in page.text
        published = await post(
            browser, path, report_form(action="submit", version=hidden(page.text, "version"))
        )
        assert published.status_code == 303 and published.headers["location"] == f"{path}?done=submitted"
    row = await db.fetchrow(
        "SELECT status, participants_by_gender, topics FROM nri_reports WHERE nri_id = $1::uuid", nri_id
    )
    assert row["status"] == "submitted" and row["participants_by_gender"] == {"female": 60, "male": 58}
    assert [t["title"] for t in row["topics"]] == ["Accès", "Cybersécurité"]


async def test_last_years_report_is_copied_as_a_start_with_its_days_moved_and_nothing_saved(
    site: Site, tokens: TokenFactory, client: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    browser, nri_id = await recognised_in_workspace(site, tokens, client)
    async with browser:
        none = await post(browser, f"{BASE}/{nri_id}/reports/2025", {"action": "copy"})
        assert none.status_code == 422 and "There is no report for 2024 to copy." in none.text
        filed = await post(
            browser,
            f"{BASE}/{nri_id}/reports/2024",
            report_form(meeting_start="2024-02-29", meeting_end="2024-03-01", action="submit"),
        )
        assert filed.status_code == 303
        copied = await post(browser, f"{BASE}/{nri_id}/reports/2025", {"action": "copy"})
        assert copied.status_code == 200
        assert "Last year's report is copied below" in html.unescape(copied.text)
        assert 'value="2025-02-28"' in copied.text and 'value="2025-03-01"' in copied.text
        assert 'value="Dakar"' in copied.text
    assert await db.fetchval("SELECT count(*) FROM nri_reports WHERE year = 2025") == 0


async def test_an_overdue_report_shows_its_banner_and_only_a_recognised_nri_reports(
    site: Site, tokens: TokenFactory, client: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    browser, nri_id = await recognised_in_workspace(site, tokens, client)
    async with browser:
        # A draft whose meeting ended more than the allowed months ago (last June) is overdue.
        year = site.app.state.clock.now().year - 1
        days = {"meeting_start": f"{year}-06-10", "meeting_end": f"{year}-06-11"}
        assert (
            await post(browser, f"{BASE}/{nri_id}/reports/{year}", report_form(**days))
        ).status_code == 303
        page = await browser.get(f"{BASE}/{nri_id}/reports/{year}")
        assert 'id="overdue"' in page.text and "it is overdue." in page.text
        mine = await browser.get(BASE)
        assert f"The activity report for {year} was due on" in mine.text
        draft = await registered(browser, name="Un brouillon", countries=["GM"], cm0_country="GM")
        refused = await post(browser, f"{BASE}/{draft}/reports/2025", report_form())
        assert refused.status_code == 422
        assert "Only a recognised initiative reports its activity." in refused.text
    assert await db.fetchval("SELECT count(*) FROM nri_reports WHERE nri_id = $1", draft) == 0


# -- co-coordinators --------------------------------------------------------------------------------------


async def test_a_coordinator_removes_a_co_coordinator_leaves_and_never_leaves_an_nri_without_one(
    site: Site, tokens: TokenFactory, client: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    browser, person = await coordinator_browser(site, tokens)
    async with browser:
        nri_id = await registered(browser)
        alone = await post(browser, f"{BASE}/{nri_id}/coordinators/remove", {"user_id": str(person.user.id)})
        assert alone.status_code == 303 and alone.headers["location"] == f"{BASE}/{nri_id}?done=last"
        page = await browser.get(alone.headers["location"])
        assert "An initiative keeps at least one coordinator" in html.unescape(page.text)
        assert "Invite a co-coordinator" in page.text and "Leave this initiative" in page.text
        co = await tokens.user()
        added = await client.post(
            f"/v1/nris/{nri_id}/coordinators",
            json={"user_id": str(co.user.id)},
            headers=(await tokens.user(Role.secretariat)).headers,
        )
        assert added.status_code == 201, added.text
        assert co.user.email in (await browser.get(f"{BASE}/{nri_id}")).text
        removed = await post(browser, f"{BASE}/{nri_id}/coordinators/remove", {"user_id": str(co.user.id)})
        assert removed.headers["location"] == f"{BASE}/{nri_id}?done=removed"
        assert co.user.email not in (await browser.get(f"{BASE}/{nri_id}")).text
        again = await client.post(
            f"/v1/nris/{nri_id}/coordinators",
            json={"user_id": str(co.user.id)},
            headers=(await tokens.user(Role.secretariat)).headers,
        )
        assert again.status_code == 201
        left = await post(browser, f"{BASE}/{nri_id}/coordinators/remove", {"user_id": str(person.user.id)})
        assert left.status_code == 303 and left.headers["location"] == BASE
        assert (await browser.get(f"{BASE}/{nri_id}")).status_code == 404
    holders = await db.fetch(
        "SELECT user_id FROM role_grants WHERE role = 'nri_coordinator' AND resource_id = $1", nri_id
    )
    assert [h["user_id"] for h in holders] == [co.user.id]


async def test_only_the_nris_coordinators_remove_its_coordinators(
    site: Site, tokens: TokenFactory, client: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    owner = await tokens.user()
    draft = await register(client, owner, name="Someone else's draft")
    browser, _ = await coordinator_browser(site, tokens)
    async with browser:
        refused = await post(
            browser, f"{BASE}/{draft['id']}/coordinators/remove", {"user_id": str(owner.user.id)}
        )
        assert refused.status_code == 404
    assert (
        await db.fetchval(
            "SELECT count(*) FROM role_grants WHERE role = 'nri_coordinator' AND resource_id = $1::uuid",
            draft["id"],
        )
        == 1
    )


# -- the committee from a CSV file ------------------------------------------------------------------------

COMMITTEE_CSV = (
    "Name,Organisation,Stakeholder group,Country,City,Gender,Shoe size\n"
    "Awa Ndiaye,ARTP,government,SN,Dakar,female,38\n"
    "X,,civil_society,SN,,,41\n"
    "Ibrahima Fall,,technical_community,ZZ,,,\n"
    "Too,many,cells,SN,,,,,\n"
    "Fatou Sarr,Jonction,civil_society,sn,Thiès,,\n"
)


async def test_a_committee_csv_is_previewed_row_by_row_and_written_only_when_confirmed(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    browser, _ = await coordinator_browser(site, tokens)
    async with browser:
        nri_id = await registered(browser)
        path = f"{BASE}/{nri_id}/committee"
        assert (await browser.get(path)).status_code == 200
        preview = await post(browser, path, {"csv": COMMITTEE_CSV, "action": "confirm", "version": "1"})
        assert preview.status_code == 422
        text = html.unescape(preview.text)
        assert "These columns are not known and were left out: Shoe size." in text
        assert "Committee member 2: enter their name, from 2 to 200 characters." in text
        assert "Committee member 3: choose their country." in text
        assert "Line 5 has a different number of cells from the header." in text
        assert 'value="confirm"' not in preview.text
        assert await db.fetchval("SELECT jsonb_array_length(committee) FROM nris WHERE id = $1", nri_id) == 1
        good = "\n".join(line for i, line in enumerate(COMMITTEE_CSV.splitlines()) if i in (0, 1, 5))
        ready = await post(browser, path, {"csv": good})
        assert ready.status_code == 200 and "Replace the committee with 2 members" in ready.text
        version = hidden(ready.text, "version")
        done = await post(browser, path, {"csv": good, "action": "confirm", "version": version})
        assert done.status_code == 303 and done.headers["location"] == f"{BASE}/{nri_id}?done=imported"
        stale = await post(browser, path, {"csv": good, "action": "confirm", "version": version})
        assert stale.status_code == 422
        assert "The initiative changed since the preview" in html.unescape(stale.text)
    names = await db.fetchval("SELECT committee FROM nris WHERE id = $1", nri_id)
    assert [(m["name"], m["country"]) for m in names] == [("Awa Ndiaye", "SN"), ("Fatou Sarr", "SN")]
