-- Who follows what (people/follows.py): a person follows a public thing from its page and hears of it (a
-- Message, a theme of the Messages, the Messages of a year, a track, an NRI). Personal data, not public record:
-- unfollowing deletes the row, and deleting the account deletes them all. The label is what the person saw on
-- the page when they followed, shown back to them alone on /account/following.
CREATE TABLE follows (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    subject_kind text NOT NULL
        CHECK (subject_kind IN ('message', 'theme', 'messages_of_year', 'track', 'nri')),
    subject_key text NOT NULL CHECK (char_length(subject_key) BETWEEN 1 AND 200),
    label text NOT NULL CHECK (char_length(label) <= 300),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, subject_kind, subject_key)
);
-- Who hears of a subject: the notices look people up by subject.
CREATE INDEX follows_by_subject ON follows (subject_kind, subject_key);
