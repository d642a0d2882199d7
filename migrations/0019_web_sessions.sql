-- Browser sessions (web/sessions.py). The cookie holds a random value; only its SHA-256 is stored, so a
-- database leak does not leak live sessions. A session without a user is a visitor's before signing in: it holds
-- the CSRF token of the sign-in form, and is replaced by a new session (new value, new token) at sign-in.
-- Ending a session deletes its row; the audit log records sign-ins and sign-outs.
CREATE TABLE web_sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash text NOT NULL UNIQUE,
    user_id uuid REFERENCES users (id) ON DELETE CASCADE,
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,         -- idle expiry: last_seen_at + IGF_HUB_AUTH_SESSION_IDLE_TIMEOUT
    expires_at timestamptz NOT NULL,           -- absolute expiry: created_at + IGF_HUB_AUTH_SESSION_LIFETIME
    user_agent text NOT NULL DEFAULT '' CHECK (length(user_agent) <= 300)
);
CREATE INDEX web_sessions_user_idx ON web_sessions (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX web_sessions_expires_idx ON web_sessions (expires_at);
CREATE INDEX web_sessions_last_seen_idx ON web_sessions (last_seen_at);
