-- What consumers may see of the event stream.

-- Whether an event is about something the public API shows at that moment (the publishing domain decides).
-- Non-public events stay in the outbox for igf_hub's own subscribers; they are never written to the consumer feed.
ALTER TABLE outbox ADD COLUMN public boolean NOT NULL DEFAULT true;

-- The classification of each subject, as its latest classified event carried it. Classification filters match
-- on the subject's classification, so every event of one Message (track, output, report) matches a filter or
-- none does, including events whose own data carries no classification (version_saved, ballot_opened …).
CREATE TABLE webhook_subjects (
    subject text PRIMARY KEY,
    classification jsonb NOT NULL CHECK (jsonb_typeof(classification) = 'object'),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The subject's classification when the event was recorded (NULL: an unclassified subject; filters do not apply).
ALTER TABLE webhook_events ADD COLUMN classification jsonb;
UPDATE webhook_events SET classification = data -> 'classification'
WHERE jsonb_typeof(data -> 'classification') = 'object';
INSERT INTO webhook_subjects (subject, classification)
SELECT DISTINCT ON (subject) subject, classification FROM webhook_events
WHERE classification IS NOT NULL AND endpoint_id IS NULL
ORDER BY subject, seq DESC;

-- Does an endpoint's subscription take an event of this type about a subject of this classification?
CREATE FUNCTION webhook_endpoint_takes(e webhook_endpoints, event_type text, classification jsonb)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT webhook_type_matches(e.event_types, event_type)
       AND (classification IS NULL OR (
               (cardinality(e.filter_wsis_action_lines) = 0
                OR e.filter_wsis_action_lines && webhook_codes(jsonb_build_object('classification', classification),
                                                               'wsis_action_lines'))
           AND (cardinality(e.filter_sdgs) = 0
                OR e.filter_sdgs::text[] && webhook_codes(jsonb_build_object('classification', classification), 'sdgs'))
           AND (cardinality(e.filter_gdc_objectives) = 0
                OR e.filter_gdc_objectives::text[] && webhook_codes(jsonb_build_object('classification', classification),
                                                                    'gdc_objectives'))))
$$;
