-- Money, rates and dates within bounds, whatever path writes them (the API refuses the same values first:
-- core/schemas.py).
--
-- In PostgreSQL NaN sorts above every number, so `rate > 0` let a NaN rate through, and a receipt then stored
-- usd_amount = NaN: every public total answered 500 from then on. Infinity cannot enter a numeric(p, s)
-- column, but can enter funding_event_totals.usd_amount (plain numeric). Dates: asyncpg sends 0001-01-01 and
-- 9999-12-31 as -infinity and infinity. The bounds below are the API's (amounts below 10^15, rates below 10^6
-- USD a unit), widened where a column holds products or sums of them.
--
-- Each constraint is added NOT VALID (it holds for every new row at once) and then validated; a database whose
-- rows already break one (e.g. a ledger poisoned before this migration) keeps the constraint for new rows and
-- gets a warning naming it, instead of a failed upgrade: the append-only ledger cannot be edited here.

ALTER TABLE funding_events
    ADD CONSTRAINT funding_events_amount_bounded
        CHECK (amount <> 'NaN' AND abs(amount) < 1e15) NOT VALID,
    ADD CONSTRAINT funding_events_usd_amount_bounded
        CHECK (usd_amount <> 'NaN' AND abs(usd_amount) < 1e21) NOT VALID,
    ADD CONSTRAINT funding_events_rate_bounded
        CHECK (rate <> 'NaN' AND rate < 1e6) NOT VALID,
    ADD CONSTRAINT funding_events_dates_finite
        CHECK (isfinite(value_date) AND isfinite(rate_date) AND (due_on IS NULL OR isfinite(due_on))) NOT VALID;

ALTER TABLE funding_event_totals
    ADD CONSTRAINT funding_event_totals_usd_amount_bounded
        CHECK (usd_amount <> 'NaN' AND abs(usd_amount) < 1e30) NOT VALID,
    ADD CONSTRAINT funding_event_totals_due_on_finite
        CHECK (due_on IS NULL OR isfinite(due_on)) NOT VALID;

ALTER TABLE funding_exchange_rates
    ADD CONSTRAINT funding_exchange_rates_usd_per_unit_bounded
        CHECK (usd_per_unit <> 'NaN' AND usd_per_unit < 1e6) NOT VALID,
    ADD CONSTRAINT funding_exchange_rates_effective_on_finite
        CHECK (isfinite(effective_on)) NOT VALID;

ALTER TABLE funding_nri_grants
    ADD CONSTRAINT funding_nri_grants_amounts_bounded
        CHECK (amount_requested <> 'NaN' AND amount_requested < 1e15
               AND (amount_approved IS NULL OR (amount_approved <> 'NaN' AND amount_approved < 1e15))) NOT VALID,
    ADD CONSTRAINT funding_nri_grants_paid_on_finite
        CHECK (paid_on IS NULL OR isfinite(paid_on)) NOT VALID;

-- The other dates and times that clients set.
ALTER TABLE mag_cycles
    ADD CONSTRAINT mag_cycles_dates_finite CHECK (isfinite(starts_on) AND isfinite(ends_on)) NOT VALID;
ALTER TABLE mag_appointments
    ADD CONSTRAINT mag_appointments_dates_finite CHECK (isfinite(starts_on) AND isfinite(ends_on)) NOT VALID;
ALTER TABLE nri_reports
    ADD CONSTRAINT nri_reports_dates_finite CHECK (isfinite(meeting_start) AND isfinite(meeting_end)) NOT VALID;
ALTER TABLE nris
    ADD CONSTRAINT nris_last_activity_on_finite
        CHECK (last_activity_on IS NULL OR isfinite(last_activity_on)) NOT VALID;
ALTER TABLE track_calls
    ADD CONSTRAINT track_calls_times_finite CHECK (isfinite(opens_at) AND isfinite(closes_at)) NOT VALID;
ALTER TABLE message_comment_rounds
    ADD CONSTRAINT message_comment_rounds_times_finite
        CHECK (isfinite(opens_at) AND isfinite(closes_at)) NOT VALID;
ALTER TABLE message_ballots
    ADD CONSTRAINT message_ballots_closes_at_finite CHECK (isfinite(closes_at)) NOT VALID;
ALTER TABLE webhook_recoveries
    ADD CONSTRAINT webhook_recoveries_times_finite
        CHECK (isfinite(since) AND (until IS NULL OR isfinite(until))) NOT VALID;
ALTER TABLE role_grants
    ADD CONSTRAINT role_grants_times_finite
        CHECK ((valid_from IS NULL OR isfinite(valid_from)) AND (valid_until IS NULL OR isfinite(valid_until)))
        NOT VALID;

DO $$
DECLARE
    c record;
BEGIN
    FOR c IN
        SELECT conrelid::regclass AS tab, conname FROM pg_constraint
        WHERE NOT convalidated AND contype = 'c'
          AND (conname LIKE '%\_bounded' OR conname LIKE '%\_finite')
    LOOP
        BEGIN
            EXECUTE format('ALTER TABLE %s VALIDATE CONSTRAINT %I', c.tab, c.conname);
        EXCEPTION WHEN check_violation THEN
            RAISE WARNING 'rows of % break %: it holds for new rows only until they are repaired', c.tab, c.conname;
        END;
    END LOOP;
END $$;

-- Issue 14 item 11: the public record of a Message (history, approver, a version's author) names a role, not a
-- staff member's user id. New rows record the role when the actor acts (messages/actors.py); earlier rows get
-- it from the actor's grants now (the audit log keeps every subject).
ALTER TABLE message_history ADD COLUMN actor_role text;

CREATE FUNCTION pg_temp.public_role(subject text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN subject LIKE 'system%' THEN 'IGF Hub (automatic)'
        WHEN EXISTS (SELECT 1 FROM role_grants g LEFT JOIN oauth_clients c ON c.id = g.client_id
                     WHERE g.role = 'secretariat'
                       AND subject IN ('user:' || g.user_id, 'client:' || c.client_id)) THEN 'IGF Secretariat'
        WHEN EXISTS (SELECT 1 FROM role_grants g WHERE g.role = 'mag_member' AND g.is_chair
                     AND subject = 'user:' || g.user_id) THEN 'MAG Chair'
        WHEN EXISTS (SELECT 1 FROM role_grants g WHERE g.role = 'mag_member'
                     AND subject = 'user:' || g.user_id) THEN 'MAG member'
        ELSE 'Drafter'
    END
$$;
UPDATE message_history SET actor_role = pg_temp.public_role(actor);
UPDATE messages SET approved_by = pg_temp.public_role(approved_by) WHERE approved_by IS NOT NULL;
UPDATE message_ballots SET opened_by = pg_temp.public_role(opened_by);

-- Issue 14 item 15: a MAG ballot takes each member's stakeholder group and name from the MAG roster, never from
-- the member. IGF Messages keeps this projection of the MAG domain's appointment events (messages/roster.py);
-- it starts from the appointments made so far (observers and intergovernmental seats count towards no group;
-- academia counts as the technical community, as core/vocab.py mag_group says).
CREATE TABLE message_mag_roster (
    appointment_id uuid PRIMARY KEY,
    person_id uuid NOT NULL,
    name text NOT NULL,
    stakeholder_group text CHECK (stakeholder_group IN (
        'government', 'private_sector', 'civil_society', 'technical_community')),
    updated_at timestamptz NOT NULL
);
INSERT INTO message_mag_roster (appointment_id, person_id, name, stakeholder_group, updated_at)
SELECT a.id, p.id, p.name,
       CASE WHEN a.role = 'observer' OR a.stakeholder_group = 'intergovernmental' THEN NULL
            WHEN a.stakeholder_group = 'academia' THEN 'technical_community'
            ELSE a.stakeholder_group END,
       a.updated_at
FROM mag_appointments a JOIN mag_people p ON p.id = a.person_id;
