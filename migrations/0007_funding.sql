-- Funding: donors, contributions, the append-only ledger of events, exchange rates and NRI grants.
-- Money is NUMERIC everywhere. Pledged / committed / received totals are never stored: they are sums of events.
-- NRIs and tracks are referenced by id without a foreign key (their tables belong to other domains and may
-- be created after this file on a fresh checkout); the service validates them where a rule needs it.

CREATE TABLE donors (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    legal_name text NOT NULL CHECK (length(legal_name) BETWEEN 2 AND 300),
    display_name text CHECK (display_name IS NULL OR length(display_name) BETWEEN 2 AND 300),
    is_anonymous boolean NOT NULL DEFAULT false,
    stakeholder_group text NOT NULL CHECK (stakeholder_group IN (
        'government', 'intergovernmental', 'private_sector', 'civil_society', 'technical_community', 'academia')),
    country text CHECK (country ~ '^[A-Z]{2}$'),
    iati_org_type text CHECK (iati_org_type ~ '^[0-9]{2}$'),
    iati_org_ref text CHECK (iati_org_ref ~ '^[A-Za-z0-9][A-Za-z0-9._-]{2,99}$'),
    private_notes text NOT NULL DEFAULT '',
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- intergovernmental organisations have no country; everyone else has one
    CHECK ((stakeholder_group = 'intergovernmental') = (country IS NULL))
);
CREATE UNIQUE INDEX donors_legal_name_idx ON donors (lower(legal_name));
CREATE INDEX donors_created_idx ON donors (created_at, id);

CREATE TABLE funding_contributions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    donor_id uuid NOT NULL REFERENCES donors (id),
    via_donor_id uuid REFERENCES donors (id),
    title text NOT NULL CHECK (length(title) BETWEEN 2 AND 300),
    channel text NOT NULL CHECK (channel IN (
        'igf_trust_fund', 'igfsa', 'host_country_agreement', 'direct_to_nri', 'other')),
    earmark text NOT NULL CHECK (earmark IN (
        'core', 'nri_support', 'intersessional', 'travel_grants', 'host_country', 'capacity_development', 'other')),
    earmark_detail text,
    nri_id uuid,
    track_id uuid,
    in_kind boolean NOT NULL DEFAULT false,
    in_kind_description text,
    valuation_method text,
    years integer[] NOT NULL CHECK (cardinality(years) BETWEEN 1 AND 10),
    agreement_reference text,
    private_notes text NOT NULL DEFAULT '',
    documents jsonb NOT NULL DEFAULT '[]'::jsonb,
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (via_donor_id IS NULL OR via_donor_id <> donor_id),
    CHECK (num_nonnulls(nri_id, track_id) <= 1),
    CHECK (earmark <> 'other' OR earmark_detail IS NOT NULL),
    CHECK (in_kind = (in_kind_description IS NOT NULL AND valuation_method IS NOT NULL))
);
CREATE INDEX funding_contributions_donor_idx ON funding_contributions (donor_id, created_at, id);
CREATE INDEX funding_contributions_created_idx ON funding_contributions (created_at, id);
CREATE INDEX funding_contributions_nri_idx ON funding_contributions (nri_id) WHERE nri_id IS NOT NULL;

-- The ledger proper. Each event freezes its USD equivalent with the rate, the rate's source and its date.
-- A reversal is negative, points at the event it reverses, and counts in that event's kind and year.
CREATE TABLE funding_events (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    contribution_id uuid NOT NULL REFERENCES funding_contributions (id),
    kind text NOT NULL CHECK (kind IN ('pledge', 'commitment', 'receipt', 'in_kind_valuation', 'reversal')),
    counts_as text NOT NULL CHECK (counts_as IN ('pledge', 'commitment', 'receipt', 'in_kind_valuation')),
    ledger_year integer NOT NULL CHECK (ledger_year BETWEEN 2006 AND 2100),
    amount numeric(24, 4) NOT NULL,
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    value_date date NOT NULL,
    due_on date,
    usd_amount numeric(24, 2) NOT NULL,
    rate numeric(24, 10) NOT NULL CHECK (rate > 0),
    rate_source text NOT NULL,
    rate_date date NOT NULL,
    reverses_id uuid REFERENCES funding_events (id),
    reason text,
    description text,
    recorded_at timestamptz NOT NULL,
    recorded_by text NOT NULL,
    CHECK ((kind = 'reversal') = (reverses_id IS NOT NULL)),
    CHECK (kind = 'reversal' OR (counts_as = kind AND amount > 0 AND usd_amount >= 0)),
    CHECK (kind <> 'reversal' OR (amount < 0 AND usd_amount <= 0 AND reason IS NOT NULL)),
    CHECK (due_on IS NULL OR kind = 'pledge')
);
CREATE INDEX funding_events_contribution_idx ON funding_events (contribution_id, seq);
CREATE INDEX funding_events_year_idx ON funding_events (ledger_year, seq);
CREATE INDEX funding_events_reverses_idx ON funding_events (reverses_id) WHERE reverses_id IS NOT NULL;

-- The database itself keeps the ledger append-only (refuse_change() comes from 0002).
CREATE TRIGGER funding_events_append_only BEFORE UPDATE OR DELETE ON funding_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER funding_events_no_truncate BEFORE TRUNCATE ON funding_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- A backstop for the service's reversal rules: same contribution, same currency, never a reversal of a
-- reversal, never more than the original, counted as the original's kind and year.
CREATE FUNCTION funding_events_check_reversal() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    original funding_events;
    reversed numeric;
BEGIN
    IF NEW.reverses_id IS NULL THEN
        RETURN NEW;
    END IF;
    SELECT * INTO original FROM funding_events WHERE id = NEW.reverses_id;
    IF original.kind = 'reversal' OR original.contribution_id <> NEW.contribution_id
       OR original.currency <> NEW.currency OR original.counts_as <> NEW.counts_as
       OR original.ledger_year <> NEW.ledger_year THEN
        RAISE EXCEPTION 'reversal % does not match the event it reverses', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    SELECT coalesce(sum(amount), 0) INTO reversed FROM funding_events WHERE reverses_id = NEW.reverses_id;
    IF original.amount + reversed + NEW.amount < 0 THEN
        RAISE EXCEPTION 'reversals of % would exceed its amount', NEW.reverses_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER funding_events_check_reversal BEFORE INSERT ON funding_events
    FOR EACH ROW EXECUTE FUNCTION funding_events_check_reversal();

-- Secretariat-maintained USD rates (e.g. the UN operational rates of exchange).
CREATE TABLE funding_exchange_rates (
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    effective_on date NOT NULL,
    usd_per_unit numeric(24, 10) NOT NULL CHECK (usd_per_unit > 0),
    source text NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    recorded_by text NOT NULL,
    PRIMARY KEY (currency, effective_on)
);

-- What funding knows about NRIs: a projection of the NRI domain's outbox events (nri.recognised, …).
CREATE TABLE funding_nri_directory (
    nri_id uuid PRIMARY KEY,
    name text,
    nri_type text,
    status text NOT NULL,
    last_event_type text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Money going out: grants to NRIs from the IGF Secretariat, the IGF Support Association or other programmes.
CREATE TABLE funding_nri_grants (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    programme text NOT NULL CHECK (programme IN ('igf_secretariat', 'igfsa', 'other')),
    programme_detail text,
    nri_id uuid NOT NULL,
    nri_type text,                           -- NULL when the NRI events did not say: the lowest ceiling applies
    year integer NOT NULL CHECK (year BETWEEN 2006 AND 2100),
    amount_requested numeric(24, 2) NOT NULL CHECK (amount_requested > 0),
    amount_approved numeric(24, 2) CHECK (amount_approved > 0),
    co_funding_evidence text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'applied' CHECK (status IN ('applied', 'approved', 'declined', 'paid', 'reported')),
    decision_reason text,
    paid_on date,
    report_url text,
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (programme <> 'other' OR programme_detail IS NOT NULL),
    CHECK (status IN ('applied', 'declined') OR amount_approved IS NOT NULL)
);
-- A programme funds an NRI at most once a year (a declined application does not count).
CREATE UNIQUE INDEX funding_nri_grants_once_idx
    ON funding_nri_grants (programme, coalesce(programme_detail, ''), nri_id, year) WHERE status <> 'declined';
CREATE INDEX funding_nri_grants_nri_idx ON funding_nri_grants (nri_id, year);
CREATE INDEX funding_nri_grants_created_idx ON funding_nri_grants (created_at, id);
