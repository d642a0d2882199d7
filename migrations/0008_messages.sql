-- IGF Messages: session reports (raw material), Messages with immutable text versions, public comment rounds
-- and comments with dispositions, MAG ballots with an eligibility snapshot, and the Message history.

CREATE TABLE session_reports (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    year integer NOT NULL CHECK (year BETWEEN 2006 AND 2100),
    session_ref text,                            -- the IGF programme's own id ("WS #123"); unique per year
    session_title text NOT NULL,
    session_type text NOT NULL CHECK (session_type IN (
        'main_session', 'high_level_session', 'workshop', 'open_forum', 'town_hall', 'lightning_talk',
        'launch_award', 'networking_session', 'day_zero', 'dynamic_coalition', 'best_practice_forum',
        'policy_network', 'nri_session', 'parliamentary_track', 'youth_track', 'other')),
    organisers text[] NOT NULL,
    key_takeaways text[] NOT NULL,
    calls_to_action text[] NOT NULL DEFAULT '{}',
    classification jsonb NOT NULL DEFAULT '{"wsis_action_lines": [], "sdgs": [], "gdc_objectives": []}',
    language text NOT NULL DEFAULT 'en',
    source text NOT NULL CHECK (source IN ('organiser', 'import')),
    submitted_by text NOT NULL,                  -- the subject that entered or imported it
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX session_reports_ref_idx ON session_reports (year, session_ref) WHERE session_ref IS NOT NULL;
CREATE INDEX session_reports_list_idx ON session_reports (year DESC, created_at, id);

CREATE TABLE messages (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    year integer NOT NULL CHECK (year BETWEEN 2006 AND 2100),
    theme text NOT NULL,
    sub_theme text,
    state text NOT NULL DEFAULT 'draft' CHECK (state IN (
        'draft', 'public_comment', 'synthesis', 'mag_review', 'approved', 'published', 'superseded', 'withdrawn')),
    source_language text NOT NULL,               -- the drafting language: the only authoritative text
    classification jsonb NOT NULL,
    provenance jsonb NOT NULL DEFAULT '[]',
    current_version_number integer NOT NULL DEFAULT 0,
    approved_version_number integer,
    approved_at timestamptz,
    approved_by text,
    published_at timestamptz,
    public_since timestamptz,                    -- first opened for public comment: visible to everyone from then
    supersedes uuid REFERENCES messages (id),
    superseded_by uuid REFERENCES messages (id),
    withdrawn_reason text,
    withdrawn_at timestamptz,
    next_version_number integer NOT NULL DEFAULT 1,
    next_paragraph_number integer NOT NULL DEFAULT 1,
    languages text[] NOT NULL DEFAULT '{}',
    search_text text NOT NULL DEFAULT '',        -- theme, titles and bodies of every language, for ?q=
    created_by text NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK (superseded_by IS NULL OR superseded_by <> id),
    CHECK (supersedes IS NULL OR supersedes <> id)
);
CREATE INDEX messages_list_idx ON messages (created_at DESC, id DESC);
CREATE INDEX messages_year_idx ON messages (year, state);
CREATE INDEX messages_classification_idx ON messages USING gin (classification jsonb_path_ops);
CREATE INDEX messages_search_idx ON messages USING gin (search_text gin_trgm_ops);

CREATE TABLE message_drafters (
    message_id uuid NOT NULL REFERENCES messages (id),
    user_id uuid NOT NULL REFERENCES users (id),
    PRIMARY KEY (message_id, user_id)
);

-- Every saved text, immutable: a new text is a new row with the next number of its Message.
CREATE TABLE message_versions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    message_id uuid NOT NULL REFERENCES messages (id),
    number integer NOT NULL CHECK (number > 0),
    language text NOT NULL,
    title text NOT NULL,
    paragraphs jsonb NOT NULL,                   -- [{"id": "p1", "text": "..."}], ids stable across versions
    body text NOT NULL,                          -- the Markdown: paragraphs joined by blank lines
    content_sha256 text NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
    is_machine_translation boolean NOT NULL DEFAULT false,
    translation_of integer,                      -- the source-language version number this translates
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    UNIQUE (message_id, number)
);
CREATE INDEX message_versions_language_idx ON message_versions (message_id, language, number);
CREATE TRIGGER message_versions_immutable BEFORE UPDATE OR DELETE ON message_versions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

CREATE TABLE message_history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id uuid NOT NULL REFERENCES messages (id),
    kind text NOT NULL,                          -- created, transition, version_saved, updated, ballot_opened …
    from_state text,
    to_state text,
    version_number integer,
    reason text,
    actor text NOT NULL,
    at timestamptz NOT NULL
);
CREATE INDEX message_history_message_idx ON message_history (message_id, id);

CREATE TABLE message_comment_rounds (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    message_id uuid NOT NULL REFERENCES messages (id),
    number integer NOT NULL,
    version_number integer NOT NULL,             -- the frozen version under comment
    opens_at timestamptz NOT NULL,
    closes_at timestamptz NOT NULL,
    closed_at timestamptz,
    opened_by text NOT NULL,
    UNIQUE (message_id, number),
    CHECK (closes_at > opens_at)
);
CREATE UNIQUE INDEX message_comment_rounds_one_open_idx ON message_comment_rounds (message_id) WHERE closed_at IS NULL;
CREATE INDEX message_comment_rounds_due_idx ON message_comment_rounds (closes_at) WHERE closed_at IS NULL;

CREATE TABLE message_comments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    message_id uuid NOT NULL REFERENCES messages (id),
    round_id uuid NOT NULL REFERENCES message_comment_rounds (id),
    version_number integer NOT NULL,             -- the version the comment was made on
    paragraph_id text,                           -- NULL: on the Message as a whole
    author_user_id uuid REFERENCES users (id),
    author_subject text NOT NULL,
    display_name text,                           -- shown publicly when the commenter chose to give one
    stakeholder_group text NOT NULL CHECK (stakeholder_group IN (
        'government', 'intergovernmental', 'private_sector', 'civil_society', 'technical_community', 'academia')),
    country text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    language text NOT NULL,
    body text NOT NULL,
    disposition text CHECK (disposition IN (
        'accepted', 'partially_accepted', 'not_accepted', 'out_of_scope', 'duplicate')),
    rationale text,
    disposition_version_number integer,          -- the version that took the comment in
    duplicate_of uuid REFERENCES message_comments (id),
    disposed_by text,
    disposed_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK ((disposition IS NULL) = (rationale IS NULL)),
    CHECK (duplicate_of IS NULL OR duplicate_of <> id)
);
CREATE INDEX message_comments_message_idx ON message_comments (message_id, created_at, id);
CREATE INDEX message_comments_undisposed_idx ON message_comments (message_id) WHERE disposition IS NULL;

CREATE TABLE message_ballots (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    message_id uuid NOT NULL REFERENCES messages (id),
    number integer NOT NULL,
    version_number integer NOT NULL,             -- the exact version balloted
    content_sha256 text NOT NULL,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closed_reason text CHECK (closed_reason IN ('deadline', 'new_version', 'sent_back', 'approved', 'withdrawn')),
    rule jsonb NOT NULL,                         -- the pass rule in force when it opened
    outcome jsonb,                               -- the outcome recorded when it closed
    opened_by text NOT NULL,
    opened_at timestamptz NOT NULL,
    closes_at timestamptz NOT NULL,
    closed_at timestamptz,
    reminder_sent_at timestamptz,
    UNIQUE (message_id, number),
    CHECK ((status = 'closed') = (closed_at IS NOT NULL AND closed_reason IS NOT NULL))
);
CREATE UNIQUE INDEX message_ballots_one_open_idx ON message_ballots (message_id) WHERE status = 'open';
CREATE INDEX message_ballots_due_idx ON message_ballots (closes_at) WHERE status = 'open';

-- Who may take a position: the MAG members holding the role when the ballot opened (a snapshot).
CREATE TABLE message_ballot_members (
    ballot_id uuid NOT NULL REFERENCES message_ballots (id),
    user_id uuid NOT NULL REFERENCES users (id),
    display_name text NOT NULL,
    stakeholder_group text CHECK (stakeholder_group IN (
        'government', 'private_sector', 'civil_society', 'technical_community')),
    is_chair boolean NOT NULL DEFAULT false,
    PRIMARY KEY (ballot_id, user_id)
);

CREATE TABLE message_ballot_positions (
    ballot_id uuid NOT NULL,
    user_id uuid NOT NULL,
    position text NOT NULL CHECK (position IN ('yes', 'no_objection', 'concern', 'abstain', 'recuse')),
    text text,                                   -- the concern, the recusal reason, or a remark
    stakeholder_group text NOT NULL CHECK (stakeholder_group IN (
        'government', 'private_sector', 'civil_society', 'technical_community')),
    revision integer NOT NULL DEFAULT 1,
    cast_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (ballot_id, user_id),
    FOREIGN KEY (ballot_id, user_id) REFERENCES message_ballot_members (ballot_id, user_id),
    CHECK (position NOT IN ('concern', 'recuse') OR coalesce(length(text), 0) > 0)
);
