-- A person's calendar address (web/calendar.py): /calendars/people/<secret>.ics lists the deadlines that concern
-- them. Calendar programs cannot sign in, so the address itself is the secret; only its SHA-256 is stored, so a
-- database leak does not leak live addresses. One per person: making a new one replaces the old, and revoking
-- deletes the row (the old address is then the 404 page).
CREATE TABLE calendar_addresses (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL
);
