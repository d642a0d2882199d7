"""The development mailbox: what `./dev serve` would have sent, caught by its local SMTP sink."""

from __future__ import annotations

import email
import email.policy
import mailbox
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from litestar import Response, get
from litestar.exceptions import NotFoundException

from igf_hub.auth.principal import AnyRequest
from igf_hub.core.caching import NO_STORE
from igf_hub.core.mail import mailbox_path
from igf_hub.core.settings import Environment, Settings
from igf_hub.web.errors import PageController
from igf_hub.web.templating import render

_URL = re.compile(r"(https?://[^\s<>\"']+)")


@dataclass(frozen=True)
class MailboxEntry:
    key: str
    to: str
    subject: str
    date: datetime | None
    message_id: str


def _parse(raw: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _date(message: EmailMessage) -> datetime | None:
    try:
        return parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        return None


def _maildir(settings: Settings) -> mailbox.Maildir | None:
    path: Path = mailbox_path(settings)
    return mailbox.Maildir(path, create=False) if (path / "cur").is_dir() else None


def _entries(settings: Settings) -> list[MailboxEntry]:
    box = _maildir(settings)
    if box is None:
        return []
    entries = []
    for key in box.iterkeys():
        message = _parse(box.get_bytes(key))
        entries.append(
            MailboxEntry(
                key=key,
                to=str(message["To"] or ""),
                subject=str(message["Subject"] or ""),
                date=_date(message),
                message_id=str(message["Message-ID"] or ""),
            )
        )
    return sorted(entries, key=lambda e: (e.date is not None, e.date or datetime.min), reverse=True)


def linked(text: str) -> list[tuple[str, bool]]:
    """The text cut into (piece, is_link) so that a template can make each web address a link."""
    return [(piece, bool(_URL.fullmatch(piece))) for piece in _URL.split(text) if piece]


def _development(settings: Settings) -> None:
    if settings.environment is not Environment.development:
        raise NotFoundException("the development mailbox exists in development only")


class DevMailboxPage(PageController):
    """What ``./dev serve`` would have sent, caught by its local SMTP sink (development only: 404 elsewhere)."""

    path = "/dev/mailbox"

    @get("/", name="people:dev-mailbox", cache_control=NO_STORE)
    async def index(self, request: AnyRequest, settings: Settings) -> Response[Any]:
        """Every message in the development mailbox, newest first."""
        _development(settings)
        return render(request, "people/mailbox.html", {"entries": _entries(settings)})

    @get("/{key:str}", name="people:dev-mailbox-message", cache_control=NO_STORE)
    async def message(self, request: AnyRequest, settings: Settings, key: str) -> Response[Any]:
        """One message: its headers and its plain-text part, every web address in it a link."""
        _development(settings)
        box = _maildir(settings)
        if box is None or key not in box:
            raise NotFoundException("no such message")
        message = _parse(box.get_bytes(key))
        body = message.get_body(preferencelist=("plain", "html"))
        text = body.get_content() if body is not None else ""
        headers = [
            (name, str(message[name]))
            for name in (
                "From",
                "To",
                "Subject",
                "Date",
                "Message-ID",
                "List-Unsubscribe",
                "List-Unsubscribe-Post",
            )
            if message[name]
        ]
        return render(
            request,
            "people/mailbox_message.html",
            {"subject": str(message["Subject"] or ""), "headers": headers, "pieces": linked(text)},
        )
