"""The igf-hub command line, run as a user would: as a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from igf_hub.core.settings import Settings
from tests.support.audit import chain_audit

IGF_HUB = [sys.executable, "-m", "igf_hub"]


def run(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*IGF_HUB, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture
def production_env(settings: Settings) -> dict[str, str]:
    """The CLI pointed at this test's database and Valkey: nothing embedded is started."""
    return {
        **os.environ,
        "IGF_HUB_DATABASE_URL": settings.db.url,
        "IGF_HUB_REDIS_URL": settings.redis.url,
        "IGF_HUB_LOG_LEVEL": "warning",
    }


def test_users_and_clients_create(production_env: dict[str, str], db: asyncpg.Pool) -> None:
    created = run(["users", "create", "--email", "sec@example.org", "--role", "secretariat"], production_env)
    assert created.returncode == 0, created.stderr
    lines = dict(line.split(": ", 1) for line in created.stdout.strip().splitlines())
    assert lines["email"] == "sec@example.org" and len(lines["password"]) >= 12
    again = run(["users", "create", "--email", "sec@example.org"], production_env)
    assert again.returncode == 1 and "already registered" in again.stderr
    bad = run(["users", "create", "--email", "not-an-email"], production_env)
    assert bad.returncode == 2
    # The password rules of sign-up apply (auth/password_rules.py): a known password is refused in a sentence.
    known = run(
        ["users", "create", "--email", "weak@example.org", "--password", "password12345678"], production_env
    )
    assert known.returncode == 2, known.stderr
    assert "--password: This password is on a list of passwords that attackers try first" in known.stderr

    plain = run(["clients", "create", "--name", "CSTD feed", "--role", "consumer"], production_env)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.startswith("client_id: igfc_") and "\nclient_secret: igfs_" in plain.stdout
    as_json = run(
        ["clients", "create", "--name", "UNGIS feed", "--role", "consumer", "--json"], production_env
    )
    client = json.loads(as_json.stdout)
    assert client["client_secret"].startswith("igfs_") and client["grants"][0]["role"] == "consumer"


def test_migrate_status_and_audit_verify(production_env: dict[str, str], settings: Settings) -> None:
    status = run(["migrate", "status"], production_env)
    assert (
        status.returncode == 0
        and "applied  0003_identity" in status.stdout
        and "pending" not in status.stdout
    )
    assert run(["users", "create", "--email", "a@example.org"], production_env).returncode == 0
    intact = run(["audit", "verify"], production_env)
    assert intact.returncode == 0 and "audit log intact: 1 rows" in intact.stdout

    async def forge() -> None:
        conn = await asyncpg.connect(settings.db.url)
        await conn.execute("SET session_replication_role = replica")
        await chain_audit(conn)
        await conn.execute("UPDATE audit_log SET actor = 'someone-else'")
        await conn.close()

    import asyncio

    asyncio.run(forge())
    tampered = run(["audit", "verify", "--json"], production_env)
    assert tampered.returncode == 1
    assert json.loads(tampered.stdout)["breaks"] == [{"seq": 1, "reason": "content does not match its hash"}]


# -- the embedded default: serve, restart, and no orphans -----------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is dead for our purposes.
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def _wait(predicate: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@contextmanager
def serving(env: dict[str, str], port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "ab") as out:
        proc = subprocess.Popen([*IGF_HUB, "serve"], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:

        def ready() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
            except httpx.HTTPError:
                assert proc.poll() is None, log.read_text()
                return False

        _wait(ready, 90, "serve to become ready")
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.wait(60)


def _server_pids(data_dir: Path) -> list[int]:
    servers = json.loads((data_dir / "servers.json").read_text())
    return [servers["postgres"]["pid"], servers["valkey"]["pid"]]


def test_serve_keeps_data_across_restarts_and_leaves_no_orphans(tmp_path: Path) -> None:
    # pytest's tmp_path is private to root; a world-traversable dir keeps the cluster in the data dir itself.
    data_dir = Path(tempfile.mkdtemp(prefix="igf-hub-serve-"))
    data_dir.chmod(0o755)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IGF_HUB_")}
    env |= {"IGF_HUB_DATA_DIR": str(data_dir), "IGF_HUB_PORT": str(port), "IGF_HUB_LOG_LEVEL": "warning"}
    log = tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"

    with serving(env, port, log) as first:
        assert "password:" in log.read_text()  # first start: the bootstrap admin is announced
        pids = _server_pids(data_dir)
        # A CLI command while serve runs finds its servers instead of starting others.
        made = run(["clients", "create", "--name", "pull", "--role", "secretariat", "--json"], env)
        assert made.returncode == 0, made.stderr
        assert _server_pids(data_dir) == pids
        client = json.loads(made.stdout)
        auth = (client["client_id"], client["client_secret"])
        token = httpx.post(f"{base}/oauth/token", data={"grant_type": "client_credentials"}, auth=auth).json()
        me = httpx.get(f"{base}/v1/me", headers={"Authorization": f"Bearer {token['access_token']}"})
        assert me.json()["roles"] == ["secretariat"]
    assert first.returncode == 0
    _wait(lambda: not any(_alive(p) for p in pids), 30, "the servers to stop with serve")

    log.write_text("")
    with serving(env, port, log) as second:
        assert "password:" not in log.read_text()  # not the first start any more
        token = httpx.post(f"{base}/oauth/token", data={"grant_type": "client_credentials"}, auth=auth).json()
        assert "access_token" in token  # the client and the signing key survived the restart
        pids = _server_pids(data_dir)
        worker = [
            int(p)
            for p in subprocess.run(
                ["pgrep", "-P", str(second.pid)], capture_output=True, text=True, check=False
            ).stdout.split()
        ]
        second.kill()  # no clean shutdown at all
        second.wait()
        _wait(lambda: not any(_alive(p) for p in [*pids, *worker]), 30, "orphans to die with their parent")

    # With serve gone, a command starts the servers itself and stops them afterwards.
    verified = run(["audit", "verify"], env)
    assert verified.returncode == 0, verified.stderr
    assert not (data_dir / "servers.json").exists()
    shutil.rmtree(data_dir, ignore_errors=True)


def test_sigterm_stops_serve_cleanly(tmp_path: Path) -> None:
    """uvicorn re-raised the SIGTERM it had handled, which killed serve before its cleanup: the worker and the
    embedded PostgreSQL died at once, in no order, and the worker logged "Future exception was never
    retrieved … connection_lost" with a traceback. Now: the API, then the worker, then the servers stop."""
    data_dir = Path(tempfile.mkdtemp(prefix="igf-hub-sigterm-"))
    data_dir.chmod(0o755)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IGF_HUB_")}
    env |= {"IGF_HUB_DATA_DIR": str(data_dir), "IGF_HUB_PORT": str(port), "IGF_HUB_LOG_LEVEL": "info"}
    log = tmp_path / "serve.log"
    with serving(env, port, log) as proc:
        _wait(lambda: "worker.started" in log.read_text(), 90, "the worker to start")
        assert httpx.get(f"http://127.0.0.1:{port}/v1/transparency/summary").status_code == 200
        pids = _server_pids(data_dir)
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    text = log.read_text()
    assert proc.returncode == 0, text[-4000:]
    for sign in ("Traceback", "never retrieved", "Failed to restore", "[error", "[warning", "[critical"):
        assert sign not in text, text[-4000:]
    _wait(lambda: not any(_alive(p) for p in pids), 30, "the servers to stop with serve")
    assert not (data_dir / "servers.json").exists()  # stopped by serve itself, not killed with it
    shutil.rmtree(data_dir, ignore_errors=True)


def test_serve_runs_on_uvloop_and_httptools(settings: Settings) -> None:
    """The shipped server stack (issue 22, bench/README.md "Server stacks"): named, installed, and loadable — a
    missing uvloop or httptools fails here, not at a production start."""
    import uvicorn.protocols.http.httptools_impl as httptools_impl
    import uvloop

    from igf_hub.__main__ import server_config

    config = server_config(object(), settings)
    config.load()
    assert (config.loop, config.http) == ("uvloop", "httptools")
    assert config.http_protocol_class is httptools_impl.HttpToolsProtocol
    assert config.get_loop_factory() is uvloop.new_event_loop
    assert (config.access_log, config.server_header) == (False, False)
