-- Two-factor sign-in (auth/twofactor_service.py): TOTP (RFC 6238), recovery codes and passkeys (WebAuthn).
--
-- A TOTP secret is stored encrypted (AES-GCM under IGF_HUB_AUTH_TWO_FACTOR_KEY, bound to its user), never in
-- clear; it is not in use until confirmed with a code. last_step is the last time step accepted: a code of that
-- step or an earlier one is refused (a code is accepted once).
CREATE TABLE two_factor_totp (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_encrypted bytea NOT NULL,
    created_at timestamptz NOT NULL,
    confirmed_at timestamptz,
    last_step bigint NOT NULL DEFAULT 0
);

-- Recovery codes: only their SHA-256 (they are random, like refresh tokens); each is used once.
CREATE TABLE two_factor_recovery_codes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash text NOT NULL,
    created_at timestamptz NOT NULL,
    used_at timestamptz,
    UNIQUE (user_id, code_hash)
);

-- Passkeys (WebAuthn credentials): the public key and the signature counter the authenticator last reported.
CREATE TABLE passkeys (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id bytea NOT NULL UNIQUE,
    public_key bytea NOT NULL,
    sign_count bigint NOT NULL DEFAULT 0,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL,
    last_used_at timestamptz
);
CREATE INDEX passkeys_user_idx ON passkeys (user_id);

-- A sign-in between its password and its second factor, or a passkey being registered: a random value handed
-- to the browser (only its SHA-256 here), short-lived, deleted when used. It is not a session: no session
-- exists for the person until the second factor is passed.
CREATE TABLE two_factor_challenges (
    token_hash text PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose text NOT NULL CHECK (purpose IN ('sign_in', 'passkey_registration')),
    webauthn_challenge bytea,
    next_path text CHECK (length(next_path) <= 2000),  -- where the sign-in leads after (a path on this site)
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX two_factor_challenges_expires_idx ON two_factor_challenges (expires_at);

-- When a browser session passed a second factor (NULL: it did not). A person whose role requires two-factor
-- can use a session without it only to set two-factor up.
ALTER TABLE web_sessions ADD COLUMN second_factor_at timestamptz;
