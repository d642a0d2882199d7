"""The dispatcher: claims due deliveries from PostgreSQL (the queue of record), sends them, records results.

It runs as one long-lived task in each worker process (started by the worker's startup hook), not as one arq
job per delivery: arq's poll delay would add up to 0.5 s to every delivery and caps a process near
1,600 jobs/s, while PostgreSQL already holds every delivery durably. It wakes on ``LISTEN igf_hub_webhooks``
(a trigger notifies when deliveries commit) and polls as a backstop. Claims are ``FOR UPDATE SKIP LOCKED``
with a lease, so several workers share the work and a killed worker's deliveries are claimed again once
their lease expires (same ``webhook-id``: consumers deduplicate). Claims run a batch ahead of the sends and
results are recorded in batches (while one batch is written the next accumulates), so a busy dispatcher
spends well under one statement per delivery (bench/webhooks.py counts them). Every time comes from the
injected clock: tests call :meth:`run_once` and move time.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.webhooks import health, keys, policy, signing
from igf_hub.webhooks.delivery_repository import AttemptResult, Claimed, DeliveryRepository, EndpointHealth
from igf_hub.webhooks.events import EventRow, render
from igf_hub.webhooks.sender import Sender
from igf_hub.webhooks.ssrf import Allowlist, Resolver
from igf_hub.webhooks.vault import Vault, vault_for

log = structlog.get_logger("igf_hub.webhooks")
CHANNEL = "igf_hub_webhooks"
BODY_CACHE = 512  # rendered bodies kept (one event fans out to several endpoints)
RECORD_WINDOW = 0.002  # seconds a busy dispatcher lets results gather before writing them
DB_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


def _usable(conn: asyncpg.Connection) -> bool:
    """Whether a kept connection can take the next statement. When PostgreSQL ends the session (a restart),
    the pool takes the connection back and detaches our proxy: then even ``is_closed()`` raises."""
    try:
        return not conn.is_closed()
    except asyncpg.InterfaceError:
        return False


class Dispatcher:
    def __init__(
        self,
        pool: asyncpg.Pool,
        http: httpx.AsyncClient,
        settings: Settings,
        clock: Clock,
        *,
        rng: random.Random | None = None,
        on_attempt: Callable[[AttemptResult], Any] | None = None,
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.clock = clock
        self.rng = rng or random.Random()  # noqa: S311 (jitter, not cryptography)
        self.on_attempt = on_attempt
        config = settings.webhooks
        self.max_in_flight = config.max_in_flight
        self.lease_seconds = config.lease_seconds
        self.poll_interval = config.poll_interval
        self.sender = Sender(
            http, Resolver(Allowlist.parse(config.allowed_hosts)), timeout=config.request_timeout
        )
        self.claims = 0  # claim statements issued, and record statements (the benchmark reports both)
        self.records = 0
        self._vault: Vault | None = None
        self._bodies: OrderedDict[int, bytes] = OrderedDict()
        self._hmac_keys: dict[bytes, bytes] = {}
        self._ed25519: tuple[str, Ed25519PrivateKey] | None = None
        self._wake = asyncio.Event()
        self._has_ready = asyncio.Event()
        self._flush = asyncio.Event()
        self._results: list[AttemptResult] = []
        self._ready: deque[Claimed] = deque()
        self._held: dict[str, asyncpg.Connection] = {}
        self._sending = 0  # attempts in flight (each sender has at most one)
        self._senders: list[asyncio.Task[None]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._listener: asyncpg.Connection | None = None
        self.listening = asyncio.Event()  # set while LISTEN is up (tests wait on it before publishing)

    # -- the two ways to run: a pass (tests, cron backstop) and the long-running loop (the worker) ------

    async def run_once(self) -> int:
        """Claim and send everything due now, record the results, until nothing is due; returns attempts."""
        total = 0
        try:
            while claimed := await self._claim(self.max_in_flight):
                results = await asyncio.gather(*(self._attempt(d) for d in claimed))
                await self._record(list(results))
                total += len(claimed)
        finally:
            await self._release_connections()
        return total

    async def start(self) -> None:
        self._stopping = False
        for sender in self._senders:  # a restart after the loops died: never more than max_in_flight senders
            sender.cancel()
        self._senders = [
            asyncio.create_task(self._send_loop(), name=f"webhooks.send.{n}")
            for n in range(self.max_in_flight)
        ]
        self._tasks = [
            asyncio.create_task(self._claim_loop(), name="webhooks.claim"),
            asyncio.create_task(self._record_loop(), name="webhooks.record"),
        ]
        log.info("webhooks.dispatcher_started", max_in_flight=self.max_in_flight)

    async def stop(self) -> None:
        """Stop claiming, let requests in flight finish (bounded), record their results."""
        self._stopping = True
        self._wake.set()
        self._has_ready.set()
        if self._senders:
            await asyncio.wait(self._senders, timeout=self.settings.webhooks.request_timeout + 5)
        self._flush.set()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=10)
        for task in [*self._tasks, *self._senders]:
            task.cancel()
        await self._close_listener()
        await self._release_connections()
        log.info("webhooks.dispatcher_stopped")

    @property
    def running(self) -> bool:
        return any(not t.done() for t in self._tasks)

    async def _claim_loop(self) -> None:
        # Claims run ahead of the sends: a claim fetches up to two batches, and the next claim starts while
        # the buffer still holds a batch, so requests keep flowing while PostgreSQL answers (one claim
        # statement per batch). Buffered deliveries are leased; a sender takes the next as soon as it is free.
        while not self._stopping:
            self._wake.clear()
            await self._ensure_listener()
            if len(self._ready) < self.max_in_flight:
                try:
                    claimed = await self._claim(2 * self.max_in_flight - len(self._ready))
                except DB_ERRORS as exc:
                    log.warning("webhooks.claim_failed", error=repr(exc))
                    claimed = []
                if claimed:
                    self._ready.extend(claimed)
                    self._has_ready.set()
                    continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
        if self._ready:  # claimed but never sent: give them back rather than let them wait out the lease
            with contextlib.suppress(*DB_ERRORS):
                async with self.pool.acquire() as conn:
                    await DeliveryRepository(conn).release([(d.id, d.lease_until) for d in self._ready])
            self._ready.clear()

    async def _send_loop(self) -> None:
        # ``max_in_flight`` of these bound the requests in flight. Each takes the next buffered delivery as
        # soon as its response is in, in the same step, like the benchmark's raw POST loop: a task per
        # delivery (created when a slot freed) cost about 0.6 ms more CPU per request here, on a budget of
        # about 1.4 ms (bench/README.md, webhooks).
        while True:
            if not self._ready:
                if self._stopping:
                    return
                self._has_ready.clear()
                self._wake.set()
                await self._has_ready.wait()
                continue
            if self._stopping:
                return
            delivery = self._ready.popleft()
            if len(self._ready) < self.max_in_flight:
                self._wake.set()  # running low: claim the next batch
            self._sending += 1
            try:
                result = await self._attempt(delivery)
            except Exception:  # a bug must not kill the loop: the lease expires and the delivery is retried
                log.exception("webhooks.attempt_crashed", delivery_id=str(delivery.id))
                continue
            finally:
                self._sending -= 1
            self._results.append(result)
            self._flush.set()

    async def _record_loop(self) -> None:
        while True:
            await self._flush.wait()
            if len(self._results) < self.max_in_flight // 2 and self._sending and not self._stopping:
                # Busy: let the requests finishing right now join this batch (one statement for several
                # results). A slot is freed when its response arrives, not when it is recorded, so this
                # short wait costs no throughput and adds nothing to a delivery's latency.
                await asyncio.sleep(RECORD_WINDOW)
            self._flush.clear()
            batch, self._results = self._results, []
            if batch:
                try:
                    await self._record(batch)
                except DB_ERRORS as exc:
                    log.warning("webhooks.record_failed", error=repr(exc), results=len(batch))
                    self._results[:0] = batch  # keep them; the next flush retries
                    await asyncio.sleep(self.poll_interval)
                    self._flush.set()
            self._wake.set()  # capacity freed and a subject's next delivery may now go
            if self._stopping and not self._results and all(t.done() for t in self._senders):
                return

    async def _ensure_listener(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        self.listening.clear()
        try:
            self._listener = await asyncpg.connect(
                self.settings.db.url, server_settings={"application_name": "igf-hub.webhooks.listen"}
            )
            await self._listener.add_listener(CHANNEL, self._notified)
            self.listening.set()
        except DB_ERRORS as exc:  # the polling backstop keeps delivering; reconnect next round
            log.warning("webhooks.listen_failed", error=repr(exc))
            self._listener = None

    def _notified(self, *_: object) -> None:
        self._wake.set()

    async def _close_listener(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            with contextlib.suppress(*DB_ERRORS):
                await self._listener.close(timeout=5)
        self._listener = None
        self.listening.clear()

    # -- one claim, one attempt, one batch of results --------------------------------------------------

    @contextlib.asynccontextmanager
    async def _connection(self, role: str) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection kept for one kind of statement: handing it back to the pool after every
        statement would cost a reset round trip each time (as many round trips as the statements)."""
        conn = self._held.get(role)
        if conn is None or not _usable(conn):
            conn = self._held[role] = await self.pool.acquire()
        try:
            yield conn
        except DB_ERRORS:
            self._held.pop(role, None)  # possibly broken: the pool checks it, the next statement gets another
            with contextlib.suppress(*DB_ERRORS):
                await self.pool.release(conn)
            raise

    async def _release_connections(self) -> None:
        held, self._held = self._held, {}
        for conn in held.values():
            with contextlib.suppress(*DB_ERRORS):
                await self.pool.release(conn)

    async def _claim(self, limit: int) -> list[Claimed]:
        async with self._connection("claim") as conn:
            self.claims += 1
            return await DeliveryRepository(conn).claim(
                self.clock.now(), limit, policy.FAILING_THRESHOLD, self.lease_seconds
            )

    def _body(self, event: EventRow) -> bytes:
        body = self._bodies.get(event.seq)
        if body is None:
            body = self._bodies[event.seq] = render(event, self.settings.base_url)
            if len(self._bodies) > BODY_CACHE:
                self._bodies.popitem(last=False)
        return body

    def _hmac_key(self, ciphertext: bytes) -> bytes:
        key = self._hmac_keys.get(ciphertext)
        if key is None:
            if self._vault is None:
                self._vault = vault_for(self.settings)
            key = signing.secret_key(self._vault.decrypt(ciphertext).decode())
            if len(self._hmac_keys) > 10_000:
                self._hmac_keys.clear()
            self._hmac_keys[ciphertext] = key
        return key

    async def _ed25519_key(self, active_kid: str | None) -> tuple[str, Ed25519PrivateKey]:
        """The active Ed25519 key; reloaded when the claim saw another kid active (a rotation)."""
        if self._ed25519 is None or (active_kid is not None and self._ed25519[0] != active_kid):
            if self._vault is None:
                self._vault = vault_for(self.settings)
            async with self.pool.acquire() as conn:
                self._ed25519 = await keys.active_private_key(conn, self._vault)
        return self._ed25519

    async def _attempt(self, delivery: Claimed) -> AttemptResult:
        body = self._body(delivery.event)
        now = self.clock.now()
        kid, ed25519 = (
            await self._ed25519_key(delivery.signing_kid) if delivery.sign_ed25519 else (None, None)
        )
        headers = signing.headers(
            str(delivery.webhook_id),
            int(now.timestamp()),
            body,
            hmac_keys=[self._hmac_key(c) for c in delivery.secrets],
            ed25519_key=ed25519,
            ed25519_kid=kid,
        )
        outcome = await self.sender.post(delivery.url, body, headers)
        status = outcome.status_code
        result = AttemptResult(
            delivery=delivery,
            attempted_at=now,
            finished=time.perf_counter(),
            status_code=status,
            latency_ms=outcome.latency_ms,
            excerpt=outcome.excerpt,
            error=outcome.error,
            new_state="delivered",
            next_due=None,
            gone=status == 410,
        )
        result.probe = not delivery.is_ping and delivery.consecutive_failures >= policy.FAILING_THRESHOLD
        if not policy.is_success(status):
            schedule = policy.PING_SCHEDULE if delivery.is_ping else delivery.retry_schedule
            if status in (429, 503):
                result.retry_after = policy.retry_after(outcome.retry_after, now)
            if result.probe:  # the endpoint is down: the probe keeps its place in its own schedule
                result.new_state, result.next_due = "pending", None
            else:
                spent = delivery.attempt_count - delivery.probe_count + 1
                result.next_due = policy.next_due(schedule, spent, now, self.rng, result.retry_after)
                result.new_state = "pending" if result.next_due else "dead"
        if self.on_attempt is not None:
            self.on_attempt(result)
        return result

    async def _record(self, results: list[AttemptResult]) -> None:
        now = self.clock.now()
        async with self._connection("record") as conn:
            self.records += 1
            rows = await DeliveryRepository(conn).record(
                results, self._health(results, now), now - policy.AUTO_DISABLE_AFTER, policy.FAILING_THRESHOLD
            )
            recovered = [r for r in rows if r.recovered]
            if recovered:
                await health.tell_recovered(conn, recovered, now)
        needs_notice = any(
            (r.enabled and r.consecutive_failures >= policy.FAILING_THRESHOLD and not r.failing_notified)
            or (not r.enabled and r.disabled_reason in ("gone", "failing") and not r.disabled_notified)
            for r in rows
        )
        if needs_notice:
            await health.notify(self.pool, self.clock)

    def _health(self, results: list[AttemptResult], now: datetime) -> list[EndpointHealth]:
        """Per endpoint, in completion order: what this batch says about its health and next send."""
        by_endpoint: dict[UUID, list[AttemptResult]] = {}
        for result in sorted(results, key=lambda r: r.finished):
            by_endpoint.setdefault(result.delivery.endpoint_id, []).append(result)
        summaries = []
        for endpoint_id, rs in by_endpoint.items():
            ok = [i for i, r in enumerate(rs) if policy.is_success(r.status_code)]
            failed = [r for r in rs if not policy.is_success(r.status_code)]
            trailing = rs[ok[-1] + 1 :] if ok else failed
            failures_now = len(trailing) if ok else rs[0].delivery.consecutive_failures + len(failed)
            last = rs[-1]
            blocked_until = None
            if not policy.is_success(last.status_code):
                if failures_now >= policy.FAILING_THRESHOLD:
                    # Paced by how long the endpoint has been failing (since its first failure without a 2xx
                    # after it), not by how many deliveries happened to fail meanwhile.
                    known = [r.delivery.failing_since for r in rs if r.delivery.failing_since is not None]
                    since = trailing[0].attempted_at if ok or not known else max(known)
                    blocked_until = policy.endpoint_backoff(
                        last.delivery.retry_schedule, now - since, now, self.rng
                    )
                if last.retry_after is not None:
                    blocked_until = max(blocked_until or now, now + last.retry_after)
            pings_ok = [rs[i] for i in ok if rs[i].delivery.is_ping]
            summaries.append(
                EndpointHealth(
                    endpoint_id=endpoint_id,
                    any_success=bool(ok),
                    trailing_failures=len(trailing) if ok else 0,
                    failures=len(failed),
                    first_failure_at=trailing[0].attempted_at if trailing else None,
                    last_at=last.attempted_at,
                    blocked_until=blocked_until,
                    gone=any(r.gone for r in rs),
                    verified_url=pings_ok[-1].delivery.url if pings_ok else None,
                )
            )
        return summaries
