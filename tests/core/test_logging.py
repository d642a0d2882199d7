"""Every line a real server writes is JSON in production: a real ``igf-hub serve`` (API and worker) as a
subprocess, logging as configured from the environment, read from its stderr. (Litestar's default logging
config used to replace ours when the app was built, so uvicorn's lines came out as plain text; a test that
configured logging after the app existed and skipped non-JSON lines could not see it.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from igf_hub.core.settings import Settings
from tests.test_cli import _free_port


def _wait(predicate: Any, seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; log:\n{log.read_text()[-4000:]}")
        time.sleep(0.1)


def test_every_line_of_a_real_server_run_is_json(settings: Settings, tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IGF_HUB_")}
    env |= {
        "IGF_HUB_DATABASE_URL": settings.db.url,
        "IGF_HUB_REDIS_URL": settings.redis.url,
        "IGF_HUB_PORT": str(port),
        "IGF_HUB_LOG_FORMAT": "json",
        "IGF_HUB_LOG_LEVEL": "info",
    }
    log = tmp_path / "stderr.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "igf_hub", "serve"], env=env, stdout=subprocess.DEVNULL, stderr=err
        )
    try:

        def ready() -> bool:
            assert proc.poll() is None, log.read_text()
            try:
                return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        _wait(ready, 90, "serve to become ready", log)
        _wait(lambda: "worker.started" in log.read_text(), 90, "the worker to start", log)
        response = httpx.get(f"http://127.0.0.1:{port}/v1/vocab/sdgs", headers={"X-Request-Id": "req-42"})
        assert response.status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/v1/nope").status_code == 404
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)

    lines = [line for line in log.read_text().splitlines() if line.strip()]
    for line in lines:
        try:
            json.loads(line)
        except ValueError:
            raise AssertionError(f"a log line is not JSON: {line!r}") from None
    records = [json.loads(line) for line in lines]
    access = [r for r in records if r.get("event") == "request.completed" and r.get("request_id") == "req-42"]
    assert access == [{**access[0], "method": "GET", "path": "/v1/vocab/sdgs", "status": 200}]
    assert access[0]["level"] == "info" and access[0]["timestamp"].endswith("Z")
    # The libraries' lines too: uvicorn's start and stop, arq's worker.
    events = {(r.get("logger"), r["event"]) for r in records}
    assert ("uvicorn.error", "Application startup complete.") in events
    assert ("uvicorn.error", "Application shutdown complete.") in events
    assert any(logger == "arq.worker" for logger, _ in events)
