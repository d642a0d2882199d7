"""Every collected test has its own node id: xdist (``./dev test -n 2 --dist loadgroup``, as CI runs the suite)
schedules by node id, so tests sharing one silently never ran (tests/conftest.py ``_unique_node_ids``)."""

from __future__ import annotations

import collections
import subprocess
import sys
from pathlib import Path
from typing import cast

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_every_generated_fuzz_case_has_its_own_node_id() -> None:
    listed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/hardening/test_fuzz.py",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    ).stdout
    node_ids = [line for line in listed.splitlines() if "::" in line]
    assert len(node_ids) > 100, listed[-2000:]
    assert len(set(node_ids)) == len(node_ids)
    assert "tests/hardening/test_fuzz.py::test_as_the_secretariat[GET /v1/audit]" in node_ids


class _Item:
    def __init__(self, nodeid: str) -> None:
        self.nodeid = nodeid


def test_browser_tests_share_both_workers_in_whole_modules() -> None:
    """CI's two workers each run one group of browser tests (tests/conftest.py ``_browser_groups``): whole
    modules, so a module's fixtures stay on one worker, and groups of about as many tests each."""
    from tests.conftest import _browser_groups

    items = [
        _Item(f"tests/{module}.py::test_{n}")
        for module, count in (("a", 5), ("b", 3), ("c", 2))
        for n in range(count)
    ]
    groups = _browser_groups(cast(list[pytest.Item], items))
    assert set(groups.values()) == {"browser-1", "browser-2"}
    for module in ("a", "b", "c"):
        assert (
            len({group for item, group in groups.items() if item.nodeid.startswith(f"tests/{module}.py")})
            == 1
        )
    sizes = collections.Counter(groups.values())
    assert sorted(sizes.values()) == [5, 5]
