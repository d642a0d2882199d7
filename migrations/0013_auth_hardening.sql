-- Issue 14, items 4 and 8.
--
-- Token-signing private keys are stored encrypted (AES-256-GCM, core/vault.py) with a key taken from the
-- environment (IGF_HUB_AUTH_SIGNING_KEYS_KEY), never in clear. Rows written before this migration hold the
-- private key in clear in private_jwk: the API, at start (auth/keys.py: secure_signing_keys), retires such a
-- key, erases its private half and makes a new, encrypted one (a key once stored in clear may sit in old dumps).
-- Only the active key keeps a private half; a retired key keeps its public half until its tokens expire.
ALTER TABLE signing_keys ADD COLUMN private_ciphertext bytea;
ALTER TABLE signing_keys ALTER COLUMN private_jwk DROP NOT NULL;
-- NOT VALID: existing clear-text rows stay until the API converts them; no row may be written in clear again.
ALTER TABLE signing_keys ADD CONSTRAINT signing_keys_private_never_in_clear CHECK (private_jwk IS NULL) NOT VALID;

-- Refresh-token families (RFC 9700 section 4.14.2): every token rotated from one authorization shares its
-- family, so presenting a rotated-out token revokes the whole family. Existing tokens start a family each.
ALTER TABLE oauth_refresh_tokens ADD COLUMN family_id uuid NOT NULL DEFAULT gen_random_uuid();
CREATE INDEX oauth_refresh_tokens_family_idx ON oauth_refresh_tokens (family_id) WHERE revoked_at IS NULL;
