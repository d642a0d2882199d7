"""The server stacks compared (issue 22): the real app and the anchor on each of uvicorn (asyncio loop, h11),
uvicorn with uvloop + httptools, and Granian, from one seed, one stack after the other on the same ports.

    .venv/bin/python -m bench.stacks --quick                       all three (uvloop and httptools ship with igf_hub)

Per stack: rounds of (anchor slice, NRI-by-id slice) and (anchor slice, mixed slice); req/s of each, the
ratio (median over rounds) and server CPU per request. A stack whose packages are not installed is listed as
such. Prints Markdown; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
from dataclasses import replace
from pathlib import Path

from bench.api import Meter, Plan, add_arguments, merge, per_request_ms, plan_from, rate
from bench.common import embedded_servers, free_port, fresh_database, machine, markdown_table, quiet_logs, say
from bench.seed import seed
from bench.servers import STACK_NAMES, STACKS, ServerProcess
from bench.workload import ANCHOR, NRI, Workload, client_token, commenter_tokens, secretariat_client
from igf_hub.core.db import create_pool
from igf_hub.core.settings import DbSettings, RedisSettings, Settings
from igf_hub.core.vault import Vault, decode_key, new_key_text

HEADERS = [
    "stack",
    "anchor req/s",
    "NRI by id req/s",
    "NRI ÷ anchor",
    "mixed req/s",
    "mixed ÷ anchor",
    "anchor CPU ms/req",
    "igf_hub CPU ms/req (NRI)",
]


async def run(
    database_url: str,
    redis_url: str,
    *,
    plan: Plan,
    stacks: list[str],
    work_dir: Path,
    postgres_pid: int | None,
) -> str:
    settings = Settings(
        public_url="http://127.0.0.1:8000",
        db=DbSettings(url=database_url),
        redis=RedisSettings(url=redis_url),
    )
    pool = await create_pool(database_url, application_name="bench.seed", max_size=4)
    rows: list[list[object]] = []
    try:
        say("seeding through the domain services ...")
        seeded = await seed(pool, settings, plan.scale)
        secretariat = await secretariat_client(pool)
        pg_version = await pool.fetchval("SHOW server_version")
        igf_port, anchor_port = free_port(), free_port()  # the same for every stack: the tokens stay valid
        signing_keys_key = new_key_text()
        env = {
            "IGF_HUB_AUTH_SIGNING_KEYS_KEY": signing_keys_key,
            "IGF_HUB_DATABASE_URL": database_url,
            "IGF_HUB_REDIS_URL": redis_url,
            "IGF_HUB_DATA_DIR": str(work_dir),
            "IGF_HUB_PUBLIC_URL": f"http://127.0.0.1:{igf_port}",
            "IGF_HUB_LOG_FORMAT": "json",
            "IGF_HUB_LOG_LEVEL": "info",
            "IGF_HUB_DB_POOL_MAX": str(settings.db.pool_max),
            "IGF_HUB_RATE_LIMITS": "true",
        }
        workload: Workload | None = None
        for stack in stacks:
            say(f"stack {stack} ...")
            options = ("--server", stack)
            try:
                async with contextlib.AsyncExitStack() as servers:
                    igf = await servers.enter_async_context(
                        ServerProcess("igf", igf_port, env, work_dir / f"igf-{stack}.log", options)
                    )
                    anchor = await servers.enter_async_context(
                        ServerProcess("anchor", anchor_port, env, work_dir / f"anchor-{stack}.log", options)
                    )
                    if workload is None:
                        workload = Workload(
                            seeded,
                            await client_token(igf.base_url, *secretariat),
                            await commenter_tokens(
                                pool, igf.base_url, plan.commenters, Vault([decode_key(signing_keys_key)])
                            ),
                        )
                    rows.append(
                        await measure(
                            stack,
                            workload,
                            Meter(igf, postgres_pid, plan),
                            Meter(anchor, postgres_pid, plan),
                            plan,
                        )
                    )
            except RuntimeError as exc:  # the server did not start: most often the stack is not installed
                reason = "not installed" if "ModuleNotFoundError" in str(exc) else "did not start"
                say(f"stack {stack}: {reason}\n{str(exc)[-1500:]}")
                rows.append([STACK_NAMES[stack], reason, *[""] * (len(HEADERS) - 2)])
    finally:
        await pool.close()
    return "\n".join(
        [
            "## Server stacks",
            "",
            f"Machine: {machine(pg_version)}.",
            f"Both apps on each stack, one process each, DB pool {settings.db.pool_max}; {plan.rounds} round(s) of "
            f"(anchor slice, class slice), {plan.max_seconds:g} s or {plan.max_requests:,} requests a slice, "
            f"{plan.concurrency} requests in flight. Ratios: median over rounds of class ÷ the anchor slice just "
            "before, on the same stack.",
            "",
            markdown_table(HEADERS, rows),
        ]
    )


async def measure(
    stack: str, workload: Workload, on_igf: Meter, on_anchor: Meter, plan: Plan
) -> list[object]:
    await on_anchor.run(workload.only(ANCHOR), warmup=plan.warmup * 4)
    await on_igf.run(workload.only(NRI), warmup=plan.warmup * 4)
    anchors, nris, mixes, nri_ratios, mixed_ratios = [], [], [], [], []
    for _ in range(plan.rounds):
        anchor = await on_anchor.run(workload.only(ANCHOR))
        nri = await on_igf.run(workload.only(NRI))
        anchor_2 = await on_anchor.run(workload.only(ANCHOR))
        mixed = await on_igf.run(workload.mixed())
        anchors += [anchor, anchor_2]
        nris.append(nri)
        mixes.append(mixed)
        if rate(anchor) and rate(anchor_2):
            nri_ratios.append(rate(nri) / rate(anchor))
            mixed_ratios.append(rate(mixed) / rate(anchor_2))
    a, n, m = merge(anchors), merge(nris), merge(mixes)
    return [
        STACK_NAMES[stack],
        f"{rate(a):,.0f}",
        f"{rate(n):,.0f}",
        f"**{statistics.median(nri_ratios):.2f}**" if nri_ratios else "-",
        f"{rate(m):,.0f}",
        f"**{statistics.median(mixed_ratios):.2f}**" if mixed_ratios else "-",
        f"{per_request_ms(a.server_cpu, a):.2f}",
        f"{per_request_ms(n.server_cpu, n):.2f}",
    ]


async def main_async(plan: Plan, stacks: list[str]) -> None:
    quiet_logs()
    with embedded_servers(durable=True) as (embedded, work_dir):
        url = await fresh_database(embedded.database_url, "bench_stacks")
        assert embedded.servers is not None
        report = await run(
            url,
            embedded.redis_url,
            plan=plan,
            stacks=stacks,
            work_dir=work_dir,
            postgres_pid=embedded.servers.postgres.pid,
        )
    print(report)  # noqa: T201 - the result goes to stdout


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_arguments(parser)
    parser.add_argument("--stacks", default=",".join(STACKS), help=f"comma-separated, of {', '.join(STACKS)}")
    args = parser.parse_args(argv)
    stacks = [s for s in args.stacks.split(",") if s]
    unknown = set(stacks) - set(STACKS)
    if unknown:
        parser.error(f"unknown stack(s): {', '.join(sorted(unknown))}")
    asyncio.run(main_async(replace(plan_from(args), writers=()), stacks))


if __name__ == "__main__":
    main()
