"""A real SMTP server on 127.0.0.1 (aiosmtpd) in the test's event loop: tests read the mail igf_hub sends.

A message counts as received only once the server has answered 250 to its data, as with any SMTP server; a
test can make the server hold its answer (``hold()``) to catch a sender mid-send, and a client that goes away
meanwhile leaves nothing received (aiosmtpd cancels the handler when the connection is lost).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from igf_hub.core.settings import MailSecurity, MailSettings


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    def part(self, subtype: str) -> str:
        """The text of the ``text/<subtype>`` part."""
        found = self.message.get_body(preferencelist=(subtype,))
        assert found is not None, f"no text/{subtype} part in {self.message}"
        content: str = found.get_content()
        return content

    @property
    def text(self) -> str:
        return self.part("plain")

    @property
    def html(self) -> str:
        return self.part("html")


class SmtpServer:
    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.started = 0  # DATA commands whose content arrived (accepted or not)
        self._hold: asyncio.Event | None = None
        self._arrived = asyncio.Condition()
        self._server: asyncio.base_events.Server | None = None
        self.port = 0

    def settings(self) -> MailSettings:
        """igf_hub's mail settings for this server."""
        return MailSettings(host="127.0.0.1", port=self.port, security=MailSecurity.none, timeout=5.0)

    def env(self) -> dict[str, str]:
        """The same, as a worker process's environment."""
        return {
            "IGF_HUB_SMTP_HOST": "127.0.0.1",
            "IGF_HUB_SMTP_PORT": str(self.port),
            "IGF_HUB_SMTP_SECURITY": "none",
        }

    def hold(self) -> asyncio.Event:
        """Hold the answer to every message's data until the returned event is set."""
        self._hold = asyncio.Event()
        return self._hold

    def release(self) -> None:
        if self._hold is not None:
            self._hold.set()
        self._hold = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.started += 1
        async with self._arrived:
            self._arrived.notify_all()
        if self._hold is not None:
            await self._hold.wait()  # cancelled, with nothing stored, if the client goes away
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), parsed))
        async with self._arrived:
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    async def wait_for(self, count: int, *, within: float = 10, started: bool = False) -> list[Received]:
        """Until ``count`` messages were received (or, ``started``, had their data arrive)."""

        def enough() -> bool:
            return (self.started if started else len(self.messages)) >= count

        async with asyncio.timeout(within), self._arrived:
            await self._arrived.wait_for(enough)
        return list(self.messages)

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address.lower() in (r.lower() for r in m.rcpt_tos)]

    async def start(self) -> SmtpServer:
        loop = asyncio.get_running_loop()

        def protocol() -> Any:
            return SMTP(self, hostname="smtp.test", ident="igf-hub test SMTP")

        self._server = await loop.create_server(protocol, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        self.release()
        if self._server is not None:
            self._server.close()


@asynccontextmanager
async def smtp_server() -> AsyncIterator[SmtpServer]:
    server = await SmtpServer().start()
    try:
        yield server
    finally:
        await server.stop()
