-- NRIs: National, Sub-regional, Regional and Youth IGF initiatives, their recognition and their yearly reports.
CREATE TABLE nris (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    type text NOT NULL CHECK (type IN ('national', 'sub_regional', 'regional', 'youth')),
    youth_scope text CHECK (youth_scope IN ('national', 'regional')),
    parent_nri_id uuid REFERENCES nris (id),          -- a youth IGF integrated into a parent NRI
    name text NOT NULL,
    acronym text,
    countries text[] NOT NULL CHECK (cardinality(countries) >= 1),  -- ISO 3166-1, sorted and distinct
    regional_groups text[] NOT NULL DEFAULT '{}',     -- derived from countries, never typed in
    scope_note text,
    website text,
    mailing_list_url text,
    contact_email text,
    languages text[] NOT NULL DEFAULT '{}',
    year_founded integer,
    description text NOT NULL DEFAULT '',
    committee jsonb NOT NULL DEFAULT '[]',
    focal_points jsonb NOT NULL DEFAULT '[]',
    meeting_report_url text,
    meeting_report_text text,
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'under_review',
        'changes_requested', 'recognised', 'declined', 'inactive', 'withdrawn')),
    status_reason text,
    requested_changes text[] NOT NULL DEFAULT '{}',
    recognised_at timestamptz,                        -- set once: an NRI that was ever recognised is public
    last_activity_on date,                            -- recognition, import, or the latest reported meeting
    created_by text NOT NULL,
    search tsvector GENERATED ALWAYS AS (
        -- 'simple': names and descriptions come in many languages, so no language's stemming is applied.
        to_tsvector('simple'::regconfig, name || ' ' || coalesce(acronym, '') || ' ' || coalesce(scope_note, '')
                    || ' ' || description)
    ) STORED,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((type = 'youth') = (youth_scope IS NOT NULL)),
    CHECK (parent_nri_id IS NULL OR (type = 'youth' AND parent_nri_id <> id))
);
CREATE INDEX nris_name_idx ON nris (name, id);
CREATE INDEX nris_search_idx ON nris USING gin (search);
CREATE INDEX nris_countries_idx ON nris USING gin (countries);
CREATE INDEX nris_regional_groups_idx ON nris USING gin (regional_groups);
CREATE INDEX nris_languages_idx ON nris USING gin (languages);
CREATE INDEX nris_activity_idx ON nris (status, last_activity_on);
-- The duplicate rule as a backstop: one recognised (or inactive) NRI per type and country set.
CREATE UNIQUE INDEX nris_recognised_key_idx ON nris (type, countries) WHERE status IN ('recognised', 'inactive');

-- One row per submission for recognition: what was submitted, which criteria it met, the warnings the reviewer
-- sees, and the Secretariat's decision on it.
CREATE TABLE nri_submissions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    nri_id uuid NOT NULL REFERENCES nris (id),
    nri_version integer NOT NULL,
    submitted_at timestamptz NOT NULL,
    submitted_by text NOT NULL,
    affirmed_principles text[] NOT NULL,
    criteria_met text[] NOT NULL,
    warnings jsonb NOT NULL DEFAULT '[]',
    snapshot jsonb NOT NULL,
    review_started_at timestamptz,
    review_started_by text,
    decision text CHECK (decision IN ('recognised', 'changes_requested', 'declined')),
    decision_reason text,
    requested_changes text[] NOT NULL DEFAULT '{}',
    decided_at timestamptz,
    decided_by text
);
CREATE INDEX nri_submissions_nri_idx ON nri_submissions (nri_id, submitted_at);

-- Annual activity reports: one per NRI per year; public once submitted.
CREATE TABLE nri_reports (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    nri_id uuid NOT NULL REFERENCES nris (id),
    year integer NOT NULL CHECK (year BETWEEN 2006 AND 2100),
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
    meeting_start date NOT NULL,
    meeting_end date NOT NULL,
    format text NOT NULL CHECK (format IN ('in_person', 'hybrid', 'online')),
    host_city text,
    host_country text,
    participants_total integer CHECK (participants_total >= 0),
    participants_by_stakeholder jsonb NOT NULL DEFAULT '{}',
    participants_by_gender jsonb NOT NULL DEFAULT '{}',
    topics jsonb NOT NULL DEFAULT '[]',
    classification jsonb NOT NULL DEFAULT '{"wsis_action_lines": [], "sdgs": [], "gdc_objectives": []}',
    outcome_summary text,
    report_url text,
    key_messages text[] NOT NULL DEFAULT '{}',
    submitted_at timestamptz,
    submitted_by text,
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (nri_id, year),
    CHECK (meeting_end >= meeting_start),
    CHECK ((status = 'submitted') = (submitted_at IS NOT NULL))
);
CREATE INDEX nri_reports_year_idx ON nri_reports (year) WHERE status = 'submitted';
CREATE INDEX nri_reports_due_idx ON nri_reports (meeting_end) WHERE status = 'draft';

-- Every published version of a report (the submission and each late edit), so a citation stays checkable.
CREATE TABLE nri_report_revisions (
    report_id uuid NOT NULL REFERENCES nri_reports (id),
    version integer NOT NULL,
    content jsonb NOT NULL,
    revised_at timestamptz NOT NULL,
    revised_by text NOT NULL,
    PRIMARY KEY (report_id, version)
);
