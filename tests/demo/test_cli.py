"""``igf-hub demo load``, run as a user would: it loads once, then refuses politely, and the audit log still
verifies."""

from __future__ import annotations

import os

from igf_hub.core.settings import Settings
from tests.test_cli import run


def test_demo_load_loads_once_then_refuses(settings: Settings) -> None:
    env = {
        **os.environ,
        "IGF_HUB_DATABASE_URL": settings.db.url,
        "IGF_HUB_REDIS_URL": settings.redis.url,
        "IGF_HUB_LOG_LEVEL": "warning",
    }
    loaded = run(["demo", "load"], env)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.startswith("demo: loaded 19 NRIs, 8 tracks"), loaded.stdout

    again = run(["demo", "load"], env)
    assert again.returncode == 1
    assert again.stderr.strip() == (
        "igf-hub demo load: the database already holds NRIs, tracks, MAG cycles, donors, Messages: the "
        "demonstration data loads only into an empty one (start with a fresh data dir, e.g. "
        "IGF_HUB_DATA_DIR=.igf_hub-demo)"
    )
    assert "Traceback" not in again.stderr

    verified = run(["audit", "verify"], env)
    assert verified.returncode == 0 and "audit log intact" in verified.stdout, verified.stdout
