"""The API benchmark's machinery in a tiny mode: seeded through the services, both servers started under
uvicorn, every endpoint class driven, the table produced. Nothing here is timed or compares speed; it fails
when the benchmark is broken (an endpoint moved, a seed rule changed, a request the app refuses)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from uuid import uuid4

import httpx
from bench.api import HEADERS, TINY_PLAN, run
from bench.common import free_port
from bench.servers import ANCHOR_PATH, ANCHOR_WRITE_PATH, ServerProcess, cpu_seconds
from bench.workload import ANCHOR, HTML, MIX, NRI, WRITE_ANCHOR

from bench import profile, targets
from tests.conftest import Servers


def table_rows(report: str, first_cell: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in report.splitlines()
        if line.startswith(f"| {first_cell}")
    ]


async def test_api_benchmark_produces_its_tables(
    servers: Servers, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    assert servers.embedded.servers is not None
    report = await run(
        database_url,
        redis_url,
        plan=replace(TINY_PLAN, writers=(1, 4), api_processes=2),  # the curve, two processes on one port
        work_dir=tmp_path,
        postgres_pid=servers.embedded.servers.postgres.pid,
    )

    assert report.startswith("## API benchmark")
    assert "| endpoint class | requests | failed | req/s | p50 ms | p99 ms |" in report
    rows = {row[0]: row for row in table_rows(report, "") if len(row) == len(HEADERS)}
    for name in [ANCHOR, WRITE_ANCHOR, *MIX, *HTML, "**mixed: all**"]:
        assert name in rows, f"no row for {name}:\n{report}"
        requests, failed = int(rows[name][1]), int(rows[name][2])
        assert requests > 0 and failed == 0, f"{name}: {requests} requests, {failed} failed:\n{report}"
    for name in [*MIX, *HTML]:  # every class is compared with the anchor measured in the same run
        assert rows[name][8].startswith("**") and rows[name][9].endswith("x**"), rows[name]
    # The HTML class: each page with its ratio to the JSON of the same objects, from the same run.
    assert "| page | JSON of the same objects |" in report
    for page, json in HTML.items():
        (line,) = [r for r in table_rows(report, "") if r[0] == page and r[1] == json]
        assert line[2].endswith("x**") and line[3].endswith("x**"), line
    assert "Failed requests" not in report
    # The write-scaling curve: a row per number of writers, each write class beside the write anchor.
    assert "| writers | anchor INSERT req/s |" in report
    for writers in ("1", "4"):
        (line,) = [r for r in table_rows(report, writers + " ") if r[0] == writers]
        assert len(line) == 8 and line[3].startswith("**") and line[5].startswith("**"), line
    # The figures handed to ./dev bench: every API target of issue 22, each a number.
    _, figures = targets.extract(report)
    assert set(figures) == {g.name for g in targets.GOALS if g.source == "api"}, figures


async def test_the_anchor_serves_reads_and_durable_writes_on_granian(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    # bench.stacks runs both apps on each stack; uvicorn is covered above. This starts Granian (no seeding,
    # to stay cheap in CI) and checks that the anchor answers and that its worker process's CPU is counted.
    env = {
        "IGF_HUB_DATABASE_URL": database_url,
        "IGF_HUB_REDIS_URL": redis_url,
        "IGF_HUB_DATA_DIR": str(tmp_path),
    }
    options = ("--server", "granian")
    async with ServerProcess("anchor", free_port(), env, tmp_path / "anchor.log", options) as anchor:
        async with httpx.AsyncClient(base_url=anchor.base_url) as http:
            missing = await http.get(ANCHOR_PATH.format(id=uuid4()))
            written = await http.post(ANCHOR_WRITE_PATH, json={"body": "hello"})
        assert missing.status_code == 404, missing.text
        assert written.status_code == 201 and "id" in written.json(), written.text
        assert anchor.cpu_seconds() > cpu_seconds(anchor.pid)  # the worker Granian spawned is counted


async def test_the_profile_tool_groups_a_request_class_by_area(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    report = await profile.profile(database_url, redis_url, tmp_path, NRI, 5, top=5, access_log=False)

    assert report.startswith("## Profile: read: NRI by id")
    assert "| area | µs/request | share |" in report
    assert "Litestar routing / responses" in report and "asyncpg / database" in report
    assert len(table_rows(report, "`")) == 5  # the top functions
