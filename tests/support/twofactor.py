"""Two-factor for tests: set TOTP up for a user as the pages do, and pass the second step of signing in."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from uuid import UUID

import asyncpg
import httpx

from igf_hub.auth import totp
from igf_hub.auth.twofactor_service import TwoFactorService
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from tests.support.web import WebClient

CHALLENGE = re.compile(r'name="challenge" value="([^"]+)"')
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def secret_of(text: str) -> bytes:
    """The secret from its base32 text as the page shows it (in groups, without padding)."""
    compact = "".join(text.split())
    return base64.b32decode(compact + "=" * (-len(compact) % 8))


def code(secret: bytes, clock: Clock, shift: int = 0) -> str:
    return totp.totp(secret, clock.now().timestamp() + shift)


async def enrol(db: asyncpg.Pool, settings: Settings, clock: Clock, user_id: UUID) -> tuple[bytes, list[str]]:
    """TOTP set up for a user; (secret, recovery codes). The clock moves one step on, so the code used to
    confirm is not the one a test enters next."""
    async with db.acquire() as conn, conn.transaction():
        service = TwoFactorService(conn, clock, settings)
        enrolment = await service.start_totp(user_id, "someone@example.org")
        assert enrolment is not None
        secret = secret_of(enrolment.secret)
        outcome, codes = await service.confirm_totp(user_id, code(secret, clock))
        assert outcome == "accepted"
    clock.advance(timedelta(seconds=30))
    return secret, codes


async def second_step(browser: WebClient, email: str, password: str) -> tuple[httpx.Response, str]:
    """The page after the password; (the page, "challenge|csrf token" for ``enter``)."""
    answer = await browser.sign_in(email, password)
    assert answer.status_code == 200, answer.text
    challenge, token = CHALLENGE.search(answer.text), TOKEN.search(answer.text)
    assert challenge is not None and token is not None
    return answer, f"{challenge.group(1)}|{token.group(1)}"


async def enter(browser: WebClient, step: str, value: str) -> httpx.Response:
    challenge, _, token = step.partition("|")
    return await browser.post(
        "/signin/second-factor", {"csrf_token": token, "challenge": challenge, "code": value}
    )


async def sign_in(
    browser: WebClient, email: str, password: str, secret: bytes, clock: Clock
) -> httpx.Response:
    """Both steps; the second one's answer (303 to where the sign-in leads)."""
    _, step = await second_step(browser, email, password)
    return await enter(browser, step, code(secret, clock))
