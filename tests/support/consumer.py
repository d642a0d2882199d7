"""A real webhook consumer on 127.0.0.1: an HTTP/1.1 server that verifies Standard Webhooks signatures with
its own, independent implementation of the algorithm, and answers as scripted (2xx, 5xx, 410, Retry-After,
slow or hanging, closing the connection without an answer).

In tests: ``async with ConsumerServer(secrets=[...]) as consumer`` in the test's event loop. For the
benchmark: ``python -m tests.support.consumer --secret whsec_...`` serves in its own process and prints
``listening <port>``; ``GET /stats`` returns counts.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import ssl
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

REASONS = {
    200: "OK",
    204: "No Content",
    302: "Found",
    400: "Bad Request",
    404: "Not Found",
    410: "Gone",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass
class Reply:
    status: int = 204
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    hang: asyncio.Event | None = None  # hold the answer until this is set
    close: bool = False  # drop the connection without answering


def fail(status: int = 500, **headers: str) -> Reply:
    return Reply(status=status, headers=headers, body=b'{"error": "scripted failure"}')


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool  # a v1 (HMAC) signature verified with one of the consumer's secrets
    v1a_ok: bool | None  # an Ed25519 signature verified with the public key (None: no key configured)
    problem: str | None
    at: float

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")

    @property
    def timestamp(self) -> int:
        return int(self.headers.get("webhook-timestamp", "0"))

    def json(self) -> Any:
        return json.loads(self.body)


class Verifier:
    """Standard Webhooks verification, written from the specification (not igf_hub's signing module)."""

    def __init__(
        self, secrets: list[str], public_key: str | None, now: Callable[[], float], tolerance: int = 300
    ):
        self.secrets = list(secrets)
        self.public_key = public_key
        self.now = now
        self.tolerance = tolerance

    def check(self, headers: dict[str, str], body: bytes) -> tuple[bool, bool | None, str | None]:
        msg_id, stamp, header = (
            headers.get(h) for h in ("webhook-id", "webhook-timestamp", "webhook-signature")
        )
        if not msg_id or not stamp or not header:
            return False, None, "missing webhook headers"
        if not stamp.isdigit() or abs(self.now() - int(stamp)) > self.tolerance:
            return False, None, "timestamp outside tolerance"
        to_sign = msg_id.encode() + b"." + stamp.encode() + b"." + body
        offered = [part.split(",", 1) for part in header.split(" ") if "," in part]
        hmac_ok = False
        for secret in self.secrets:
            key = base64.b64decode(secret.removeprefix("whsec_"))
            expected = base64.b64encode(hmac.new(key, to_sign, hashlib.sha256).digest()).decode()
            hmac_ok |= any(v == "v1" and hmac.compare_digest(sig, expected) for v, sig in offered)
        v1a_ok: bool | None = None
        if self.public_key:
            verifier = Ed25519PublicKey.from_public_bytes(
                base64.b64decode(self.public_key.removeprefix("whpk_"))
            )
            v1a_ok = False
            for version, sig in offered:
                if version == "v1a":
                    with contextlib.suppress(InvalidSignature, ValueError):
                        verifier.verify(base64.b64decode(sig), to_sign)
                        v1a_ok = True
        return hmac_ok, v1a_ok, None if hmac_ok or v1a_ok else "no signature verifies"


class ConsumerServer:
    def __init__(
        self,
        *,
        secrets: list[str] | None = None,
        public_key: str | None = None,
        now: Callable[[], float] = time.time,
        host: str = "127.0.0.1",
        port: int = 0,
        keep_bodies: bool = True,
        tls: ssl.SSLContext | None = None,  # serve HTTPS with this server context
    ) -> None:
        self.verifier = Verifier(secrets or [], public_key, now)
        self.host, self.port = host, port
        self.keep_bodies = keep_bodies
        self.tls = tls
        self.received: list[Received] = []
        self.valid = 0
        self.connections = 0
        self._script: list[Reply] = []
        self.unavailable = False  # while set, every request gets a 503 (an outage), scripted replies wait
        self._arrived = asyncio.Condition()
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    # -- control ---------------------------------------------------------------------------------------

    def url(self, path: str = "/hooks/igf") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def script(self, *replies: Reply | int) -> None:
        """The next answers, in order (an int is a status); afterwards a valid request gets 204."""
        self._script.extend(Reply(status=r) if isinstance(r, int) else r for r in replies)

    def trust(self, *secrets: str, public_key: str | None = None) -> None:
        """The secrets (and public key) the consumer verifies with from now on."""
        self.verifier.secrets = list(secrets)
        if public_key is not None:
            self.verifier.public_key = public_key

    async def wait_for(self, count: int, within: float = 10.0) -> list[Received]:
        """Until ``count`` requests arrived (fails the test after ``within`` seconds): waits on arrivals, not time."""
        async with asyncio.timeout(within), self._arrived:
            await self._arrived.wait_for(lambda: len(self.received) >= count)
        return self.received

    async def __aenter__(self) -> ConsumerServer:
        self._server = await asyncio.start_server(self._accept, self.host, self.port, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()

    # -- HTTP/1.1 --------------------------------------------------------------------------------------

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self.connections += 1
        try:
            await self._serve(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:  # the server is closing
            pass
        finally:
            self._handlers.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            method, path, _ = head[0].split(" ", 2)
            headers = {}
            for line in head[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            if method == "GET" and path == "/stats":
                await self._write(writer, Reply(200, body=json.dumps(self.stats()).encode()))
                continue
            ok, v1a_ok, problem = self.verifier.check(headers, body)
            self.valid += ok or bool(v1a_ok)
            record = Received(
                method, path, headers, body if self.keep_bodies else b"", ok, v1a_ok, problem, time.time()
            )
            async with self._arrived:
                self.received.append(record)
                self._arrived.notify_all()
            if self.unavailable:
                reply = fail(503)
            elif self._script:
                reply = self._script.pop(0)
            elif ok or v1a_ok:
                reply = Reply(204)
            else:
                reply = Reply(400, body=json.dumps({"error": problem}).encode())
            if reply.close:
                return
            if reply.hang is not None:
                await reply.hang.wait()
            await self._write(writer, reply)

    @staticmethod
    async def _write(writer: asyncio.StreamWriter, reply: Reply) -> None:
        lines = [
            f"HTTP/1.1 {reply.status} {REASONS.get(reply.status, 'Status')}",
            f"content-length: {len(reply.body)}",
        ]
        lines += [f"{k}: {v}" for k, v in reply.headers.items()]
        if reply.body:
            lines.append("content-type: application/json")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + reply.body)
        await writer.drain()

    def stats(self) -> dict[str, Any]:
        return {"received": len(self.received), "valid": self.valid, "connections": self.connections}


async def _main() -> None:
    parser = argparse.ArgumentParser(description="a signature-verifying webhook consumer on loopback")
    parser.add_argument("--secret", action="append", default=[])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    async with ConsumerServer(secrets=args.secret, port=args.port, keep_bodies=False) as server:
        print(f"listening {server.port}", flush=True)  # noqa: T201
        await asyncio.Event().wait()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main())
    sys.exit(0)
