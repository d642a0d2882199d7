"""Issue 18, "e-mail that works from the first command": ``./dev serve`` runs a local SMTP sink and /dev/mailbox
lists what would have been sent, each message readable with its links clickable (development only)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import httpx
import msgspec
import pytest
from litestar.exceptions import NotFoundException
from playwright.async_api import Browser

from igf_hub.core import mail
from igf_hub.core.settings import Environment, MailSecurity, Settings
from igf_hub.embedded import MailSink
from igf_hub.people import mailbox_pages as pages
from tests.conftest import settings_for
from tests.support.browser import assert_accessible, check_page
from tests.test_cli import _free_port, _wait, serving


@pytest.fixture
def settings(database_url: str, redis_url: str, tmp_path: Path) -> Settings:
    """The test's settings with a data dir of its own, so the mailbox holds only this test's mail."""
    return msgspec.structs.replace(settings_for(database_url, redis_url), data_dir=str(tmp_path / "data"))


def _message(settings: Settings, subject: str, link: str) -> mail.Outgoing:
    return mail.Outgoing(
        key=f"test:{subject}",
        to="reader@example.org",
        subject=subject,
        text=f"Hello,\n\nConfirm your address: {link}\n\nThanks.",
        html=f'<p>Hello, <a href="{link}">confirm</a></p>',
        language="en",
        date=datetime.now(UTC),
        unsubscribe_url=None,
    )


async def test_the_sink_keeps_each_mail_and_the_mailbox_shows_it_with_links(
    settings: Settings, client: httpx.AsyncClient
) -> None:
    sink = MailSink(mail.mailbox_path(settings)).start()
    try:
        via_sink = msgspec.structs.replace(
            settings,
            mail=msgspec.structs.replace(
                settings.mail, host="127.0.0.1", port=sink.port, security=MailSecurity.none
            ),
        )
        link = f"{settings.base_url}/en/verify?token=abc"
        await mail.send(via_sink, mail.build(via_sink, _message(settings, "Confirm your address", link)))
    finally:
        sink.stop()
    listing = await client.get("/en/dev/mailbox")
    assert listing.status_code == 200
    assert "Confirm your address" in listing.text and "reader@example.org" in listing.text
    (key,) = [e.key for e in pages._entries(settings)]
    shown = await client.get(f"/en/dev/mailbox/{key}")
    assert shown.status_code == 200
    assert f'<a href="{link}">{link}</a>' in shown.text
    assert (await client.get("/en/dev/mailbox/no-such-key")).status_code == 404


def test_the_mailbox_exists_in_development_only() -> None:
    with pytest.raises(NotFoundException):
        pages._development(Settings(environment=Environment.production))
    pages._development(Settings())


def test_links_are_cut_out_of_the_text() -> None:
    assert pages.linked("Go to https://x.org/a?b=1 now") == [
        ("Go to ", False),
        ("https://x.org/a?b=1", True),
        (" now", False),
    ]
    assert pages.linked("javascript:alert(1)") == [("javascript:alert(1)", False)]


async def test_the_mailbox_pages_are_accessible(settings: Settings, browser: Browser, live_url: str) -> None:
    await mail.send(settings, mail.build(settings, _message(settings, "Welcome", "http://127.0.0.1/en/")))
    (key,) = [e.key for e in pages._entries(settings)]
    await check_page(browser, live_url, "/dev/mailbox")
    await check_page(browser, live_url, f"/dev/mailbox/{key}", languages=["en", "ar"])
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{live_url}/en/dev/mailbox")
    await page.get_by_role("link", name="Welcome").click()
    await assert_accessible(page)
    await context.close()


NOTIFY = textwrap.dedent(
    """
    import asyncio, sys
    import asyncpg
    from igf_hub.__main__ import runtime
    from igf_hub.app import WIRING
    from igf_hub.core import wiring
    from igf_hub.core.clock import Clock
    from igf_hub.core.settings import load_settings
    from igf_hub.people import notices

    async def main(url):
        conn = await asyncpg.connect(url)
        try:
            from igf_hub.core.db import init_connection
            await init_connection(conn)
            async with conn.transaction():
                people = await notices.secretariat(conn, Clock().now())
                await notices.notify(conn, kind="nri.submitted", recipients=people, key="serve-test",
                                     params={"name": "Kenya IGF", "countries": "Kenya"}, link="/nris", now=Clock().now())
        finally:
            await conn.close()

    wiring.install(WIRING)
    with runtime(load_settings()) as live:
        asyncio.run(main(live.db.url))
    """
)


def test_dev_serve_catches_mail_in_its_mailbox(tmp_path: Path) -> None:
    """``serve`` with nothing configured: the worker's mail reaches the local sink and /dev/mailbox shows it."""
    data_dir = Path(tempfile.mkdtemp(prefix="igf-hub-serve-"))
    data_dir.chmod(0o755)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IGF_HUB_")}
    env |= {"IGF_HUB_DATA_DIR": str(data_dir), "IGF_HUB_PORT": str(port), "IGF_HUB_LOG_LEVEL": "warning"}
    log = tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    with serving(env, port, log):
        assert f"{base}/dev/mailbox" in log.read_text()
        made = subprocess.run(
            [sys.executable, "-c", NOTIFY], env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert made.returncode == 0, made.stderr

        def arrived() -> bool:
            return "NRI submitted for recognition: Kenya IGF" in httpx.get(f"{base}/en/dev/mailbox").text

        _wait(arrived, 60, f"the mail in the mailbox; serve's log:\n{log.read_text()}")
    boxes = list((data_dir / "mailbox" / "new").iterdir())
    assert len(boxes) == 1  # one Secretariat admin, one mail
