"""The Chinese search benchmark (bench/search.py) runs end to end as ``./dev bench`` runs it, on a corpus so small
that it only proves the machinery works: every method has its row, and the bigrams find exactly what a substring
search finds. Nothing is timed or compared here."""

from __future__ import annotations

from tests.bench.test_bench_cli_smoke import row, run_bench


def test_the_search_benchmark_measures_every_method() -> None:
    report = run_bench("bench.search", "--documents", "60", "--repeat", "1")
    assert report.startswith("## Chinese search")
    assert row(report, "anchor: English full text (english, GIN)")[2] == "1.00"
    bigrams = row(report, "bigrams (tsvector)")
    assert bigrams[3:5] == ["1.000", "1.000"]  # precision and recall against the substring truth
    row(report, "pg_trgm ILIKE")
    row(report, "pg_trgm word similarity")
