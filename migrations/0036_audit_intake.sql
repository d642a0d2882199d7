-- Writes no longer queue on one lock (README, "The audit log"). A change appends its audit row to audit_intake,
-- in its own transaction and without a lock; the chainer (core/audit.py chain_pending: the worker, and every
-- reader of the log first) moves committed intake rows into audit_log in batches, under the chain's advisory
-- lock, where the audit_log_chain trigger chains them as before, and seals them. audit_log is unchanged.
CREATE TABLE audit_intake (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    action text NOT NULL,
    subject_type text NOT NULL,
    subject_id text NOT NULL,
    data jsonb NOT NULL DEFAULT '{}'::jsonb,
    request_id text
) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
-- A queue: every row is deleted soon after it is written, so vacuum it by the number of dead rows, not a share.

-- Intake rows are never changed; only the chainer deletes them, holding the chain's lock (the same key as
-- audit_log_chain's pg_advisory_xact_lock). Anyone holding the database owner's rights can still bypass
-- triggers: an intake row is sealed only once chained (README, "The audit log": the tamper window).
CREATE FUNCTION audit_intake_delete_chained() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    key bigint := hashtext('igf_hub.audit_log');
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_locks
        WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND objsubid = 1
          AND classid = ((key >> 32) & 4294967295)::oid AND objid = (key & 4294967295)::oid
    ) THEN
        RAISE EXCEPTION 'audit_intake rows are removed only by the chainer, under the audit chain''s lock'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER audit_intake_delete_chained BEFORE DELETE ON audit_intake
    FOR EACH STATEMENT EXECUTE FUNCTION audit_intake_delete_chained();
CREATE TRIGGER audit_intake_append_only BEFORE UPDATE ON audit_intake
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_intake_no_truncate BEFORE TRUNCATE ON audit_intake
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Nothing LISTENs on igf_hub_outbox (the worker's dispatch_outbox runs on its cron; the webhook dispatcher
-- listens on igf_hub_webhooks, 0009), and a NOTIFY takes a global lock at commit held across the commit's
-- WAL flush, serialising every transaction that publishes an event. Stop notifying.
DROP TRIGGER outbox_notify ON outbox;
DROP FUNCTION outbox_notify();
