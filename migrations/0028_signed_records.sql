-- Signed records (README, "Signed records"): the IGF's publication keys and the detached signatures made with
-- them. Only public halves live here; the private key comes from the environment (or a development key file).

-- Every publication key ever used, so that a signature made before a rotation stays verifiable. A key signs
-- from valid_from until retired_at; a signature whose signing time is not in that interval is refused.
CREATE TABLE publication_keys (
    kid text PRIMARY KEY,                 -- RFC 7638 thumbprint of the public JWK
    public_key bytea NOT NULL CHECK (octet_length(public_key) = 32),  -- raw Ed25519 public key
    valid_from timestamptz NOT NULL,
    retired_at timestamptz,
    retired_reason text,
    CHECK (retired_at IS NULL OR retired_at >= valid_from)
);
-- At most one current key.
CREATE UNIQUE INDEX publication_keys_one_current ON publication_keys ((true)) WHERE retired_at IS NULL;

-- One detached JWS per signed record version: the exact canonical bytes signed are kept with it, so the
-- document can be served and checked as it was signed, whatever happens to the record afterwards.
CREATE TABLE signed_records (
    kind text NOT NULL,                   -- message, track_output, … (the domain that signed decides)
    record_id text NOT NULL,
    version integer NOT NULL,
    document bytea NOT NULL,              -- the canonical form (RFC 8785) that was signed
    document_sha256 bytea NOT NULL,
    jws text NOT NULL,                    -- compact, detached, unencoded payload (RFC 7515 + RFC 7797)
    kid text NOT NULL REFERENCES publication_keys (kid),
    signed_at timestamptz NOT NULL,
    PRIMARY KEY (kind, record_id, version)
);
CREATE INDEX signed_records_by_digest ON signed_records (document_sha256);
CREATE INDEX signed_records_by_jws ON signed_records (jws);  -- "whose signature is this?" (verification)
-- A signature is a published fact: never rewritten.
CREATE TRIGGER signed_records_append_only BEFORE UPDATE OR DELETE ON signed_records
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
