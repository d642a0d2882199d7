"""One live app per test module (see live.py), and the world the matrix and the fuzzing act on."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import pytest

from igf_hub.core.settings import Settings, WebhookSettings
from tests.conftest import Servers
from tests.hardening.live import LiveApp
from tests.hardening.world import World, seed
from tests.webhooks.conftest import TEST_SECRETS_KEY


def _configure(settings: Settings) -> Settings:
    """Webhook endpoints on loopback are allowed (none is ever called: no dispatcher runs here)."""
    webhooks = WebhookSettings(allowed_hosts="127.0.0.1", secrets_key=TEST_SECRETS_KEY, run_dispatcher=False)
    return msgspec.structs.replace(settings, webhooks=webhooks)


@pytest.fixture(scope="module")
def live(servers: Servers, template: str) -> Iterator[LiveApp]:
    app = LiveApp(servers, template, _configure).start()
    try:
        yield app
    finally:
        app.stop()


@pytest.fixture(scope="module")
def world(live: LiveApp) -> World:
    return live.run(seed(live.client, live.tokens, live.settings), timeout=120)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Generated tests (one per operation) cannot take a marker in their module: a module lists its known
    failures as KNOWN_FAILURES = {"[GET /path][caller]": reason}; each becomes a strict xfail."""
    for item in items:
        known: dict[str, str] = getattr(getattr(item, "module", None), "KNOWN_FAILURES", {})
        for suffix, reason in known.items():
            if item.name.endswith(suffix):
                item.add_marker(pytest.mark.xfail(strict=True, reason=reason))
