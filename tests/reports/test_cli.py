"""``igf-hub report draft --year N``, run as a user would (a subprocess on this test's database)."""

from __future__ import annotations

import json

import asyncpg

from tests.test_cli import production_env, run

__all__ = ["production_env"]  # the fixture, shared with tests/test_cli.py


async def test_report_draft_prints_every_figure_with_its_source(
    production_env: dict[str, str], db: asyncpg.Pool
) -> None:
    first = run(["report", "draft", "--year", "2025"], production_env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("yearly report 2025 (drafted now; narrative version 1)")
    for title in ("National and Regional IGF Initiatives", "Intersessional work", "IGF Messages", "Funding"):
        assert f"\n{title}\n" in first.stdout
    assert "Recognised NRIs: 0    </v1/reports/sections/nri?year=2025#nri:recognised>" in first.stdout
    again = run(["report", "draft", "--year", "2025", "--json"], production_env)
    assert again.returncode == 0, again.stderr
    document = json.loads(again.stdout)
    assert document["year"] == 2025 and document["schema"] == "/v1/reports/schema.json"
    assert await db.fetchval("SELECT count(*) FROM yearly_reports WHERE year = 2025") == 1  # drafted once
    refused = run(["report", "draft", "--year", "1999"], production_env)
    assert refused.returncode == 1 and "the year must be between 2006 and 2100" in refused.stderr
