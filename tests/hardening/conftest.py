"""One live app per test module (see live.py): fuzzing and the authorization matrix share its database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import Servers
from tests.hardening.live import LiveApp


@pytest.fixture(scope="module")
def live(servers: Servers, template: str) -> Iterator[LiveApp]:
    app = LiveApp(servers, template).start()
    try:
        yield app
    finally:
        app.stop()
