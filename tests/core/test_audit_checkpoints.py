"""The audit log, verifiable by outsiders: sealed rows, signed checkpoints, and `igf-hub audit verify`
(run as a subprocess, as a user would) catching truncation, forged appends and rewrites."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from igf_hub.core import audit, audit_checkpoints, queue
from igf_hub.core.audit_keys import AuditKeyError, checkpoint_key, seal_keys, verifier_key
from igf_hub.core.clock import Clock
from igf_hub.core.settings import AuditSettings, Environment, Settings
from igf_hub.core.tlog import CheckpointError, parse
from igf_hub.webhooks.events import subscription_problem
from tests.support.audit import chain_audit
from tests.support.worker import run_worker_burst

IGF_HUB = [sys.executable, "-m", "igf_hub"]
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*IGF_HUB, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def cli_env(settings: Settings) -> dict[str, str]:
    """The CLI on this test's database; it finds the same development keys (the data dir) as the test."""
    return {
        **os.environ,
        "IGF_HUB_DATABASE_URL": settings.db.url,
        "IGF_HUB_REDIS_URL": settings.redis.url,
        "IGF_HUB_LOG_LEVEL": "warning",
    }


async def write_rows(db: asyncpg.Pool, n: int, settings: Settings) -> None:
    audit.configure(settings)
    async with db.acquire() as conn:
        for i in range(n):
            async with conn.transaction():
                await audit.append(
                    conn,
                    actor="user:test",
                    action="thing.changed",
                    subject_type="thing",
                    subject_id=i,
                    data={"i": i},
                )
    await chain_audit(db)  # as the worker does: the tests below tamper with the chained rows


async def checkpoint(db: asyncpg.Pool, settings: Settings, tmp_path: Path) -> Path:
    """Sign a checkpoint and keep a copy of it, as an outsider would."""
    async with db.acquire() as conn:
        outcome = await audit_checkpoints.make_checkpoint(conn, settings, now=NOW)
    assert outcome.created and outcome.checkpoint is not None
    kept = tmp_path / f"checkpoint-{outcome.checkpoint.tree_size}.txt"
    kept.write_text(outcome.checkpoint.checkpoint)
    return kept


async def as_owner(settings: Settings, *statements: str) -> None:
    """Someone holding the database owner's credentials, with triggers disabled for the session."""
    conn = await asyncpg.connect(settings.db.url)
    try:
        await conn.execute("SET session_replication_role = replica")
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def verify(env: dict[str, str], *checkpoints: Path | str) -> tuple[int, str, dict[str, Any]]:
    args = [a for c in checkpoints for a in ("--checkpoint", str(c))]
    text = run(["audit", "verify", *args], env)
    as_json = run(["audit", "verify", "--json", *args], env)
    assert text.returncode == as_json.returncode, text.stderr
    return text.returncode, text.stdout, json.loads(as_json.stdout)


def mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1 Merkle Tree Hash, written out recursively (independent of the code under test)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


# -- the checkpoint, checked with nothing of ours ------------------------------------------------------------


async def test_a_checkpoint_verifies_with_an_independent_implementation(
    db: asyncpg.Pool, settings: Settings, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    await write_rows(db, 5, settings)
    await checkpoint(db, settings, tmp_path)

    latest = await client.get("/v1/audit/checkpoints/latest")
    assert latest.status_code == 200 and latest.headers["content-type"].startswith("text/plain")
    vkey = (await client.get("/v1/audit/checkpoints/key")).text.strip()

    # C2SP signed-note: text, a blank line, then "— <name> <base64(key hash || signature)>".
    text, signatures = latest.text.split("\n\n")
    origin, size, root_b64 = text.split("\n")
    assert origin == "127.0.0.1:8000/audit" and size == "5"
    dash, name, blob_b64 = signatures.rstrip("\n").split(" ")
    assert dash == "\u2014" and name == origin
    blob = base64.b64decode(blob_b64)
    key_name, key_hash_hex, key_b64 = vkey.split("+", 2)
    raw_key = base64.b64decode(key_b64)
    assert key_name == origin and raw_key[0] == 0x01
    assert hashlib.sha256(name.encode() + b"\n\x01" + raw_key[1:]).digest()[:4] == blob[:4]
    assert blob[:4].hex() == key_hash_hex
    Ed25519PublicKey.from_public_bytes(raw_key[1:]).verify(blob[4:], (text + "\n").encode())  # raises if bad

    # The root is the RFC 6962 tree over the rows' hashes in seq order.
    async with db.acquire() as conn:
        hashes = [
            bytes.fromhex(h)
            for h in await conn.fetchval("SELECT array_agg(hash ORDER BY seq) FROM audit_log")
        ]
    assert base64.b64decode(root_b64) == mth(hashes)

    history = (await client.get("/v1/audit/checkpoints")).json()
    assert [c["tree_size"] for c in history["items"]] == [5]
    assert history["items"][0]["checkpoint"] == latest.text
    by_size = await client.get("/v1/audit/checkpoints/5")
    assert by_size.text == latest.text
    missing = await client.get("/v1/audit/checkpoints/6")
    assert missing.status_code == 404 and "6 rows" in missing.json()["detail"]


async def test_the_checkpoint_is_an_event_for_consumers(
    db: asyncpg.Pool, settings: Settings, tmp_path: Path
) -> None:
    await write_rows(db, 2, settings)
    await checkpoint(db, settings, tmp_path)
    async with db.acquire() as conn:
        event = await conn.fetchrow(
            "SELECT type, subject, data FROM webhook_events WHERE type = 'audit.checkpoint'"
        )
    assert event["subject"] == "2" and event["data"]["tree_size"] == 2
    assert parse(event["data"]["checkpoint"]).size == 2
    assert event["data"]["url"] == "http://127.0.0.1:8000/v1/audit/checkpoints/2"
    assert subscription_problem("audit.*") is None and subscription_problem("audit.checkpoint") is None


async def test_a_checkpoint_is_signed_only_when_the_log_grew_and_is_due(
    db: asyncpg.Pool, settings: Settings
) -> None:
    await write_rows(db, 2, settings)
    async with db.acquire() as conn:
        first = await audit_checkpoints.make_checkpoint(conn, settings, now=NOW, min_interval=600)
        unchanged = await audit_checkpoints.make_checkpoint(conn, settings, now=NOW + timedelta(hours=1))
    await write_rows(db, 1, settings)
    async with db.acquire() as conn:
        too_soon = await audit_checkpoints.make_checkpoint(
            conn, settings, now=NOW + timedelta(seconds=599), min_interval=600
        )
        due = await audit_checkpoints.make_checkpoint(
            conn, settings, now=NOW + timedelta(seconds=600), min_interval=600
        )
    assert first.created and not unchanged.created and not too_soon.created and due.created
    assert due.checkpoint is not None and due.checkpoint.tree_size == 3


async def test_the_worker_publishes_checkpoints_on_its_interval(
    db: asyncpg.Pool, settings: Settings, clock: Clock
) -> None:
    async def job() -> object:
        redis = await queue.connect(settings.redis.url)
        try:
            enqueued = await redis.enqueue_job("publish_audit_checkpoint")
            assert enqueued is not None
            await run_worker_burst(settings, clock)
            return await enqueued.result(timeout=5)
        finally:
            await redis.aclose()

    await write_rows(db, 2, settings)
    assert await job() == 2
    await write_rows(db, 1, settings)
    assert await job() is None  # the latest checkpoint is younger than the interval
    clock.advance(timedelta(seconds=settings.audit.checkpoint_interval))
    assert await job() == 3
    async with db.acquire() as conn:
        assert [c.tree_size for c in await audit_checkpoints.stored(conn)] == [2, 3]


async def test_concurrent_checkpointers_sign_once(db: asyncpg.Pool, settings: Settings) -> None:
    await write_rows(db, 3, settings)

    async def one() -> audit_checkpoints.Outcome:
        async with db.acquire() as conn:
            return await audit_checkpoints.make_checkpoint(conn, settings, now=NOW)

    outcomes = await asyncio.gather(one(), one(), one())
    assert sorted(o.created for o in outcomes) == [False, False, True]
    assert {o.checkpoint.tree_size for o in outcomes if o.checkpoint} == {3}


# -- what the issue asked: each attack detected and named by `igf-hub audit verify` ---------------------------


async def test_an_honest_log_verifies_against_every_earlier_checkpoint(
    db: asyncpg.Pool, settings: Settings, cli_env: dict[str, str], tmp_path: Path
) -> None:
    kept = []
    for batch in (1, 2, 5, 1):
        await write_rows(db, batch, settings)
        kept.append(await checkpoint(db, settings, tmp_path))
    await write_rows(db, 3, settings)

    with serving_file(kept[1]) as url:  # a checkpoint kept elsewhere, fetched by URL
        code, out, report = verify(cli_env, *kept, url)
    assert code == 0, out
    assert out.startswith("audit log intact: 12 rows")
    assert out.count("  extends ") == 5
    checks = report["checkpoints"]
    assert isinstance(checks, list)
    given = [c for c in checks if not c["source"].startswith("stored")]
    assert [c["tree_size"] for c in given] == [1, 3, 8, 9, 3] and all(c["ok"] for c in checks)
    assert len(checks) == 9  # and the four stored ones, checked by default


async def test_truncating_the_tail_is_detected_by_a_kept_checkpoint(
    db: asyncpg.Pool, settings: Settings, cli_env: dict[str, str], tmp_path: Path
) -> None:
    await write_rows(db, 6, settings)
    kept = await checkpoint(db, settings, tmp_path)
    # The owner removes the newest rows, their seals and every trace of the checkpoint in the database.
    await as_owner(
        settings,
        "DELETE FROM audit_log WHERE seq > 4",
        "DELETE FROM audit_log_seals WHERE seq > 4",
        "DELETE FROM audit_checkpoints",
    )

    code, out, _ = verify(cli_env)
    assert code == 0  # without a kept checkpoint, a shorter log is indistinguishable from a younger one

    code, out, report = verify(cli_env, kept)
    assert code == 1
    assert "audit log TAMPERED: the first bad row is #5" in out
    assert f"DOES NOT EXTEND {kept}: the checkpoint covers 6 rows but the log has only 4" in out
    assert report["checkpoints"] == [
        {
            "source": str(kept),
            "tree_size": 6,
            "ok": False,
            "detail": "the checkpoint covers 6 rows but the log has only 4: rows were removed (the first bad row is #5)",
            "first_bad_seq": 5,
        }
    ]

    # The application writes on: the log grows past the checkpoint again, with honestly sealed rows.
    await write_rows(db, 3, settings)
    code, out, report = verify(cli_env, kept)
    assert code == 1 and "between #1 and #6" in out


async def test_a_row_appended_by_the_database_owner_is_detected(
    db: asyncpg.Pool, settings: Settings, cli_env: dict[str, str], tmp_path: Path
) -> None:
    await write_rows(db, 3, settings)
    kept = await checkpoint(db, settings, tmp_path)
    # Plain INSERTs: the trigger chains them like any other row, so the chain alone cannot tell. A seal made
    # without the key (row 5) is no better than none (row 4).
    await as_owner(
        settings,
        "SET session_replication_role = DEFAULT",
        """INSERT INTO audit_log (actor, action, subject_type, subject_id, data, prev_hash, hash)
           VALUES ('user:someone', 'grant.created', 'user', 'x', '{"role": "secretariat"}', '', '')""",
        """INSERT INTO audit_log (actor, action, subject_type, subject_id, data, prev_hash, hash)
           VALUES ('user:someone', 'grant.created', 'user', 'y', '{}', '', '')""",
        f"INSERT INTO audit_log_seals VALUES (5, '{seal_keys(settings).current}', sha256('guess'))",
    )

    code, out, report = verify(cli_env, kept)
    assert code == 1
    assert "audit log TAMPERED: the first bad row is #4" in out
    assert "row #4: the row has no seal: it was not written by the application" in out
    assert "row #5: the seal does not match: the row was rewritten or written outside the application" in out
    assert report["breaks"] == [
        {"seq": 4, "reason": "the row has no seal: it was not written by the application"},
        {
            "seq": 5,
            "reason": "the seal does not match: the row was rewritten or written outside the application",
        },
    ]
    assert [c["ok"] for c in report["checkpoints"]] == [True, True]  # what was checkpointed is untouched

    # And the worker's checkpoint job will not sign the forged rows.
    async with db.acquire() as conn:
        refused = await audit_checkpoints.make_checkpoint(conn, settings, now=NOW + timedelta(hours=1))
    assert not refused.created and refused.refused is not None and refused.refused.first_bad_seq == 4
    signed = run(["audit", "checkpoint"], cli_env)
    assert signed.returncode == 1 and "the first bad row is #4" in signed.stderr


async def test_a_middle_row_rewritten_with_triggers_disabled_is_detected(
    db: asyncpg.Pool, settings: Settings, cli_env: dict[str, str], tmp_path: Path
) -> None:
    await write_rows(db, 6, settings)
    kept = await checkpoint(db, settings, tmp_path)
    # A careful forger rewrites row 3 and recomputes its hash and every later link, so the chain verifies.
    rechain = """
        DO $$ DECLARE r record; prev text; BEGIN
          FOR r IN SELECT * FROM audit_log WHERE seq >= 3 ORDER BY seq LOOP
            SELECT hash INTO prev FROM audit_log WHERE seq = r.seq - 1;
            UPDATE audit_log SET prev_hash = prev, hash = audit_row_digest(prev, seq, occurred_at, actor, action,
                subject_type, subject_id, data, request_id) WHERE seq = r.seq;
          END LOOP;
        END $$"""
    await as_owner(settings, """UPDATE audit_log SET data = '{"i": 99}' WHERE seq = 3""", rechain)
    async with db.acquire() as conn:
        chain_only = await conn.fetch(audit.SELECT_BROKEN_LINKS, 0)
    assert chain_only == []  # the hash chain alone no longer notices

    code, out, report = verify(cli_env, kept)
    assert code == 1
    assert "audit log TAMPERED: the first bad row is #3" in out
    assert "row #3: the seal does not match" in out
    assert [b["seq"] for b in report["breaks"]] == [3, 4, 5, 6]
    assert report["checkpoints"][0]["first_bad_seq"] == 3
    assert "do not hash to the checkpoint's root (the first bad row is #3)" in out

    # The checkpointer, which re-checks only the rows after its previous checkpoint, will not sign it either.
    await write_rows(db, 1, settings)
    async with db.acquire() as conn:
        refused = await audit_checkpoints.make_checkpoint(conn, settings, now=NOW + timedelta(hours=1))
    assert not refused.created and refused.refused is not None
    assert [c.ok for c in refused.refused.checkpoints] == [False]


async def test_rows_from_before_sealing_are_sealed_by_the_migration_and_the_boundary_cannot_be_moved(
    db: asyncpg.Pool, settings: Settings, cli_env: dict[str, str]
) -> None:
    # A database that had two audit rows when migration 0016 ran: they carry no seal yet.
    insert = """INSERT INTO audit_log (actor, action, subject_type, subject_id, data, prev_hash, hash)
                VALUES ('user:old', 'thing.changed', 'thing', 'old', '{}', '', '')"""
    await as_owner(
        settings,
        "SET session_replication_role = DEFAULT",
        insert,
        insert,
        "SET session_replication_role = replica",
        "UPDATE audit_log_sealing SET unsealed_until = 2",
    )
    before = run(["audit", "verify"], cli_env)
    assert before.returncode == 1 and "row #1: the row has no seal" in before.stdout
    migrated = run(["migrate", "up"], cli_env)
    assert migrated.returncode == 0, migrated.stderr
    assert "the 2 rows written before sealing began are recorded as such in a sealed row" in migrated.stdout
    await write_rows(db, 2, settings)
    after = run(["audit", "verify"], cli_env)
    assert after.returncode == 0 and "rows #1 to #2 predate sealing" in after.stdout

    # The boundary lives in the database, so it is no excuse later: a forged row stays a forged row.
    await as_owner(
        settings,
        "SET session_replication_role = DEFAULT",
        insert,
        "SET session_replication_role = replica",
        "UPDATE audit_log_sealing SET unsealed_until = 1000",
    )
    code, out, _ = verify(cli_env)
    assert code == 1 and "row #6: the row has no seal" in out
    again = run(["migrate", "up"], cli_env)  # nor does a later run move the recorded boundary
    assert again.returncode == 0 and "before sealing" not in again.stdout
    assert verify(cli_env)[0] == 1


# -- keys and malformed checkpoints -------------------------------------------------------------------------


async def test_a_checkpoint_not_signed_by_our_key_or_altered_is_refused(
    db: asyncpg.Pool, settings: Settings, cli_env: dict[str, str], tmp_path: Path
) -> None:
    await write_rows(db, 2, settings)
    kept = await checkpoint(db, settings, tmp_path)
    altered = tmp_path / "altered.txt"
    altered.write_text(kept.read_text().replace("\n2\n", "\n1\n", 1))
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("not a checkpoint")

    out = run(["audit", "verify", "--checkpoint", str(altered)], cli_env)
    assert out.returncode == 2 and "does not verify: the checkpoint was altered" in out.stderr
    out = run(["audit", "verify", "--checkpoint", str(garbage)], cli_env)
    assert out.returncode == 2 and "a blank line, then signature lines" in out.stderr
    out = run(["audit", "verify", "--checkpoint", str(tmp_path / "nowhere.txt")], cli_env)
    assert out.returncode == 2 and "cannot be read" in out.stderr
    other = {**cli_env, "IGF_HUB_AUDIT_CHECKPOINT_KEY": base64.b64encode(b"k" * 32).decode()}
    out = run(["audit", "verify", "--checkpoint", str(kept)], other)
    assert out.returncode == 2 and "with none of the keys given" in out.stderr
    # An outsider names the key they trust (the one published at /v1/audit/checkpoints/key).
    vkey = tmp_path / "vkey"
    vkey.write_text(verifier_key(settings).text())
    out = run(["audit", "verify", "--key", str(vkey), "--checkpoint", str(kept)], other)
    assert out.returncode == 0, out.stdout + out.stderr


def test_production_refuses_to_run_without_audit_keys(tmp_path: Path) -> None:
    production = Settings(environment=Environment.production, data_dir=str(tmp_path))
    with pytest.raises(AuditKeyError, match="IGF_HUB_AUDIT_SEAL_KEYS"):
        seal_keys(production)
    with pytest.raises(AuditKeyError, match="IGF_HUB_AUDIT_CHECKPOINT_KEY"):
        checkpoint_key(production)
    configured = Settings(
        environment=Environment.production,
        data_dir=str(tmp_path),
        audit=AuditSettings(seal_keys="a" * 43, checkpoint_key=base64.b64encode(b"s" * 32).decode()),
    )
    assert seal_keys(configured).current and checkpoint_key(configured)
    assert not list(tmp_path.iterdir())  # nothing written to the data dir
    with pytest.raises(AuditKeyError, match="32 bytes"):
        seal_keys(Settings(audit=AuditSettings(seal_keys="c2hvcnQ")))


@pytest.mark.parametrize(
    ("note", "message"),
    [
        (b"\xff\xfe", "not UTF-8"),
        ("origin\n12\nAAAA\n\n\u2014 k AAAAAAAA\n", "not a base64 SHA-256 root hash"),
        ("origin\n-1\n" + "A" * 43 + "=\n\n\u2014 k AAAAAAAA\n", "not a tree size"),
        ("origin\n1\n" + "A" * 43 + "=\n\n- k AAAAAAAA\n", "is not a signature line"),
        ("origin\n1\n" + "A" * 43 + "=\n\n\u2014 k !!\n", "not base64"),
    ],
)
def test_malformed_checkpoints_are_named_in_plain_words(note: str | bytes, message: str) -> None:
    with pytest.raises(CheckpointError, match=message):
        parse(note)


class _OneFile(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serving_file(path: Path) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving a kept checkpoint (a mirror, say)."""
    handler = type("Handler", (_OneFile,), {"body": path.read_bytes()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/checkpoint"
    finally:
        server.shutdown()
        server.server_close()
