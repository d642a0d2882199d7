"""Issue 18's first "done when", in one journey in a real browser (Chromium through Playwright, JavaScript on):
a newcomer signs up, reads the verification mail in the development mailbox (/dev/mailbox, fed by the real
SMTP sink of ``./dev serve`` on 127.0.0.1) and clicks its link, signs in, sets up TOTP from the key the page
shows, invites a co-coordinator of the NRI they registered, who accepts in a second browser (reading the
invitation in the same mailbox), and hears the Secretariat's decision on the NRI in their inbox and by mail.
axe-core checks every page visited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import asyncpg
import httpx
import msgspec
import pytest
from playwright.async_api import Browser, Page

from igf_hub.auth.principal import Role
from igf_hub.auth.service import IdentityService
from igf_hub.core import mail
from igf_hub.core.clock import Clock
from igf_hub.core.settings import MailSecurity, Settings
from igf_hub.embedded import MailSink
from igf_hub.people import mailer
from tests.conftest import settings_for
from tests.nri.helpers import PRINCIPLES, act, register
from tests.support import twofactor
from tests.support.auth import Caller, TokenFactory
from tests.support.browser import assert_accessible, console_errors
from tests.support.notices import deliver
from tests.support.web import Site

GOOD = "a quiet river under the old bridge"
NEWCOMER = "newcomer@example.org"
CO = "co-coordinator@example.org"


@pytest.fixture
def settings(database_url: str, redis_url: str, tmp_path: Path) -> Settings:
    """The test's settings with a data dir of its own, so the development mailbox holds only this test's mail."""
    return msgspec.structs.replace(settings_for(database_url, redis_url), data_dir=str(tmp_path / "data"))


@pytest.fixture
def sink(settings: Settings) -> Iterator[MailSink]:
    """The development SMTP sink, keeping each mail where /dev/mailbox reads it."""
    started = MailSink(mail.mailbox_path(settings)).start()
    yield started
    started.stop()


def _via_sink(settings: Settings, sink: MailSink, site: Site) -> Settings:
    """The worker's settings: mail to the sink, links to the served site."""
    relay = msgspec.structs.replace(
        settings.mail, host="127.0.0.1", port=sink.port, security=MailSecurity.none
    )
    return msgspec.structs.replace(settings, mail=relay, public_url=site.url)


async def _open_mail(page: Page, site: Site, to: str, language: str, subject: str = "") -> None:
    """From the development mailbox, open the newest mail to ``to`` (with ``subject`` in its subject) and click
    its link into the site."""
    await page.goto(f"{site.url}/{language}/dev/mailbox")
    await assert_accessible(page)
    row = page.get_by_role("row").filter(has_text=to).filter(has_text=subject).first
    await row.get_by_role("link").click()
    await page.wait_for_url(f"{site.url}/{language}/dev/mailbox/*")
    await assert_accessible(page)
    await page.locator(f"pre.mail-text a[href^='{site.url}/']").first.click()
    await page.wait_for_load_state()


async def _user_id(db: asyncpg.Pool, email: str) -> UUID:
    found: UUID = await db.fetchval("SELECT id FROM users WHERE lower(email) = lower($1)", email)
    assert found is not None
    return found


async def test_sign_up_through_the_mailbox_set_up_totp_invite_a_co_coordinator_and_hear_a_notice(
    browser: Browser,
    site: Site,
    sink: MailSink,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    db: asyncpg.Pool,
    settings: Settings,
    clock: Clock,
) -> None:
    worker = _via_sink(settings, sink, site)
    context = await browser.new_context()
    page = await context.new_page()
    errors = console_errors(page)

    # Sign up.
    await page.goto(f"{site.url}/en/signup")
    await assert_accessible(page)
    await page.get_by_label("E-mail address").fill(NEWCOMER)
    await page.get_by_label("Your name").fill("Nadia Newcomer")
    await page.get_by_label("Your language").select_option("en")
    await page.get_by_label("Password").fill(GOOD)
    await page.get_by_role("button", name="Create an account").click()
    await page.wait_for_url(f"{site.url}/en/signup/sent")
    await assert_accessible(page)

    # The verification mail, through the real SMTP sink, read and clicked in the development mailbox.
    await mailer.send_due(db, worker, clock)
    await _open_mail(page, site, NEWCOMER, "en")
    await assert_accessible(page)
    await page.get_by_role("button", name="Confirm my e-mail address").click()
    await page.wait_for_url(f"{site.url}/en/signin?done=email-confirmed")
    assert "You can sign in now" in await page.get_by_role("status").inner_text()
    await assert_accessible(page)

    # The newcomer registers their NRI and submits it (through the API, as a coordinator's program does):
    # registering makes them its coordinator. The Secretariat starts the review.
    newcomer = await _user_id(db, NEWCOMER)
    async with db.acquire() as conn:
        user = await IdentityService(conn, clock, settings).get_user(newcomer)
    coordinator = Caller(user, await tokens.token_for(newcomer))
    secretariat = await tokens.user(Role.secretariat)
    nri = await register(client, coordinator)
    submitted = await act(client, coordinator, nri["id"], "submit", {"affirmed_principles": PRINCIPLES})
    assert submitted.status_code == 200, submitted.text
    reviewing = await act(client, secretariat, nri["id"], "start-review")
    assert reviewing.status_code == 200, reviewing.text

    # Sign in, then set TOTP up from the key the page shows.
    await page.get_by_label("E-mail address").fill(NEWCOMER)
    await page.get_by_label("Password").fill(GOOD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{site.url}/en/account")
    assert "Nadia Newcomer" in await page.locator("#signed-in-as").inner_text()
    await assert_accessible(page)
    await page.get_by_role("link", name="Two-factor sign-in").click()
    await page.wait_for_url(f"{site.url}/en/account/two-factor")
    await assert_accessible(page)
    await page.get_by_role("button", name="Set up two-factor sign-in").click()
    await page.wait_for_url(f"{site.url}/en/account/two-factor")
    await assert_accessible(page)
    secret = twofactor.secret_of(await page.locator("#totp-secret").inner_text())
    await page.get_by_label("Code from the app").fill(twofactor.code(secret, clock))
    await page.get_by_role("button", name="Turn on two-factor sign-in").click()
    await page.wait_for_load_state()
    assert await page.locator("h1").inner_text() == "Your recovery codes"
    assert await page.locator("#recovery-codes li").count() == 10
    await assert_accessible(page)

    # Invite a co-coordinator of the NRI.
    await page.goto(f"{site.url}/en/account")
    await page.get_by_role("link", name="Invitations").click()
    await page.wait_for_url(f"{site.url}/en/invitations")
    await assert_accessible(page)
    await page.get_by_role("link", name="Invite someone").click()
    await page.wait_for_url(f"{site.url}/en/invitations/new")
    await assert_accessible(page)
    await page.get_by_label("Their e-mail address").fill(CO)
    await page.get_by_label("The role").select_option(f"nri_coordinator:{nri['id']}")
    await page.get_by_label("Language of the invitation").select_option("en")
    await page.get_by_role("button", name="Send the invitation").click()
    await page.wait_for_url(f"{site.url}/en/invitations?done=sent")
    assert await page.get_by_role("status").inner_text() == "The invitation is sent."
    await assert_accessible(page)

    # The co-coordinator reads the invitation in the mailbox and accepts, in a browser of their own.
    await mailer.send_due(db, worker, clock)
    invitee = await browser.new_context()
    guest = await invitee.new_page()
    guest_errors = console_errors(guest)
    await _open_mail(guest, site, CO, "en")
    assert "/en/invitation/" in guest.url
    await assert_accessible(guest)
    await guest.get_by_label("Your name").fill("Camille Co")
    await guest.get_by_label("Password").fill(GOOD)
    await guest.get_by_role("button", name="Create my account and accept").click()
    await guest.wait_for_url(f"{site.url}/en/account?done=invitation-accepted")
    assert "Camille Co" in await guest.locator("#signed-in-as").inner_text()
    assert "NRI coordinator" in await guest.locator("dl.summary").inner_text()
    await assert_accessible(guest)
    await page.reload()
    assert "Accepted" in await page.locator("table").inner_text()
    holders = await db.fetchval(
        "SELECT count(*) FROM role_grants WHERE role = 'nri_coordinator' AND resource_id = $1",
        UUID(nri["id"]),
    )
    assert holders == 2

    # The Secretariat's decision on the NRI reaches its coordinators (the worker's after-commit path).
    decided = await act(client, secretariat, nri["id"], "recognise", {"reason": "Meets every IGF criterion."})
    assert decided.status_code == 200, decided.text
    await deliver(db, worker, clock)

    await page.goto(f"{site.url}/en/inbox")
    assert f"Recognised as an NRI: {nri['name']}" in await page.locator("main").inner_text()
    await assert_accessible(page)
    # The same notice by mail, its link leading to the NRI.
    await _open_mail(page, site, NEWCOMER, "en", subject="Recognised as an NRI")
    await page.wait_for_url(f"{site.url}/en/nris/{nri['id']}")
    await assert_accessible(page)
    # "My work" (web/workspace.py), from the header, right to left in Arabic.
    await page.goto(f"{site.url}/ar/nris")
    await page.locator(".header-account").get_by_role("link", name="عملي").click()
    await page.wait_for_url(f"{site.url}/ar/workspace")
    await assert_accessible(page)
    assert errors == [] and guest_errors == []
    await invitee.close()
    await context.close()
