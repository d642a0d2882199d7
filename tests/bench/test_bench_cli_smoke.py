"""The transparency, webhook and audit benchmarks run end to end as ``./dev bench`` runs them (their own process, their
own embedded servers), at sizes so small that they only prove the machinery works: every row is produced.
Nothing is timed or compared here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_bench(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def row(report: str, name: str) -> list[str]:
    line = next((line for line in report.splitlines() if line.startswith(f"| {name} |")), None)
    assert line is not None, f"no row {name!r}:\n{report}"
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def test_the_transparency_benchmark_measures_every_operation_at_every_size() -> None:
    report = run_bench("bench.transparency", "--sizes", "300,600")
    assert report.startswith("## Transparency benchmark")
    for name in (
        "summary (all years)",
        "anchor: events summed (all years)",
        "export ledger.csv",
        "export ledger.json",
        "export iati-activities.xml",
        "anchor: COPY ... TO STDOUT csv",
    ):
        cells = row(report, name)
        assert all(cell.endswith(("ms", " s")) for cell in cells[1:3]), cells  # a time for 300 and for 600


def test_the_webhook_benchmark_drains_and_every_request_verifies() -> None:
    report = run_bench("bench.webhooks", "--events", "60", "--seconds", "1", "--rounds", "1")
    assert "ratio to the raw loop at 8 in flight, median of the rounds:" in report, report
    assert "ratio to the raw aiohttp loop at 8 in flight, median of the rounds:" in report, report
    assert "delivery: drain" in report  # the figure handed to ./dev bench's targets table
    assert "statements per delivery" in report and "updates of webhook_deliveries HOT" in report
    assert "p50" in report and "p99" in report
    consumer = next(line for line in report.splitlines() if line.startswith("consumer:"))
    received, verified = _counts(consumer)
    assert received > 60 and verified == received, consumer  # the consumer checked every signature


def _counts(line: str) -> tuple[int, int]:
    numbers = [int(word) for word in line.replace(",", " ").split() if word.isdigit()]
    return numbers[0], numbers[1]


def test_the_audit_benchmark_times_writes_checkpoints_and_verify() -> None:
    report = run_bench("bench.audit", "--rows", "300", "--writes", "5", "--rounds", "1")
    assert report.startswith("## Audit benchmark")
    for name in (
        "anchor: the chained insert alone",
        "audit.append (intake insert, no lock)",
        "audit.chain_pending (chain + seal, batch of 5)",
    ):
        assert row(report, name)[1].endswith("ms")
    for name in ("checkpoint, first (full verification)", "checkpoint, +1 % rows (incremental)"):
        assert row(report, name)[2].endswith(("ms", " s"))
    assert row(report, "audit verify (chain, seals, 2 checkpoints)")[1] == "303"
