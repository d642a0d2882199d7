-- The public transparency view at scale: per-contribution sums of the ledger, kept by the database itself.
--
-- Every public total (summary, aggregates, pledges against receipts, the IATI organisation file) groups by
-- something a contribution or its donor carries, plus an event's year, kind and counts_as. So the sums of
-- funding_events per (contribution, ledger year, kind, counts_as) answer all of them exactly, and that is a
-- few rows per contribution however long the ledger grows. The rows are written only by the trigger below, in
-- the same transaction as the events (every snapshot sees events and sums agree); nobody edits them, and
-- they are derived from events, never entered: the ledger stays the only source. A row exists only once at
-- least one event fell in it, so "no such event" stays NULL in a sum, exactly as summing the events does.
CREATE TABLE funding_event_totals (
    contribution_id uuid NOT NULL REFERENCES funding_contributions (id),
    ledger_year integer NOT NULL,
    kind text NOT NULL,
    counts_as text NOT NULL,
    usd_amount numeric NOT NULL,       -- sum(funding_events.usd_amount): exact, the events' scale
    events bigint NOT NULL,            -- how many events were summed
    due_on date,                       -- max(funding_events.due_on)
    PRIMARY KEY (contribution_id, ledger_year, kind, counts_as)
);

-- Once per INSERT statement (a bulk load adds each group once), in key order so concurrent writers take the
-- row locks in the same order. Ledger writers on one contribution already hold its row lock.
CREATE FUNCTION funding_event_totals_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO funding_event_totals AS t (contribution_id, ledger_year, kind, counts_as, usd_amount, events, due_on)
    SELECT contribution_id, ledger_year, kind, counts_as, sum(usd_amount), count(*), max(due_on)
    FROM added
    GROUP BY contribution_id, ledger_year, kind, counts_as
    ORDER BY contribution_id, ledger_year, kind, counts_as
    ON CONFLICT (contribution_id, ledger_year, kind, counts_as) DO UPDATE
        SET usd_amount = t.usd_amount + EXCLUDED.usd_amount,
            events = t.events + EXCLUDED.events,
            due_on = greatest(t.due_on, EXCLUDED.due_on);
    RETURN NULL;
END $$;
CREATE TRIGGER funding_events_totals AFTER INSERT ON funding_events
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION funding_event_totals_add();

-- The ledger so far. The trigger above already holds funding_events against concurrent inserts (CREATE
-- TRIGGER locks the table until this migration commits), so no event is summed twice or missed.
INSERT INTO funding_event_totals (contribution_id, ledger_year, kind, counts_as, usd_amount, events, due_on)
SELECT contribution_id, ledger_year, kind, counts_as, sum(usd_amount), count(*), max(due_on)
FROM funding_events
GROUP BY contribution_id, ledger_year, kind, counts_as;

-- Only that trigger writes here (it runs at trigger depth 2): a direct INSERT, UPDATE or DELETE is refused.
CREATE FUNCTION funding_event_totals_refuse_direct() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'funding_event_totals is derived from funding_events: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER funding_event_totals_derived BEFORE INSERT OR UPDATE OR DELETE ON funding_event_totals
    FOR EACH ROW EXECUTE FUNCTION funding_event_totals_refuse_direct();
CREATE TRIGGER funding_event_totals_no_truncate BEFORE TRUNCATE ON funding_event_totals
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
