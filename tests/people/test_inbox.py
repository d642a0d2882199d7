"""Issue 18, notifications: the inbox (unread count in the header, mark read, mark all read — CSRF-protected
forms without JavaScript), the notification settings, one-click unsubscribe (RFC 8058: without signing in, stops
only that kind) and the Secretariat's send log."""

from __future__ import annotations

import re

import asyncpg
import httpx
import pytest
from playwright.async_api import Browser

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.people import notices
from igf_hub.people.notices import Account
from igf_hub.people.repository import NoticeRepository
from tests.people.conftest import DAILY, PLAIN, SECURITY
from tests.support.auth import TokenFactory
from tests.support.browser import assert_accessible
from tests.support.web import Site, WebClient
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.usefixtures("test_kinds")


async def _person(site: Site, tokens: TokenFactory) -> tuple[WebClient, Account]:
    caller = await tokens.user(password=PASSWORD)
    browser = site.browser()
    answer = await browser.sign_in(caller.user.email, PASSWORD)
    assert answer.status_code == 303, answer.text
    return browser, Account(caller.id)


async def _notify(pool: asyncpg.Pool, clock: Clock, who: Account, key: str, kind: str = PLAIN.name) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await notices.notify(
            conn, kind=kind, recipients=[who], key=key, params={"what": key}, link="/nris", now=clock.now()
        )


async def test_the_inbox_lists_notices_and_marks_them_read_without_javascript(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, clock: Clock
) -> None:
    browser, me = await _person(site, tokens)
    other_browser, other = await _person(site, tokens)
    for key in ("one", "two", "three"):
        await _notify(db, clock, me, key)
    await _notify(db, clock, other, "theirs")

    page = await browser.get("/en/inbox")
    assert page.status_code == 200
    assert "You have 3 unread notices." in page.text
    assert "Test notice one" in page.text and "theirs" not in page.text
    assert re.search(r'class="inbox-link"[^>]*>Inbox <span class="badge">3 unread</span>', page.text)

    first = (await db.fetch("SELECT id FROM notices WHERE user_id = $1 ORDER BY id", me.user_id))[0]["id"]
    token = await browser.token("/en/inbox")
    # Another person's notice id is not theirs to mark.
    theirs = await db.fetchval("SELECT id FROM notices WHERE user_id = $1", other.user_id)
    assert (await browser.post(f"/en/inbox/{theirs}/read", {"csrf_token": token})).status_code == 303
    assert await db.fetchval("SELECT read_at FROM notices WHERE id = $1", theirs) is None

    answer = await browser.post(f"/en/inbox/{first}/read", {"csrf_token": token})
    assert answer.status_code == 303 and answer.headers["location"] == "/en/inbox"
    assert "You have 2 unread notices." in (await browser.get("/en/inbox")).text
    # Without the session's CSRF token the form is refused.
    assert (await browser.post("/en/inbox/read-all", {})).status_code == 403
    assert (await browser.post("/en/inbox/read-all", {"csrf_token": token})).status_code == 303
    after = await browser.get("/en/inbox")
    assert "You have 0 unread notices." in after.text and 'class="badge"' not in after.text
    assert "You have 1 unread notice." in (await other_browser.get("/en/inbox")).text


async def test_signed_out_readers_are_sent_to_sign_in(site: Site) -> None:
    async with httpx.AsyncClient(base_url=site.url) as anonymous:
        for path in ("/en/inbox", "/en/account/notifications"):
            answer = await anonymous.get(path)
            assert answer.status_code == 303 and answer.headers["location"].startswith(
                "/en/signin?next=%2Fen%2F"
            )


async def test_settings_choose_per_kind_and_security_kinds_are_not_switchable(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    browser, me = await _person(site, tokens)
    page = await browser.get("/en/account/notifications")
    assert page.status_code == 200
    assert f'name="kind:{PLAIN.name}"' in page.text and f'name="kind:{SECURITY.name}"' not in page.text
    assert "cannot be turned off" in page.text
    token = await browser.token("/en/account/notifications")
    answer = await browser.post(
        "/en/account/notifications",
        {
            "csrf_token": token,
            f"kind:{PLAIN.name}": "weekly",
            f"kind:{SECURITY.name}": "off",
            f"kind:{DAILY.name}": "x",
        },
    )
    assert answer.status_code == 303
    async with db.acquire() as conn:
        chosen = await notices.deliveries(conn, me.user_id)
    assert (chosen[PLAIN.name], chosen[SECURITY.name], chosen[DAILY.name]) == (
        "weekly",
        "immediately",
        "daily",
    )
    assert "Your choices are saved." in (await browser.get(answer.headers["location"])).text


async def test_one_click_unsubscribe_works_without_signing_in_and_stops_only_that_kind(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, clock: Clock
) -> None:
    _, me = await _person(site, tokens)
    async with db.acquire() as conn:
        key = await NoticeRepository(conn).unsubscribe_key()
    token = notices.unsubscribe_token(key, me.user_id, PLAIN.name)
    async with httpx.AsyncClient(base_url=site.url) as mail_provider:
        confirm = await mail_provider.get(f"/en/unsubscribe/{token}")
        assert confirm.status_code == 200 and "A test notice" in confirm.text
        async with db.acquire() as conn:
            assert (await notices.deliveries(conn, me.user_id))[
                PLAIN.name
            ] == "immediately"  # GET changes nothing
        # RFC 8058: a POST of "List-Unsubscribe=One-Click", no cookie, no CSRF token.
        done = await mail_provider.post(
            f"/unsubscribe/{token}",
            content=b"List-Unsubscribe=One-Click",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert done.status_code == 200, done.text
        forged = notices.unsubscribe_token(b"x" * 32, me.user_id, DAILY.name)
        assert (await mail_provider.post(f"/unsubscribe/{forged}")).status_code == 404
        assert (await mail_provider.get(f"/en/unsubscribe/{forged}")).status_code == 404
    async with db.acquire() as conn:
        chosen = await notices.deliveries(conn, me.user_id)
    assert (chosen[PLAIN.name], chosen[DAILY.name]) == ("off", "daily")
    await _notify(db, clock, me, "after-unsubscribe")
    row = await db.fetchrow(
        "SELECT delivery, mail_id FROM notices WHERE idempotency_key LIKE 'after-unsubscribe|%'"
    )
    assert (row["delivery"], row["mail_id"]) == ("off", None)  # in the inbox, not by e-mail


async def test_the_send_log_is_the_secretariat_s(
    client: httpx.AsyncClient, tokens: TokenFactory, db: asyncpg.Pool, mail_settings: Settings, clock: Clock
) -> None:
    from igf_hub.people import mailer

    secretariat = await tokens.user(Role.secretariat)
    member = await tokens.user(Role.mag_member)
    await _notify(db, clock, Account(member.id), "logged")
    await mailer.send_due(db, mail_settings, clock)
    page = await client.get("/en/notices/send-log", headers=secretariat.headers)
    assert page.status_code == 200
    assert member.user.email in page.text and "test.plain" in page.text and "sent" in page.text
    assert (await client.get("/en/notices/send-log", headers=member.headers)).status_code == 403
    assert (await client.get("/en/notices/send-log")).status_code == 401


async def test_the_notice_pages_are_accessible(
    site: Site, tokens: TokenFactory, db: asyncpg.Pool, clock: Clock, browser: Browser
) -> None:
    caller = await tokens.user(password=PASSWORD)
    me = Account(caller.id)
    await _notify(db, clock, me, "a11y")
    async with db.acquire() as conn:
        key = await NoticeRepository(conn).unsubscribe_key()
    token = notices.unsubscribe_token(key, me.user_id, PLAIN.name)
    for language in ("en", "ar"):
        for javascript in (True, False):
            context = await browser.new_context(java_script_enabled=javascript)
            page = await context.new_page()
            await page.goto(f"{site.url}/{language}/signin")
            await page.fill("input[name=email]", caller.user.email)
            await page.fill("input[name=password]", PASSWORD)
            await page.locator("main form button[type=submit]").first.click()
            await page.wait_for_url(re.compile(r".*/account$|.*/$"))
            for path in ("/inbox", "/account/notifications", f"/unsubscribe/{token}"):
                answer = await page.goto(f"{site.url}/{language}{path}")
                assert answer is not None and answer.status == 200, path
                assert await page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
                if javascript:
                    await assert_accessible(page)
            await context.close()
