"""Webhook tests run against real consumers on 127.0.0.1 (allowlisted here) and drive the dispatcher by hand."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import msgspec
import pytest

from igf_hub.auth.principal import Role
from igf_hub.core import outbox
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings, WebhookSettings
from igf_hub.webhooks import transport
from igf_hub.webhooks.dispatcher import Dispatcher
from tests.support.auth import Caller, TokenFactory
from tests.support.consumer import ConsumerServer

TEST_SECRETS_KEY = "q3iKhT1nH3GsXJb0cQ7uVf2mY8zR4wLp6aE9dN5oBkU"
UNGIS = UUID("dccce80e-91f7-4a05-b3ca-9233becf7d05")
CSTD = UUID("3b79b311-09da-4c97-ad58-67efa19ed7bf")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings, with loopback allowlisted (the consumers run on 127.0.0.1) and a secrets key;
    the worker's own dispatcher is off unless a test turns it on (tests call Dispatcher.run_once)."""
    return msgspec.structs.replace(
        settings,
        webhooks=WebhookSettings(
            allowed_hosts="127.0.0.1",
            secrets_key=TEST_SECRETS_KEY,
            run_dispatcher=False,
            poll_interval=0.05,
            request_timeout=5.0,
            lease_seconds=60,
        ),
    )


@pytest.fixture
async def consumer(clock: Clock) -> AsyncIterator[ConsumerServer]:
    async with ConsumerServer(now=lambda: clock.now().timestamp()) as server:
        yield server


@pytest.fixture
async def http(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The worker's client (webhooks/transport.py: httpx's API over aiohttp)."""
    async with transport.client(settings.webhooks.max_in_flight) as client:
        yield client


@pytest.fixture
def dispatcher(db: asyncpg.Pool, http: httpx.AsyncClient, settings: Settings, clock: Clock) -> Dispatcher:
    return Dispatcher(db, http, settings, clock, rng=random.Random(7))


@pytest.fixture
async def admin(tokens: TokenFactory) -> Caller:
    return await tokens.user(Role.secretariat)


async def publish(db: asyncpg.Pool, event_type: str, subject: object, data: dict[str, Any]) -> outbox.Event:
    """Publish a domain event the way a domain does: in its own committed transaction."""
    async with db.acquire() as conn, conn.transaction():
        return await outbox.publish(conn, event_type, subject=subject, data=data)


def approved_message(
    subject: UUID,
    *,
    title: str = "Bridging digital divides",
    lines: list[str] | None = None,
    text: str = "The IGF calls on all stakeholders to close the digital divides.",
) -> dict[str, Any]:
    """``message.approved`` data as the contract describes it: the complete approved Message."""
    return {
        "id": str(subject),
        "year": 2026,
        "theme": "universal-access",
        "title": title,
        "version": 3,
        "content_sha256": "0" * 64,
        "languages": [
            {"language": "en", "text": text},
            {"language": "fr", "text": "Le FGI appelle à réduire."},
        ],
        "classification": {"wsis_action_lines": lines or ["C2"], "sdgs": [9], "gdc_objectives": [1]},
        "provenance": [],
        "links": {"self": f"/v1/messages/{subject}"},
    }


async def register(
    client: httpx.AsyncClient, caller: Caller, consumer_id: UUID, url: str, **fields: Any
) -> dict[str, Any]:
    body = {"url": url, "event_types": ["message.approved"], **fields}
    response = await client.post(f"/v1/consumers/{consumer_id}/endpoints", json=body, headers=caller.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def verify(client: httpx.AsyncClient, caller: Caller, endpoint: dict[str, Any]) -> dict[str, Any]:
    """The handshake's second step, once the consumer stores the secret: ask for the verification ping."""
    response = await client.post(
        f"/v1/consumers/{endpoint['consumer_id']}/endpoints/{endpoint['id']}/ping", headers=caller.headers
    )
    assert response.status_code == 202, response.text
    ping: dict[str, Any] = response.json()
    return ping


async def verified_endpoint(
    client: httpx.AsyncClient,
    caller: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    consumer_id: UUID = UNGIS,
    **fields: Any,
) -> dict[str, Any]:
    """Register an endpoint on the consumer server, store its secret there, and let the ping verify it."""
    endpoint = await register(client, caller, consumer_id, consumer.url(), **fields)
    consumer.trust(endpoint["secret"], public_key=consumer.verifier.public_key)
    before = len(consumer.received)
    await verify(client, caller, endpoint)
    await dispatcher.run_once()
    ping = consumer.received[before]
    assert ping.json()["type"] == "webhook.ping" and ping.signature_ok
    return endpoint


def later(clock: Clock, seconds: float) -> None:
    """Move time past a retry delay (delays carry up to +20 % jitter)."""
    clock.advance(timedelta(seconds=seconds * 1.25 + 1))
