"""The people tests use the page tests' server (``site``: the app over real HTTP on 127.0.0.1); notices run on
real PostgreSQL and Valkey, with mail read from a real SMTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import msgspec
import pytest

from igf_hub.core import notice_kinds
from igf_hub.core.notice_kinds import NoticeKind
from igf_hub.core.settings import Settings
from tests.support.smtp import SmtpServer, smtp_server
from tests.web.conftest import site

__all__ = ["site"]

# Kinds for the pipeline's own tests, with the shared body template (greeting, link, footer).
PLAIN = NoticeKind(
    name="test.plain", label="A test notice", subject="Test notice %(what)s", template="people/mail/notice"
)
SECURITY = NoticeKind(
    name="test.security",
    label="A test security notice",
    subject="Security test",
    template="people/mail/notice",
    security=True,
)
DAILY = NoticeKind(
    name="test.daily",
    label="A daily test notice",
    subject="Daily test %(what)s",
    template="people/mail/notice",
    default_delivery="daily",
)


@pytest.fixture
def test_kinds() -> None:
    notice_kinds.register([PLAIN, SECURITY, DAILY])


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpServer]:
    async with smtp_server() as server:
        yield server


@pytest.fixture
def mail_settings(settings: Settings, smtp: SmtpServer) -> Settings:
    """The test's settings, sending to the test SMTP server."""
    return msgspec.structs.replace(settings, mail=smtp.settings())
