"""Where one request's CPU goes: ``python -m bench.profile [--class nri] [--requests 2000]``.

In one process: embedded PostgreSQL (durable) and Valkey, a small seed through the domain services, the real
app (``create_app``, JSON access log on, as ``igf-hub serve`` runs it) driven in-process through Litestar's
ASGI transport (in this thread and event loop), so no socket or server is in the way. ``--requests`` requests of one class run under
cProfile after a warm-up; the report groups the functions' own time by area (middleware, guards and
authentication, grant loading, msgspec, headers, the access log, asyncpg, Litestar's routing and responses,
the test client itself; a builtin's time goes to its callers' areas) and lists the top functions. Read it as shares: cProfile slows everything down alike
(roughly), so the absolute times are not a request's cost without the profiler.

    .venv/bin/python -m bench.profile --class nri --requests 2000      the README's "where the CPU goes"
    .venv/bin/python -m bench.profile --class message --top 40 --sort cumulative
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import time
from collections import defaultdict
from pathlib import Path

import httpx

from bench.common import embedded_servers, fresh_database, machine, markdown_table, quiet_logs, say
from bench.seed import TINY, seed
from bench.workload import AGGREGATES, HTML_MESSAGE, HTML_NRI, LISTS, MESSAGE, NRI, Workload
from igf_hub.core.db import create_pool
from igf_hub.core.settings import load_settings
from igf_hub.core.vault import new_key_text

CLASSES = {"nri": NRI, "message": MESSAGE, "lists": LISTS, "aggregates": AGGREGATES}
CLASSES |= {"html-nri": HTML_NRI, "html-message": HTML_MESSAGE}

# (area, substrings of the file path or function name), first match wins: the areas issue 22 names first.
AREAS: list[tuple[str, tuple[str, ...]]] = [
    ("socket / epoll (C)", ("'send' of '_socket", "'recv", "epoll", "'sendto'")),
    ("access log", ("structlog", "igf_hub/core/logging", "/logging/", "access_log")),
    ("grant loading", ("grant",)),
    ("guards / authentication", ("guard", "igf_hub/auth/", "authlib", "joserfc", "jwt")),
    ("middleware", ("middleware",)),
    ("msgspec", ("msgspec",)),
    ("headers", ("header", "datastructures")),
    ("templates (HTML)", ("jinja2", "templating", "markupsafe", "babel")),
    ("asyncpg / database", ("asyncpg", "igf_hub/core/db")),
    ("test client (not the app)", ("httpx", "httpcore")),
    ("Litestar routing / responses", ("litestar",)),
    ("igf_hub domain code", ("igf_hub/",)),
    ("asyncio / event loop", ("asyncio", "selectors")),
]


def area(filename: str, function: str) -> str:
    where = f"{filename}:{function}".lower()
    for name, needles in AREAS:
        if any(n in where for n in needles):
            return name
    return "other (Python, stdlib)"


def report(
    stats: pstats.Stats, requests: int, top: int, sort: str
) -> tuple[list[list[object]], list[list[object]]]:
    raw = stats.stats  # type: ignore[attr-defined]  # (file, line, function) -> (cc, nc, tt, ct, callers)
    total = sum(v[2] for v in raw.values()) or 1.0
    by_area: dict[str, float] = defaultdict(float)
    for (filename, _, function), (_, _, tottime, _, callers) in raw.items():
        if filename == "~" and callers:  # a builtin (str.lower, isinstance ...): its callers' areas share it
            weights = {c: (v[1] if isinstance(v, tuple) else v) for c, v in callers.items()}
            whole = sum(weights.values()) or 1
            for (caller_file, _, caller), weight in weights.items():
                by_area[area(caller_file, caller)] += tottime * weight / whole
        else:
            by_area[area(filename, function)] += tottime
    areas: list[list[object]] = [
        [name, f"{seconds / requests * 1e6:,.0f}", f"{seconds / total:.0%}"]
        for name, seconds in sorted(by_area.items(), key=lambda kv: -kv[1])
    ]
    key = 3 if sort == "cumulative" else 2
    ordered = sorted(raw.items(), key=lambda kv: -kv[1][key])[:top]
    functions: list[list[object]] = [
        [
            f"`{_short(filename)}:{line} {function}`",
            area(filename, function),
            f"{nc / requests:.1f}",
            f"{tt / requests * 1e6:,.1f}",
            f"{ct / requests * 1e6:,.1f}",
        ]
        for (filename, line, function), (_, nc, tt, ct, _) in ordered
    ]
    return areas, functions


def _short(filename: str) -> str:
    for marker in ("site-packages/", "src/", "lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


async def run(cls: str, requests: int, top: int, sort: str) -> str:
    quiet_logs()
    with embedded_servers(durable=True) as (embedded, work_dir):
        url = await fresh_database(embedded.database_url, "bench_profile")
        return await profile(url, embedded.redis_url, work_dir, cls, requests, top=top, sort=sort)


async def profile(
    url: str,
    redis_url: str,
    work_dir: Path,
    cls: str,
    requests: int,
    *,
    top: int = 25,
    sort: str = "own",
    access_log: bool = True,
) -> str:
    """Seed (tiny), serve in-process, profile ``requests`` requests of ``cls``; the Markdown report."""
    env = {
        "IGF_HUB_AUTH_SIGNING_KEYS_KEY": new_key_text(),
        "IGF_HUB_DATABASE_URL": url,
        "IGF_HUB_REDIS_URL": redis_url,
        "IGF_HUB_DATA_DIR": str(work_dir),
        "IGF_HUB_PUBLIC_URL": "http://testserver.local",
        "IGF_HUB_LOG_FORMAT": "json",
        "IGF_HUB_LOG_LEVEL": "info",
    }
    settings = load_settings(env)
    pool = await create_pool(url, application_name="bench.profile", max_size=4)
    try:
        say("seeding ...")
        seeded = await seed(pool, settings, TINY)
        pg_version = await pool.fetchval("SHOW server_version")
    finally:
        await pool.close()
    from igf_hub.app import create_app
    from igf_hub.core.logging import configure_logging

    if (
        access_log
    ):  # as in production: one JSON access line per request (global: the smoke test keeps its own)
        configure_logging(fmt="json", level="info")
    workload = Workload(seeded, "", [])
    app = create_app(settings)
    # The app in this thread and loop (Litestar's test client would run it in another thread, out of sight
    # of cProfile): its lifespan by hand, requests through httpx's ASGI transport.
    async with (
        app.lifespan(),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]  # ASGI typed narrower in httpx
            base_url="http://testserver.local",
        ) as client,
    ):

        async def one() -> None:
            target = workload.target(cls)
            response = await client.request(target.method, target.path, headers=target.headers)
            assert response.status_code in target.expect, (
                target.path,
                response.status_code,
                response.text,
            )

        for _ in range(min(200, requests)):  # warm-up: pools, caches, templates
            await one()
        profiler = cProfile.Profile(time.process_time)  # CPU time: waiting on I/O costs nothing
        started = time.perf_counter()
        profiler.enable()
        for _ in range(requests):
            await one()
        profiler.disable()
        elapsed = time.perf_counter() - started
    stats = pstats.Stats(profiler)
    areas, functions = report(stats, requests, top, sort)
    return "\n".join(
        [
            f"## Profile: {cls}",
            "",
            f"Machine: {machine(pg_version)}.",
            f"{requests:,} requests one after another in-process under cProfile, {elapsed / requests * 1e3:.2f} ms "
            "each (wall time) with the profiler on; the profile counts CPU time (time.process_time), so waiting on "
            "PostgreSQL or on the machine's other load is not in it. The access log's lines go to stderr.",
            "",
            "Own time by area, per request:",
            "",
            markdown_table(["area", "µs/request", "share"], areas),
            "",
            f"Top {top} functions by {sort} time, per request:",
            "",
            markdown_table(["function", "area", "calls", "own µs", "cumulative µs"], functions),
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--class", dest="cls", choices=sorted(CLASSES), default="nri", help="endpoint class")
    parser.add_argument("--requests", type=int, default=2000, help="requests profiled (after a warm-up)")
    parser.add_argument("--top", type=int, default=25, help="functions listed")
    parser.add_argument("--sort", choices=["own", "cumulative"], default="own", help="order of the functions")
    args = parser.parse_args(argv)
    print(asyncio.run(run(CLASSES[args.cls], args.requests, args.top, args.sort)))  # noqa: T201 - the result


if __name__ == "__main__":
    main()
