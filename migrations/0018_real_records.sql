-- Real records (issue 15): values the API refused, fields that real records have, and the marks an archive
-- import leaves on what it loads. Kosovo (XK) and founding years before 2006 need no schema change.

-- A youth NRI is organised at national, sub-regional or regional level; its grant ceiling follows that level.
ALTER TABLE nris DROP CONSTRAINT nris_youth_scope_check;
ALTER TABLE nris ADD CONSTRAINT nris_youth_scope_check
    CHECK (youth_scope IN ('national', 'sub_regional', 'regional'));
ALTER TABLE funding_nri_directory ADD COLUMN youth_scope text
    CHECK (youth_scope IN ('national', 'sub_regional', 'regional'));

-- The date the Secretariat recognised an NRI (for records loaded from the archive: the real, historical date;
-- recognised_at stays the time igf_hub recorded it).
ALTER TABLE nris ADD COLUMN recognised_on date;
UPDATE nris SET recognised_on = (recognised_at AT TIME ZONE 'UTC')::date WHERE recognised_at IS NOT NULL;

-- A track's acronym (DC-IoT, BPF Cybersecurity ...) and the coalition it continues (its predecessor); the
-- successors of a track are the tracks naming it.
ALTER TABLE tracks ADD COLUMN acronym text CHECK (length(acronym) BETWEEN 1 AND 40);
ALTER TABLE tracks ADD COLUMN predecessor_id uuid REFERENCES tracks (id) CHECK (predecessor_id <> id);
CREATE INDEX tracks_predecessor_idx ON tracks (predecessor_id) WHERE predecessor_id IS NOT NULL;

-- Notes on a MAG cycle (renewal rate, published size, anything the record needs to say).
ALTER TABLE mag_cycles ADD COLUMN notes text NOT NULL DEFAULT '' CHECK (length(notes) <= 5000);

-- Funding: a contribution may go through several channels, and donors report by fiscal year.
ALTER TABLE funding_contributions DROP CONSTRAINT funding_contributions_channel_check;
ALTER TABLE funding_contributions ADD CONSTRAINT funding_contributions_channel_check CHECK (channel IN (
    'igf_trust_fund', 'igfsa', 'host_country_agreement', 'direct_to_nri', 'mixed', 'other'));
ALTER TABLE funding_contributions ADD COLUMN fiscal_year_start_month smallint
    CHECK (fiscal_year_start_month BETWEEN 1 AND 12);

-- A published Message loaded from the archive names where its text was published.
ALTER TABLE messages ADD COLUMN source_url text CHECK (length(source_url) <= 2000);

-- The archive: what was loaded as history says so, in the record itself (who loaded it, when, from which
-- source). NULL on everything that went through igf_hub's own workflows.
ALTER TABLE nris ADD COLUMN imported_at timestamptz, ADD COLUMN imported_by text, ADD COLUMN import_source text,
    ADD CONSTRAINT nris_imported_check CHECK ((imported_at IS NULL) = (imported_by IS NULL));
ALTER TABLE tracks ADD COLUMN imported_at timestamptz, ADD COLUMN imported_by text, ADD COLUMN import_source text,
    ADD CONSTRAINT tracks_imported_check CHECK ((imported_at IS NULL) = (imported_by IS NULL));
ALTER TABLE mag_cycles ADD COLUMN imported_at timestamptz, ADD COLUMN imported_by text,
    ADD COLUMN import_source text,
    ADD CONSTRAINT mag_cycles_imported_check CHECK ((imported_at IS NULL) = (imported_by IS NULL));
ALTER TABLE mag_appointments ADD COLUMN imported_at timestamptz, ADD COLUMN imported_by text,
    ADD COLUMN import_source text,
    ADD CONSTRAINT mag_appointments_imported_check CHECK ((imported_at IS NULL) = (imported_by IS NULL));
ALTER TABLE messages ADD COLUMN imported_at timestamptz, ADD COLUMN imported_by text,
    ADD COLUMN import_source text,
    ADD CONSTRAINT messages_imported_check CHECK ((imported_at IS NULL) = (imported_by IS NULL));
ALTER TABLE funding_contributions ADD COLUMN imported_at timestamptz, ADD COLUMN imported_by text,
    ADD COLUMN import_source text,
    ADD CONSTRAINT funding_contributions_imported_check CHECK ((imported_at IS NULL) = (imported_by IS NULL));
