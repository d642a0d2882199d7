"""The audit log: one hash-chained, append-only row per state change, recorded in the change's transaction.

A change appends its row to ``audit_intake`` (one INSERT, no lock: writers do not queue on each other);
``chain_pending`` moves committed intake rows into ``audit_log`` in batches, under the chain's advisory lock,
where the ``audit_log_chain`` trigger chains them, and seals them. The worker chains every
``IGF_HUB_AUDIT_CHAIN_INTERVAL`` seconds, and every reader of the log chains first, so a read after a committed
write sees it. An intake row is not sealed until it is chained (``verify`` counts them as waiting).

Each row is also sealed (an HMAC of its position and hash with a key from the environment, see
``core/audit_keys.py``), and ``core/audit_checkpoints.py`` publishes signed checkpoints of the log, so
``verify`` detects rows rewritten or appended by anyone without the application's keys, and, given a
checkpoint someone kept, rows removed from the end.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
import msgspec
import structlog

from igf_hub.core.audit_keys import SealKeys, seal_keys
from igf_hub.core.settings import Settings, load_settings
from igf_hub.core.tlog import CompactRange

log = structlog.get_logger("igf_hub.audit")

INSERT_INTAKE = """
INSERT INTO audit_intake (actor, action, subject_type, subject_id, data, request_id) VALUES ($1, $2, $3, $4, $5, $6)"""
# Cheap when there is nothing to chain (one index probe): readers run it before every read of the log.
ANY_PENDING = "SELECT EXISTS (SELECT 1 FROM audit_intake)"
COUNT_PENDING = "SELECT count(*) FROM audit_intake"
# The key audit_log_chain (0002) locks per row: held by the chainer for its whole batch, the trigger re-takes it.
CHAIN_LOCK = "SELECT pg_advisory_xact_lock(hashtext('igf_hub.audit_log'))"
# After CHAIN_LOCK, a new statement's snapshot sees every row an earlier chainer moved: no row is chained twice.
# Rows are inserted in intake order, each keeping its time; the trigger sees the rows inserted before it in the
# same statement, so it chains them in that order (tests/core/test_audit_intake.py checks it).
MOVE_BATCH = """
WITH moved AS (
    DELETE FROM audit_intake WHERE id IN (SELECT id FROM audit_intake ORDER BY id LIMIT $1)
    RETURNING id, occurred_at, actor, action, subject_type, subject_id, data, request_id
)
INSERT INTO audit_log (occurred_at, actor, action, subject_type, subject_id, data, request_id, prev_hash, hash)
SELECT occurred_at, actor, action, subject_type, subject_id, data, request_id, '', '' FROM moved ORDER BY id
RETURNING seq, hash"""
INSERT_SEALS = """
INSERT INTO audit_log_seals (seq, key_id, mac)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[])"""
CHAIN_BATCH = 5000

# Recompute every row's digest (after row $1) from its stored content and the previous row's stored hash.
SELECT_BROKEN_LINKS = """
SELECT seq, reason FROM (
    SELECT seq,
           CASE
             WHEN prev_hash IS DISTINCT FROM coalesce(lag(hash) OVER w, repeat('0', 64)) THEN 'prev_hash does not match'
             WHEN seq <> coalesce(lag(seq) OVER w, 0) + 1 THEN 'a row is missing before this one'
             WHEN hash <> audit_row_digest(prev_hash, seq, occurred_at, actor, action, subject_type, subject_id,
                                           data, request_id) THEN 'content does not match its hash'
           END AS reason
    FROM audit_log WHERE seq >= $1 WINDOW w AS (ORDER BY seq)
) checked
WHERE reason IS NOT NULL AND seq > $1
ORDER BY seq"""
# Every row's position, hash and seal, in order: the seals are checked and the checkpoint roots computed in one pass.
SELECT_SEALED_ROWS = """
SELECT a.seq, a.hash, s.key_id, s.mac FROM audit_log a LEFT JOIN audit_log_seals s ON s.seq = a.seq ORDER BY a.seq"""
# Rows that predate sealing: counted by migration 0016 into audit_log_sealing, a table anyone with database
# rights can change, so verify believes the count only as recorded in a sealed row (SEALING_STARTED).
SEALING_STARTED = "audit.sealing_started"
SELECT_LEGACY_ROWS = "SELECT coalesce(max(unsealed_until), 0) FROM audit_log_sealing"
SELECT_SEALING_MARKERS = """
SELECT a.seq, a.hash, a.data, s.key_id, s.mac FROM audit_log a LEFT JOIN audit_log_seals s ON s.seq = a.seq
WHERE a.action = 'audit.sealing_started' ORDER BY a.seq"""
SELECT_HEAD = "SELECT count(*) AS rows, max(seq) AS seq, (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1) AS hash FROM audit_log"


class AuditEntry(msgspec.Struct, kw_only=True):
    seq: int
    occurred_at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    data: dict[str, Any]
    request_id: str | None
    prev_hash: str
    hash: str


class ChainBreak(msgspec.Struct, frozen=True):
    seq: int
    reason: str


class ClaimedHead(msgspec.Struct, frozen=True, kw_only=True):
    """What a checkpoint (already checked for its signature) says: the first ``tree_size`` rows hash to ``root``."""

    source: str
    tree_size: int
    root: bytes


class CheckpointCheck(msgspec.Struct, kw_only=True):
    source: str
    tree_size: int
    ok: bool
    detail: str
    first_bad_seq: int | None = None


class VerifyReport(msgspec.Struct, kw_only=True):
    rows: int
    head_seq: int | None
    head_hash: str | None
    breaks: list[ChainBreak]
    checkpoints: list[CheckpointCheck] = msgspec.field(default_factory=list)
    # The base64 RFC 6962 root over every row's hash: what a checkpoint of this log would sign.
    root_hash: str = ""
    # Rows up to this one predate sealing (as a sealed audit.sealing_started row says).
    unsealed_until: int = 0
    # Rows written but not yet chained (nor sealed): not a break, the chainer will take them.
    waiting: int = 0

    @property
    def ok(self) -> bool:
        return not self.breaks and all(c.ok for c in self.checkpoints)

    @property
    def first_bad_seq(self) -> int | None:
        bad = [b.seq for b in self.breaks] + [c.first_bad_seq for c in self.checkpoints if c.first_bad_seq]
        return min(bad) if bad else None


_seal_keys: SealKeys | None = None


def configure(settings: Settings) -> None:
    """Seal rows with this deployment's key (the app, the worker and the CLI call it once at start-up)."""
    global _seal_keys
    _seal_keys = seal_keys(settings)


def _keys() -> SealKeys:
    if _seal_keys is None:
        configure(load_settings())
    assert _seal_keys is not None
    return _seal_keys


def _plain(data: Any) -> Any:
    """Structs, dates and UUIDs become JSON-safe values before they are stored."""
    return msgspec.to_builtins(data)


async def append(
    conn: asyncpg.Connection,
    *,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: object,
    data: Any = None,
) -> None:
    """Record ``action`` by ``actor`` on a subject, in the caller's transaction (it is chained and sealed once
    committed, by the next ``chain_pending``)."""
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    await conn.execute(
        INSERT_INTAKE, actor, action, subject_type, str(subject_id), _plain(data or {}), request_id
    )


async def chain_pending(conn: asyncpg.Connection, *, keys: SealKeys | None = None) -> int:
    """Chain and seal every committed intake row, in batches of one transaction each; returns how many.

    On a connection inside a transaction it chains nothing (its lock would last until the caller commits, and a
    read-only transaction cannot write): readers call it on a connection of their own first."""
    if conn.is_in_transaction() or not await conn.fetchval(ANY_PENDING):
        return 0
    keys = keys or _keys()
    total = 0
    while True:
        async with conn.transaction():
            await conn.execute(CHAIN_LOCK)
            rows = await conn.fetch(MOVE_BATCH, CHAIN_BATCH)
            if rows:
                seals = [keys.seal(r["seq"], r["hash"]) for r in rows]
                await conn.execute(
                    INSERT_SEALS, [r["seq"] for r in rows], [k for k, _ in seals], [m for _, m in seals]
                )
        total += len(rows)
        if len(rows) < CHAIN_BATCH:
            return total


class Chainer:
    """The worker's loop: ``chain_pending`` every ``interval`` seconds on a pooled connection (held only for the
    pass), so rows are chained and sealed within about that time even when no one reads the log."""

    def __init__(self, pool: asyncpg.Pool, *, interval: float) -> None:
        self.pool, self.interval = pool, interval
        self.chained = 0
        self.passed = asyncio.Event()  # set after each pass (tests wait on it)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="audit-chainer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run_once(self) -> int:
        async with self.pool.acquire() as conn:
            chained = await chain_pending(conn)
        self.chained += chained
        return chained

    async def _run(self) -> None:
        while True:
            try:
                await self.run_once()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                # The database is down or restarting: the rows wait in audit_intake for the next pass.
                log.warning("audit.chain_failed", error=str(exc))
            except Exception:  # a bug must not stop the loop for good
                log.exception("audit.chain_crashed")
            self.passed.set()
            await asyncio.sleep(self.interval)


async def _unsealed_until(conn: asyncpg.Connection, keys: SealKeys) -> int:
    """How many rows predate sealing, as the first validly sealed SEALING_STARTED row says (0 without one)."""
    for row in await conn.fetch(SELECT_SEALING_MARKERS):
        if keys.problem(row["seq"], row["hash"], row["key_id"], row["mac"]) is None:
            count = row["data"].get("unsealed_until") if isinstance(row["data"], dict) else None
            if isinstance(count, int) and 0 <= count < row["seq"]:
                return count
    return 0


async def mark_sealing_start(conn: asyncpg.Connection, *, keys: SealKeys | None = None) -> int:
    """On a database that had audit rows before migration 0016, record once, in a sealed row, how many rows
    predate sealing (they are vouched for by the chain and the checkpoints only); returns that number when
    it records it, else 0. Run right after migrating (``igf-hub migrate up``, ``serve``)."""
    legacy: int = await conn.fetchval(SELECT_LEGACY_ROWS)
    if not legacy:
        return 0
    keys = keys or _keys()
    await chain_pending(conn)
    if await _unsealed_until(conn, keys):
        return 0
    async with conn.transaction():
        await append(
            conn,
            actor="system:igf-hub",
            action=SEALING_STARTED,
            subject_type="audit_log",
            subject_id="audit_log",
            data={"unsealed_until": legacy},
        )
    await chain_pending(conn)
    return legacy


def leaf(row_hash: str) -> bytes:
    """Row #n's hash is leaf n-1 of the checkpoint tree (a malformed stored hash still hashes to something)."""
    try:
        return bytes.fromhex(row_hash) if len(row_hash) == 64 else row_hash.encode()
    except ValueError:
        return row_hash.encode()


async def verify(
    conn: asyncpg.Connection,
    *,
    keys: SealKeys | None = None,
    heads: Sequence[ClaimedHead] = (),
    since: int = 0,
) -> VerifyReport:
    """Check the chain, every row's seal and, for each claimed checkpoint head, that the log extends it.

    With ``since``, rows up to that one are only hashed into the tree (their content and seals are not
    checked again): for the checkpointer, whose previous checkpoint of ``since`` rows vouches for their hashes.
    Committed intake rows are chained first (not on a connection inside a transaction: they are counted as
    ``waiting``).
    """
    keys = keys or _keys()
    await chain_pending(conn)
    # One snapshot for every query (a caller already in a transaction brings its own).
    snapshot = (
        contextlib.nullcontext()
        if conn.is_in_transaction()
        else conn.transaction(isolation="repeatable_read", readonly=True)
    )
    async with snapshot:
        head = await conn.fetchrow(SELECT_HEAD)
        breaks = [
            ChainBreak(seq=r["seq"], reason=r["reason"]) for r in await conn.fetch(SELECT_BROKEN_LINKS, since)
        ]
        unsealed_until = await _unsealed_until(conn, keys)
        waiting: int = await conn.fetchval(COUNT_PENDING)
        checked_after = max(unsealed_until, since)
        wanted = {h.tree_size for h in heads}
        tree, roots = CompactRange(), {}
        if 0 in wanted:
            roots[0] = tree.root()
        async for row in conn.cursor(SELECT_SEALED_ROWS, prefetch=5000):
            if row["seq"] > checked_after:
                problem = keys.problem(row["seq"], row["hash"], row["key_id"], row["mac"])
                if problem:
                    breaks.append(ChainBreak(seq=row["seq"], reason=problem))
            tree.append(leaf(row["hash"]))
            if tree.size in wanted:
                roots[tree.size] = tree.root()
    breaks.sort(key=lambda b: b.seq)
    return VerifyReport(
        rows=head["rows"],
        head_seq=head["seq"],
        head_hash=head["hash"],
        breaks=breaks,
        checkpoints=[_check(h, roots, tree.size, breaks, heads) for h in heads],
        root_hash=base64.b64encode(tree.root()).decode(),
        unsealed_until=unsealed_until,
        waiting=waiting,
    )


def _check(
    head: ClaimedHead,
    roots: dict[int, bytes],
    rows: int,
    breaks: list[ChainBreak],
    heads: Sequence[ClaimedHead],
) -> CheckpointCheck:
    """Does the log extend this checkpoint? If not, which row is the first one that differs?"""
    size, root = head.tree_size, roots.get(head.tree_size)
    within = [b.seq for b in breaks if b.seq <= size]
    first_bad = min(within) if within else None

    def failed(detail: str, first: int | None) -> CheckpointCheck:
        return CheckpointCheck(
            source=head.source, tree_size=size, ok=False, detail=detail, first_bad_seq=first
        )

    if root is None:  # the log is shorter than the checkpoint
        first_bad = min(first_bad or rows + 1, rows + 1)
        return failed(
            f"the checkpoint covers {size} rows but the log has only {rows}: rows were removed "
            f"(the first bad row is #{first_bad})",
            first_bad,
        )
    if root != head.root:
        if first_bad:
            return failed(
                f"the first {size} rows do not hash to the checkpoint's root (the first bad row is #{first_bad})",
                first_bad,
            )
        # Every row is sealed and chained, yet the prefix differs: rows were removed and the log grew again
        # (or rows from before sealing were rewritten). Checkpoints the log still extends narrow it down.
        good = max(
            (h.tree_size for h in heads if h.tree_size < size and roots.get(h.tree_size) == h.root), default=0
        )
        return failed(
            f"the first {size} rows do not hash to the checkpoint's root: rows were removed or replaced and the "
            f"log grew again (the first bad row is between #{good + 1} and #{size})",
            None,
        )
    if first_bad:
        return failed(f"the rows hash to the checkpoint's root, but row #{first_bad} was changed", first_bad)
    return CheckpointCheck(
        source=head.source, tree_size=size, ok=True, detail=f"the log extends it ({rows} rows)"
    )
