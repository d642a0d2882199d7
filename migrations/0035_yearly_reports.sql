-- The IGF's yearly report to the CSTD (README, "The yearly report"): one per year, its narrative versions
-- (Markdown sections, in the six UN languages, each version immutable), and at publication the figures frozen
-- with it. The figures of a draft are never stored: they are computed from the record each time.
CREATE TABLE yearly_reports (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    year integer NOT NULL UNIQUE CHECK (year BETWEEN 2006 AND 2100),
    state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'published')),
    current_version_number integer NOT NULL DEFAULT 0,
    published_version_number integer,
    figures jsonb,                               -- the figures document frozen at publication
    published_at timestamptz,
    published_by text,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    version integer NOT NULL DEFAULT 1,
    CHECK ((state = 'published') = (published_at IS NOT NULL AND figures IS NOT NULL
                                    AND published_version_number IS NOT NULL))
);

CREATE TABLE yearly_report_versions (
    report_id uuid NOT NULL REFERENCES yearly_reports (id),
    number integer NOT NULL CHECK (number > 0),
    language text NOT NULL CHECK (language IN ('en', 'fr', 'es', 'ar', 'zh', 'ru')),
    sections jsonb NOT NULL,                     -- [{"id": "introduction", "title": "…", "markdown": "…"}]
    is_machine_translation boolean NOT NULL DEFAULT false,
    translation_of integer,                      -- the English version number this translates
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (report_id, number),
    CHECK ((language = 'en') = (translation_of IS NULL)),
    CHECK (language <> 'en' OR NOT is_machine_translation)
);
CREATE INDEX yearly_report_versions_language_idx ON yearly_report_versions (report_id, language, number);
CREATE TRIGGER yearly_report_versions_immutable BEFORE UPDATE OR DELETE ON yearly_report_versions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- A published report does not change: its figures, version and time are what was signed.
CREATE FUNCTION yearly_reports_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.state = 'published' THEN
        RAISE EXCEPTION 'published yearly report % cannot change', OLD.year USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER yearly_reports_frozen BEFORE UPDATE OR DELETE ON yearly_reports
    FOR EACH ROW EXECUTE FUNCTION yearly_reports_frozen();
