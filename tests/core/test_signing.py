"""Signed records, checked with an implementation that is not core/signing.py: `cryptography` verifies the
Ed25519 signature over an RFC 7797 signing input built here by hand, against keys read from the public JWKS."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from igf_hub.app import create_app
from igf_hub.core import signing
from igf_hub.core.settings import AuditSettings, Environment, MailSettings, Settings, SigningSettings
from tests.support.audit import chain_audit

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seed() -> str:
    return base64.b64encode(Ed25519PrivateKey.generate().private_bytes_raw()).decode()


def with_key(settings: Settings, key: str) -> Settings:
    return msgspec.structs.replace(settings, signing=SigningSettings(publication_key=key))


def independent_verify(document: bytes, token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """RFC 7515 + RFC 7797 by hand: raises InvalidSignature unless ``token`` signs exactly ``document``."""
    header_b64, payload, signature_b64 = token.split(".")
    assert payload == "", "a detached JWS carries no payload"
    header: dict[str, Any] = json.loads(b64url_decode(header_b64))
    assert header["b64"] is False and header["crit"] == ["b64"] and header["alg"] == "Ed25519"
    jwk = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519"
    # The kid is the RFC 7638 thumbprint of the key: recompute it.
    members = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": jwk["x"]}, separators=(",", ":")).encode()
    assert base64.urlsafe_b64encode(hashlib.sha256(members).digest()).decode().rstrip("=") == header["kid"]
    key = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
    key.verify(b64url_decode(signature_b64), header_b64.encode("ascii") + b"." + document)
    return header


def test_the_canonical_form_is_rfc_8785() -> None:
    # Members sorted by UTF-16 code units (U+1F600 sorts before U+FF21 there, after it by code point).
    value = {"b": [1, True, None], "a": "é\n\u2028", "\U0001f600": 1, "\uff21": 2, "c": {"z": 1, "y": "\x01"}}
    assert (
        signing.canonical(value)
        == (
            '{"a":"é\\n\u2028","b":[1,true,null],"c":{"y":"\\u0001","z":1},"\U0001f600":1,"\uff21":2}'
        ).encode()
    )
    assert signing.canonical({"n": 3.0}) == b'{"n":3}'
    with pytest.raises(ValueError, match="integers only"):
        signing.canonical({"n": 0.5})
    with pytest.raises(ValueError, match="exactly"):
        signing.canonical({"n": 2**60})


async def sign(
    conn: asyncpg.Connection, settings: Settings, rid: str, at: datetime
) -> signing.RecordSignature:
    async with conn.transaction():
        return await signing.sign_record(
            conn,
            settings,
            kind="test_record",
            record_id=rid,
            version=1,
            record={"text": f"record {rid}"},
            now=at,
            actor="test",
        )


async def jwks_of(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get(signing.JWKS_PATH)
    assert response.status_code == 200, response.text
    assert "max-age=60" in response.headers["cache-control"]
    body: dict[str, Any] = response.json()
    return body


async def test_a_signature_verifies_independently_and_fails_on_one_changed_byte(
    client: httpx.AsyncClient, db: asyncpg.Pool, settings: Settings
) -> None:
    settings = with_key(settings, seed())
    async with db.acquire() as conn:
        made = await sign(conn, settings, "r1", T0)
        again = await sign(conn, settings, "r1", T0 + timedelta(days=1))
    assert again == made  # a published record's signature never changes

    document = await client.get("/v1/signatures/test_record/r1/1/document")
    assert document.status_code == 200
    assert (
        document.headers["link"]
        == '</v1/signatures/test_record/r1/1/jws>; rel="signature"; type="application/jose"'
    )
    jws_text = (await client.get("/v1/signatures/test_record/r1/1/jws")).text
    assert jws_text == made.jws
    header = independent_verify(document.content, jws_text, await jwks_of(client))
    assert header["iat"] == int(T0.timestamp())
    assert json.loads(document.content) == {
        "kind": "test_record",
        "id": "r1",
        "version": 1,
        "issuer": settings.base_url,
        "record": {"text": "record r1"},
    }
    assert hashlib.sha256(document.content).hexdigest() == made.document_sha256

    changed = document.content.replace(b"record r1", b"record r2")
    assert len(changed) == len(document.content)
    with pytest.raises(InvalidSignature):
        independent_verify(changed, jws_text, await jwks_of(client))
    async with db.acquire() as conn:
        ok = await signing.verify_document(conn, document.content, token=None)
        assert (
            ok.valid
            and ok.kid == made.kid
            and ok.signed_at == T0
            and (ok.kind, ok.id) == ("test_record", "r1")
        )
        # Another layout of the same JSON is the same document (the canonical form is what is signed).
        pretty = json.dumps(json.loads(document.content), indent=2).encode()
        assert (await signing.verify_document(conn, pretty, token=made.jws)).valid
        bad = await signing.verify_document(conn, changed, token=None)
        assert not bad.valid and bad.outcome is signing.Outcome.changed
        assert "not exactly what the IGF signed" in bad.detail


async def test_another_documents_signature_and_an_unknown_key_are_refused(
    db: asyncpg.Pool, settings: Settings
) -> None:
    settings = with_key(settings, seed())
    async with db.acquire() as conn:
        first = await sign(conn, settings, "one", T0)
        await sign(conn, settings, "two", T0)
        second_doc = await signing.signed_document(conn, "test_record", "two", 1)
        assert second_doc is not None
        other = await signing.verify_document(conn, second_doc, token=first.jws)
        assert not other.valid and other.outcome is signing.Outcome.other_document
        assert "another document (test_record one version 1)" in other.detail
        with pytest.raises(InvalidSignature):
            independent_verify(second_doc, first.jws, signing.jwks(await signing.key_history(conn)))

        # The same document signed with a key the IGF never published.
        stranger = with_key(settings, seed())
        header = {
            "alg": "Ed25519",
            "b64": False,
            "crit": ["b64"],
            "kid": "not-ours",
            "iat": int(T0.timestamp()),
        }
        h = base64.urlsafe_b64encode(json.dumps(header).encode()).decode().rstrip("=")
        key = signing.private_key(stranger)
        sig = base64.urlsafe_b64encode(key.sign(h.encode() + b"." + second_doc)).decode().rstrip("=")
        unknown = await signing.verify_document(conn, second_doc, token=f"{h}..{sig}")
        assert not unknown.valid and unknown.outcome is signing.Outcome.unknown_kid
        assert "not-ours" in unknown.detail
        garbage = await signing.verify_document(conn, second_doc, token="not a signature")
        assert garbage.outcome is signing.Outcome.unreadable_signature
        assert (
            await signing.verify_document(conn, b"\xff not json", token=None)
        ).outcome is signing.Outcome.not_json
        nothing = await signing.verify_document(
            conn, b'{"kind": "test_record", "id": "x", "version": 1}', token=None
        )
        assert nothing.outcome is signing.Outcome.not_published


async def test_rotation_keeps_old_signatures_verifiable_and_a_retired_key_signs_nothing_after(
    client: httpx.AsyncClient, db: asyncpg.Pool, settings: Settings
) -> None:
    old_settings = with_key(settings, seed())
    new_settings = with_key(settings, seed())
    async with db.acquire() as conn:
        first = await sign(conn, old_settings, "first", T0)
        before = await sign(conn, old_settings, "before", T0 + timedelta(hours=2))
        async with conn.transaction():
            new = await signing.rotate(conn, new_settings, actor="test", now=T0 + timedelta(days=1))
        after = await sign(conn, new_settings, "after", T0 + timedelta(days=2))
        assert after.kid == new.kid != before.kid
        # The old key can no longer sign: it is retired.
        with pytest.raises(signing.PublicationKeyUnavailable, match="retired"):
            await sign(conn, old_settings, "late", T0 + timedelta(days=3))
        await chain_audit(conn)
        audit = await conn.fetch(
            "SELECT action, subject_id, actor FROM audit_log WHERE subject_type = 'publication_key' ORDER BY seq"
        )
        # The first use is audited as the act of whoever published (not an anonymous "system").
        assert [(r["action"], r["subject_id"], r["actor"]) for r in audit] == [
            ("publication_key.activated", before.kid, "test"),
            ("publication_key.activated", new.kid, "test"),
        ]

    jwks = await jwks_of(client)
    assert [k["kid"] for k in jwks["keys"]] == [new.kid, before.kid]  # newest first, the retired one kept
    assert jwks["keys"][1]["retired_at"] == (T0 + timedelta(days=1)).isoformat()
    assert (
        jwks["keys"][0]["retired_at"] is None and jwks["keys"][0]["valid_from"] == new.valid_from.isoformat()
    )
    async with db.acquire() as conn:
        for record in (before, after):
            document = await signing.signed_document(conn, "test_record", record.id, 1)
            assert document is not None
            independent_verify(document, record.jws, jwks)
            assert (await signing.verify_document(conn, document, token=None)).valid

        # The old key leaked: retire it from before it signed "before", and that signature is refused.
        async with conn.transaction():
            await signing.retire(
                conn,
                before.kid,
                at=T0 + timedelta(hours=1),
                reason="leaked",
                actor="test",
                now=T0 + timedelta(days=4),
            )
        document = await signing.signed_document(conn, "test_record", "before", 1)
        assert document is not None
        refused = await signing.verify_document(conn, document, token=None)
        assert not refused.valid and refused.outcome is signing.Outcome.after_retirement
        assert "was retired at" in refused.detail
        # The verdict also follows a JWKS someone fetched: the same refusal from the published history.
        keys = signing.keys_from_jwks(await jwks_of(client))
        assert signing.verify(document, before.jws, keys).outcome is signing.Outcome.after_retirement
        # A thief of the retired key back-dates iat to before the retirement: the key's validity alone accepts it,
        # the IGF's own record of what it signed does not.
        stolen = signing.private_key(old_settings)
        forged_doc = signing.canonical(
            signing.envelope(
                old_settings, kind="test_record", record_id="forged", version=1, record={"text": "x"}
            )
        )
        header = {
            "alg": "Ed25519",
            "b64": False,
            "crit": ["b64"],
            "kid": before.kid,
            "iat": int(T0.timestamp()),
        }
        h = base64.urlsafe_b64encode(json.dumps(header).encode()).decode().rstrip("=")
        sig = base64.urlsafe_b64encode(stolen.sign(h.encode() + b"." + forged_doc)).decode().rstrip("=")
        assert signing.verify(forged_doc, f"{h}..{sig}", keys).valid  # offline, with the JWKS only
        forged = await signing.verify_document(conn, forged_doc, token=f"{h}..{sig}")
        assert not forged.valid and forged.outcome is signing.Outcome.not_published
        assert "never published it" in forged.detail
        # What it signed before that moment still verifies.
        document = await signing.signed_document(conn, "test_record", "first", 1)
        assert document is not None and signing.verify(document, first.jws, keys).valid
        with pytest.raises(signing.SigningConfigError, match="future"):
            await signing.retire(
                conn, new.kid, at=T0 + timedelta(days=9), reason="x", actor="test", now=T0 + timedelta(days=4)
            )
        with pytest.raises(signing.SigningConfigError, match="already in the key history"):
            await signing.rotate(conn, new_settings, actor="test", now=T0 + timedelta(days=4))


def test_production_refuses_to_start_without_the_publication_key(tmp_path: Path) -> None:
    audit_keys = AuditSettings(seal_keys="a" * 43, checkpoint_key=base64.b64encode(b"s" * 32).decode())
    production = Settings(
        environment=Environment.production,
        data_dir=str(tmp_path),
        audit=audit_keys,
        mail=MailSettings(disabled=True),
    )
    with pytest.raises(signing.SigningConfigError, match="set IGF_HUB_PUBLICATION_KEY in production"):
        create_app(production)
    assert not list(tmp_path.iterdir())  # no key file made in its place
    with pytest.raises(signing.SigningConfigError, match="32 bytes"):
        signing.private_key(with_key(production, "c2hvcnQ"))
    # Development keeps it in a key file of the data dir, the same on every read.
    development = Settings(data_dir=str(tmp_path))
    first = signing.raw_public(signing.private_key(development))
    assert (tmp_path / signing.KEY_FILE).exists()
    assert signing.raw_public(signing.private_key(development)) == first
