"""`igf-hub publication-keys` and `igf-hub verify`, run as a subprocess as a person would."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx
import msgspec

from igf_hub.core import signing
from igf_hub.core.clock import Clock
from igf_hub.core.db import init_connection
from igf_hub.core.settings import Settings, SigningSettings
from tests.core.test_signing import seed
from tests.test_cli import run


def env_for(settings: Settings, key: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "IGF_HUB_DATABASE_URL": settings.db.url,
        "IGF_HUB_REDIS_URL": settings.redis.url,
        "IGF_HUB_LOG_LEVEL": "warning",
        "IGF_HUB_PUBLICATION_KEY": key,
        "IGF_HUB_DATA_DIR": str(data_dir),
        "IGF_HUB_PUBLIC_URL": settings.base_url,
    }


async def _sign(settings: Settings, rid: str) -> tuple[bytes, signing.RecordSignature]:
    conn = await asyncpg.connect(settings.db.url)
    await init_connection(conn)
    try:
        async with conn.transaction():
            made = await signing.sign_record(
                conn,
                settings,
                kind="test_record",
                record_id=rid,
                version=1,
                record={"n": rid},
                now=Clock().now(),
                actor="test",
            )
        document = await signing.signed_document(conn, "test_record", rid, 1)
        assert document is not None
        return document, made
    finally:
        await conn.close()


async def test_verify_rotate_and_retire_from_the_command_line(
    settings: Settings, tmp_path: Path, live_url: str, client: httpx.AsyncClient
) -> None:
    key_a, key_b = seed(), seed()
    settings_a = msgspec.structs.replace(settings, signing=SigningSettings(publication_key=key_a))
    document, made = await _sign(settings_a, "one")
    _, other = await _sign(settings_a, "two")
    kept = tmp_path / "record.json"
    kept.write_bytes(json.dumps(json.loads(document), indent=2).encode())  # as someone saved it, pretty
    env_a, env_b = env_for(settings, key_a, tmp_path), env_for(settings, key_b, tmp_path)

    def cli(*args: str, env: dict[str, str] = env_a) -> tuple[int, str, str]:
        done = run(list(args), env)
        return done.returncode, done.stdout, done.stderr

    code, out, err = await asyncio.to_thread(cli, "verify", str(kept))
    assert code == 0, err
    assert "This is exactly what the IGF published: test_record one version 1" in out and made.kid in out

    changed = tmp_path / "changed.json"
    changed.write_bytes(document.replace(b'"one"}', b'"onf"}'))
    code, out, _ = await asyncio.to_thread(cli, "verify", str(changed))
    assert code == 1  # the document names record "one", whose signed content differs by one byte
    assert "not exactly what the IGF signed" in out or "published no signed record" in out

    jws_two = tmp_path / "two.jws"
    jws_two.write_text(other.jws)
    code, out, _ = await asyncio.to_thread(cli, "verify", str(kept), "--signature", str(jws_two))
    assert code == 1 and "belongs to another document (test_record two version 1)" in out

    # A URL: the exact signed document, whose Link header names its signature.
    code, out, err = await asyncio.to_thread(
        cli, "verify", f"{live_url}/v1/signatures/test_record/two/1/document"
    )
    assert code == 0, err
    assert "test_record two version 1" in out

    # Rotation (production style: the new key is configured, then rotated in), and the old signature still holds.
    code, out, err = await asyncio.to_thread(cli, "publication-keys", "rotate", env=env_b)
    assert code == 0, err
    code, out, _ = await asyncio.to_thread(cli, "publication-keys", "list", "--json", env=env_b)
    jwks = json.loads(out)
    assert [k["retired_at"] is None for k in jwks["keys"]] == [True, False]
    (tmp_path / "jwks.json").write_text(out)
    code, out, _ = await asyncio.to_thread(cli, "verify", str(kept), env=env_b)
    assert code == 0, out
    # Offline: the kept JWS and a kept JWKS, no database needed.
    jws_one = tmp_path / "one.jws"
    jws_one.write_text(made.jws)
    offline = ("verify", str(kept), "--signature", str(jws_one), "--keys", str(tmp_path / "jwks.json"))
    assert (await asyncio.to_thread(cli, *offline))[0] == 0

    # The old key leaked before it signed: retire it from then, and its signature is refused.
    leaked = (made.signed_at - timedelta(seconds=1)).isoformat()
    code, out, err = await asyncio.to_thread(
        cli, "publication-keys", "retire", made.kid, "--at", leaked, "--reason", "leaked", env=env_b
    )
    assert code == 2 and "valid only from" in err  # it was not in use yet then: nothing to retire
    code, out, err = await asyncio.to_thread(
        cli,
        "publication-keys",
        "retire",
        made.kid,
        "--at",
        made.signed_at.isoformat(),
        "--reason",
        "x",
        env=env_b,
    )
    assert code == 0, err
    code, out, _ = await asyncio.to_thread(cli, "verify", str(kept), env=env_b)
    assert code == 0  # signed at the retirement second itself: still within the key's validity
    code, out, _ = await asyncio.to_thread(
        cli, "publication-keys", "retire", "nope", "--reason", "x", env=env_b
    )
    assert code == 2 and "there is no publication key nope" in out + _
    assert (await asyncio.to_thread(cli, "verify", str(tmp_path / "missing.json")))[0] == 2
