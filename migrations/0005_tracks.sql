-- Intersessional tracks: Best Practice Forums, Dynamic Coalitions, Policy Networks and other tracks, with
-- their people (facilitators, MAG liaisons, participants), calls for input, and outputs.
-- Times that drive rules (activation, windows, publication) are written from the service's injected clock.

CREATE TABLE tracks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$'),
    type text NOT NULL CHECK (type IN ('bpf', 'dynamic_coalition', 'policy_network', 'other')),
    subtype text CHECK (subtype IN ('youth', 'parliamentary', 'nri_collaborative_sessions', 'leadership_panel',
                                    'other')),
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'active', 'inactive', 'concluded')),
    status_reason text,
    status_changed_at timestamptz NOT NULL,
    activated_at timestamptz,                  -- first proposed -> active (a DC's recognition)
    years_active integer[] NOT NULL DEFAULT '{}',
    open_membership boolean NOT NULL DEFAULT true,
    mailing_list_url text,
    mailing_list_archive_url text,
    wsis_action_lines text[] NOT NULL DEFAULT '{}',
    sdgs integer[] NOT NULL DEFAULT '{}',
    gdc_objectives integer[] NOT NULL DEFAULT '{}',
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    version integer NOT NULL DEFAULT 1,
    search tsvector GENERATED ALWAYS AS (
        to_tsvector('english'::regconfig, name || ' ' || slug || ' ' || description)
    ) STORED,
    CHECK ((type = 'other') = (subtype IS NOT NULL)),
    CHECK (status <> 'inactive' OR type = 'dynamic_coalition')   -- only DCs go dormant
);
CREATE INDEX tracks_type_status_idx ON tracks (type, status, slug);
CREATE INDEX tracks_years_idx ON tracks USING gin (years_active);
CREATE INDEX tracks_classification_idx ON tracks USING gin (wsis_action_lines);
CREATE INDEX tracks_sdgs_idx ON tracks USING gin (sdgs);
CREATE INDEX tracks_gdc_idx ON tracks USING gin (gdc_objectives);
CREATE INDEX tracks_search_idx ON tracks USING gin (search);

-- What a Dynamic Coalition was proposed with (the IGF's DC formation requirements).
CREATE TABLE track_dc_formations (
    track_id uuid PRIMARY KEY REFERENCES tracks (id) ON DELETE CASCADE,
    statement_of_need text NOT NULL,
    action_plan text NOT NULL,
    contact_persons jsonb NOT NULL,            -- [{name, email, organisation}]: e-mails are not public
    founding_members jsonb NOT NULL,           -- [{name, stakeholder_group, country, organisation}]
    submitted_by text NOT NULL,
    submitted_at timestamptz NOT NULL
);

-- Facilitators: the tracks domain's record of the track_facilitator grants it made (the grant authorises).
CREATE TABLE track_facilitators (
    track_id uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    grant_id uuid NOT NULL,
    added_by text NOT NULL,
    added_at timestamptz NOT NULL,
    PRIMARY KEY (track_id, user_id)
);
CREATE INDEX track_facilitators_user_idx ON track_facilitators (user_id);

CREATE TABLE track_mag_liaisons (
    track_id uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_by text NOT NULL,
    added_at timestamptz NOT NULL,
    PRIMARY KEY (track_id, user_id)
);

CREATE TABLE track_participants (
    track_id uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stakeholder_group text NOT NULL CHECK (stakeholder_group IN ('government', 'intergovernmental',
        'private_sector', 'civil_society', 'technical_community', 'academia')),
    country text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    joined_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (track_id, user_id)
);
CREATE INDEX track_participants_user_idx ON track_participants (user_id);

-- The public history of a track: status changes and publications, newest last.
CREATE TABLE track_history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    track_id uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    occurred_at timestamptz NOT NULL,
    action text NOT NULL,
    from_status text,
    to_status text,
    reason text,
    output_id uuid
);
CREATE INDEX track_history_track_idx ON track_history (track_id, id);

CREATE TABLE track_calls (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    track_id uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    title text NOT NULL,
    description text NOT NULL DEFAULT '',
    opens_at timestamptz NOT NULL,
    closes_at timestamptz NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    version integer NOT NULL DEFAULT 1,
    CHECK (closes_at > opens_at)
);
CREATE INDEX track_calls_track_idx ON track_calls (track_id, opens_at DESC, id DESC);

CREATE TABLE track_call_submissions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    call_id uuid NOT NULL REFERENCES track_calls (id) ON DELETE CASCADE,
    user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    stakeholder_group text NOT NULL CHECK (stakeholder_group IN ('government', 'intergovernmental',
        'private_sector', 'civil_society', 'technical_community', 'academia')),
    country text CHECK (country ~ '^[A-Z]{2}$'),
    organisation text,
    text text NOT NULL,
    url text,
    submitted_at timestamptz NOT NULL
);
CREATE INDEX track_call_submissions_call_idx ON track_call_submissions (call_id, submitted_at, id);

-- Outputs. Every version of one output shares series_id; a published version is immutable (a trigger
-- refuses content changes), gets a citable id, and is superseded only by publishing its next version.
CREATE TABLE track_outputs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    track_id uuid NOT NULL REFERENCES tracks (id) ON DELETE RESTRICT,
    series_id uuid NOT NULL,
    output_version integer NOT NULL DEFAULT 1 CHECK (output_version >= 1),
    supersedes uuid REFERENCES track_outputs (id),
    superseded_by uuid REFERENCES track_outputs (id),
    title text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('report', 'recommendations', 'toolkit', 'statement', 'other')),
    year integer NOT NULL,
    languages text[] NOT NULL,
    url text,
    text text,
    dissenting_views jsonb NOT NULL DEFAULT '[]'::jsonb,
    wsis_action_lines text[] NOT NULL DEFAULT '{}',
    sdgs integer[] NOT NULL DEFAULT '{}',
    gdc_objectives integer[] NOT NULL DEFAULT '{}',
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'superseded')),
    series_number integer,                     -- n within (track, year), given at the first publication
    citable_id text UNIQUE,
    comments_open_at timestamptz,
    comments_close_at timestamptz,
    published_at timestamptz,
    superseded_at timestamptz,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    version integer NOT NULL DEFAULT 1,
    search tsvector GENERATED ALWAYS AS (
        to_tsvector('english'::regconfig, title || ' ' || coalesce(text, ''))
    ) STORED,
    UNIQUE (series_id, output_version),
    CHECK (url IS NOT NULL OR text IS NOT NULL),
    CHECK (status = 'draft' OR (citable_id IS NOT NULL AND published_at IS NOT NULL)),
    CHECK (comments_close_at IS NULL OR comments_close_at > comments_open_at)
);
CREATE UNIQUE INDEX track_outputs_one_draft_idx ON track_outputs (series_id) WHERE status = 'draft';
CREATE INDEX track_outputs_track_idx ON track_outputs (track_id, created_at DESC, id DESC);
CREATE INDEX track_outputs_listing_idx ON track_outputs (created_at DESC, id DESC);
CREATE INDEX track_outputs_year_idx ON track_outputs (track_id, year) WHERE status <> 'draft';
CREATE INDEX track_outputs_wsis_idx ON track_outputs USING gin (wsis_action_lines);
CREATE INDEX track_outputs_sdgs_idx ON track_outputs USING gin (sdgs);
CREATE INDEX track_outputs_gdc_idx ON track_outputs USING gin (gdc_objectives);
CREATE INDEX track_outputs_search_idx ON track_outputs USING gin (search);

-- Published outputs are cited by IGF Messages: their content never changes, and they are never deleted.
CREATE FUNCTION track_outputs_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'published track output % cannot be deleted', OLD.id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status <> 'draft' AND (
        (NEW.title, NEW.kind, NEW.year, NEW.languages, NEW.url, NEW.text, NEW.dissenting_views,
         NEW.wsis_action_lines, NEW.sdgs, NEW.gdc_objectives, NEW.citable_id, NEW.published_at,
         NEW.output_version, NEW.series_id, NEW.track_id)
        IS DISTINCT FROM
        (OLD.title, OLD.kind, OLD.year, OLD.languages, OLD.url, OLD.text, OLD.dissenting_views,
         OLD.wsis_action_lines, OLD.sdgs, OLD.gdc_objectives, OLD.citable_id, OLD.published_at,
         OLD.output_version, OLD.series_id, OLD.track_id)
        OR (OLD.status = 'superseded' AND NEW.status <> 'superseded')
        OR (OLD.status = 'published' AND NEW.status NOT IN ('published', 'superseded'))
    ) THEN
        RAISE EXCEPTION 'published track output % is immutable', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER track_outputs_immutable BEFORE UPDATE OR DELETE ON track_outputs
    FOR EACH ROW EXECUTE FUNCTION track_outputs_immutable();

CREATE TABLE track_output_comments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    output_id uuid NOT NULL REFERENCES track_outputs (id) ON DELETE CASCADE,
    user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    on_version integer NOT NULL,               -- the draft's version the comment was made on
    stakeholder_group text CHECK (stakeholder_group IN ('government', 'intergovernmental', 'private_sector',
        'civil_society', 'technical_community', 'academia')),
    text text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX track_output_comments_output_idx ON track_output_comments (output_id, created_at, id);
