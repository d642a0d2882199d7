"""Clients that ask for an export and never read cannot take the database away from everyone else.

A real uvicorn server on 127.0.0.1 and raw sockets that send the request and then never read (a tiny receive
buffer on their side, a tiny send buffer on the server's): the export's first chunk cannot leave the server,
so its handler sits in the middle of its snapshot holding a pooled connection, as with a real slow reader.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import asyncpg
import httpx
import msgspec
import pytest
import uvicorn
from litestar import Litestar
from litestar.types import HTTPResponseBodyEvent, Message

from igf_hub.auth.principal import Role
from igf_hub.core.settings import DbSettings, ExportSettings, Settings
from igf_hub.core.streaming import SEND_PIECE, pieces
from tests.faults.conftest import eventually
from tests.funding.conftest import Ledger
from tests.support.auth import TokenFactory

EXPORT = "/v1/transparency/exports/ledger.json"
SMALL_BUFFER = 4096  # the kernel doubles it; far below one page of the export
EVENTS = 120  # with 500-character descriptions: one ~170 kB chunk, more than every buffer on the way


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The tests' pool has 5 connections: exports may use 2 of them (half the pool), one per client address.
    return msgspec.structs.replace(
        settings,
        db=DbSettings(url=settings.db.url, pool_min=1, pool_max=5, acquire_timeout=1.0),
        exports=ExportSettings(max_concurrent=4, max_per_client=1, send_timeout=600.0),
    )


@pytest.fixture
async def server(app: Litestar, client: httpx.AsyncClient) -> AsyncIterator[str]:
    """The app over real HTTP on loopback (its lifespan already runs under ``client``)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SMALL_BUFFER)  # accepted sockets inherit it
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    await task


@pytest.fixture
async def big_ledger(client: httpx.AsyncClient, tokens: TokenFactory) -> None:
    ledger = Ledger(client, await tokens.user(Role.secretariat))
    donor = await ledger.donor()
    contribution = await ledger.contribution(donor["id"])
    for i in range(EVENTS):
        await ledger.event(contribution["id"], description=f"{i:04d} " + "x" * 495)


class SlowReader:
    """A raw connection from ``source`` that sends one request and reads only what the test asks for."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    @classmethod
    async def open(cls, base_url: str, path: str, *, source: str) -> SlowReader:
        port = int(base_url.rsplit(":", 1)[1])
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SMALL_BUFFER)
        sock.bind((source, 0))  # any 127.x address is loopback on Linux: a different client address
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        await loop.sock_connect(sock, ("127.0.0.1", port))
        await loop.sock_sendall(
            sock, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        return cls(sock)

    async def status(self) -> int:
        """Reads the status line only (12 bytes): the body stays unread."""
        head = b""
        while len(head) < 12:
            chunk = await asyncio.get_running_loop().sock_recv(self.sock, 12 - len(head))
            assert chunk, "the server closed the connection before a status line"
            head += chunk
        return int(head[9:12])

    async def read_to_end(self) -> bytes:
        data = b""
        while chunk := await asyncio.get_running_loop().sock_recv(self.sock, 65536):
            data += chunk
        return data

    def close(self) -> None:
        self.sock.close()


async def stalled_exports(db: asyncpg.Pool) -> int:
    """API connections parked inside an export's snapshot (waiting for the client to read)."""
    async with db.acquire() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name = 'igf-hub.api' AND state = 'idle in transaction'"
        )
    return count


@contextlib.asynccontextmanager
async def slow_readers(server: str, sources: list[str]) -> AsyncIterator[list[SlowReader]]:
    readers = [await SlowReader.open(server, EXPORT, source=source) for source in sources]
    try:
        yield readers
    finally:
        for reader in readers:
            reader.close()


@pytest.mark.usefixtures("big_ledger")
async def test_slow_readers_do_not_take_the_pool(server: str, db: asyncpg.Pool, tokens: TokenFactory) -> None:
    secretariat = await tokens.user(Role.secretariat)
    sources = ["127.0.0.2"] * 6 + ["127.0.0.3"] * 6  # two addresses, six stalled downloads each
    async with (
        slow_readers(server, sources) as readers,
        httpx.AsyncClient(base_url=server, timeout=30) as http,
    ):
        statuses = [await reader.status() for reader in readers]
        streaming = min(statuses.count(200), 5)  # (without a budget: as many as the pool has)
        await eventually(
            lambda: _at_least(db, streaming),
            within=30,
            what=f"{streaming} exports stalled on their first chunk",
        )
        # While they stall, the service answers: ready, public reads, signed-in reads.
        async with asyncio.timeout(30):
            ready = await http.get("/readyz")
            summary = await http.get("/v1/transparency/summary")
            audit = await http.get("/v1/audit", headers=secretariat.headers)
            third = await http.get(EXPORT)  # a third address, once the process budget is spent
    assert ready.status_code == 200, ready.text
    assert summary.status_code == 200, summary.text
    assert audit.status_code == 200, audit.text
    # One export per address; the others were told to come back later.
    assert statuses == [200] + [429] * 5 + [200] + [429] * 5
    assert third.status_code == 503, third.text
    assert third.headers["retry-after"].isdigit()
    assert third.json()["type"] == "/problems/streams-busy"


async def _at_least(db: asyncpg.Pool, n: int) -> bool:
    return await stalled_exports(db) >= n


class TestAClientThatStopsReading:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return msgspec.structs.replace(
            settings, exports=msgspec.structs.replace(settings.exports, send_timeout=1.0)
        )

    @pytest.mark.usefixtures("big_ledger")
    async def test_is_cut_off_and_its_slot_freed(self, server: str, db: asyncpg.Pool, app: Litestar) -> None:
        budget = app.state.stream_budget
        async with slow_readers(server, ["127.0.0.2"]) as (reader,):
            assert await reader.status() == 200

            async def released() -> bool:
                return budget.running == 0 and await stalled_exports(db) == 0

            # Left unread past the send timeout: the export ends, its connection and its slot are free.
            await eventually(released, within=30, what="the unread export to be cut off")
            received = await reader.read_to_end()
        # Cut off: the chunked body lacks its last (empty) chunk, and the JSON its end.
        assert not received.endswith(b"0\r\n\r\n"), "the export was sent whole"
        # The same address may download again, in full.
        transport = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
        async with httpx.AsyncClient(base_url=server, transport=transport, timeout=30) as http:
            again = await http.get(EXPORT)
        assert again.status_code == 200
        assert len(again.json()["items"]) == EVENTS


async def test_signed_in_requests_wait_for_a_connection_a_bounded_time(
    app: Litestar, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    """The authentication middleware took a pooled connection with no time limit: a saturated pool made
    every signed-in request hang. Now it is a 503 with Retry-After, like any other request."""
    caller = await tokens.user(Role.secretariat)
    assert (await client.get("/v1/audit", headers=caller.headers)).status_code == 200
    pool: asyncpg.Pool = app.state.pool
    held = [await pool.acquire() for _ in range(pool.get_max_size())]
    try:
        async with asyncio.timeout(30):
            response = await client.get("/v1/audit", headers=caller.headers)
    finally:
        for conn in held:
            await pool.release(conn)
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"].isdigit()
    assert (await client.get("/v1/audit", headers=caller.headers)).status_code == 200


def test_the_send_timeout_applies_to_each_64_kib_piece_not_to_a_whole_page() -> None:
    """An export sends about a megabyte per page: a client reading slowly but steadily could not take a page
    within the timeout, so the timeout measures progress, piece by piece."""
    page = bytes(range(256)) * (3 * SEND_PIECE // 256) + b"tail"
    sent = _bodies(pieces({"type": "http.response.body", "body": page, "more_body": True}))
    assert [len(p["body"]) for p in sent] == [SEND_PIECE] * 3 + [4]
    assert all(p["more_body"] for p in sent)
    assert b"".join(p["body"] for p in sent) == page
    last = _bodies(pieces({"type": "http.response.body", "body": page, "more_body": False}))
    assert [p["more_body"] for p in last] == [True, True, True, False]
    small: HTTPResponseBodyEvent = {"type": "http.response.body", "body": b"]}", "more_body": True}
    assert pieces(small) == [small]


def _bodies(messages: list[Message]) -> list[HTTPResponseBodyEvent]:
    """The messages, each checked to be a body piece (pieces() makes nothing else of a body)."""
    out: list[HTTPResponseBodyEvent] = []
    for message in messages:
        assert message["type"] == "http.response.body"
        out.append(message)
    return out
