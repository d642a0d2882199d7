"""Sending the mails of notices, after commit, from the worker (``notices_send``, people/jobs.py).

Each pass claims due mails ``FOR UPDATE SKIP LOCKED`` under a lease (committed before anything is sent), renders
each in its recipient's language, hands it to SMTP and records the outcome, fenced by the lease, with a row in
the send log. A failure is retried with back-off (1 min doubling to 6 h, ``IGF_HUB_MAIL_MAX_ATTEMPTS`` in all);
a permanent refusal (5xx) is not.

Never twice, never lost — what it rests on:

* Only the holder of a mail's lease sends it, and a send is abandoned (cancelled) at half the lease, so the
  lease always outlives the send that holds it: two workers never send the same mail at once.
* The SMTP server takes responsibility for a message only when it answers 250 to the end of its data
  (RFC 5321 §4.1.1.4); a connection that drops before that answer — a worker killed mid-send — leaves the server
  nothing to deliver. The killed worker's lease runs out and another worker sends the mail again: not lost.
* The one window left is between the server's 250 and our commit of "sent" (a kill exactly there). The mail is
  then sent again with the same Message-ID (derived from the notice's idempotency key), which mail clients
  treat as the same message. SMTP offers nothing that closes this window; we keep it to one statement.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import structlog
from jinja2 import Environment

from igf_hub.core import mail
from igf_hub.core.clock import Clock
from igf_hub.core.notice_kinds import NoticeKind
from igf_hub.core.settings import Settings
from igf_hub.people.notices import kinds, unsubscribe_token
from igf_hub.people.repository import ClaimedMail, NoticeRepository, StoredNotice
from igf_hub.web import i18n, templating

log = structlog.get_logger("igf_hub.notices")

BATCH = 20
BACKOFF_FIRST = 60  # seconds
BACKOFF_CAP = 6 * 3600


@functools.cache
def _env() -> Environment:
    return templating.environment()


class _Params(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""  # a param the notice lacks leaves a gap, never an error


def subject_of(notice_kind: NoticeKind, params: dict[str, Any], language: str) -> str:
    """The kind's subject in ``language``, its placeholders filled from the notice's params."""
    return i18n.gettext(language, notice_kind.subject) % _Params(params)


@dataclass(frozen=True, kw_only=True)
class Rendered:
    subject: str
    text: str
    html: str
    unsubscribe_url: str | None


def _site_link(settings: Settings, language: str, path: str | None) -> str | None:
    return None if path is None else settings.base_url + i18n.path_in(language, path)


def render(
    settings: Settings, claimed: ClaimedMail, notices: list[StoredNotice], key: bytes
) -> Rendered | None:
    """The e-mail of a claimed mail in its language, None when it has nothing left to carry."""
    installed = kinds()
    known = [n for n in notices if n.kind in installed]
    if not known:
        return None
    language = claimed.language if claimed.language in i18n.LANGUAGES else i18n.DEFAULT
    base: dict[str, Any] = {
        "lang": language,
        "dir": i18n.LANGUAGES[language].direction,
        "site": settings.base_url,
        "name": claimed.display_name,
        "settings_url": _site_link(settings, language, "/account/notifications") if claimed.user_id else None,
    }
    env = _env()
    if claimed.form == "notice":
        notice = known[0]
        notice_kind = installed[notice.kind]
        unsubscribe = None
        if not notice_kind.security and claimed.user_id is not None:
            token = unsubscribe_token(key, claimed.user_id, notice_kind.name)
            unsubscribe = f"{settings.base_url}/unsubscribe/{token}"
        subject = subject_of(notice_kind, notice.params, language)
        context = {
            **base,
            "subject": subject,
            "params": notice.params,
            "link": _site_link(settings, language, notice.link),
            "security": notice_kind.security,
            "unsubscribe_url": unsubscribe,
        }
        return Rendered(
            subject=subject,
            text=env.get_template(f"{notice_kind.template}.txt").render(context),
            html=env.get_template(f"{notice_kind.template}.html").render(context),
            unsubscribe_url=unsubscribe,
        )
    assert claimed.user_id is not None  # digests are for accounts
    token = unsubscribe_token(key, claimed.user_id, f"digest:{claimed.form}")
    unsubscribe = f"{settings.base_url}/unsubscribe/{token}"
    items = [
        {
            "subject": subject_of(installed[n.kind], n.params, language),
            "link": _site_link(settings, language, n.link),
            "created_at": n.created_at,
        }
        for n in known
    ]
    subject = (
        env.get_template("people/mail/digest_subject.txt")
        .render({**base, "form": claimed.form, "count": len(items)})
        .strip()
    )
    context = {
        **base,
        "subject": subject,
        "items": items,
        "form": claimed.form,
        "security": False,
        "link": _site_link(settings, language, "/inbox"),
        "unsubscribe_url": unsubscribe,
    }
    return Rendered(
        subject=subject,
        text=env.get_template("people/mail/digest.txt").render(context),
        html=env.get_template("people/mail/digest.html").render(context),
        unsubscribe_url=unsubscribe,
    )


def backoff(attempt: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_FIRST * 2 ** max(attempt - 1, 0), BACKOFF_CAP))


async def send_due(pool: asyncpg.Pool, settings: Settings, clock: Clock, *, rounds: int = 50) -> int:
    """Send every mail that is due (a batch at a time); returns how many were attempted."""
    attempted = 0
    for _ in range(rounds):
        async with pool.acquire() as conn, conn.transaction():
            claimed = await NoticeRepository(conn).claim(clock.now(), BATCH, settings.mail.lease_seconds)
        if not claimed:
            break
        for one in claimed:
            await send_one(pool, settings, one, clock)
        attempted += len(claimed)
    return attempted


async def send_one(pool: asyncpg.Pool, settings: Settings, claimed: ClaimedMail, clock: Clock) -> None:
    async with pool.acquire() as conn:
        repo = NoticeRepository(conn)
        notices = await repo.mail_notices(claimed.id)
        key = await repo.unsubscribe_key()
    message_id = mail.message_id(settings, claimed.key)

    async def finish(state: str, outcome: str, error: str | None, due_at: datetime | None = None) -> None:
        now = clock.now()
        async with pool.acquire() as conn, conn.transaction():
            held = await NoticeRepository(conn).finish(
                claimed,
                state=state,
                now=now,
                due_at=due_at,
                error=error,
                outcome=outcome,
                message_id=message_id,
            )
        log.info("notices.mail", mail=claimed.id, outcome=outcome, attempt=claimed.attempt, lease_held=held)

    if claimed.recipient is None:
        await finish("cancelled", "failed", "the account is deactivated or deleted")
        return
    try:
        rendered = render(settings, claimed, notices, key)
    except Exception as exc:  # a template bug must not stop the other mails
        log.exception("notices.render_failed", mail=claimed.id)
        await finish("failed", "failed", f"the mail could not be written: {type(exc).__name__}")
        return
    if rendered is None:
        await finish(
            "cancelled", "failed", "nothing to send: its notices are gone or of a kind no longer installed"
        )
        return
    message = mail.build(
        settings,
        mail.Outgoing(
            key=claimed.key,
            to=claimed.recipient,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            language=claimed.language,
            date=clock.now(),
            unsubscribe_url=rendered.unsubscribe_url,
        ),
    )
    try:
        # Abandoned at half the lease, so no other worker can claim this mail while this send may still finish.
        await asyncio.wait_for(mail.send(settings, message), timeout=settings.mail.lease_seconds / 2)
    except mail.MailDisabled:
        await finish("cancelled", "failed", "e-mail is disabled on this deployment (IGF_HUB_MAIL_DISABLED)")
    except mail.MailRefused as exc:
        await finish("failed", "failed", str(exc))
    except (mail.MailError, TimeoutError) as exc:
        error = str(exc) or "the server did not answer in time"
        if claimed.attempt >= settings.mail.max_attempts:
            await finish("failed", "failed", f"gave up after {claimed.attempt} attempts: {error}")
        else:
            await finish("pending", "retry", error, clock.now() + backoff(claimed.attempt))
    else:
        await finish("sent", "sent", None)
