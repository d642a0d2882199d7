"""``igf-hub demo load`` and ``igf-hub serve --demo``, run as a user would: the demo loads once, then is refused
politely (or, by serve, left as it is), and the audit log still verifies."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import httpx

from igf_hub.core.settings import Settings
from tests.test_cli import IGF_HUB, _free_port, _wait, run


def test_demo_load_loads_once_then_refuses(settings: Settings) -> None:
    env = {
        **os.environ,
        "IGF_HUB_DATABASE_URL": settings.db.url,
        "IGF_HUB_REDIS_URL": settings.redis.url,
        "IGF_HUB_LOG_LEVEL": "warning",
    }
    loaded = run(["demo", "load"], env)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.startswith(
        "demo: loaded 19 NRIs with 7 activity reports and 3 more on their way to recognition, 8 tracks"
    ), loaded.stdout

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


def _serve_demo_once(env: dict[str, str], port: int, log: Path) -> str:
    """Run ``serve --demo`` until it answers, read the NRI directory, stop it; its output."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [*IGF_HUB, "serve", "--demo", "--no-worker"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:

        def ready() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
            except httpx.HTTPError:
                assert proc.poll() is None, log.read_text()
                return False

        _wait(ready, 90, "serve --demo to become ready")
        nris = httpx.get(f"http://127.0.0.1:{port}/v1/nris", params={"limit": 100}).json()["items"]
        assert len(nris) == 19
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
    return log.read_text()


def test_serve_demo_loads_a_fresh_database_once(settings: Settings, tmp_path: Path) -> None:
    """``serve --demo`` loads the demo before it serves, and on a database that has it, serves it as it is."""
    port = _free_port()
    env = {
        **os.environ,
        "IGF_HUB_DATABASE_URL": settings.db.url,
        "IGF_HUB_REDIS_URL": settings.redis.url,
        "IGF_HUB_PORT": str(port),
        "IGF_HUB_LOG_LEVEL": "warning",
    }
    first = _serve_demo_once(env, port, tmp_path / "first.log")
    assert "demo: loaded 19 NRIs" in first, first
    second = _serve_demo_once(env, port, tmp_path / "second.log")
    assert "demo: not loaded, the database already holds NRIs" in second, second
