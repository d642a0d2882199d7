-- Probes of a failing endpoint do not spend the probed delivery's retry budget: its place in its own retry
-- schedule is attempt_count - probe_count. (An outage is paced by how long the endpoint has been failing, and
-- a long one ends in the five-day auto-disable, not in deliveries dying one after another as probes.)
ALTER TABLE webhook_deliveries ADD COLUMN probe_count integer NOT NULL DEFAULT 0;
