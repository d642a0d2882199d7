-- The audit log becomes verifiable by outsiders (README, "The audit log").
--
-- Seals: the application HMACs each row's (seq, hash) with a key from its environment and stores the MAC here,
-- in the row's transaction. The key is not in the database, so a row appended or rewritten by anyone holding
-- only database credentials (the owner included, triggers disabled or not) has no valid seal.
CREATE TABLE audit_log_seals (
    seq bigint PRIMARY KEY,
    key_id text NOT NULL,
    mac bytea NOT NULL
);
CREATE TRIGGER audit_log_seals_append_only BEFORE UPDATE OR DELETE ON audit_log_seals
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_log_seals_no_truncate BEFORE TRUNCATE ON audit_log_seals
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Rows written before sealing began carry no seal; they are vouched for by the chain and the checkpoints only.
CREATE TABLE audit_log_sealing (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    unsealed_until bigint NOT NULL
);
INSERT INTO audit_log_sealing (unsealed_until) SELECT coalesce(max(seq), 0) FROM audit_log;
CREATE TRIGGER audit_log_sealing_append_only BEFORE UPDATE OR DELETE ON audit_log_sealing
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_log_sealing_no_truncate BEFORE TRUNCATE ON audit_log_sealing
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Signed checkpoints (C2SP tlog-checkpoint as a signed note): the RFC 6962 root of the first tree_size rows
-- in seq order, signed with an Ed25519 key from the environment. Published at /v1/audit/checkpoints; this
-- table is their history (anyone who kept a copy can prove the log still extends it).
CREATE TABLE audit_checkpoints (
    tree_size bigint PRIMARY KEY CHECK (tree_size >= 0),
    root_hash bytea NOT NULL CHECK (length(root_hash) = 32),
    origin text NOT NULL,
    note text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
