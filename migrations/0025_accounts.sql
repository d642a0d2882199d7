-- Accounts (issue 18; igf_hub/people/): what a person says about themselves, e-mail verification, the one-time
-- links of verification and password reset, invitations with a role already bound, and deleted accounts.

-- The person's language (every page and e-mail they receive), and what they chose to declare about themselves.
ALTER TABLE users
    ADD COLUMN preferred_language text NOT NULL DEFAULT 'en'
        CHECK (preferred_language IN ('ar', 'zh', 'en', 'fr', 'ru', 'es')),
    ADD COLUMN stakeholder_group text CHECK (stakeholder_group IN (
        'government', 'intergovernmental', 'private_sector', 'civil_society', 'technical_community', 'academia')),
    ADD COLUMN country text CHECK (country ~ '^[A-Z]{2}$'),
    -- NULL: signed up and not yet confirmed the address (cannot sign in). An account an operator or an invitation
    -- made is verified when made (the DEFAULT): the invitation went to that address, the operator vouches.
    ADD COLUMN email_verified_at timestamptz DEFAULT now(),
    -- Deleted by its person: the row stays (the public record and the audit log point at it) with nothing
    -- personal left in it; see people/account_service.py.
    ADD COLUMN deleted_at timestamptz;

-- One-time links sent by e-mail. The link holds 32 random bytes; only their SHA-256 is stored, so the table
-- cannot be used to follow a link. A link is used once (used_at), expires, and is void when the account's
-- address is no longer the one it was sent to.
CREATE TABLE account_links (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash text NOT NULL UNIQUE,
    purpose text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email citext NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX account_links_user_idx ON account_links (user_id, purpose) WHERE used_at IS NULL;

-- An invitation to take a role (bound to an object where the role is), sent to an e-mail address. Accepting it
-- creates or links the account and grants the role (role_grants.source = 'invitation').
CREATE TABLE invitations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash text NOT NULL UNIQUE,
    email citext NOT NULL,
    role text NOT NULL CHECK (role IN ('secretariat', 'mag_member', 'nri_coordinator', 'track_facilitator',
                                       'funder', 'consumer')),
    resource_id uuid,
    is_chair boolean NOT NULL DEFAULT false,
    valid_from timestamptz,
    valid_until timestamptz,
    language text NOT NULL DEFAULT 'en' CHECK (language IN ('ar', 'zh', 'en', 'fr', 'ru', 'es')),
    note text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
    invited_by text NOT NULL,                      -- the inviter's subject (user:<id>, client:<id>)
    invited_by_name text NOT NULL DEFAULT '',      -- as the invitation names them
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    accepted_at timestamptz,
    accepted_by uuid REFERENCES users (id) ON DELETE SET NULL,
    revoked_at timestamptz,
    revoked_by text,
    CHECK (expires_at > created_at),
    CHECK (accepted_at IS NULL OR revoked_at IS NULL),
    CHECK (valid_until IS NULL OR valid_from IS NULL OR valid_until > valid_from)
);
CREATE INDEX invitations_inviter_idx ON invitations (invited_by, created_at DESC);
CREATE INDEX invitations_resource_idx ON invitations (role, resource_id, created_at DESC);
