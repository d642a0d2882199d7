-- The devices a person signed in from (people/device_notices.py): a fingerprint of the browser's User-Agent and
-- its network (IPv4 /24, IPv6 /48), hashed, never the address itself. A sign-in from a fingerprint not seen in
-- the person's recent sign-ins is a security notice to them.
CREATE TABLE known_devices (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    fingerprint text NOT NULL CHECK (length(fingerprint) = 64),
    first_seen_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, fingerprint)
);
