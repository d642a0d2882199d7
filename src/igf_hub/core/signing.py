"""Signed records: detached JWS signatures of published records, made with the IGF publication key.

The mechanism is here; each domain decides what it signs (its "public record document") and calls
:func:`sign_record` in the transaction that approves or publishes it. README, "Signed records", is the contract:

* **Canonical form.** The signed document is ``{"kind", "id", "version", "issuer", "record"}`` (``record`` is the
  domain's public document), serialised with the JSON Canonicalization Scheme (RFC 8785): object members sorted
  by their names' UTF-16 code units, no insignificant whitespace, strings as ECMAScript ``JSON.stringify``
  writes them, UTF-8. Numbers are integers only (|n| ≤ 2^53): a record that needs a fraction carries it as a
  string, so the canonical form never depends on a float formatter.
* **Signature.** JWS Compact Serialization (RFC 7515) with a detached, unencoded payload (RFC 7797): protected
  header ``{"alg": "Ed25519", "b64": false, "crit": ["b64"], "kid", "iat"}``, signing input
  ``ASCII(BASE64URL(header)) || "." || canonical bytes``, serialised as ``header..signature``. ``iat`` is the
  signing time (NumericDate), which a verifier compares with the key's validity.
* **Keys.** Ed25519 (RFC 8037; ``alg`` "Ed25519" as RFC 9864 names it): small, deterministic signatures, no parameters to get wrong. The private
  key comes from ``IGF_HUB_PUBLICATION_KEY`` (a key file in the data dir in development) and is never written to
  the database; ``publication_keys`` keeps every public key with its validity, so retired keys stay published
  (``/.well-known/igf-publication-keys.json``) and old signatures stay verifiable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey
from joserfc.jws import JWSRegistry
from joserfc.registry import HeaderParameter

from igf_hub.core import changelog
from igf_hub.core.errors import DomainError
from igf_hub.core.settings import Environment, Settings
from igf_hub.core.signing_repository import KeyRow, SignedRow, SigningRepository
from igf_hub.core.vault import key_file_text

ALG = "Ed25519"  # RFC 9864: the fully specified name (the older "EdDSA" is deprecated)
KEY_FILE = "publication.key"
JWKS_PATH = "/.well-known/igf-publication-keys.json"
SIGNATURES_PATH = "/v1/signatures"
MAX_SAFE_INTEGER = 2**53 - 1


class PublicationKeyUnavailable(DomainError):
    """Nothing can be published while the configured key cannot sign (retired, or missing in production)."""

    status, slug, title = 503, "publication-key-unavailable", "The publication key cannot sign"


class SigningConfigError(Exception):
    pass


# -- the canonical form (RFC 8785) -----------------------------------------------------------------------------


def _canonical(value: Any, out: list[str]) -> None:
    if value is None or isinstance(value, bool):
        out.append("null" if value is None else ("true" if value else "false"))
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise ValueError(f"{value} is beyond the integers JSON numbers hold exactly")
        out.append(str(value))
    elif isinstance(value, float):
        if not value.is_integer() or abs(value) > MAX_SAFE_INTEGER:
            raise ValueError("the canonical form holds integers only: write a fraction as a string")
        out.append(str(int(value)))
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))  # the same escapes as JSON.stringify
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _canonical(item, out)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        for i, key in enumerate(sorted(value, key=lambda k: k.encode("utf-16-be"))):
            if not isinstance(key, str):
                raise ValueError("object member names are strings")
            if i:
                out.append(",")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _canonical(value[key], out)
        out.append("}")
    else:
        raise ValueError(f"a {type(value).__name__} has no JSON form")


def canonical(value: Any) -> bytes:
    """The RFC 8785 canonical bytes of a JSON value (structs, dates and UUIDs first become their JSON form)."""
    out: list[str] = []
    _canonical(msgspec.to_builtins(value), out)
    try:
        return "".join(out).encode()
    except UnicodeEncodeError:
        raise ValueError("a string holds a lone surrogate, which UTF-8 cannot carry") from None


def envelope(settings: Settings, *, kind: str, record_id: str, version: int, record: Any) -> dict[str, Any]:
    """The signed document: what the record is, who published it, and the domain's public record document."""
    return {
        "kind": kind,
        "id": record_id,
        "version": version,
        "issuer": settings.base_url,
        "record": msgspec.to_builtins(record),
    }


# -- keys --------------------------------------------------------------------------------------------------


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_jwk(public: bytes) -> dict[str, str]:
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(public)}


def key_id(public: bytes) -> str:
    """The RFC 7638 thumbprint (SHA-256) of the public JWK: anyone can recompute it from the key itself."""
    members = json.dumps(public_jwk(public), sort_keys=True, separators=(",", ":")).encode()
    return _b64url(hashlib.sha256(members).digest())


def _decode_seed(text: str) -> Ed25519PrivateKey:
    text = text.strip()
    try:
        raw = _unb64url(text.replace("+", "-").replace("/", "_").rstrip("="))
    except (binascii.Error, ValueError):
        raise SigningConfigError("IGF_HUB_PUBLICATION_KEY holds a value that is not base64") from None
    if len(raw) != 32:
        raise SigningConfigError("IGF_HUB_PUBLICATION_KEY must be 32 bytes (an Ed25519 seed), base64-encoded")
    return Ed25519PrivateKey.from_private_bytes(raw)


def _new_seed_text() -> str:
    return _b64url(secrets.token_bytes(32)) + "\n"


def private_key(settings: Settings) -> Ed25519PrivateKey:
    """The configured publication key. Development keeps it in a key file in the data dir, made on first use
    (read each time: ``publication-keys rotate`` replaces it); production refuses to run without it."""
    if settings.signing.publication_key.strip():
        return _decode_seed(settings.signing.publication_key)
    if settings.environment is Environment.production:
        raise SigningConfigError("set IGF_HUB_PUBLICATION_KEY in production (see README, 'Signed records')")
    return _decode_seed(key_file_text(settings.data_path / KEY_FILE, _new_seed_text))


def replace_key_file(settings: Settings) -> None:
    """Development rotation: a new key file (the old private key is gone; its public half stays published)."""
    path = settings.data_path / KEY_FILE
    draft = path.with_name(f".{path.name}.new")
    path.parent.mkdir(parents=True, exist_ok=True)
    draft.write_text(_new_seed_text())
    draft.chmod(0o600)
    draft.replace(path)


class PublicationKey(msgspec.Struct, kw_only=True):
    kid: str
    public_key: bytes
    valid_from: datetime
    retired_at: datetime | None
    retired_reason: str | None

    def jwk(self) -> dict[str, Any]:
        return {
            **public_jwk(self.public_key),
            "kid": self.kid,
            "alg": ALG,
            "use": "sig",
            "valid_from": self.valid_from.isoformat(),
            "retired_at": self.retired_at.isoformat() if self.retired_at else None,
        }


def _key(row: KeyRow) -> PublicationKey:
    return PublicationKey(
        kid=row.kid,
        public_key=row.public_key,
        valid_from=row.valid_from,
        retired_at=row.retired_at,
        retired_reason=row.retired_reason,
    )


async def key_history(conn: asyncpg.Connection) -> list[PublicationKey]:
    """Every publication key, current and retired, oldest first."""
    return [_key(r) for r in await SigningRepository(conn).keys()]


def jwks(keys: list[PublicationKey]) -> dict[str, Any]:
    """The JWKS of the key history (RFC 7517; ``valid_from``/``retired_at`` are our own members): newest first."""
    return {"keys": [k.jwk() for k in sorted(keys, key=lambda k: k.valid_from, reverse=True)]}


def keys_from_jwks(document: Any) -> list[PublicationKey]:
    """A key history read back from a JWKS such as :func:`jwks` publishes; ValueError when it is not one."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWKS: it has no list of keys")
    keys = []
    for jwk in document["keys"]:
        try:
            if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
                continue
            public = _unb64url(jwk["x"])
            retired = jwk.get("retired_at")
            keys.append(
                PublicationKey(
                    kid=jwk.get("kid") or key_id(public),
                    public_key=public,
                    valid_from=datetime.fromisoformat(jwk["valid_from"]),
                    retired_at=datetime.fromisoformat(retired) if retired else None,
                    retired_reason=None,
                )
            )
        except (KeyError, TypeError, ValueError, binascii.Error, AttributeError):
            raise ValueError("not a JWKS of publication keys: a key lacks x or valid_from") from None
    return keys


def _seconds(at: datetime) -> datetime:
    return at.replace(microsecond=0)


async def rotate(
    conn: asyncpg.Connection, settings: Settings, *, actor: str, now: datetime
) -> PublicationKey:
    """Make the configured key the current one and retire the one before it (audited). In development a new
    key file is made first; in production the new key must already be configured (IGF_HUB_PUBLICATION_KEY)."""
    repo = SigningRepository(conn)
    if not settings.signing.publication_key.strip() and settings.environment is not Environment.production:
        replace_key_file(settings)
    public = raw_public(private_key(settings))
    kid = key_id(public)
    if await repo.key(kid) is not None:
        raise SigningConfigError(
            f"the configured publication key ({kid}) is already in the key history: configure a new "
            "IGF_HUB_PUBLICATION_KEY before rotating"
        )
    return await _activate(conn, kid, public, actor=actor, now=now, reason="rotated")


async def _activate(
    conn: asyncpg.Connection, kid: str, public: bytes, *, actor: str, now: datetime, reason: str
) -> PublicationKey:
    repo = SigningRepository(conn)
    at = _seconds(now)
    await repo.lock_keys()
    previous = await repo.current_key()
    if previous is not None:
        await repo.retire(previous.kid, at=max(at, previous.valid_from), reason=f"replaced by {kid}")
    row = await repo.insert_key(kid, public, valid_from=at)
    await changelog.record(
        conn,
        "publication_key.activated",
        actor=actor,
        subject_type="publication_key",
        subject_id=kid,
        data={
            "kid": kid,
            "valid_from": at.isoformat(),
            "retired": previous.kid if previous else None,
            "why": reason,
        },
        # The JWKS announces keys; consumers need no event to follow it.
        publish=False,
    )
    return _key(row)


async def retire(
    conn: asyncpg.Connection, kid: str, *, at: datetime, reason: str, actor: str, now: datetime
) -> PublicationKey:
    """Retire a key from ``at`` (not in the future; earlier for a key that leaked): signatures it made after ``at``
    no longer verify. Retiring the current key stops publication until a new key is configured and rotated in."""
    repo = SigningRepository(conn)
    await repo.lock_keys()
    row = await repo.key(kid)
    if row is None:
        raise SigningConfigError(f"there is no publication key {kid}")
    at = _seconds(at)
    if at > now:
        raise SigningConfigError("a key is retired now or from a past moment, not in the future")
    if at < row.valid_from:
        raise SigningConfigError(f"key {kid} was valid only from {row.valid_from.isoformat()}")
    if row.retired_at is not None and row.retired_at <= at:
        raise SigningConfigError(f"key {kid} is already retired since {row.retired_at.isoformat()}")
    await repo.retire(kid, at=at, reason=reason)
    await changelog.record(
        conn,
        "publication_key.retired",
        actor=actor,
        subject_type="publication_key",
        subject_id=kid,
        data={"kid": kid, "retired_at": at.isoformat(), "reason": reason},
        # The JWKS announces retirements; consumers need no event to follow it.
        publish=False,
    )
    retired = await repo.key(kid)
    assert retired is not None
    return _key(retired)


async def _signing_key(
    conn: asyncpg.Connection, settings: Settings, now: datetime, actor: str
) -> tuple[str, Ed25519PrivateKey]:
    try:
        key = private_key(settings)
    except SigningConfigError as exc:
        raise PublicationKeyUnavailable(str(exc)) from None
    public = raw_public(key)
    kid = key_id(public)
    repo = SigningRepository(conn)
    row = await repo.key(kid)
    if row is None:
        # A key configured for the first time (a fresh deployment, or a new key deployed before `rotate` ran)
        # becomes the current one, so a published record is never left unsigned.
        await _activate(conn, kid, public, actor=actor, now=now, reason="first use of a configured key")
    elif row.retired_at is not None:
        raise PublicationKeyUnavailable(
            f"the configured publication key {kid} was retired at {row.retired_at.isoformat()}: configure a new "
            "IGF_HUB_PUBLICATION_KEY and run `igf-hub publication-keys rotate`"
        )
    return kid, key


# -- signing ---------------------------------------------------------------------------------------------


def _registry() -> JWSRegistry:
    registry = JWSRegistry(
        header_registry={"iat": HeaderParameter("Signing time (NumericDate)", "int", required=True)},
        algorithms=[ALG],
    )
    registry.max_payload_length = 64 * 1024 * 1024  # a long Message with its paragraphs
    return registry


class BackfillResult(msgspec.Struct, kw_only=True):
    signed: int = 0
    already: int = 0
    skipped: list[str] = msgspec.field(default_factory=list)  # why each record left unsigned was left


# Sign every record of one kind published before signing began, in its own transaction per record.
Backfill = Callable[[asyncpg.Connection, Settings, datetime], Awaitable[BackfillResult]]


class RecordSignature(msgspec.Struct, kw_only=True):
    """The detached signature of one published record version, as the API, webhooks and the pull log carry it:
    keep ``jws`` with ``document`` (its exact signed bytes) to prove later what the IGF published."""

    kind: str
    id: str
    version: int
    alg: str
    kid: str
    signed_at: datetime
    jws: str  # compact serialization, detached, unencoded payload (RFC 7797)
    document_sha256: str  # hex, of the canonical document
    document: str  # URL of the exact signed bytes
    url: str  # URL of this signature
    keys: str  # URL of the JWKS with every publication key


def _urls(base_url: str, kind: str, record_id: str, version: int) -> tuple[str, str]:
    base = f"{base_url}{SIGNATURES_PATH}/{kind}/{record_id}/{version}"
    return base, f"{base}/document"


def signature_path(kind: str, record_id: str, version: int) -> str:
    return f"{SIGNATURES_PATH}/{kind}/{record_id}/{version}"


def _signature(base_url: str, row: SignedRow) -> RecordSignature:
    url, document = _urls(base_url, row.kind, row.record_id, row.version)
    return RecordSignature(
        kind=row.kind,
        id=row.record_id,
        version=row.version,
        alg=ALG,
        kid=row.kid,
        signed_at=row.signed_at,
        jws=row.jws,
        document_sha256=row.document_sha256.hex(),
        document=document,
        url=url,
        keys=base_url + JWKS_PATH,
    )


async def sign_record(
    conn: asyncpg.Connection,
    settings: Settings,
    *,
    kind: str,
    record_id: object,
    version: int,
    record: Any,
    now: datetime,
    actor: str,
) -> RecordSignature:
    """Sign one record version in the caller's transaction (a refusal rolls the publication back). Signing the
    same version again returns the signature it already has: a published record's signature never changes.
    ``actor`` (who approved or published it) is audited as activating the key when this is its first use."""
    repo = SigningRepository(conn)
    rid = str(record_id)
    if (existing := await repo.signed(kind, rid, version)) is not None:
        return _signature(settings.base_url, existing)
    document = canonical(envelope(settings, kind=kind, record_id=rid, version=version, record=record))
    kid, key = await _signing_key(conn, settings, now, actor)
    at = _seconds(now)
    header = {"alg": ALG, "b64": False, "crit": ["b64"], "kid": kid, "iat": int(at.timestamp())}
    jwk = OKPKey.import_key({**public_jwk(raw_public(key)), "d": _b64url(key.private_bytes_raw())})
    token = jws.serialize_compact(header, document, jwk, algorithms=[ALG], registry=_registry())
    row = await repo.insert_signed(
        kind,
        rid,
        version,
        document=document,
        digest=hashlib.sha256(document).digest(),
        jws=token,
        kid=kid,
        at=at,
    )
    return _signature(settings.base_url, row)


async def signature_of(
    conn: asyncpg.Connection, base_url: str, kind: str, record_id: object, version: int
) -> RecordSignature | None:
    row = await SigningRepository(conn).signed(kind, str(record_id), version)
    return _signature(base_url, row) if row else None


async def latest_signature_of(
    conn: asyncpg.Connection, base_url: str, kind: str, record_id: object
) -> RecordSignature | None:
    row = await SigningRepository(conn).latest_signed(kind, str(record_id))
    return _signature(base_url, row) if row else None


async def signed_document(conn: asyncpg.Connection, kind: str, record_id: str, version: int) -> bytes | None:
    row = await SigningRepository(conn).signed(kind, record_id, version)
    return row.document if row else None


async def published_copy(conn: asyncpg.Connection, path: str) -> tuple[bytes, str] | None:
    """The signed document and JWS an address of this site stands for: a signature or signed-document address
    (``/v1/signatures/{kind}/{id}/{version}[/document|/jws]``), or any address naming a signed record's id (its
    API resource or its page), which stands for the record's newest signed version."""
    repo = SigningRepository(conn)
    parts = [p for p in path.split("/") if p]
    row: SignedRow | None = None
    if len(parts) >= 5 and parts[:2] == ["v1", "signatures"] and parts[4].isdigit():
        row = await repo.signed(parts[2], parts[3], int(parts[4]))
    else:
        for part in reversed(parts):
            try:
                record_id = str(UUID(part))
            except ValueError:
                continue
            row = await repo.latest_signed_of_any_kind(record_id)
            break
    return (row.document, row.jws) if row else None


# -- verification ------------------------------------------------------------------------------------------


class Outcome(StrEnum):
    valid = "valid"
    not_json = "not_json"
    unreadable_signature = "unreadable_signature"
    unknown_kid = "unknown_kid"
    before_key = "before_key"
    after_retirement = "after_retirement"
    changed = "changed"
    other_document = "other_document"
    not_published = "not_published"


class Verdict(msgspec.Struct, kw_only=True):
    """What a verifier concluded, with a sentence a person can read (``detail``)."""

    valid: bool
    outcome: Outcome
    detail: str
    kind: str | None = None
    id: str | None = None
    version: int | None = None
    kid: str | None = None
    signed_at: datetime | None = None
    key_valid_from: datetime | None = None
    key_retired_at: datetime | None = None
    document_sha256: str | None = None


def _refuse(outcome: Outcome, detail: str, **known: Any) -> Verdict:
    return Verdict(valid=False, outcome=outcome, detail=detail, **known)


def document_bytes(raw: bytes) -> tuple[bytes, dict[str, Any]] | None:
    """The canonical form of a document as someone kept it (any JSON layout), and its members; None when it is
    not a JSON object."""
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(value, dict):
        return None
    try:
        return canonical(value), value
    except ValueError:
        return None


def _header(token: str) -> dict[str, Any] | None:
    parts = token.strip().split(".")
    if len(parts) != 3 or parts[1] != "":
        return None
    try:
        header = json.loads(_unb64url(parts[0]))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return header if isinstance(header, dict) else None


def verify(document: bytes, token: str, keys: list[PublicationKey]) -> Verdict:
    """Does ``token`` prove that the IGF signed exactly ``document`` (canonical bytes) with one of ``keys``, while
    that key was valid? The identity named inside the document is reported as what was verified."""
    digest = hashlib.sha256(document).hexdigest()
    header = _header(token)
    if (
        header is None
        or header.get("alg") != ALG
        or header.get("b64") is not False
        or header.get("crit") != ["b64"]
        or not isinstance(header.get("kid"), str)
        or not isinstance(header.get("iat"), int)
        or isinstance(header.get("iat"), bool)
    ):
        return _refuse(
            Outcome.unreadable_signature,
            "The signature is not a detached Ed25519 JWS with an unencoded payload, as the IGF makes them.",
            document_sha256=digest,
        )
    kid, signed_at = header["kid"], datetime.fromtimestamp(header["iat"], UTC)
    key = next((k for k in keys if k.kid == kid), None)
    if key is None:
        return _refuse(
            Outcome.unknown_kid,
            f"The signature names key {kid}, which is not one of the IGF's publication keys.",
            kid=kid,
            signed_at=signed_at,
            document_sha256=digest,
        )
    known: dict[str, Any] = {
        "kid": kid,
        "signed_at": signed_at,
        "key_valid_from": key.valid_from,
        "key_retired_at": key.retired_at,
        "document_sha256": digest,
    }
    try:
        jwk = OKPKey.import_key(public_jwk(key.public_key))  # type: ignore[arg-type]
        jws.deserialize_compact(token.strip(), jwk, payload=document, algorithms=[ALG], registry=_registry())
    except (JoseError, ValueError):
        return _refuse(
            Outcome.changed,
            "The document is not exactly what the IGF signed: at least one byte differs, or the signature "
            "belongs to another document.",
            **known,
        )
    try:
        members = json.loads(document)
        known |= {"kind": members.get("kind"), "id": members.get("id"), "version": members.get("version")}
    except (ValueError, AttributeError):
        pass
    if signed_at < key.valid_from:
        return _refuse(
            Outcome.before_key,
            f"The signature claims a time ({signed_at.isoformat()}) before key {kid} came into use "
            f"({key.valid_from.isoformat()}).",
            **known,
        )
    if key.retired_at is not None and signed_at > key.retired_at:
        return _refuse(
            Outcome.after_retirement,
            f"The signature was made at {signed_at.isoformat()} with key {kid}, which was retired at "
            f"{key.retired_at.isoformat()}: it is not valid.",
            **known,
        )
    return Verdict(
        valid=True,
        outcome=Outcome.valid,
        detail=f"This is exactly what the IGF published: {known.get('kind')} {known.get('id')} version "
        f"{known.get('version')}, signed at {signed_at.isoformat()} with key {kid}.",
        **known,
    )


async def verify_document(
    conn: asyncpg.Connection, raw: bytes, *, token: str | None, keys: list[PublicationKey] | None = None
) -> Verdict:
    """Verify a document as someone holds it. Without ``token``, the signature the IGF published for the record
    the document names (or, when it names none, for its exact bytes) is used. ``keys``: the database's history
    unless given (a JWKS someone trusts)."""
    repo = SigningRepository(conn)
    parsed = document_bytes(raw)
    if parsed is None:
        return _refuse(Outcome.not_json, "This is not a JSON document, so it is not a record the IGF signs.")
    document, members = parsed
    digest = hashlib.sha256(document).digest()
    kind, rid, version = members.get("kind"), members.get("id"), members.get("version")
    named = isinstance(kind, str) and isinstance(rid, str) and isinstance(version, int)
    stored: SignedRow | None = None
    if named:
        stored = await repo.signed(str(kind), str(rid), int(version))  # type: ignore[arg-type]
    if stored is None:
        stored = await repo.signed_by_digest(digest)
    if token is None:
        if stored is None:
            detail = (
                f"The IGF has published no signed record {kind} {rid} version {version}."
                if named
                else "The IGF has published no signed record with this content."
            )
            return _refuse(Outcome.not_published, detail, document_sha256=digest.hex())
        token = stored.jws
    verdict = verify(document, token, keys if keys is not None else await key_history(conn))
    if verdict.outcome is Outcome.changed:
        owner = await repo.signed_by_jws(token.strip())
        if (
            owner is not None
            and owner.document_sha256 != digest
            and ((owner.kind, owner.record_id, owner.version) != (kind, rid, version))
        ):
            verdict.outcome = Outcome.other_document
            verdict.detail = (
                f"This signature belongs to another document ({owner.kind} {owner.record_id} version "
                f"{owner.version}), not to this one."
            )
        elif named:
            verdict.kind, verdict.id, verdict.version = str(kind), str(rid), version
    elif verdict.valid and await repo.signed_by_jws(token.strip()) is None:
        # Every signature the IGF makes is kept (append-only): one it never kept was made outside its records,
        # e.g. with a stolen key and a back-dated iat, which the key's validity alone cannot catch.
        verdict.valid, verdict.outcome = False, Outcome.not_published
        verdict.detail = (
            f"The signature checks with key {verdict.kid}, but the IGF never published it: it was made outside "
            "the IGF's records."
        )
    return verdict
