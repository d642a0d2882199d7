"""Outbound e-mail: one multipart message (plain text + HTML) handed to an SMTP server with aiosmtplib.

What is sent, to whom and when is people/notices.py's business; this module only builds a message and hands it
over. Configuration is ``Settings.mail`` (README, "E-mail"):

* a real SMTP server (``IGF_HUB_SMTP_HOST``, port, username/password, STARTTLS or TLS from the first byte);
* development without a host: the message is written into the data dir's Maildir (``<data dir>/mailbox``), the
  same one the SMTP sink of ``./dev serve`` fills and ``/dev/mailbox`` shows;
* ``IGF_HUB_MAIL_DISABLED=true``: nothing is sent (``MailDisabled``).

Production refuses to start without a host unless mail is explicitly disabled (``require_configured``).

The Message-ID is derived from the idempotency key of what is sent (a notice or a digest), so a mail sent again
after a lost acknowledgement carries the same Message-ID and mail clients show it once.
"""

from __future__ import annotations

import asyncio
import email.policy
import hashlib
import ipaddress
import mailbox
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import aiosmtplib

from igf_hub.core.settings import Environment, MailSecurity, Settings

MAILBOX_DIR = "mailbox"

# How a message is written out, for the SMTP server and for the development Maildir alike. Python's header
# folder at the usual 78 columns mangles a subject that mixes plain and encoded words: it can leave a space after
# "Subject:" that a reader keeps, or fold between two encoded words, whose space RFC 2047 then drops ("más allá"
# arrived as "másallá"). RFC 5322 allows 998 characters a line, so a subject is written on one line.
WIRE_POLICY = email.policy.SMTP.clone(max_line_length=998)


class MailConfigError(Exception):
    """The mail settings cannot work (the sentence names the setting)."""


class MailDisabled(Exception):
    """``IGF_HUB_MAIL_DISABLED`` is set: nothing is sent."""


class MailError(Exception):
    """The SMTP server could not be reached or did not accept the message (worth another try)."""


class MailRefused(MailError):
    """The SMTP server refused the message for good (a 5xx answer): another try would be refused too."""


def require_configured(settings: Settings) -> None:
    """Production sends real mail or is told not to: without ``IGF_HUB_SMTP_HOST`` it refuses to start, unless
    ``IGF_HUB_MAIL_DISABLED=true`` says so. Called by the API and the worker at start-up."""
    mail = settings.mail
    if settings.environment is Environment.production and not mail.host and not mail.disabled:
        raise MailConfigError(
            "set IGF_HUB_SMTP_HOST (and IGF_HUB_SMTP_USERNAME / IGF_HUB_SMTP_PASSWORD if the server asks) in "
            "production, or IGF_HUB_MAIL_DISABLED=true to run without e-mail"
        )
    if mail.username and not mail.password:
        raise MailConfigError("IGF_HUB_SMTP_USERNAME is set but IGF_HUB_SMTP_PASSWORD is empty")
    if mail.from_address and not parseaddr(mail.from_address)[1]:
        raise MailConfigError(f"IGF_HUB_MAIL_FROM is not an e-mail address: {mail.from_address!r}")


def _site_host(settings: Settings) -> str:
    host = urlsplit(settings.base_url).hostname or "localhost"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host
    return "localhost"  # an address literal is no mail domain


def from_address(settings: Settings) -> str:
    return settings.mail.from_address or str(Address("igf_hub", "no-reply", _site_host(settings)))


def message_id(settings: Settings, key: str) -> str:
    """``<hash of the idempotency key@the sender's domain>``: one notice, one Message-ID, however often sent."""
    domain = parseaddr(from_address(settings))[1].rpartition("@")[2] or _site_host(settings)
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


@dataclass(frozen=True, kw_only=True)
class Outgoing:
    key: str  # the idempotency key of what is sent
    to: str
    subject: str
    text: str
    html: str
    language: str
    date: datetime
    # The one-click unsubscribe URL (RFC 8058); None for a security notice, which cannot be turned off.
    unsubscribe_url: str | None = None


def build(settings: Settings, outgoing: Outgoing) -> EmailMessage:
    message = EmailMessage()
    message["From"] = from_address(settings)
    message["To"] = outgoing.to
    message["Subject"] = outgoing.subject
    message["Date"] = format_datetime(outgoing.date)
    message["Message-ID"] = message_id(settings, outgoing.key)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to us
    if outgoing.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{outgoing.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(outgoing.text)
    message.add_alternative(outgoing.html, subtype="html")
    message["Content-Language"] = outgoing.language  # after the content: set_content clears Content-* headers
    return message


def mailbox_path(settings: Settings) -> Path:
    """The development Maildir: what the SMTP sink of ``serve`` stores and ``/dev/mailbox`` lists."""
    return settings.data_path / MAILBOX_DIR


def wire_bytes(message: EmailMessage) -> bytes:
    """The message as it goes out (CRLF line ends, headers unfolded up to RFC 5322's line limit)."""
    return message.as_bytes(policy=WIRE_POLICY)


def _into_maildir(path: Path, message: EmailMessage) -> None:
    mailbox.Maildir(path, create=True).add(wire_bytes(message))


async def send(settings: Settings, message: EmailMessage) -> None:
    """Hand ``message`` over. Returns once the server has accepted it (its 250 after the data); raises
    ``MailRefused`` for a permanent refusal, ``MailError`` for anything worth another try, ``MailDisabled``."""
    mail = settings.mail
    if mail.disabled:
        raise MailDisabled
    if not mail.host:
        # Development without a server: straight into the mailbox the sink would have filled.
        await asyncio.to_thread(_into_maildir, mailbox_path(settings), message)
        return
    try:
        await aiosmtplib.send(
            wire_bytes(message),  # written by us: aiosmtplib's own writer folds at 78 (see WIRE_POLICY)
            sender=parseaddr(str(message["From"]))[1],
            recipients=[parseaddr(str(message["To"]))[1]],
            hostname=mail.host,
            port=mail.smtp_port,
            username=mail.username or None,
            password=mail.password or None,
            use_tls=mail.security is MailSecurity.tls,
            start_tls=mail.security is MailSecurity.starttls,
            timeout=mail.timeout,
        )
    except aiosmtplib.SMTPAuthenticationError as exc:
        raise MailError(f"the server refused our sign-in ({exc.code}): check IGF_HUB_SMTP_USERNAME") from exc
    except aiosmtplib.SMTPResponseException as exc:
        detail = f"the server answered {exc.code}: {exc.message}"
        if 500 <= exc.code < 600:
            raise MailRefused(detail) from exc
        raise MailError(detail) from exc
    except aiosmtplib.SMTPRecipientsRefused as exc:
        raise MailRefused(f"the server refused the recipient: {exc.recipients}") from exc
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise MailError(f"the server could not be reached or did not finish: {exc}") from exc
