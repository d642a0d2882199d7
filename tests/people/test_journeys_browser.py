"""Issue 18's people journeys in a real browser (Chromium through Playwright), the mail read from a real SMTP
server on 127.0.0.1 after the worker's send: sign up, follow the verification link, sign in (JavaScript on and
off); an NRI coordinator invites a co-coordinator, who accepts with a new account. axe-core checks every page
on the way (with JavaScript on)."""

from __future__ import annotations

from uuid import uuid4

import asyncpg
import pytest
from playwright.async_api import Browser, Page

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.people import mailer
from tests.people.test_account_mail import link_in
from tests.support.auth import TokenFactory
from tests.support.browser import assert_accessible, console_errors
from tests.support.smtp import SmtpServer
from tests.support.web import Site

GOOD = "a quiet river under the old bridge"


async def _mail_link(
    db: asyncpg.Pool, settings: Settings, smtp: SmtpServer, clock: Clock, address: str
) -> str:
    await mailer.send_due(db, settings, clock)
    mails = smtp.to(address)
    assert mails, f"no mail to {address}"
    return link_in(mails[-1])


async def _check(page: Page, javascript: bool) -> None:
    if javascript:  # axe-core is a script: it checks with JavaScript on (the markup is the same)
        await assert_accessible(page)


@pytest.mark.parametrize("javascript", [True, False])
async def test_sign_up_confirm_through_the_mail_and_sign_in(
    browser: Browser,
    site: Site,
    db: asyncpg.Pool,
    mail_settings: Settings,
    smtp: SmtpServer,
    clock: Clock,
    javascript: bool,
) -> None:
    context = await browser.new_context(java_script_enabled=javascript)
    page = await context.new_page()
    errors = console_errors(page)
    await page.goto(f"{site.url}/en/signin")
    await page.get_by_role("link", name="Create an account").click()
    await page.wait_for_url(f"{site.url}/en/signup")
    await _check(page, javascript)
    await page.get_by_label("E-mail address").fill("newcomer@example.org")
    await page.get_by_label("Your name").fill("Nadia Newcomer")
    await page.get_by_label("Your language").select_option("en")
    await page.get_by_label("Your stakeholder group (optional)").select_option("academia")
    await page.get_by_label("Password").fill(GOOD)
    await page.get_by_role("button", name="Create an account").click()
    await page.wait_for_url(f"{site.url}/en/signup/sent")
    assert await page.locator("h1").inner_text() == "Check your e-mail"
    await _check(page, javascript)

    # Not confirmed yet: the right password does not sign in.
    await page.goto(f"{site.url}/en/signin")
    await page.get_by_label("E-mail address").fill("newcomer@example.org")
    await page.get_by_label("Password").fill(GOOD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_load_state()
    assert "Confirm your e-mail address first" in await page.get_by_role("alert").inner_text()
    await _check(page, javascript)

    path = await _mail_link(db, mail_settings, smtp, clock, "newcomer@example.org")
    await page.goto(site.url + path)
    await _check(page, javascript)
    await page.get_by_role("button", name="Confirm my e-mail address").click()
    await page.wait_for_url(f"{site.url}/en/signin?done=email-confirmed")
    assert "You can sign in now" in await page.get_by_role("status").inner_text()
    await _check(page, javascript)
    await page.get_by_label("E-mail address").fill("newcomer@example.org")
    await page.get_by_label("Password").fill(GOOD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{site.url}/en/account")
    assert "Nadia Newcomer" in await page.locator("#signed-in-as").inner_text()
    # The one console line is Chromium reporting the unconfirmed sign-in's 403 status, as it does any 4xx page.
    assert [e for e in errors if "status of 403" not in e] == []
    await context.close()


async def test_a_coordinator_invites_a_co_coordinator_who_accepts(
    browser: Browser,
    site: Site,
    tokens: TokenFactory,
    db: asyncpg.Pool,
    mail_settings: Settings,
    smtp: SmtpServer,
    clock: Clock,
) -> None:
    nri = uuid4()
    coordinator = await tokens.user((Role.nri_coordinator, nri), password=GOOD)
    inviter = await browser.new_context()
    page = await inviter.new_page()
    errors = console_errors(page)
    await page.goto(f"{site.url}/en/signin")
    await page.get_by_label("E-mail address").fill(coordinator.user.email)
    await page.get_by_label("Password").fill(GOOD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{site.url}/en/account")
    await page.get_by_role("link", name="Invitations").click()
    await page.get_by_role("link", name="Invite someone").click()
    await page.wait_for_url(f"{site.url}/en/invitations/new")
    await assert_accessible(page)
    await page.get_by_label("Their e-mail address").fill("co-coordinator@example.org")
    await page.get_by_label("The role").select_option(f"nri_coordinator:{nri}")
    await page.get_by_label("Language of the invitation").select_option("fr")
    await page.get_by_role("button", name="Send the invitation").click()
    await page.wait_for_url(f"{site.url}/en/invitations?done=sent")
    assert await page.get_by_role("status").inner_text() == "The invitation is sent."
    assert "co-coordinator@example.org" in await page.locator("table").inner_text()
    await assert_accessible(page)

    path = await _mail_link(db, mail_settings, smtp, clock, "co-coordinator@example.org")
    assert path.startswith("/fr/invitation/")
    invitee = await browser.new_context()
    guest = await invitee.new_page()
    guest_errors = console_errors(guest)
    await guest.goto(site.url + path)
    await assert_accessible(guest)
    await guest.get_by_label("Votre nom").fill("Camille Co")
    await guest.get_by_label("Mot de passe").fill(GOOD)
    await guest.get_by_role("button", name="Créer mon compte et accepter").click()
    await guest.wait_for_url(f"{site.url}/fr/account?done=invitation-accepted")
    assert "Camille Co" in await guest.locator("#signed-in-as").inner_text()
    assert "Coordinateur" in await guest.locator("dl.summary").inner_text()
    await assert_accessible(guest)

    await page.reload()  # the inviter sees it accepted
    assert "Acceptée" not in await page.locator("table").inner_text()  # (the inviter reads English)
    assert "Accepted" in await page.locator("table").inner_text()
    holders = await db.fetchval(
        "SELECT count(*) FROM role_grants WHERE role = 'nri_coordinator' AND resource_id = $1", nri
    )
    assert holders == 2
    assert errors == [] and guest_errors == []
    await inviter.close()
    await invitee.close()


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_the_signed_in_account_pages_are_accessible(
    browser: Browser, site: Site, tokens: TokenFactory, language: str
) -> None:
    person = await tokens.user((Role.nri_coordinator, uuid4()), password=GOOD)
    for javascript in (True, False):
        context = await browser.new_context(java_script_enabled=javascript)
        page = await context.new_page()
        errors = console_errors(page)
        await page.goto(f"{site.url}/{language}/signin")
        await page.locator("#field-email").fill(person.user.email)
        await page.locator("#field-password").fill(GOOD)
        await page.locator("form[action$='/signin'] button[type=submit]").click()
        await page.wait_for_url(f"{site.url}/{language}/account")
        for path in ("/account", "/account/sessions", "/account/delete", "/invitations", "/invitations/new"):
            answer = await page.goto(f"{site.url}/{language}{path}")
            assert answer is not None and answer.status == 200, path
            assert await page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
            assert (await page.locator("h1").inner_text()).strip(), path
            await _check(page, javascript)
        assert errors == []
        await context.close()
