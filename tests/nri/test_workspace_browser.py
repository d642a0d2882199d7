"""The NRI coordinator's journey in a real browser (issue 19), checked with axe-core on every page visited: in
French, a coordinator registers an NRI, sees two criteria unmet as the form is filled in (htmx), fixes them and
submits; once the Secretariat recognised it, they file the annual report; a page in Arabic (right to left); and
the core path (register and submit) again with JavaScript off. The committee's CSV preview is opened in
Arabic.

The helpers below drive the pages the way a person does and are shared with issue 19's combined journey:
``sign_in_in_browser``, ``register_nri_in_browser``, ``fix_criteria_in_browser``, ``submit_nri_in_browser``,
``file_report_in_browser``.
"""

from __future__ import annotations

from typing import Any

import httpx
from playwright.async_api import Browser, BrowserContext, Page, expect

from igf_hub.auth.principal import Role
from tests.nri.helpers import act
from tests.support.auth import TokenFactory
from tests.support.browser import assert_accessible, console_errors
from tests.support.web import Site
from tests.web.conftest import PASSWORD, site

__all__ = ["site"]

UNMET = "#criteria .tag-withdrawn"  # a criterion shown "not met"
# Two stakeholder groups more and a meeting report: what the first form lacks.
FIXES: list[dict[str, str]] = [
    {"name": "Fatou Sarr", "stakeholder_group": "civil_society", "country": "SN", "city": "Thiès"},
    {"name": "Ibrahima Fall", "stakeholder_group": "technical_community", "country": "SN", "city": "Dakar"},
]
REPORT_URL = "https://fgi.example.sn/rapport-2024"


async def sign_in_in_browser(page: Page, base_url: str, email: str, language: str = "fr") -> None:
    """Sign in through the sign-in page, then land on "My initiatives"."""
    await page.goto(f"{base_url}/{language}/signin?next=/{language}/my/initiatives")
    await page.locator("input[name=email]").fill(email)
    await page.locator("input[name=password]").fill(PASSWORD)
    await page.locator("form[action$='/signin'] button[type=submit]").click()
    await page.wait_for_url(f"{base_url}/{language}/my/initiatives")


async def fill_member(page: Page, row: int, member: dict[str, str]) -> None:
    await page.locator(f"[name=cm{row}_name]").fill(member["name"])
    await page.locator(f"[name=cm{row}_stakeholder_group]").select_option(member["stakeholder_group"])
    await page.locator(f"[name=cm{row}_country]").select_option(member["country"])
    if member.get("city"):
        await page.locator(f"[name=cm{row}_city]").fill(member["city"])


async def register_nri_in_browser(
    page: Page,
    base_url: str,
    *,
    language: str = "fr",
    name: str = "Forum de gouvernance de l'Internet du Sénégal",
    country: str = "SN",
    website: str = "https://fgi.example.sn",
    focal_point: str = "Awa Ndiaye",
    members: list[dict[str, str]] | None = None,
    meeting_report_url: str | None = None,
    javascript: bool = True,
) -> None:
    """From "My initiatives", open the registration form and fill it in (a national NRI; by default one committee
    member, from government, and no meeting report: two criteria unmet), affirming every IGF principle.
    Nothing is saved yet. With JavaScript on, waits until the live check shows what the form now says."""
    await page.locator(f"a[href='/{language}/my/initiatives/new']").click()
    await page.wait_for_url(f"{base_url}/{language}/my/initiatives/new")
    if javascript:  # axe-core is a script
        await assert_accessible(page)
    await page.locator("[name=type]").select_option("national")
    await page.locator("[name=name]").fill(name)
    await page.locator("[name=countries]").select_option([country])
    await page.locator("[name=website]").fill(website)
    await page.locator("[name=fp0_name]").fill(focal_point)
    for row, member in enumerate(
        members or [{"name": "Moussa Diop", "stakeholder_group": "government", "country": country}]
    ):
        await fill_member(page, row, member)
    if meeting_report_url:
        await page.locator("[name=meeting_report_url]").fill(meeting_report_url)
    for box in await page.locator("input[name=principles]").all():
        await box.check()
    if javascript:
        await page.locator("[name=fp0_role]").fill("Coordinatrice")  # a last change: the check runs again
        await page.locator("[name=fp0_role]").blur()


async def fix_criteria_in_browser(page: Page, *, first_row: int = 1, live: bool = True) -> None:
    """Add the two missing stakeholder groups and the meeting report; with JavaScript (``live``), the live check
    then shows every criterion met."""
    for offset, member in enumerate(FIXES):
        await fill_member(page, first_row + offset, member)
    await page.locator("[name=meeting_report_url]").fill(REPORT_URL)
    if live:
        await page.locator("[name=meeting_report_url]").blur()
        await expect(page.locator(UNMET)).to_have_count(0)


async def submit_nri_in_browser(
    page: Page, base_url: str, language: str = "fr", *, javascript: bool = True
) -> str:
    """Save and submit; returns the NRI's id from the page it lands on (its workspace page)."""
    await page.locator("button[name=action][value=submit]").click()
    await page.wait_for_url(f"{base_url}/{language}/my/initiatives/*?done=submitted")
    if javascript:
        await assert_accessible(page)
    return page.url.split("/my/initiatives/", 1)[1].split("?", 1)[0]


async def file_report_in_browser(
    page: Page, base_url: str, nri_id: str, year: int, *, language: str = "fr", **fields: Any
) -> None:
    """On the year's report page (opened here unless the page is on it already), fill it in and publish it."""
    url = f"{base_url}/{language}/my/initiatives/{nri_id}/reports/{year}"
    if page.url != url:
        await page.goto(url)
    await page.wait_for_url(url)
    await assert_accessible(page)
    await page.locator("[name=meeting_start]").fill(fields.get("meeting_start", f"{year}-06-10"))
    await page.locator("[name=meeting_end]").fill(fields.get("meeting_end", f"{year}-06-11"))
    await page.locator("[name=format]").select_option(fields.get("format", "hybrid"))
    await page.locator("[name=participants_total]").fill(str(fields.get("participants_total", 120)))
    await page.locator("[name=by_group_government]").fill("30")
    await page.locator("[name=by_group_civil_society]").fill("50")
    await page.locator("[name=by_gender_female]").fill("60")
    await page.locator("[name=by_gender_male]").fill("58")
    await page.locator("[name=topics]").fill(fields.get("topics", "Accès à Internet\nCybersécurité"))
    await page.locator("[name=report_url]").fill(fields.get("report_url", f"https://fgi.example.sn/{year}"))
    await page.locator("button[name=action][value=submit]").click()
    await page.wait_for_url(f"{base_url}/{language}/my/initiatives/{nri_id}/reports/{year}?done=submitted")
    await assert_accessible(page)


async def recognise_by_api(client: httpx.AsyncClient, tokens: TokenFactory, nri_id: str) -> None:
    secretariat = await tokens.user(Role.secretariat)
    for action, payload in (("start-review", {}), ("recognise", {"reason": "Répond aux critères."})):
        answer = await act(client, secretariat, nri_id, action, payload)
        assert answer.status_code == 200, answer.text


async def test_a_coordinator_registers_fixes_submits_and_reports_in_french(
    browser: Browser, site: Site, tokens: TokenFactory, client: httpx.AsyncClient
) -> None:
    person = await tokens.user(password=PASSWORD)
    context = await browser.new_context()
    context.set_default_timeout(20_000)
    try:
        await _journey(context, site, person.user.email, client, tokens)
    finally:
        await context.close()


async def _journey(
    context: BrowserContext, site: Site, email: str, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    page = await context.new_page()
    errors = console_errors(page)
    await sign_in_in_browser(page, site.url, email)
    await assert_accessible(page)
    await register_nri_in_browser(page, site.url)
    await expect(page.locator(UNMET)).to_have_count(2)  # the live check: committee and meeting report
    await assert_accessible(page)
    await fix_criteria_in_browser(page)
    nri_id = await submit_nri_in_browser(page, site.url)
    assert "?done=submitted" in page.url
    await recognise_by_api(client, tokens, nri_id)
    await page.goto(f"{site.url}/fr/my/initiatives")
    await assert_accessible(page)
    year = site.app.state.clock.now().year - 1
    await page.locator(f"a[href='/fr/my/initiatives/{nri_id}/reports/{year}']").click()
    await file_report_in_browser(page, site.url, nri_id, year)
    # Right to left: the NRI's workspace page in Arabic.
    await page.goto(f"{site.url}/ar/my/initiatives/{nri_id}")
    assert await page.get_attribute("html", "dir") == "rtl"
    await assert_accessible(page)
    assert errors == []  # (the preview below answers 422 for its refused row, which the console reports)
    # The committee's CSV import: a preview, row by row (nothing is written before confirming).
    await page.goto(f"{site.url}/ar/my/initiatives/{nri_id}/committee")
    await assert_accessible(page)
    await page.locator("[name=csv]").fill(
        "Name,Stakeholder group,Country\nAwa Ndiaye,government,SN\nX,academia,SN\n"
    )
    await page.locator("button[name=action][value=preview]").click()
    await page.wait_for_url(f"{site.url}/ar/my/initiatives/{nri_id}/committee")
    await expect(page.locator("table .row-errors")).to_have_count(1)
    await assert_accessible(page)


async def test_register_and_submit_without_javascript(
    browser: Browser, site: Site, tokens: TokenFactory
) -> None:
    person = await tokens.user(password=PASSWORD)
    context = await browser.new_context(java_script_enabled=False)
    context.set_default_timeout(20_000)
    try:
        page = await context.new_page()
        await sign_in_in_browser(page, site.url, person.user.email)
        await register_nri_in_browser(page, site.url, javascript=False)
        # Without JavaScript the "check" button gives the form back with the criteria, unsaved.
        await page.locator("button[name=action][value=check]").click()
        await page.wait_for_url(f"{site.url}/fr/my/initiatives/criteria")
        assert await page.locator(UNMET).count() == 2
        await fix_criteria_in_browser(page, live=False)
        await page.locator("button[name=action][value=check]").click()
        await page.wait_for_load_state()
        assert await page.locator(UNMET).count() == 0
        nri_id = await submit_nri_in_browser(page, site.url, javascript=False)
        assert await page.locator(".tag-submitted").count() == 1, nri_id
    finally:
        await context.close()
