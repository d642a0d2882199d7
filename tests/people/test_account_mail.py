"""The e-mails of accounts, read from a real SMTP server on 127.0.0.1 after the worker's send: the verification
link of a sign-up (in the person's language) that confirms the address, the "you already have an account" mail
instead of a second account, and a reset link that works once."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import asyncpg

from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.people import mailer
from tests.people.test_signup_pages import FORM, GOOD
from tests.support.auth import TokenFactory
from tests.support.smtp import Received, SmtpServer
from tests.support.web import Site, WebClient


def link_in(mail: Received) -> str:
    """The path of the one link to this site in the mail's plain text (and the same in its HTML part)."""
    links = re.findall(r"http://127\.0\.0\.1:8000(/\S+)", mail.text)
    assert len(links) == 1, mail.text
    assert f'href="http://127.0.0.1:8000{links[0]}"' in mail.html
    path: str = urlsplit(links[0]).path
    return path


async def deliver(db: asyncpg.Pool, settings: Settings, clock: Clock) -> None:
    await mailer.send_due(db, settings, clock)


async def _sign_up(browser: WebClient, **changes: str) -> None:
    token = await browser.token("/en/signup")
    answer = await browser.post("/en/signup", {"csrf_token": token, **FORM, **changes})
    assert answer.status_code == 303, answer.text


async def test_the_verification_mail_is_in_the_persons_language_and_its_link_confirms(
    site: Site, db: asyncpg.Pool, mail_settings: Settings, smtp: SmtpServer, clock: Clock
) -> None:
    async with site.browser() as browser:
        await _sign_up(browser)  # FORM chooses French
        await deliver(db, mail_settings, clock)
        (mail,) = await smtp.wait_for(1)
        assert mail.rcpt_tos == ["amina@example.org"]
        assert mail.subject == "Confirmez votre adresse e-mail pour IGF Hub"
        assert "List-Unsubscribe" not in mail.message  # a security notice
        path = link_in(mail)
        assert path.startswith("/fr/verify-email/")
        secret = path.rsplit("/", 1)[1]
        # Until used, the token is in the database only inside the notice that carries it; used, it is nowhere.
        assert await db.fetchval("SELECT count(*) FROM notices WHERE link LIKE '%' || $1", secret) == 1
        token = await browser.token(path)
        confirmed = await browser.post(path, {"csrf_token": token})
        assert confirmed.headers["location"] == "/fr/signin?done=email-confirmed"
        assert (await browser.sign_in("amina@example.org", GOOD)).status_code == 303
    async with db.acquire() as conn:
        stored = await conn.fetchval("SELECT token_hash FROM account_links")
        notices = await conn.fetchval("SELECT count(*) FROM notices WHERE link LIKE '%' || $1", secret)
    assert secret not in stored and notices == 0  # only the hash is kept


async def test_signing_up_again_mails_the_owner_instead(
    site: Site,
    db: asyncpg.Pool,
    mail_settings: Settings,
    smtp: SmtpServer,
    clock: Clock,
    tokens: TokenFactory,
) -> None:
    await tokens.user(email="owner@example.org")
    async with site.browser() as browser:
        await _sign_up(browser, email="owner@example.org", language="en")
    await deliver(db, mail_settings, clock)
    (mail,) = await smtp.wait_for(1)
    assert mail.subject == "You already have an IGF Hub account"
    assert "nothing was changed" in mail.text
    assert link_in(mail) == "/en/password-reset"


async def test_a_reset_link_from_the_mail_works_once(
    site: Site,
    db: asyncpg.Pool,
    mail_settings: Settings,
    smtp: SmtpServer,
    clock: Clock,
    tokens: TokenFactory,
) -> None:
    person = await tokens.user(password="the old and long password")
    async with site.browser() as browser:
        token = await browser.token("/en/password-reset")
        await browser.post("/en/password-reset", {"csrf_token": token, "email": person.user.email})
        await deliver(db, mail_settings, clock)
        (mail,) = await smtp.wait_for(1)
        assert mail.subject == "Choose a new password for IGF Hub"
        assert "The link works once, for 1 hour." in mail.text
        path = link_in(mail)
        token = await browser.token(path)
        done = await browser.post(path, {"csrf_token": token, "password": GOOD})
        assert done.headers["location"] == "/en/signin?done=password-changed"
        again = await browser.post(
            path, {"csrf_token": await browser.token("/en/password-reset"), "password": GOOD}
        )
        assert again.status_code == 410
        await deliver(db, mail_settings, clock)
        changed = await smtp.wait_for(2)
    assert changed[1].subject == "Your IGF Hub password was changed"
