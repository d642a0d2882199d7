"""The yearly report's tests: webhooks reach real consumers on 127.0.0.1 (allowlisted here), as in tests/webhooks."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import asyncpg
import httpx
import msgspec
import pytest

from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings, WebhookSettings
from igf_hub.webhooks.dispatcher import Dispatcher
from tests.support.consumer import ConsumerServer
from tests.webhooks.conftest import TEST_SECRETS_KEY


@pytest.fixture
def settings(settings: Settings) -> Settings:
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
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(follow_redirects=False) as client:
        yield client


@pytest.fixture
def dispatcher(db: asyncpg.Pool, http: httpx.AsyncClient, settings: Settings, clock: Clock) -> Dispatcher:
    return Dispatcher(db, http, settings, clock, rng=random.Random(7))
