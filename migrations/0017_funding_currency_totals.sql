-- The kept ledger sums (0010) per currency as well, with the amount in that currency beside its USD: the
-- public view can then show what each donor gave in its own currency, and totals by currency, without
-- summing the events at read time. The table stays derived from funding_events only.

-- No event may be added while the sums are rebuilt (a concurrent INSERT waits for this migration).
LOCK TABLE funding_events IN SHARE MODE;

ALTER TABLE funding_event_totals DISABLE TRIGGER funding_event_totals_derived;
DELETE FROM funding_event_totals;
ALTER TABLE funding_event_totals
    ADD COLUMN currency text NOT NULL,
    ADD COLUMN amount numeric NOT NULL,   -- sum(funding_events.amount), in that currency
    DROP CONSTRAINT funding_event_totals_pkey,
    ADD PRIMARY KEY (contribution_id, ledger_year, kind, counts_as, currency);

CREATE OR REPLACE FUNCTION funding_event_totals_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO funding_event_totals AS t
        (contribution_id, ledger_year, kind, counts_as, currency, amount, usd_amount, events, due_on)
    SELECT contribution_id, ledger_year, kind, counts_as, currency, sum(amount), sum(usd_amount), count(*),
           max(due_on)
    FROM added
    GROUP BY contribution_id, ledger_year, kind, counts_as, currency
    ORDER BY contribution_id, ledger_year, kind, counts_as, currency
    ON CONFLICT (contribution_id, ledger_year, kind, counts_as, currency) DO UPDATE
        SET amount = t.amount + EXCLUDED.amount,
            usd_amount = t.usd_amount + EXCLUDED.usd_amount,
            events = t.events + EXCLUDED.events,
            due_on = greatest(t.due_on, EXCLUDED.due_on);
    RETURN NULL;
END $$;

INSERT INTO funding_event_totals
    (contribution_id, ledger_year, kind, counts_as, currency, amount, usd_amount, events, due_on)
SELECT contribution_id, ledger_year, kind, counts_as, currency, sum(amount), sum(usd_amount), count(*),
       max(due_on)
FROM funding_events
GROUP BY contribution_id, ledger_year, kind, counts_as, currency;

ALTER TABLE funding_event_totals ENABLE TRIGGER funding_event_totals_derived;
