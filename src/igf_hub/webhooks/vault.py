"""Endpoint secrets and the Ed25519 key are stored encrypted with the deployment's key (``core/vault.py``).

Keys come from ``IGF_HUB_WEBHOOK_SECRETS_KEY`` (comma-separated base64url 32-byte keys; the first encrypts,
every one decrypts, so the key can be rotated). Without it, development uses a key file in the data dir.
"""

from __future__ import annotations

from igf_hub.core.settings import Settings
from igf_hub.core.vault import Vault, VaultError, decode_key, new_key_text, open_vault

__all__ = ["KEY_FILE", "Vault", "VaultError", "decode_key", "new_key_text", "vault_for"]

KEY_FILE = "webhook-secrets.key"
VARIABLE = "IGF_HUB_WEBHOOK_SECRETS_KEY"


def vault_for(settings: Settings) -> Vault:
    return open_vault(
        settings.webhooks.secrets_key,
        variable=VARIABLE,
        key_file=KEY_FILE,
        environment=settings.environment,
        data_dir=settings.data_dir,
        purpose="webhook secret",
    )
