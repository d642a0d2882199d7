"""Issue 18's "done when", as a newcomer does it from ``./dev serve``: sign up in the browser, open the development
mailbox (/dev/mailbox), which shows what the local SMTP sink caught, click the verification link there, confirm,
and sign in. The mail travels over real SMTP to the sink (embedded.MailSink) that ``./dev serve`` runs."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import msgspec
import pytest
from playwright.async_api import Browser

from igf_hub.core import mail
from igf_hub.core.clock import Clock
from igf_hub.core.settings import MailSecurity, Settings
from igf_hub.embedded import MailSink
from igf_hub.people import mailer
from tests.conftest import settings_for
from tests.support.browser import assert_accessible
from tests.support.web import Site

GOOD = "a quiet river under the old bridge"


@pytest.fixture
def settings(database_url: str, redis_url: str, tmp_path: Path) -> Settings:
    """The test's settings with a data dir of its own, so the mailbox holds only this test's mail."""
    return msgspec.structs.replace(settings_for(database_url, redis_url), data_dir=str(tmp_path / "data"))


async def test_sign_up_through_the_development_mailbox(
    browser: Browser, site: Site, db: asyncpg.Pool, clock: Clock
) -> None:
    served: Settings = site.app.state.settings  # its public URL is the address it is served at
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{site.url}/en/signup")
    await page.get_by_label("E-mail address").fill("newcomer@example.org")
    await page.get_by_label("Your name").fill("Nadia Newcomer")
    await page.get_by_label("Password").fill(GOOD)
    await page.get_by_role("button", name="Create an account").click()
    await page.wait_for_url(f"{site.url}/en/signup/sent")

    sink = MailSink(mail.mailbox_path(served)).start()
    try:
        via_sink = msgspec.structs.replace(
            served,
            mail=msgspec.structs.replace(
                served.mail, host="127.0.0.1", port=sink.port, security=MailSecurity.none
            ),
        )
        assert await mailer.send_due(db, via_sink, clock) == 1
    finally:
        sink.stop()

    await page.goto(f"{site.url}/en/dev/mailbox")
    await page.get_by_role("link", name="Confirm your e-mail address for IGF Hub").click()
    await assert_accessible(page)
    await page.locator(f"a[href^='{site.url}/en/verify-email/']").first.click()
    await page.get_by_role("button", name="Confirm my e-mail address").click()
    await page.wait_for_url(f"{site.url}/en/signin?done=email-confirmed")
    await page.get_by_label("E-mail address").fill("newcomer@example.org")
    await page.get_by_label("Password").fill(GOOD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{site.url}/en/account")
    assert "Nadia Newcomer" in await page.locator("#signed-in-as").inner_text()
    await context.close()
