-- The Multistakeholder Advisory Group: people, yearly cycles, nominations, appointments.
-- Term numbers are never stored: they are computed from the history of appointments (view mag_terms).

CREATE TABLE mag_people (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(name) BETWEEN 2 AND 200),
    affiliation text CHECK (length(affiliation) <= 300),
    country text CHECK (country ~ '^[A-Z]{2}$'),
    -- When linked, every appointment of the person is mirrored as a mag_member role grant of this user.
    user_id uuid UNIQUE REFERENCES users (id) ON DELETE SET NULL,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mag_people_name_idx ON mag_people (name, id);

CREATE TABLE mag_cycles (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    year integer NOT NULL UNIQUE CHECK (year BETWEEN 2006 AND 2100),
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    target_size integer NOT NULL CHECK (target_size BETWEEN 1 AND 200),
    status text NOT NULL DEFAULT 'planning' CHECK (status IN ('planning', 'call_open', 'appointed', 'closed')),
    -- Only the composition rules this cycle changes; the rest come from the module defaults (mag/rules.py).
    rule_overrides jsonb NOT NULL DEFAULT '{}',
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on > starts_on)
);

CREATE TABLE mag_nominations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    cycle_id uuid NOT NULL REFERENCES mag_cycles (id),
    person_id uuid REFERENCES mag_people (id),
    nominee_name text NOT NULL,
    nominee_email text,
    stakeholder_group text NOT NULL CHECK (stakeholder_group IN ('government', 'intergovernmental',
        'private_sector', 'civil_society', 'technical_community', 'academia')),
    country text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    regional_group text NOT NULL CHECK (regional_group IN ('african', 'asia_pacific', 'eastern_european',
        'latin_american_caribbean', 'western_european_others')),
    gender text CHECK (gender IN ('female', 'male', 'non_binary')),
    nominated_by text NOT NULL CHECK (nominated_by IN ('self', 'organisation')),
    nominating_organisation text,
    statement text NOT NULL,
    endorsements jsonb NOT NULL DEFAULT '[]',
    status text NOT NULL DEFAULT 'submitted'
        CHECK (status IN ('submitted', 'shortlisted', 'not_selected', 'withdrawn', 'appointed')),
    status_note text,
    submitted_by text NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((nominated_by = 'organisation') = (nominating_organisation IS NOT NULL))
);
CREATE INDEX mag_nominations_cycle_idx ON mag_nominations (cycle_id, created_at, id);

CREATE TABLE mag_appointments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    cycle_id uuid NOT NULL REFERENCES mag_cycles (id),
    person_id uuid NOT NULL REFERENCES mag_people (id),
    nomination_id uuid REFERENCES mag_nominations (id),
    role text NOT NULL CHECK (role IN ('member', 'chair', 'host_country_representative', 'observer')),
    stakeholder_group text NOT NULL CHECK (stakeholder_group IN ('government', 'intergovernmental',
        'private_sector', 'civil_society', 'technical_community', 'academia')),
    regional_group text NOT NULL CHECK (regional_group IN ('african', 'asia_pacific', 'eastern_european',
        'latin_american_caribbean', 'western_european_others')),
    country text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    gender text CHECK (gender IN ('female', 'male', 'non_binary')),
    starts_on date NOT NULL,
    ends_on date NOT NULL,                     -- inclusive; moved earlier by a resignation or early end
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended', 'resigned')),
    end_reason text,
    term_limit_exception_reason text,          -- public: an appointment beyond the consecutive-term limit
    term_limit_exception_recorded_by text,
    term_limit_exception_recorded_at timestamptz,
    role_grant_id uuid REFERENCES role_grants (id) ON DELETE SET NULL,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on >= starts_on),
    CHECK ((term_limit_exception_reason IS NULL) = (term_limit_exception_recorded_at IS NULL))
);
CREATE INDEX mag_appointments_cycle_idx ON mag_appointments (cycle_id);
CREATE INDEX mag_appointments_person_idx ON mag_appointments (person_id);
CREATE INDEX mag_appointments_ends_idx ON mag_appointments (ends_on) WHERE status = 'active';
CREATE UNIQUE INDEX mag_appointments_one_active_per_person_idx
    ON mag_appointments (cycle_id, person_id) WHERE status = 'active';
CREATE UNIQUE INDEX mag_appointments_one_chair_idx
    ON mag_appointments (cycle_id) WHERE role = 'chair' AND status = 'active';

-- A person's term number in a cycle year: the position of that year in the run of consecutive cycle
-- years in which the person held any appointment (a gap year starts the count again at 1).
CREATE VIEW mag_terms AS
WITH served AS (
    SELECT DISTINCT a.person_id, c.year
    FROM mag_appointments a JOIN mag_cycles c ON c.id = a.cycle_id
), runs AS (
    SELECT person_id, year, year - row_number() OVER (PARTITION BY person_id ORDER BY year) AS run
    FROM served
)
SELECT person_id, year,
       (year - min(year) OVER (PARTITION BY person_id, run) + 1)::integer AS term_number
FROM runs;
