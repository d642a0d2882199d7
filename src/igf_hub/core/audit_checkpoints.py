"""Signed checkpoints of the audit log: made by the worker (and ``igf-hub audit checkpoint``), kept in
``audit_checkpoints``, published at ``/v1/audit/checkpoints`` and announced as ``audit.checkpoint`` events.

A checkpoint signs the RFC 6962 root over the rows' hashes in ``seq`` order (not the chain's head): the tree
commits to the row sequence however rows are chained, so per-partition chains can later share it. Before
signing, the log is verified (the rows since the previous checkpoint: chain and seals; every row: the root
of the previous checkpoint): a tampered log is never signed.
Making a checkpoint writes no audit row, or every checkpoint would leave the log one row ahead of it.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

import asyncpg
import msgspec
import structlog

from igf_hub.core import audit, outbox
from igf_hub.core.audit_keys import checkpoint_key, seal_keys, verifier_key
from igf_hub.core.settings import Settings
from igf_hub.core.tlog import CheckpointError, parse, sign

log = structlog.get_logger("igf_hub.audit")

EVENT = "audit.checkpoint"
# A session lock taken before the snapshot, so a checkpointer that waited sees what the one before it wrote.
LOCK = "SELECT pg_advisory_lock(hashtext('igf_hub.audit_checkpoint'))"
UNLOCK = "SELECT pg_advisory_unlock(hashtext('igf_hub.audit_checkpoint'))"
SELECT_LOG_SIZE = "SELECT coalesce(max(seq), 0) FROM audit_log"
COLUMNS = "tree_size, root_hash, origin, note, created_at"
SELECT_LATEST = f"SELECT {COLUMNS} FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1"
SELECT_BY_SIZE = f"SELECT {COLUMNS} FROM audit_checkpoints WHERE tree_size = $1"
SELECT_ALL = f"SELECT {COLUMNS} FROM audit_checkpoints ORDER BY tree_size"
LIST_CHECKPOINTS = f"""
SELECT {COLUMNS} FROM audit_checkpoints
WHERE ($1::bigint IS NULL OR tree_size < $1)
ORDER BY tree_size DESC
LIMIT $2"""
INSERT_CHECKPOINT = f"""
INSERT INTO audit_checkpoints ({COLUMNS}) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (tree_size) DO NOTHING
RETURNING {COLUMNS}"""


class AuditCheckpoint(msgspec.Struct, kw_only=True):
    """One signed checkpoint: ``checkpoint`` is the signed note itself (what to keep and verify)."""

    tree_size: int
    root_hash: str  # base64, as in the note
    origin: str
    checkpoint: str
    created_at: datetime


class CheckpointSigned(msgspec.Struct, kw_only=True):
    """The ``data`` of an ``audit.checkpoint`` event (its subject is the tree size)."""

    origin: str
    tree_size: int
    root_hash: str
    checkpoint: str  # the signed note: keep it, and verify later logs against it
    url: str


# For the OpenAPI webhooks section (app.py collects every family's catalogue).
AUDIT_EVENTS = [
    outbox.EventDoc(
        type=EVENT,
        summary="A signed checkpoint of the audit log's head was published.",
        data=CheckpointSigned,
    )
]


def _row(row: asyncpg.Record) -> AuditCheckpoint:
    return AuditCheckpoint(
        tree_size=row["tree_size"],
        root_hash=base64.b64encode(row["root_hash"]).decode(),
        origin=row["origin"],
        checkpoint=row["note"],
        created_at=row["created_at"],
    )


class Outcome(msgspec.Struct, kw_only=True):
    checkpoint: AuditCheckpoint | None  # the new one, or the latest when nothing was due
    created: bool
    refused: audit.VerifyReport | None = None  # the log failed verification: nothing was signed


async def latest(conn: asyncpg.Connection) -> AuditCheckpoint | None:
    row = await conn.fetchrow(SELECT_LATEST)
    return _row(row) if row else None


async def by_size(conn: asyncpg.Connection, tree_size: int) -> AuditCheckpoint | None:
    row = await conn.fetchrow(SELECT_BY_SIZE, tree_size)
    return _row(row) if row else None


async def history(conn: asyncpg.Connection, *, before: int | None, limit: int) -> list[AuditCheckpoint]:
    return [_row(r) for r in await conn.fetch(LIST_CHECKPOINTS, before, limit)]


async def stored(conn: asyncpg.Connection) -> list[AuditCheckpoint]:
    return [_row(r) for r in await conn.fetch(SELECT_ALL)]


def stored_heads(
    checkpoints: list[AuditCheckpoint], settings: Settings
) -> tuple[list[audit.ClaimedHead], list[audit.CheckpointCheck]]:
    """The heads of stored checkpoints that carry this deployment's signature, and a failed check for each one
    whose signature is wrong (one signed by another key, e.g. before a rotation, is left out)."""
    key = verifier_key(settings)
    heads, bad = [], []
    for cp in checkpoints:
        source = f"stored checkpoint of {cp.tree_size} rows"
        try:
            note = parse(cp.checkpoint)
            if note.signed_by([key]) is None:
                continue
            if note.size != cp.tree_size:
                raise CheckpointError("its note names another tree size than its row")
        except CheckpointError as exc:
            bad.append(
                audit.CheckpointCheck(source=source, tree_size=cp.tree_size, ok=False, detail=str(exc))
            )
            continue
        heads.append(audit.ClaimedHead(source=source, tree_size=note.size, root=note.root))
    return heads, bad


async def make_checkpoint(
    conn: asyncpg.Connection, settings: Settings, *, now: datetime, min_interval: float = 0
) -> Outcome:
    """Verify the log and sign a checkpoint of it, unless it has not grown (or the latest checkpoint is younger
    than ``min_interval`` seconds). One transaction: the checkpoint and its event commit together."""
    await conn.execute(LOCK)
    try:
        await audit.chain_pending(conn)  # sign what was written up to now, not what was chained by chance
        return await _make_checkpoint(conn, settings, now=now, min_interval=min_interval)
    finally:
        await conn.execute(UNLOCK)


async def _make_checkpoint(
    conn: asyncpg.Connection, settings: Settings, *, now: datetime, min_interval: float
) -> Outcome:
    async with conn.transaction(isolation="repeatable_read"):
        previous = await latest(conn)
        size: int = await conn.fetchval(SELECT_LOG_SIZE)
        # A log shorter than its latest checkpoint goes on to verification, which refuses it.
        if previous is not None and (
            size == previous.tree_size
            or (size > previous.tree_size and previous.created_at > now - timedelta(seconds=min_interval))
        ):
            return Outcome(checkpoint=previous, created=False)
        heads, bad = stored_heads([previous] if previous else [], settings)
        # Rows the previous checkpoint covers need only hash to its root (a rewrite that changed their hashes
        # is refused; one that left a hash stale is not laundered, the tree commits to the stale hash, and
        # `audit verify` still names it): the job's cost is then mostly in the new rows.
        since = heads[0].tree_size if heads else 0
        report = await audit.verify(conn, keys=seal_keys(settings), heads=heads, since=since)
        report.checkpoints += bad
        if not report.ok:
            log.error(
                "audit.checkpoint_refused", first_bad_seq=report.first_bad_seq, breaks=len(report.breaks)
            )
            return Outcome(checkpoint=previous, created=False, refused=report)
        root = base64.b64decode(report.root_hash)
        origin = settings.audit_origin
        note = sign(origin, report.rows, root, checkpoint_key(settings))
        row = await conn.fetchrow(INSERT_CHECKPOINT, report.rows, root, origin, note, now)
        if row is None:  # another process signed this very size first
            return Outcome(checkpoint=await by_size(conn, report.rows), created=False)
        made = _row(row)
        await outbox.publish(
            conn,
            EVENT,
            subject=made.tree_size,
            data={
                "origin": made.origin,
                "tree_size": made.tree_size,
                "root_hash": made.root_hash,
                "checkpoint": made.checkpoint,
                "url": f"{settings.base_url}/v1/audit/checkpoints/{made.tree_size}",
            },
        )
    log.info("audit.checkpoint_signed", tree_size=made.tree_size, root_hash=made.root_hash)
    return Outcome(checkpoint=made, created=True)
