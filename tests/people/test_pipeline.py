"""Issue 18, e-mail and notices: a notice is written in its cause's transaction, idempotent on its key, and the
worker sends it after commit over real SMTP (plain text + HTML, Message-ID from the key, RFC 8058 headers for
everything but security notices), retries with back-off, and records every attempt in the send log."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import msgspec
import pytest

from igf_hub.core import mail, queue
from igf_hub.core.clock import Clock
from igf_hub.core.settings import AuditSettings, Environment, MailSettings, Settings
from igf_hub.people import jobs, mailer, notices
from igf_hub.people.notices import Account, Address
from igf_hub.worker import worker_settings
from tests.people.conftest import DAILY, PLAIN, SECURITY
from tests.people.support import mail_rows, person, send_log
from tests.support.smtp import SmtpServer
from tests.support.worker import run_worker_burst

pytestmark = pytest.mark.usefixtures("test_kinds")


async def _notify(pool: asyncpg.Pool, clock: Clock, **kwargs: object) -> int:
    async with pool.acquire() as conn, conn.transaction():
        return await notices.notify(conn, now=clock.now(), **kwargs)  # type: ignore[arg-type]


def _due(row: dict[str, object]) -> datetime:
    due = row["due_at"]
    assert isinstance(due, datetime)
    return due


# -- configuration ----------------------------------------------------------------------------------------


def test_production_refuses_to_start_without_smtp_unless_mail_is_disabled() -> None:
    production = Settings(
        environment=Environment.production,
        audit=AuditSettings(seal_keys="A" * 43, checkpoint_key="B" * 43 + "="),
    )
    with pytest.raises(mail.MailConfigError, match="set IGF_HUB_SMTP_HOST"):
        mail.require_configured(production)
    with pytest.raises(mail.MailConfigError, match="IGF_HUB_MAIL_DISABLED=true"):
        worker_settings(production)  # the worker says so at start-up (the API calls the same check)
    mail.require_configured(msgspec.structs.replace(production, mail=MailSettings(disabled=True)))
    mail.require_configured(msgspec.structs.replace(production, mail=MailSettings(host="smtp.example.org")))
    mail.require_configured(Settings())  # development: the data dir's mailbox


def test_mail_settings_come_from_the_environment() -> None:
    from igf_hub.core.settings import MailSecurity, load_settings

    loaded = load_settings(
        {
            "IGF_HUB_SMTP_HOST": "smtp.example.org",
            "IGF_HUB_SMTP_SECURITY": "tls",
            "IGF_HUB_SMTP_USERNAME": "hub",
            "IGF_HUB_SMTP_PASSWORD": "secret",
            "IGF_HUB_MAIL_FROM": "IGF <hub@example.org>",
            "IGF_HUB_MAIL_DISABLED": "false",
        }
    )
    assert loaded.mail.security is MailSecurity.tls and loaded.mail.smtp_port == 465
    assert loaded.mail.from_address == "IGF <hub@example.org>"
    with pytest.raises(msgspec.ValidationError):
        load_settings({"IGF_HUB_SMTP_SECURITY": "ssl"})


# -- creating notices ---------------------------------------------------------------------------------------


async def test_a_notice_is_idempotent_on_its_key_and_reaches_accounts_and_addresses(
    db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    alice, _ = await person(db, settings, clock)
    again = await _notify(
        db, clock, kind=PLAIN.name, recipients=[Account(alice)], key="k1", params={"what": 1}
    )
    assert again == 1
    assert await _notify(db, clock, kind=PLAIN.name, recipients=[Account(alice)], key="k1") == 0
    invited = await _notify(
        db, clock, kind=SECURITY.name, recipients=[Address("New.Person@example.org", "fr")], key="invite-1"
    )
    assert invited == 1
    rows = await mail_rows(db)
    assert [(r["form"], r["state"], r["address"], r["language"]) for r in rows] == [
        ("notice", "pending", None, "en"),
        ("notice", "pending", "New.Person@example.org", "fr"),
    ]
    # Rolled back with its cause: nothing is left.
    async with db.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        await notices.notify(conn, kind=PLAIN.name, recipients=[Account(alice)], key="k2", now=clock.now())
        await tx.rollback()
    assert len(await mail_rows(db)) == 2


async def test_a_non_security_notice_needs_an_account_and_an_unknown_kind_is_refused(
    db: asyncpg.Pool, clock: Clock
) -> None:
    with pytest.raises(ValueError, match="security"):
        await _notify(db, clock, kind=PLAIN.name, recipients=[Address("x@example.org")], key="k")
    with pytest.raises(ValueError, match="no notice kind 'nope'"):
        await _notify(db, clock, kind="nope", recipients=[], key="k")


# -- sending ----------------------------------------------------------------------------------------------


async def test_the_worker_sends_a_multipart_mail_with_the_notice_s_message_id_and_one_click_unsubscribe(
    db: asyncpg.Pool, mail_settings: Settings, clock: Clock, smtp: SmtpServer
) -> None:
    alice, alice_email = await person(db, mail_settings, clock, language="fr", name="Alice")
    await _notify(
        db,
        clock,
        kind=PLAIN.name,
        recipients=[Account(alice)],
        key="evt-1",
        params={"what": "x"},
        link="/nris",
    )
    await _notify(db, clock, kind=SECURITY.name, recipients=[Address("bob@example.org", "es")], key="inv-1")

    redis = await queue.connect(mail_settings.redis.url)
    try:
        await redis.enqueue_job("notices_send")
    finally:
        await redis.aclose()
    await run_worker_burst(mail_settings, clock)

    plain, security = smtp.to(alice_email)[0], smtp.to("bob@example.org")[0]
    assert plain.message_id == mail.message_id(mail_settings, f"evt-1|{alice}")
    assert plain.message.is_multipart() and plain.message.get_content_type() == "multipart/alternative"
    assert plain.subject == "Test notice x"
    assert plain.message["Content-Language"] == "fr"
    assert plain.text.startswith("Bonjour Alice,")  # the recipient's language
    assert f"{mail_settings.base_url}/fr/nris" in plain.text
    assert f'href="{mail_settings.base_url}/fr/nris"' in plain.html
    unsubscribe = plain.message["List-Unsubscribe"]
    assert unsubscribe.startswith(f"<{mail_settings.base_url}/unsubscribe/") and unsubscribe.endswith(">")
    assert plain.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # A security notice cannot be turned off: no unsubscribe header, and it says so.
    assert security.message["List-Unsubscribe"] is None
    assert security.message["List-Unsubscribe-Post"] is None
    assert security.message["Content-Language"] == "es"
    assert "<html" in security.html
    rows = await mail_rows(db)
    assert {r["state"] for r in rows} == {"sent"}
    log = await send_log(db)
    assert [(e["outcome"], e["attempt"]) for e in log] == [("sent", 1), ("sent", 1)]
    assert {e["message_id"] for e in log} == {plain.message_id, security.message_id}


async def test_a_failed_send_is_retried_with_back_off_and_then_sent(
    db: asyncpg.Pool, mail_settings: Settings, smtp: SmtpServer
) -> None:
    clock = Clock()
    alice, alice_email = await person(db, mail_settings, clock)
    await _notify(db, clock, kind=PLAIN.name, recipients=[Account(alice)], key="retry-1")
    closed = await SmtpServer().start()
    await closed.stop()  # a port where nothing listens any more
    down = msgspec.structs.replace(mail_settings, mail=closed.settings())

    assert await mailer.send_due(db, down, clock) == 1
    first = (await mail_rows(db))[0]
    assert (first["state"], first["attempts"], first["lease_until"]) == ("pending", 1, None)
    assert _due(first) - clock.now() > timedelta(seconds=55)  # back-off: a minute
    assert await mailer.send_due(db, mail_settings, clock) == 0  # not due yet

    clock.advance(timedelta(seconds=61))
    assert await mailer.send_due(db, down, clock) == 1
    second = (await mail_rows(db))[0]
    assert _due(second) - clock.now() > timedelta(seconds=115)  # doubled

    clock.advance(timedelta(seconds=121))
    assert await mailer.send_due(db, mail_settings, clock) == 1
    assert len(smtp.to(alice_email)) == 1
    log = await send_log(db)
    assert [(e["outcome"], e["attempt"]) for e in log] == [("retry", 1), ("retry", 2), ("sent", 3)]
    assert "could not be reached" in str(log[0]["detail"])


async def test_after_the_last_attempt_a_mail_is_marked_failed(
    db: asyncpg.Pool, mail_settings: Settings, smtp: SmtpServer
) -> None:
    clock = Clock()
    alice, _ = await person(db, mail_settings, clock)
    await _notify(db, clock, kind=PLAIN.name, recipients=[Account(alice)], key="fail-1")
    closed = await SmtpServer().start()
    await closed.stop()
    down = msgspec.structs.replace(
        mail_settings, mail=msgspec.structs.replace(closed.settings(), max_attempts=2)
    )
    await mailer.send_due(db, down, clock)
    clock.advance(timedelta(hours=1))
    await mailer.send_due(db, down, clock)
    clock.advance(timedelta(days=1))
    assert await mailer.send_due(db, down, clock) == 0
    row = (await mail_rows(db))[0]
    assert (row["state"], row["attempts"]) == ("failed", 2)
    assert [e["outcome"] for e in await send_log(db)] == ["retry", "failed"]


async def test_concurrent_senders_send_each_mail_once(
    db: asyncpg.Pool, mail_settings: Settings, clock: Clock, smtp: SmtpServer
) -> None:
    people = [await person(db, mail_settings, clock) for _ in range(6)]
    for i, (user_id, _) in enumerate(people):
        await _notify(db, clock, kind=PLAIN.name, recipients=[Account(user_id)], key=f"many-{i}")
    counts = await asyncio.gather(*(mailer.send_due(db, mail_settings, clock) for _ in range(3)))
    assert sum(counts) == 6
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == sorted(email for _, email in people)


async def test_disabled_mail_sends_nothing_and_says_so_in_the_log(
    db: asyncpg.Pool, mail_settings: Settings, clock: Clock, smtp: SmtpServer
) -> None:
    alice, _ = await person(db, mail_settings, clock)
    await _notify(db, clock, kind=PLAIN.name, recipients=[Account(alice)], key="off-1")
    disabled = msgspec.structs.replace(mail_settings, mail=MailSettings(disabled=True))
    await mailer.send_due(db, disabled, clock)
    assert smtp.messages == []
    assert (await mail_rows(db))[0]["state"] == "cancelled"
    assert "IGF_HUB_MAIL_DISABLED" in str((await send_log(db))[0]["detail"])


# -- settings and digests ----------------------------------------------------------------------------------


async def test_digests_group_what_arrived_before_the_day_or_the_week_began(
    db: asyncpg.Pool, mail_settings: Settings, smtp: SmtpServer
) -> None:
    # Wednesday 2026-12-02 10:00 UTC.
    clock = Clock(datetime(2026, 12, 2, 10, tzinfo=UTC) - datetime.now(UTC))
    daily, daily_email = await person(db, mail_settings, clock)  # DAILY is a daily kind by default
    weekly, weekly_email = await person(db, mail_settings, clock)
    async with db.acquire() as conn:
        await notices.set_delivery(conn, weekly, DAILY.name, "weekly", clock.now())
    for hour in (0, 5, 23):
        at = Clock(datetime(2026, 12, 2, hour, tzinfo=UTC) - datetime.now(UTC))
        await _notify(
            db,
            at,
            kind=DAILY.name,
            recipients=[Account(daily), Account(weekly)],
            key=f"d-{hour}",
            params={"what": hour},
        )
    nothing = await jobs.make_digests(db, clock.now())  # 10:00 on the same day: none is due
    assert nothing == {"daily": (0, 0), "weekly": (0, 0)}

    thursday = clock.now() + timedelta(days=1)
    assert await jobs.make_digests(db, thursday) == {"daily": (1, 3), "weekly": (0, 0)}
    assert await jobs.make_digests(db, thursday) == {"daily": (0, 0), "weekly": (0, 0)}  # once per cutoff
    at_thursday = Clock(thursday - datetime.now(UTC))
    await _notify(
        db, at_thursday, kind=DAILY.name, recipients=[Account(daily)], key="d-thu", params={"what": 9}
    )

    monday = datetime(2026, 12, 7, 6, tzinfo=UTC)
    assert await jobs.make_digests(db, monday) == {"daily": (1, 1), "weekly": (1, 3)}
    await mailer.send_due(db, mail_settings, Clock(monday - datetime.now(UTC)))

    daily_mails = smtp.to(daily_email)
    assert [m.subject for m in daily_mails] == ["Your daily digest: 3 notices", "Your daily digest: 1 notice"]
    assert all(f"Daily test {h}" in daily_mails[0].text for h in (0, 5, 23))
    (weekly_mail,) = smtp.to(weekly_email)
    assert weekly_mail.subject == "Your weekly digest: 3 notices"
    assert weekly_mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


async def test_off_and_security_notices(db: asyncpg.Pool, mail_settings: Settings, clock: Clock) -> None:
    alice, _ = await person(db, mail_settings, clock)
    async with db.acquire() as conn:
        await notices.set_delivery(conn, alice, PLAIN.name, "off", clock.now())
        with pytest.raises(ValueError, match="cannot be turned off"):
            await notices.set_delivery(conn, alice, SECURITY.name, "off", clock.now())
    await _notify(db, clock, kind=PLAIN.name, recipients=[Account(alice)], key="quiet")
    await _notify(db, clock, kind=SECURITY.name, recipients=[Account(alice)], key="loud")
    rows = await db.fetch("SELECT kind, delivery, mail_id IS NOT NULL AS mailed FROM notices ORDER BY id")
    assert [tuple(r) for r in rows] == [(PLAIN.name, "off", False), (SECURITY.name, "immediately", True)]


def test_unsubscribe_tokens_are_signed() -> None:
    from uuid import uuid4

    key, user = b"k" * 32, uuid4()
    token = notices.unsubscribe_token(key, user, "nri.submitted")
    assert notices.read_unsubscribe_token(key, token) == (user, "nri.submitted")
    assert notices.read_unsubscribe_token(b"x" * 32, token) is None
    forged = notices.unsubscribe_token(b"x" * 32, user, "nri.submitted")
    assert notices.read_unsubscribe_token(key, forged) is None
    assert notices.read_unsubscribe_token(key, "garbage") is None
    assert notices.read_unsubscribe_token(key, "a.b.c") is None
