-- Webhooks: consumer organisations, their endpoints, and PostgreSQL as the queue of record for deliveries.

-- An organisation that receives igf_hub events (UNGIS, the CSTD secretariat, the WSIS Forum, others).
-- Users and machine clients act for it through role grants (role 'consumer', resource_id = consumers.id).
CREATE TABLE consumers (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL UNIQUE,
    kind text NOT NULL CHECK (kind IN ('ungis', 'cstd', 'wsis_forum', 'other')),
    description text NOT NULL DEFAULT '',
    contact_email text,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- UNGIS and the CSTD exist from the first start (fixed ids, so deployments can refer to them in configuration).
INSERT INTO consumers (id, name, kind, description) VALUES
    ('dccce80e-91f7-4a05-b3ca-9233becf7d05', 'UNGIS', 'ungis',
     'United Nations Group on the Information Society'),
    ('3b79b311-09da-4c97-ad58-67efa19ed7bf', 'CSTD secretariat', 'cstd',
     'Commission on Science and Technology for Development (secretariat at UNCTAD)');

CREATE TABLE webhook_endpoints (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    consumer_id uuid NOT NULL REFERENCES consumers (id) ON DELETE CASCADE,
    url text NOT NULL,
    description text NOT NULL DEFAULT '',
    -- Exact types (message.approved), a family (message.*) or everything deliverable (*).
    event_types text[] NOT NULL CHECK (cardinality(event_types) > 0),
    -- Empty: no filter. Applied to classified events only (their data carries a classification).
    filter_wsis_action_lines text[] NOT NULL DEFAULT '{}',
    filter_sdgs integer[] NOT NULL DEFAULT '{}',
    filter_gdc_objectives integer[] NOT NULL DEFAULT '{}',
    enabled boolean NOT NULL DEFAULT true,
    disabled_reason text CHECK (disabled_reason IN ('manual', 'gone', 'failing')),
    disabled_notified boolean NOT NULL DEFAULT false,
    verified_at timestamptz,                   -- NULL: unverified, real events wait (a 2xx to a ping verifies)
    sign_ed25519 boolean NOT NULL DEFAULT false,
    retry_schedule integer[] NOT NULL,         -- seconds before each attempt, the first is 0
    replay_rate integer NOT NULL DEFAULT 10 CHECK (replay_rate BETWEEN 1 AND 1000),  -- recoveries, per second
    -- Health: consecutive failed attempts; past the threshold only one probe per backoff step goes out.
    consecutive_failures integer NOT NULL DEFAULT 0,
    failing_since timestamptz,
    failing_notified boolean NOT NULL DEFAULT false,
    blocked_until timestamptz,                 -- nothing is sent before (backoff, Retry-After, a probe in flight)
    last_success_at timestamptz,
    last_failure_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (enabled = (disabled_reason IS NULL)),
    CHECK (cardinality(retry_schedule) BETWEEN 1 AND 20)
);
CREATE INDEX webhook_endpoints_consumer_idx ON webhook_endpoints (consumer_id, created_at, id);

-- Signing secrets (whsec_), encrypted with the deployment's key. The current one has no expiry; a rotated-out
-- one keeps signing until expires_at (the grace period), so consumers can switch without losing a delivery.
CREATE TABLE webhook_endpoint_secrets (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    ciphertext bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz
);
CREATE INDEX webhook_endpoint_secrets_endpoint_idx ON webhook_endpoint_secrets (endpoint_id, created_at);
CREATE UNIQUE INDEX webhook_endpoint_secrets_one_current_idx ON webhook_endpoint_secrets (endpoint_id)
    WHERE expires_at IS NULL;

-- igf_hub's Ed25519 key for the optional v1a signature (public key published at /v1/events/signing-keys).
CREATE TABLE webhook_signing_keys (
    kid text PRIMARY KEY,
    private_ciphertext bytea NOT NULL,
    public_key bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    retired_at timestamptz
);
CREATE UNIQUE INDEX webhook_signing_keys_one_active_idx ON webhook_signing_keys ((true)) WHERE retired_at IS NULL;

-- The immutable event log that webhooks deliver and GET /v1/events serves, written in the publishing
-- transaction. txid orders the pull log: a reader only sees rows of transactions older than every running
-- one, so (txid, seq) never lets a late commit slip behind a consumer's cursor.
CREATE TABLE webhook_events (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id uuid NOT NULL UNIQUE,                   -- the outbox event id: CloudEvents id and webhook-id
    type text NOT NULL,
    subject text NOT NULL,
    occurred_at timestamptz NOT NULL,
    data jsonb NOT NULL,
    endpoint_id uuid REFERENCES webhook_endpoints (id) ON DELETE CASCADE,  -- set for pings: one endpoint's only
    txid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX webhook_events_log_idx ON webhook_events (txid, seq) WHERE endpoint_id IS NULL;
CREATE INDEX webhook_events_type_idx ON webhook_events (type, txid, seq) WHERE endpoint_id IS NULL;
CREATE INDEX webhook_events_time_idx ON webhook_events (occurred_at) WHERE endpoint_id IS NULL;

-- One row per (event, endpoint) to send. A replay is a new row for the same event (same webhook-id).
CREATE TABLE webhook_deliveries (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,  -- per (endpoint, subject), deliveries go out in seq order
    event_seq bigint NOT NULL REFERENCES webhook_events (seq) ON DELETE CASCADE,
    endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    consumer_id uuid NOT NULL REFERENCES consumers (id) ON DELETE CASCADE,
    event_type text NOT NULL,
    subject text NOT NULL,
    is_ping boolean NOT NULL DEFAULT false,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    due_at timestamptz NOT NULL,
    lease_until timestamptz,                   -- claimed by a dispatcher until then; expired: claimable again
    attempt_count integer NOT NULL DEFAULT 0,
    last_attempt_at timestamptz,
    last_status integer,
    last_error text,
    delivered_at timestamptz,
    replay_of uuid REFERENCES webhook_deliveries (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (due_at, seq) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_order_idx ON webhook_deliveries (endpoint_id, subject, seq) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_consumer_idx ON webhook_deliveries (consumer_id, seq);
-- A queue table: every row is inserted, updated once or more, and purged. Keep its statistics and visibility
-- fresh so claims keep walking the due index rather than sorting a stale picture of the backlog.
ALTER TABLE webhook_deliveries SET (autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_scale_factor = 0.05);
CREATE INDEX webhook_deliveries_endpoint_event_idx ON webhook_deliveries (endpoint_id, event_seq);

-- Every attempt: when, the status code, latency, the first bytes of the response, or the transport error.
CREATE TABLE webhook_attempts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at timestamptz NOT NULL,
    status_code integer,
    latency_ms integer NOT NULL,
    response_excerpt text NOT NULL DEFAULT '',
    error text
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);

-- "Recover since T": replay everything an endpoint missed, in order, rate-limited (run by an arq job).
CREATE TABLE webhook_recoveries (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    since timestamptz NOT NULL,
    until timestamptz,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
    deliveries_created integer,
    requested_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz
);
CREATE INDEX webhook_recoveries_pending_idx ON webhook_recoveries (created_at) WHERE state = 'pending';

-- What the consumer is told about its endpoints' health (failing, disabled).
CREATE TABLE webhook_notices (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    consumer_id uuid NOT NULL REFERENCES consumers (id) ON DELETE CASCADE,
    endpoint_id uuid REFERENCES webhook_endpoints (id) ON DELETE SET NULL,
    kind text NOT NULL CHECK (kind IN ('endpoint_failing', 'endpoint_disabled')),
    message text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_notices_consumer_idx ON webhook_notices (consumer_id, created_at DESC, id);

-- Does an endpoint's subscription take this event? Its types (exact, "family.*", "*"), and for a classified
-- event (data.classification is an object) every non-empty filter must share a code with the event.
CREATE FUNCTION webhook_codes(data jsonb, key text) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN jsonb_typeof(data -> 'classification' -> key) = 'array'
                THEN ARRAY(SELECT jsonb_array_elements_text(data -> 'classification' -> key))
                ELSE '{}'::text[] END
$$;

CREATE FUNCTION webhook_type_matches(patterns text[], event_type text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT EXISTS (SELECT 1 FROM unnest(patterns) AS t(p)
                   WHERE p = '*' OR p = event_type OR (p LIKE '%.*' AND starts_with(event_type, left(p, -1))))
$$;

CREATE FUNCTION webhook_endpoint_matches(e webhook_endpoints, event_type text, data jsonb)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT webhook_type_matches(e.event_types, event_type)
       AND (jsonb_typeof(data -> 'classification') IS DISTINCT FROM 'object' OR (
               (cardinality(e.filter_wsis_action_lines) = 0
                OR e.filter_wsis_action_lines && webhook_codes(data, 'wsis_action_lines'))
           AND (cardinality(e.filter_sdgs) = 0 OR e.filter_sdgs::text[] && webhook_codes(data, 'sdgs'))
           AND (cardinality(e.filter_gdc_objectives) = 0
                OR e.filter_gdc_objectives::text[] && webhook_codes(data, 'gdc_objectives'))))
$$;

-- Wake the dispatcher when deliveries commit (NOTIFY is delivered at commit; at most one per statement, and
-- none for a publish that matched no endpoint).
CREATE FUNCTION webhook_deliveries_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM inserted) THEN
        PERFORM pg_notify('igf_hub_webhooks', '');
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER webhook_deliveries_notify AFTER INSERT ON webhook_deliveries
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION webhook_deliveries_notify();
