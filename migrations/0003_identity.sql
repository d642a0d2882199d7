-- People, machine clients, their roles (with object bindings), signing keys and OAuth 2 grants.
CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email citext NOT NULL UNIQUE,
    display_name text NOT NULL DEFAULT '',
    password_hash text,                        -- argon2; NULL: signs in only through an external issuer
    external_subject text UNIQUE,              -- `iss|sub` of a linked external identity
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE oauth_clients (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    client_id text NOT NULL UNIQUE,
    client_secret_hash text,                   -- argon2; NULL for public clients (PKCE only)
    name text NOT NULL,
    redirect_uris text[] NOT NULL DEFAULT '{}',
    grant_types text[] NOT NULL,
    token_endpoint_auth_method text NOT NULL
        CHECK (token_endpoint_auth_method IN ('client_secret_basic', 'client_secret_post', 'none')),
    scope text NOT NULL DEFAULT '',
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A role held by a user or a client, optionally bound to one object (an NRI, a track, a donor, a consumer
-- organisation) and optionally limited in time (MAG appointments grant mag_member for their dates only).
CREATE TABLE role_grants (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid REFERENCES users (id) ON DELETE CASCADE,
    client_id uuid REFERENCES oauth_clients (id) ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('secretariat', 'mag_member', 'nri_coordinator', 'track_facilitator',
                                       'funder', 'consumer')),
    resource_id uuid,
    is_chair boolean NOT NULL DEFAULT false,
    valid_from timestamptz,
    valid_until timestamptz,
    source text NOT NULL DEFAULT 'manual',     -- who manages the grant: manual, or a domain (e.g. mag)
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (num_nonnulls(user_id, client_id) = 1),
    CHECK (valid_until IS NULL OR valid_from IS NULL OR valid_until > valid_from)
);
CREATE INDEX role_grants_user_idx ON role_grants (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX role_grants_client_idx ON role_grants (client_id) WHERE client_id IS NOT NULL;
CREATE INDEX role_grants_resource_idx ON role_grants (role, resource_id);
CREATE UNIQUE INDEX role_grants_unique_idx ON role_grants (
    coalesce(user_id, client_id), role, coalesce(resource_id, '00000000-0000-0000-0000-000000000000'), source
);

-- Token signing keys: generated on first start, rotatable; retired keys stay published until tokens expire.
CREATE TABLE signing_keys (
    kid text PRIMARY KEY,
    alg text NOT NULL,
    private_jwk jsonb NOT NULL,
    public_jwk jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    retired_at timestamptz
);
CREATE UNIQUE INDEX signing_keys_one_active_idx ON signing_keys ((true)) WHERE retired_at IS NULL;

CREATE TABLE oauth_authorization_codes (
    code_hash text PRIMARY KEY,
    client_id text NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri text NOT NULL,
    scope text NOT NULL DEFAULT '',
    code_challenge text,
    code_challenge_method text,
    nonce text,
    auth_time timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);

CREATE TABLE oauth_refresh_tokens (
    token_hash text PRIMARY KEY,
    client_id text NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope text NOT NULL DEFAULT '',
    issued_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE INDEX oauth_refresh_tokens_user_idx ON oauth_refresh_tokens (user_id);
