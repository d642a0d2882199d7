-- The audit log: append-only and hash-chained. Each row's hash covers the previous row's hash and the row's
-- own content, computed by the database under a transaction-scoped lock, so concurrent writers form one chain.
CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seq bigint NOT NULL UNIQUE,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    action text NOT NULL,
    subject_type text NOT NULL,
    subject_id text NOT NULL,
    data jsonb NOT NULL DEFAULT '{}'::jsonb,
    request_id text,
    prev_hash text NOT NULL,
    hash text NOT NULL
);
CREATE INDEX audit_log_subject_idx ON audit_log (subject_type, subject_id, seq);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, seq);
CREATE INDEX audit_log_action_idx ON audit_log (action, seq);
CREATE INDEX audit_log_occurred_idx ON audit_log (occurred_at, seq);

-- The canonical text a row's hash covers. `audit verify` recomputes it with the same function.
CREATE FUNCTION audit_row_digest(prev_hash text, seq bigint, occurred_at timestamptz, actor text, action text,
                                 subject_type text, subject_id text, data jsonb, request_id text)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(
        concat_ws(E'\x1f', prev_hash, seq::text,
                  to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                  actor, action, subject_type, subject_id, data::text, coalesce(request_id, '')),
        'UTF8')), 'hex')
$$;

CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last record;
BEGIN
    -- One writer at a time extends the chain; the lock is held until the writing transaction ends.
    PERFORM pg_advisory_xact_lock(hashtext('igf_hub.audit_log'));
    SELECT a.seq, a.hash INTO last FROM audit_log a ORDER BY a.seq DESC LIMIT 1;
    NEW.seq := coalesce(last.seq, 0) + 1;
    NEW.prev_hash := coalesce(last.hash, repeat('0', 64));
    NEW.occurred_at := date_trunc('microseconds', NEW.occurred_at);
    NEW.hash := audit_row_digest(NEW.prev_hash, NEW.seq, NEW.occurred_at, NEW.actor, NEW.action,
                                 NEW.subject_type, NEW.subject_id, NEW.data, NEW.request_id);
    RETURN NEW;
END $$;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- The outbox: domain events written in the same transaction as the change that caused them.
CREATE TABLE outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    type text NOT NULL CHECK (type ~ '^[a-z_]+(\.[a-z_]+)+$'),
    subject text NOT NULL,
    data jsonb NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    dispatched_at timestamptz
);
CREATE INDEX outbox_pending_idx ON outbox (id) WHERE dispatched_at IS NULL;
CREATE INDEX outbox_type_idx ON outbox (type, id);

-- Wake listeners (the worker's dispatcher) when the inserting transaction commits.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('igf_hub_outbox', NEW.id::text);
    RETURN NEW;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION outbox_notify();
