"""Issue 14 item 7: sign-in throttling over real HTTP on 127.0.0.1, as production serves it.

Before: 40 parallel wrong passwords got 14 password checks against a limit of 5 (the count was read before and
written after the slow check); a new X-Forwarded-For per attempt, believed from loopback, made each one a fresh
(e-mail, address) pair; and nothing limited one account across addresses.
"""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from collections.abc import AsyncIterator

import asyncpg
import httpx
import msgspec
import pytest
import uvicorn

from igf_hub.app import create_app
from igf_hub.auth.principal import Role
from igf_hub.core import proxies
from igf_hub.core.clock import Clock
from igf_hub.core.settings import AuthSettings, Settings, load_settings
from tests.conftest import BASE_URL
from tests.support.audit import chain_audit
from tests.support.auth import TokenFactory, pkce_pair

PASSWORD = "correct horse battery staple"
LIMIT = 3  # per (e-mail, address)
ACCOUNT_LIMIT = 7  # per account, any address


async def _serve(settings: Settings, clock: Clock) -> AsyncIterator[str]:
    """The app behind uvicorn with the options `igf-hub serve` uses for forwarding headers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    app = create_app(settings, clock=clock)
    config = uvicorn.Config(app, lifespan="on", log_level="warning", **proxies.server_options(settings))
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task


def _configured(settings: Settings, trusted_proxies: str = "") -> Settings:
    return msgspec.structs.replace(
        settings,
        trusted_proxies=trusted_proxies,
        auth=AuthSettings(signin_max_failures=LIMIT, signin_account_max_failures=ACCOUNT_LIMIT),
    )


@pytest.fixture
async def served(settings: Settings, clock: Clock) -> AsyncIterator[str]:
    async for url in _serve(_configured(settings), clock):
        yield url


@pytest.fixture
async def behind_proxy(settings: Settings, clock: Clock) -> AsyncIterator[str]:
    async for url in _serve(_configured(settings, trusted_proxies="127.0.0.1"), clock):
        yield url


async def _sign_in(
    http: httpx.AsyncClient, email: str, password: str, forwarded_for: str | None = None
) -> httpx.Response:
    _, challenge = pkce_pair()
    params = {
        "response_type": "code",
        "client_id": "igf-hub-console",
        "redirect_uri": f"{BASE_URL}/signin/callback",
        "scope": "api",
        "state": "s",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return await http.post(
        "/oauth/authorize", data={**params, "email": email, "password": password}, headers=headers
    )


async def test_parallel_wrong_passwords_get_exactly_the_limit_of_checks(
    served: str, tokens: TokenFactory
) -> None:
    person = await tokens.user(password=PASSWORD)
    async with httpx.AsyncClient(base_url=served, timeout=60) as http:
        answers = await asyncio.gather(*(_sign_in(http, person.user.email, "wrong") for _ in range(40)))
        statuses = Counter(a.status_code for a in answers)
        assert statuses == {401: LIMIT, 429: 40 - LIMIT}, statuses
        limited = next(a for a in answers if a.status_code == 429)
        assert 0 < int(limited.headers["retry-after"]) <= 900
        assert "Too many failed sign-ins (3). Try again in 15 minutes." in limited.text
        assert (await _sign_in(http, person.user.email, PASSWORD)).status_code == 429  # even the right one


async def test_forwarded_for_is_not_believed_unless_the_peer_is_a_configured_proxy(
    served: str, tokens: TokenFactory
) -> None:
    person = await tokens.user(password=PASSWORD)
    async with httpx.AsyncClient(base_url=served, timeout=60) as http:
        statuses = [
            (await _sign_in(http, person.user.email, "wrong", forwarded_for=f"198.51.100.{i}")).status_code
            for i in range(LIMIT + 2)
        ]
    assert statuses == [401] * LIMIT + [429, 429]


async def test_the_account_locks_across_addresses_until_the_secretariat_lifts_it(
    behind_proxy: str, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    person = await tokens.user(password=PASSWORD)
    admin = await tokens.user(Role.secretariat)
    other = await tokens.user(password=PASSWORD)
    async with httpx.AsyncClient(base_url=behind_proxy, timeout=60) as http:
        # Behind a configured proxy each forwarded address has its own count ...
        statuses = [
            (
                await _sign_in(http, person.user.email, "wrong", forwarded_for=f"198.51.100.{i // 2}")
            ).status_code
            for i in range(ACCOUNT_LIMIT)
        ]
        assert statuses == [401] * ACCOUNT_LIMIT
        # ... but the account's count is over all of them: the next attempt, from anywhere, is refused.
        locked = await _sign_in(http, person.user.email, PASSWORD, forwarded_for="203.0.113.9")
        assert locked.status_code == 429
        assert (
            await _sign_in(http, person.user.email, "wrong", forwarded_for="203.0.113.8")
        ).status_code == 429
        assert "This account is locked after 7 failed sign-ins" in locked.text
        assert "ask the IGF Secretariat to unlock it" in locked.text
        assert 3500 < int(locked.headers["retry-after"]) <= 3600
        # Another account is not affected.
        assert (
            await _sign_in(http, other.user.email, PASSWORD, forwarded_for="203.0.113.9")
        ).status_code == 302

        lift = f"/v1/users/{person.id}/sign-in-lockout"
        assert (await http.delete(lift, headers=other.headers)).status_code == 403
        assert (await http.delete(lift)).status_code == 401
        lifted = await http.delete(lift, headers=admin.headers)
        assert lifted.status_code == 204, lifted.text
        signed_in = await _sign_in(http, person.user.email, PASSWORD, forwarded_for="203.0.113.9")
        assert signed_in.status_code == 302, signed_in.text
        # Lifting cleared the per-address counts too.
        assert (
            await _sign_in(http, person.user.email, PASSWORD, forwarded_for="198.51.100.0")
        ).status_code == 302
    async with db.acquire() as conn:
        await chain_audit(conn)
        rows = await conn.fetch(
            "SELECT action, actor, subject_id, data FROM audit_log WHERE action LIKE 'user.sign_in_lock%' ORDER BY seq"
        )
    assert [(r["action"], r["actor"], r["subject_id"]) for r in rows] == [
        ("user.sign_in_locked_out", "anonymous", str(person.id)),  # once, when it happened
        ("user.sign_in_lockout_lifted", f"user:{admin.id}", str(person.id)),
    ]
    assert rows[0]["data"] == {"failed_sign_ins": ACCOUNT_LIMIT, "seconds": 3600}
    assert rows[1]["data"] == {"was_locked_out": True}


def test_trusted_proxies_is_a_validated_setting() -> None:
    assert proxies.server_options(load_settings({})) == {"proxy_headers": False}
    behind = load_settings({"IGF_HUB_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7"})
    assert proxies.server_options(behind) == {
        "proxy_headers": True,
        "forwarded_allow_ips": ["10.0.0.0/8", "192.0.2.7"],
    }
    with pytest.raises(msgspec.ValidationError, match="'ingress' is not an IP address or CIDR range"):
        load_settings({"IGF_HUB_TRUSTED_PROXIES": "ingress"})
