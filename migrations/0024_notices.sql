-- Notices to people and the e-mail that carries them (people/notices.py, people/mailer.py).
--
-- A notice is written in the transaction of the change that causes it; its idempotency key makes a second
-- write of the same notice a no-op. A notice to an account shows in that person's inbox; one to a bare
-- address (an invitation to someone with no account yet) only goes by e-mail.

-- A notice to an account is written in users.preferred_language (migration 0025), read when it is created.

-- One e-mail to send: a single notice ('notice') or a digest of several ('daily' / 'weekly'). The worker claims
-- due rows FOR UPDATE SKIP LOCKED under a lease, sends, and records the outcome fenced by that lease. Its
-- idempotency key is the notice's (or the digest's) and the Message-ID is derived from it.
CREATE TABLE notice_mails (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idempotency_key text NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 300),
    form text NOT NULL CHECK (form IN ('notice', 'daily', 'weekly')),
    user_id uuid REFERENCES users (id) ON DELETE CASCADE,
    address citext CHECK (address IS NULL OR length(address) <= 320),
    language text NOT NULL CHECK (language IN ('ar', 'zh', 'en', 'fr', 'ru', 'es')),
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed', 'cancelled')),
    due_at timestamptz NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    lease_until timestamptz,                       -- claimed by a worker until then (a killed one's: reclaimed)
    created_at timestamptz NOT NULL,
    sent_at timestamptz,
    last_error text,
    CHECK (num_nonnulls(user_id, address) = 1)
);
CREATE INDEX notice_mails_due_idx ON notice_mails (due_at) WHERE state = 'pending';

CREATE TABLE notices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idempotency_key text NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 300),
    kind text NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
    user_id uuid REFERENCES users (id) ON DELETE CASCADE,
    address citext CHECK (address IS NULL OR length(address) <= 320),
    params jsonb NOT NULL DEFAULT '{}',
    link text CHECK (link IS NULL OR (link LIKE '/%' AND length(link) <= 2000)),  -- a path on this site
    language text NOT NULL CHECK (language IN ('ar', 'zh', 'en', 'fr', 'ru', 'es')),
    -- How it goes by e-mail, decided from the person's settings when it is created.
    delivery text NOT NULL CHECK (delivery IN ('immediately', 'daily', 'weekly', 'off')),
    created_at timestamptz NOT NULL,
    read_at timestamptz,
    mail_id bigint REFERENCES notice_mails (id) ON DELETE SET NULL,  -- the e-mail that carries it, once known
    CHECK (num_nonnulls(user_id, address) = 1),
    CHECK (address IS NULL OR delivery = 'immediately')
);
CREATE INDEX notices_inbox_idx ON notices (user_id, created_at DESC, id DESC) WHERE user_id IS NOT NULL;
CREATE INDEX notices_unread_idx ON notices (user_id) WHERE read_at IS NULL AND user_id IS NOT NULL;
CREATE INDEX notices_digest_idx ON notices (delivery, created_at) WHERE mail_id IS NULL AND delivery IN ('daily', 'weekly');
CREATE INDEX notices_mail_idx ON notices (mail_id) WHERE mail_id IS NOT NULL;

-- A person's choice per kind of notice; no row: the kind's default. Security kinds are not stored here.
CREATE TABLE notice_settings (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
    delivery text NOT NULL CHECK (delivery IN ('immediately', 'daily', 'weekly', 'off')),
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- Every attempt to hand an e-mail to the SMTP server, and its outcome (the Secretariat's send log).
CREATE TABLE notice_send_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mail_id bigint NOT NULL REFERENCES notice_mails (id) ON DELETE CASCADE,
    attempt integer NOT NULL,
    attempted_at timestamptz NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('sent', 'retry', 'failed')),
    message_id text NOT NULL,
    recipient citext NOT NULL,
    detail text NOT NULL DEFAULT '' CHECK (length(detail) <= 1000)
);
CREATE INDEX notice_send_log_time_idx ON notice_send_log (attempted_at DESC, id DESC);
CREATE INDEX notice_send_log_mail_idx ON notice_send_log (mail_id);

-- The key that signs one-click unsubscribe links (HMAC): random, made here, never leaves the database.
CREATE TABLE notice_keys (
    id integer PRIMARY KEY CHECK (id = 1),
    unsubscribe_key bytea NOT NULL
);
INSERT INTO notice_keys (id, unsubscribe_key)
VALUES (1, decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));
