"""``./dev bench``'s closing table: each figure a benchmark handed over, beside its issue 22 target."""

from __future__ import annotations

from bench import targets


def test_figures_travel_in_a_marker_line_and_are_judged_against_their_targets() -> None:
    output = "## Some benchmark\n\n| a | b |\n" + targets.marker(
        {"read: NRI by id": 0.9, "export ledger.csv": 4.2, "delivery: p99 at 100 events/s": 12.0}
    )
    shown, figures = targets.extract(output)

    assert "<!--" not in shown and shown.startswith("## Some benchmark")
    summary = targets.summary(figures, "2 CPUs (test)")
    lines = {line.split("|")[1].strip(): line for line in summary.splitlines() if line.startswith("| ")}
    assert "| 0.90 | ≥ 0.85 of anchor req/s | met |" in lines["read: NRI by id"]
    assert "| 4.20 | ≤ 3 x COPY time (largest size) | **not met** |" in lines["export ledger.csv"]
    assert "| met |" in lines["delivery: p99 at 100 events/s"]
    assert "not measured" in lines["mixed read/write"]  # every target is listed, measured or not
    assert "Machine: 2 CPUs (test)." in summary
    assert "2 of 3 measured targets met" in summary
