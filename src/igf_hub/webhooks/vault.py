"""Endpoint secrets and the Ed25519 key are stored encrypted (AES-256-GCM) with the deployment's key.

Keys come from ``IGF_HUB_WEBHOOK_SECRETS_KEY`` (comma-separated base64url 32-byte keys; the first encrypts,
every one decrypts, so the key can be rotated). Without it, development uses a key file in the data dir,
created on first use; production refuses to start delivering rather than keep secrets next to their key.
A ciphertext is ``key id (4 bytes) | nonce (12) | AES-GCM(ciphertext + tag)``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from igf_hub.core.settings import Environment, Settings

KEY_FILE = "webhook-secrets.key"
KEY_ID_BYTES = 4
NONCE_BYTES = 12


class VaultError(Exception):
    pass


def decode_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        raise VaultError("IGF_HUB_WEBHOOK_SECRETS_KEY holds a value that is not base64url") from None
    if len(raw) != 32:
        raise VaultError("each IGF_HUB_WEBHOOK_SECRETS_KEY key must be 32 bytes (base64url)")
    return raw


def new_key_text() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


class Vault:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise VaultError("no encryption key for webhook secrets")
        self._keys = {hashlib.sha256(k).digest()[:KEY_ID_BYTES]: AESGCM(k) for k in keys}
        self._current = hashlib.sha256(keys[0]).digest()[:KEY_ID_BYTES]

    def encrypt(self, plaintext: bytes) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return self._current + nonce + self._keys[self._current].encrypt(nonce, plaintext, None)

    def decrypt(self, blob: bytes) -> bytes:
        key_id, nonce = blob[:KEY_ID_BYTES], blob[KEY_ID_BYTES : KEY_ID_BYTES + NONCE_BYTES]
        aead = self._keys.get(key_id)
        if aead is None:
            raise VaultError("a webhook secret was encrypted with a key this deployment no longer has")
        try:
            return aead.decrypt(nonce, blob[KEY_ID_BYTES + NONCE_BYTES :], None)
        except InvalidTag:
            raise VaultError("a webhook secret failed authentication (wrong key or tampered)") from None


def _key_file(settings: Settings) -> bytes:
    path = settings.data_path / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new_key_text() + "\n")
    return decode_key(Path(path).read_text())


@lru_cache(maxsize=8)
def _vault(keys_text: str, environment: Environment, data_dir: str) -> Vault:
    if keys_text.strip():
        return Vault([decode_key(k) for k in keys_text.split(",") if k.strip()])
    if environment is Environment.production:
        raise VaultError("set IGF_HUB_WEBHOOK_SECRETS_KEY in production (a base64url 32-byte key)")
    return Vault([_key_file(Settings(data_dir=data_dir))])


def vault_for(settings: Settings) -> Vault:
    return _vault(settings.webhooks.secrets_key, settings.environment, settings.data_dir)
