"""The two HTTP servers the API benchmark compares, each run the same way: one uvicorn process on 127.0.0.1.

``python -m bench.servers igf --port P [--reuse-port]``     the real igf_hub app (create_app), configured from IGF_HUB_* like
                                            production, with JSON logs (one access line per request) on stderr;
``python -m bench.servers anchor --port P``  the anchor: a bare Litestar app whose read handler runs the same
                                            single indexed SELECT as ``GET /v1/nris/{id}`` (nri/repository.py's
                                            SELECT_NRI, by primary key) through an asyncpg pool of the same size,
                                            and whose write handler (``POST /anchor/writes``) does one durable
                                            INSERT of the posted JSON in a transaction (the writes' floor).

The parent (bench/api.py) starts them with :class:`ServerProcess`, waits for ``/healthz`` and reads the
process's CPU time from /proc so it can report CPU per request.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any
from uuid import UUID

import httpx
import msgspec
from litestar import Litestar, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException

from igf_hub.core.db import create_pool
from igf_hub.core.settings import Settings, load_settings
from igf_hub.nri.repository import SELECT_NRI

REPO_ROOT = Path(__file__).resolve().parents[1]
ANCHOR_PATH = "/anchor/nris/{id}"
ANCHOR_WRITE_PATH = "/anchor/writes"
# The write anchor's table: a row as wide as a comment or a ledger event (id, JSON body, time), one index.
ANCHOR_TABLE = """
CREATE TABLE IF NOT EXISTS bench_anchor_writes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    body jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
)
"""
ANCHOR_INSERT = "INSERT INTO bench_anchor_writes (body) VALUES ($1::jsonb) RETURNING id, created_at"


def anchor_app(settings: Settings) -> Litestar:
    """One handler, one pooled connection, one indexed SELECT, the row as JSON: the floor for any read."""

    @asynccontextmanager
    async def pool(app: Litestar) -> AsyncIterator[None]:
        app.state.pool = await create_pool(
            settings.db.url,
            application_name="bench.anchor",
            min_size=settings.db.pool_min,
            max_size=settings.db.pool_max,
        )
        async with app.state.pool.acquire() as conn:
            await conn.execute(ANCHOR_TABLE)
        try:
            yield
        finally:
            await app.state.pool.close()

    @get("/anchor/nris/{nri_id:uuid}", sync_to_thread=False)
    async def get_nri(nri_id: UUID, state: State) -> dict[str, Any]:
        async with state.pool.acquire() as conn:
            row = await conn.fetchrow(SELECT_NRI, nri_id)
        if row is None:
            raise NotFoundException(f"no NRI {nri_id}")
        return dict(row)

    @post(ANCHOR_WRITE_PATH, sync_to_thread=False)
    async def write(request: Request[Any, Any, Any], state: State) -> dict[str, Any]:
        body = await request.body()
        async with state.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(ANCHOR_INSERT, msgspec.json.decode(body))
        return dict(row)

    @get("/healthz", sync_to_thread=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar(route_handlers=[get_nri, write, healthz], lifespan=[pool], debug=False)


def listening_socket(port: int) -> socket.socket:
    """127.0.0.1:``port`` with SO_REUSEPORT: several server processes share it, the kernel spreads connections."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(2048)
    return sock


STACKS = ("uvicorn", "uvloop", "granian")
STACK_NAMES = {
    "uvicorn": "uvicorn, asyncio loop, h11",
    "uvloop": "uvicorn, uvloop, httptools (what igf-hub serve ships)",
    "granian": "Granian (ASGI, HTTP/1.1, one worker, its default loop)",
}


def igf_factory() -> Litestar:
    """The real app as ``igf-hub serve`` builds it, configured from IGF_HUB_*, JSON access lines on stderr."""
    from igf_hub.app import create_app
    from igf_hub.core.logging import configure_logging

    configure_logging(fmt="json", level="info")  # as in production: one access line per request
    return create_app(load_settings())


def anchor_factory() -> Litestar:
    return anchor_app(load_settings())


def serve(kind: str, port: int, *, reuse_port: bool = False, stack: str = "uvloop") -> None:
    factory = igf_factory if kind == "igf" else anchor_factory
    if stack == "granian":
        from granian import Granian
        from granian.constants import HTTPModes, Interfaces
        from granian.log import LogLevels

        Granian(
            f"bench.servers:{factory.__name__}",
            factory=True,
            address="127.0.0.1",
            port=port,
            interface=Interfaces.ASGI,
            workers=1,
            http=HTTPModes.http1,
            log_level=LogLevels.warning,
        ).serve()
        return
    import uvicorn

    # Named explicitly: uvicorn's "auto" would take uvloop and httptools whenever they happen to be installed.
    loop, http = ("uvloop", "httptools") if stack == "uvloop" else ("asyncio", "h11")
    config = uvicorn.Config(
        factory(),
        host="127.0.0.1",
        port=port,
        loop=loop,
        http=http,
        log_config=None,
        access_log=False,
        server_header=False,
        lifespan="on",
    )
    uvicorn.Server(config).run(sockets=[listening_socket(port)] if reuse_port else None)


# -- the parent's side ---------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds(parent_pid: int) -> float:
    """CPU time of a process's live children (PostgreSQL's backends are children of the postmaster)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        if int(fields[1]) == parent_pid:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


class ServerProcess:
    """``async with ServerProcess("igf", port, env, log) as server:`` — started, answering, then stopped."""

    def __init__(
        self, kind: str, port: int, env: dict[str, str], log: Path, options: tuple[str, ...] = ()
    ) -> None:
        self.kind, self.port, self.env, self.log, self.options = kind, port, env, log, options
        self.base_url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cpu_seconds(self) -> float:
        # Granian serves from a worker process it spawns: its CPU counts too.
        return cpu_seconds(self.pid) + children_cpu_seconds(self.pid)

    async def __aenter__(self) -> ServerProcess:
        # Starting the child is quick; waiting for it to answer is asynchronous below.
        with open(self.log, "ab") as log:  # noqa: ASYNC230
            self.proc = subprocess.Popen(  # noqa: ASYNC220, S603 - our own module, no shell
                [sys.executable, "-m", "bench.servers", self.kind, "--port", str(self.port), *self.options],
                cwd=REPO_ROOT,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient() as client:
            while True:
                if self.proc.poll() is not None:
                    tail = self.log.read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"the {self.kind} server exited with {self.proc.returncode}:\n{tail}")
                try:
                    if (await client.get(f"{self.base_url}/healthz")).status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the {self.kind} server did not answer within 60 s (see {self.log})")
                await asyncio.sleep(0.1)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        for _ in range(100):
            if self.proc.poll() is not None:
                return
            await asyncio.sleep(0.1)
        self.proc.kill()
        self.proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="run one benchmark server (started by bench/api.py)")
    parser.add_argument("kind", choices=["igf", "anchor"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--reuse-port", action="store_true", help="bind with SO_REUSEPORT (several processes on one port)"
    )
    parser.add_argument(
        "--server",
        choices=STACKS,
        default="uvloop",
        help="the server stack (default uvloop: the shipped one)",
    )
    args = parser.parse_args()
    serve(args.kind, args.port, reuse_port=args.reuse_port, stack=args.server)


if __name__ == "__main__":
    main()
