"""Secrets at rest: AES-256-GCM with keys from the deployment's environment, never from the database.

A key setting holds comma-separated base64url 32-byte keys; the first encrypts, every one decrypts, so a key
is rotated by putting the new one first and keeping the old one until everything is re-encrypted. Without a
key, development uses a key file in the data dir, created on first use; production refuses rather than keep
secrets next to their key. A ciphertext is ``key id (4 bytes) | nonce (12) | AES-GCM(ciphertext + tag)``.

Used by webhooks (endpoint secrets, the Ed25519 key) and auth (the token-signing keys), each with its own
setting, so one leaked key does not open the other's secrets.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from igf_hub.core.settings import Environment

KEY_ID_BYTES = 4
NONCE_BYTES = 12


class VaultError(Exception):
    pass


def decode_key(text: str, variable: str = "the encryption key setting") -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        raise VaultError(f"{variable} holds a value that is not base64url") from None
    if len(raw) != 32:
        raise VaultError(f"each {variable} key must be 32 bytes (base64url)")
    return raw


def new_key_text() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(key).digest()[:KEY_ID_BYTES]


class Vault:
    """``context`` (AES-GCM associated data) binds a ciphertext to its row, so it cannot be moved to another."""

    def __init__(self, keys: list[bytes], *, purpose: str = "secret") -> None:
        if not keys:
            raise VaultError(f"no encryption key for {purpose}s")
        self.purpose = purpose
        self._keys = {key_id(k): AESGCM(k) for k in keys}
        self._current = key_id(keys[0])

    def encrypt(self, plaintext: bytes, context: bytes | None = None) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return self._current + nonce + self._keys[self._current].encrypt(nonce, plaintext, context)

    def decrypt(self, blob: bytes, context: bytes | None = None) -> bytes:
        kid, nonce = blob[:KEY_ID_BYTES], blob[KEY_ID_BYTES : KEY_ID_BYTES + NONCE_BYTES]
        aead = self._keys.get(kid)
        if aead is None:
            raise VaultError(f"a {self.purpose} was encrypted with a key this deployment no longer has")
        try:
            return aead.decrypt(nonce, blob[KEY_ID_BYTES + NONCE_BYTES :], context)
        except InvalidTag:
            raise VaultError(f"a {self.purpose} failed authentication (wrong key or tampered)") from None

    def is_current(self, blob: bytes) -> bool:
        """Encrypted with the first (current) key: re-encrypting it would change nothing."""
        return blob[:KEY_ID_BYTES] == self._current


def key_file_text(path: Path, new_text: Callable[[], str]) -> str:
    """The text of a development key file in the data dir, made with ``new_text`` if it does not exist yet.
    Processes of one data dir may start at once (two test workers, serve and a CLI command): the file is
    written whole under a private name and linked into place, so no process ever reads it half-written, and
    the first link wins."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
            handle.write(new_text())
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process linked its key first: use that one
        finally:
            draft.unlink()
    return path.read_text()


def _key_file(path: Path, variable: str) -> bytes:
    return decode_key(key_file_text(path, lambda: new_key_text() + "\n"), variable)


@lru_cache(maxsize=16)
def open_vault(
    keys_text: str, *, variable: str, key_file: str, environment: Environment, data_dir: str, purpose: str
) -> Vault:
    """The vault for one setting (``variable`` names it in errors); ``key_file`` in ``data_dir`` is the
    development fallback."""
    if keys_text.strip():
        return Vault([decode_key(k, variable) for k in keys_text.split(",") if k.strip()], purpose=purpose)
    if environment is Environment.production:
        raise VaultError(f"set {variable} in production (a base64url 32-byte key)")
    return Vault([_key_file(Path(data_dir).resolve() / key_file, variable)], purpose=purpose)
