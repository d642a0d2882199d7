-- Moderation of public comments: an abusive comment is hidden with a reason the public reads in its place. It
-- stays in the record: the row, its disposition (still required before the MAG review) and the audit log keep it,
-- and the Message's drafters and the Secretariat still read its text.
ALTER TABLE message_comments
    ADD COLUMN hidden_at timestamptz,
    ADD COLUMN hidden_reason text,
    ADD COLUMN hidden_by text,
    ADD CONSTRAINT message_comments_hidden_has_reason CHECK ((hidden_at IS NULL) = (hidden_reason IS NULL));
