-- The Secretariat's reasons per field when it asks for changes to an NRI (``{"website": "…"}``), beside the
-- general list of changes: the coordinator sees each reason next to the field it is about.
ALTER TABLE nris ADD COLUMN requested_fields jsonb NOT NULL DEFAULT '{}'
    CHECK (jsonb_typeof(requested_fields) = 'object');
ALTER TABLE nri_submissions ADD COLUMN requested_fields jsonb NOT NULL DEFAULT '{}'
    CHECK (jsonb_typeof(requested_fields) = 'object');
