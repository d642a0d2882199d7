"""``./dev bench`` (= ``python -m bench``): every benchmark, or those named with ``--only``; ``--quick`` for a
short run. Each runs in its own process, on its own embedded PostgreSQL and Valkey, bounded in time; the
results go to stdout as Markdown, progress to stderr.

    ./dev bench                              api, transparency, webhooks, audit and search, full size
    ./dev bench --quick                      the same, smaller and shorter
    ./dev bench --only api --only webhooks   a selection
    ./dev bench --only stacks                the server stacks (not in the default run)

It ends with one table: every target of issue 22 beside the figure this run measured, met or not met.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from bench import targets
from bench.common import machine, say
from bench.servers import REPO_ROOT, STACKS

BENCHMARKS = ("api", "transparency", "webhooks", "audit", "search")
ON_REQUEST = ("stacks",)  # run only when named with --only (the server stacks: a seed and three stacks)
TIME_LIMIT = 15 * 60  # seconds per benchmark; a full run takes well under half of it


def commands(args: argparse.Namespace) -> dict[str, list[str]]:
    """The command line of each benchmark, with the options that apply to it."""
    api = ["--quick"] if args.quick else []
    if args.api_concurrency:
        api += ["--concurrency", str(args.api_concurrency)]
    if args.api_rounds:
        api += ["--rounds", str(args.api_rounds)]
    if args.writers:
        api += ["--writers", args.writers]
    if args.api_processes:
        api += ["--api-processes", str(args.api_processes)]
    stacks = ["--quick"] if args.quick else []
    if args.server:
        api += ["--server", args.server]
    transparency = ["--quick"] if args.quick else []
    if args.transparency_sizes:
        transparency += ["--sizes", args.transparency_sizes]
    # bench/webhooks.py is the webhook engineer's, run as it is: its own defaults are 5,000 events and 10 s.
    webhooks = ["--events", "1000", "--seconds", "3"] if args.quick else []
    if args.webhook_events:
        webhooks += ["--events", str(args.webhook_events)]
    if args.webhook_seconds:
        webhooks += ["--seconds", str(args.webhook_seconds)]
    audit = ["--quick"] if args.quick else []
    search = ["--quick"] if args.quick else []
    return {
        "api": api,
        "transparency": transparency,
        "webhooks": webhooks,
        "audit": audit,
        "search": search,
        "stacks": stacks,
    }


def run_one(name: str, options: list[str]) -> tuple[int, str]:
    """Run ``python -m bench.<name>``; (exit code, its stdout)."""
    say(f"== bench {name} {' '.join(options)}")
    try:
        done = subprocess.run(  # noqa: S603 - our own modules, no shell
            [sys.executable, "-m", f"bench.{name}", *options],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            text=True,
            timeout=TIME_LIMIT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return 124, output + f"\n(stopped: {name} ran longer than {TIME_LIMIT // 60} minutes)\n"
    return done.returncode, done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="./dev bench", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument(
        "--only", action="append", choices=BENCHMARKS + ON_REQUEST, help="run this benchmark (repeatable)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller data, shorter runs (a few minutes in all)"
    )
    parser.add_argument("--api-concurrency", type=int, help="API: requests in flight (default 8)")
    parser.add_argument("--api-rounds", type=int, help="API: anchor/class slice pairs per class (default 3)")
    parser.add_argument(
        "--writers", help="API: the write-scaling curve at these concurrencies, e.g. 1,8,32,128"
    )
    parser.add_argument("--api-processes", type=int, help="API: server processes of each app on one port")
    parser.add_argument(
        "--server",
        choices=STACKS,
        help="API: the server stack of both apps (default uvloop, the shipped one)",
    )
    parser.add_argument("--transparency-sizes", help="transparency: ledger sizes, e.g. 10000,100000,1000000")
    parser.add_argument("--webhook-events", type=int, help="webhooks: backlog size for the drain measurement")
    parser.add_argument("--webhook-seconds", type=float, help="webhooks: duration of the 100 events/s run")
    args = parser.parse_args(argv)
    selected = [b for b in BENCHMARKS + ON_REQUEST if b in (args.only or BENCHMARKS)]
    options = commands(args)
    failed = []
    figures: dict[str, float] = {}
    for name in selected:
        started = time.perf_counter()
        code, output = run_one(name, options[name])
        output, measured = targets.extract(output)
        figures.update(measured)
        if name == "webhooks":  # it prints aligned text, not Markdown: keep its layout
            output = f"## Webhooks benchmark\n\n```text\n{output.strip()}\n```\n"
        print(output.rstrip() + "\n", flush=True)  # noqa: T201 - the results go to stdout
        say(f"== bench {name}: exit {code} after {time.perf_counter() - started:.0f} s")
        if code != 0:
            failed.append(name)
    # Every ratio of issue 22 beside its target, from this one command, with the machine line.
    print(targets.summary(figures, machine()), flush=True)  # noqa: T201 - the results go to stdout
    if failed:
        say(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
