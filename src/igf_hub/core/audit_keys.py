"""The audit log's two keys, from settings and never from the database.

* Seal keys (HMAC-SHA256): the application seals every row it appends, so a row written by anyone else (the
  database owner included) is detected. ``IGF_HUB_AUDIT_SEAL_KEYS``: comma-separated base64url 32-byte keys;
  the first seals, every one verifies.
* The checkpoint key (Ed25519) signs the published checkpoints. ``IGF_HUB_AUDIT_CHECKPOINT_KEY``: base64 of
  the 32-byte private seed.

Without them, development keeps each in a key file in the data dir, created on first use (as the webhook
secrets key is); production refuses to start rather than run with keys nobody configured.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from igf_hub.core.settings import Environment, Settings
from igf_hub.core.tlog import VerifierKey, public_bytes
from igf_hub.core.vault import key_file_text

SEAL_KEY_FILE = "audit-seal.key"
CHECKPOINT_KEY_FILE = "audit-checkpoint.key"
SEAL_CONTEXT = b"igf-hub audit row v1\n"


class AuditKeyError(Exception):
    pass


def _decode(text: str, what: str) -> bytes:
    text = text.strip()
    try:
        raw = base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise AuditKeyError(f"{what} holds a value that is not base64") from None
    if len(raw) != 32:
        raise AuditKeyError(f"{what} must be 32 bytes, base64-encoded")
    return raw


class SealKeys:
    """HMAC keys by id (the first 4 bytes of SHA-256 of the key, in hex); the first one seals."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise AuditKeyError("no audit seal key")
        self._keys = {hashlib.sha256(k).hexdigest()[:8]: k for k in keys}
        self.current = hashlib.sha256(keys[0]).hexdigest()[:8]

    @staticmethod
    def _message(seq: int, row_hash: str) -> bytes:
        return SEAL_CONTEXT + f"{seq}\n{row_hash}".encode()

    def seal(self, seq: int, row_hash: str) -> tuple[str, bytes]:
        """(key id, MAC) binding a row's position and its hash, which covers its content and its predecessor."""
        return self.current, hmac.digest(self._keys[self.current], self._message(seq, row_hash), "sha256")

    def problem(self, seq: int, row_hash: str, key_id: str | None, mac: bytes | None) -> str | None:
        """Why this row's seal does not vouch for it, or None."""
        if key_id is None or mac is None:
            return "the row has no seal: it was not written by the application"
        key = self._keys.get(key_id)
        if key is None:
            return f"the row is sealed with key {key_id}, which this deployment does not have"
        if not hmac.compare_digest(mac, hmac.digest(key, self._message(seq, row_hash), "sha256")):
            return "the seal does not match: the row was rewritten or written outside the application"
        return None


def _key_file(settings: Settings, name: str, make: bytes) -> str:
    text = base64.urlsafe_b64encode(make).decode().rstrip("=") + "\n"
    return key_file_text(settings.data_path / name, lambda: text)


def _require(settings: Settings, variable: str) -> None:
    if settings.environment is Environment.production:
        raise AuditKeyError(f"set {variable} in production (see README, 'The audit log')")


@lru_cache(maxsize=8)
def _seal_keys(keys_text: str, environment: Environment, data_dir: str) -> SealKeys:
    settings = Settings(environment=environment, data_dir=data_dir)
    if not keys_text.strip():
        _require(settings, "IGF_HUB_AUDIT_SEAL_KEYS")
        keys_text = _key_file(settings, SEAL_KEY_FILE, secrets.token_bytes(32))
    return SealKeys([_decode(k, "IGF_HUB_AUDIT_SEAL_KEYS") for k in keys_text.split(",") if k.strip()])


def seal_keys(settings: Settings) -> SealKeys:
    return _seal_keys(settings.audit.seal_keys, settings.environment, settings.data_dir)


@lru_cache(maxsize=8)
def _checkpoint_key(key_text: str, environment: Environment, data_dir: str) -> Ed25519PrivateKey:
    settings = Settings(environment=environment, data_dir=data_dir)
    if not key_text.strip():
        _require(settings, "IGF_HUB_AUDIT_CHECKPOINT_KEY")
        key_text = _key_file(settings, CHECKPOINT_KEY_FILE, secrets.token_bytes(32))
    return Ed25519PrivateKey.from_private_bytes(_decode(key_text, "IGF_HUB_AUDIT_CHECKPOINT_KEY"))


def checkpoint_key(settings: Settings) -> Ed25519PrivateKey:
    return _checkpoint_key(settings.audit.checkpoint_key, settings.environment, settings.data_dir)


def verifier_key(settings: Settings) -> VerifierKey:
    """The public half of the checkpoint key, named after the log (served at /v1/audit/checkpoints/key)."""
    return VerifierKey(settings.audit_origin, public_bytes(checkpoint_key(settings)))
