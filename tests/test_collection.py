"""Every collected test has its own node id: xdist (``./dev test -n 2 --dist loadgroup``, as CI runs the suite)
schedules by node id, so tests sharing one silently never ran (tests/conftest.py ``_unique_node_ids``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
