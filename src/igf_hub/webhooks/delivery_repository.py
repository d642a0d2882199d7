"""SQL of the queue of record: events and their deliveries, claims with leases, batched results, the pull log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.core.wiring import ConsumerDelivery
from igf_hub.webhooks.events import EventRow
from igf_hub.webhooks.schemas import Attempt, Delivery, DeliveryDetail, DeliveryState, FailedAttempt

# In the publishing transaction: the immutable event, and one delivery per enabled endpoint that takes it.
# Unverified endpoints get theirs too: they wait, they are not dropped. Classification filters match the
# subject's classification: the event's own when it carries one (remembered for the subject's later events),
# else the one the subject's latest classified event carried.
RECORD_EVENT = """
WITH own AS (
    SELECT CASE WHEN jsonb_typeof($5::jsonb -> 'classification') = 'object'
                THEN $5::jsonb -> 'classification' END AS classification
), remembered AS (
    INSERT INTO webhook_subjects (subject, classification, updated_at)
    SELECT $3, own.classification, $4 FROM own WHERE own.classification IS NOT NULL
    ON CONFLICT (subject) DO UPDATE SET classification = EXCLUDED.classification, updated_at = EXCLUDED.updated_at
), ev AS (
    INSERT INTO webhook_events (id, type, subject, occurred_at, data, classification)
    SELECT $1, $2, $3, $4, $5,
           coalesce(own.classification, (SELECT s.classification FROM webhook_subjects s WHERE s.subject = $3))
    FROM own
    RETURNING seq, type, classification
)
INSERT INTO webhook_deliveries (event_seq, endpoint_id, consumer_id, event_type, subject, due_at, created_at)
SELECT ev.seq, e.id, e.consumer_id, $2, $3, $4, $4
FROM ev CROSS JOIN webhook_endpoints e
WHERE e.enabled AND webhook_endpoint_takes(e, ev.type, ev.classification)
ORDER BY e.id"""

# The named consumers (UNGIS, the CSTD) and, per event type, when an event about the subject first reached one of
# their endpoints (NULL: not yet). Pings are not events about anything.
NAMED_CONSUMER_DELIVERIES = """
SELECT c.name AS consumer, c.kind, t.event_type,
       min(d.delivered_at) FILTER (WHERE d.state = 'delivered') AS delivered_at
FROM consumers c CROSS JOIN unnest($1::text[]) AS t (event_type)
LEFT JOIN webhook_deliveries d
    ON d.consumer_id = c.id AND d.event_type = t.event_type AND d.subject = $2 AND NOT d.is_ping
WHERE c.kind IN ('ungis', 'cstd')
GROUP BY c.name, c.kind, t.event_type
ORDER BY c.kind DESC, c.name, array_position($1::text[], t.event_type)"""

# A ping is an event for one endpoint only (never in the pull log); a newer ping supersedes a pending one.
INSERT_PING = """
WITH ev AS (
    INSERT INTO webhook_events (id, type, subject, occurred_at, data, endpoint_id)
    VALUES ($1, 'webhook.ping', $2::uuid::text, $3, $4, $2::uuid) RETURNING seq
), superseded AS (
    UPDATE webhook_deliveries SET state = 'dead', lease_until = NULL, last_error = 'superseded by a newer ping'
    WHERE endpoint_id = $2::uuid AND is_ping AND state = 'pending'
)
INSERT INTO webhook_deliveries (event_seq, endpoint_id, consumer_id, event_type, subject, is_ping, due_at,
                                created_at)
SELECT ev.seq, $2::uuid, $5, 'webhook.ping', $2::uuid::text, true, $3, $3 FROM ev
RETURNING id"""

# The webhook-id of a delivery: the event's id, the same on every retry (consumers de-duplicate by it); a
# replay, which the consumer asked for, is a new message with its own id (the CloudEvent id stays the event's).
WEBHOOK_ID = "CASE WHEN d.replay_of IS NULL THEN ev.id ELSE d.id END AS webhook_id"

# Claim what is due, under a lease. Per (endpoint, subject) only the oldest pending delivery is eligible, so
# one subject's events go out in order while other subjects flow in parallel. An endpoint past the failure
# threshold gets one probe (its oldest eligible delivery, due or not) per backoff step, and nothing else:
# the rest wait without spending their retry budget. A ping goes whatever the backoff: it is how a consumer
# says "I am back" (its 2xx releases the backlog). The due branch walks the (due_at, seq) index and stops
# at the limit, so a large backlog costs no more per claim than a small one. Secrets ride along, encrypted.
CLAIM = """
WITH due AS (
    SELECT d.id, d.endpoint_id FROM webhook_deliveries d
    WHERE d.state = 'pending' AND d.due_at <= $1
      AND (d.lease_until IS NULL OR d.lease_until <= $1)
      AND EXISTS (SELECT 1 FROM webhook_endpoints e
                  WHERE e.id = d.endpoint_id AND e.enabled AND (e.verified_at IS NOT NULL OR d.is_ping)
                    AND (d.is_ping OR ((e.blocked_until IS NULL OR e.blocked_until <= $1)
                                       AND e.consecutive_failures < $3)))
      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p
                      WHERE p.endpoint_id = d.endpoint_id AND p.subject = d.subject AND p.state = 'pending'
                        AND p.seq < d.seq)
    ORDER BY d.due_at, d.seq
    LIMIT $2
    FOR UPDATE OF d SKIP LOCKED
), probing AS (
    SELECT e.id FROM webhook_endpoints e
    WHERE e.enabled AND e.consecutive_failures >= $3 AND (e.blocked_until IS NULL OR e.blocked_until <= $1)
    FOR UPDATE OF e SKIP LOCKED
), probe AS (
    SELECT head.id, probing.id AS endpoint_id FROM probing CROSS JOIN LATERAL (
        SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
        WHERE d.endpoint_id = probing.id AND d.state = 'pending' AND NOT d.is_ping AND e.verified_at IS NOT NULL
          AND (d.lease_until IS NULL OR d.lease_until <= $1)
          AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p
                          WHERE p.endpoint_id = d.endpoint_id AND p.subject = d.subject AND p.state = 'pending'
                            AND p.seq < d.seq)
        ORDER BY d.seq LIMIT 1
        FOR UPDATE OF d SKIP LOCKED
    ) head
), probes_out AS (
    UPDATE webhook_endpoints SET blocked_until = $1 + make_interval(secs => $4)
    WHERE id IN (SELECT endpoint_id FROM probe)
), chosen AS (
    SELECT id FROM due UNION ALL SELECT id FROM probe
)
UPDATE webhook_deliveries d SET lease_until = $1 + make_interval(secs => $4)
FROM chosen c, webhook_events ev, webhook_endpoints e
WHERE d.id = c.id AND ev.seq = d.event_seq AND e.id = d.endpoint_id
RETURNING d.id, d.seq, d.attempt_count, d.probe_count, d.is_ping, d.lease_until, d.endpoint_id, {WEBHOOK_ID}, e.url, e.sign_ed25519,
          e.retry_schedule, e.consecutive_failures, e.failing_since, ev.seq AS event_seq, ev.id AS event_id, ev.type, ev.subject,
          ev.occurred_at, ev.data::text AS data_json,
          ARRAY(SELECT s.ciphertext FROM webhook_endpoint_secrets s
                WHERE s.endpoint_id = e.id AND (s.expires_at IS NULL OR s.expires_at > $1)
                ORDER BY s.created_at DESC) AS secrets,
          (SELECT k.kid FROM webhook_signing_keys k WHERE k.retired_at IS NULL) AS signing_kid""".replace(
    "{WEBHOOK_ID}", WEBHOOK_ID
)

# Record a batch of attempts in one statement: the attempt log, each delivery's new state (fenced by the lease
# it was claimed under: a delivery reclaimed after its lease expired is not overwritten), and each endpoint's
# health. Endpoints are locked first so their old values come back for notices. A 2xx from an endpoint that
# was failing (past the threshold, $21) releases its backlog at once: what failed during the outage is due now.
RECORD_RESULTS = """
WITH r AS (
    SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::int[], $5::int[], $6::text[],
                         $7::text[], $8::text[], $9::timestamptz[], $20::bool[])
        AS r(delivery_id, lease_until, attempted_at, status_code, latency_ms, excerpt, error, new_state, next_due,
             probe)
), attempts AS (
    INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, latency_ms, response_excerpt, error)
    SELECT r.delivery_id, r.attempted_at, r.status_code, r.latency_ms, r.excerpt, r.error
    FROM r JOIN webhook_deliveries d ON d.id = r.delivery_id  -- its endpoint may have been deleted meanwhile
), deliveries AS (
    UPDATE webhook_deliveries d SET
        state = r.new_state, attempt_count = d.attempt_count + 1, due_at = coalesce(r.next_due, d.due_at),
        probe_count = d.probe_count + CASE WHEN r.probe AND r.new_state = 'pending' THEN 1 ELSE 0 END,
        lease_until = NULL, last_attempt_at = r.attempted_at, last_status = r.status_code, last_error = r.error,
        delivered_at = CASE WHEN r.new_state = 'delivered' THEN r.attempted_at END
    FROM r
    WHERE d.id = r.delivery_id AND d.state = 'pending' AND d.lease_until = r.lease_until
), h AS (
    SELECT * FROM unnest($10::uuid[], $11::bool[], $12::int[], $13::int[], $14::timestamptz[],
                         $15::timestamptz[], $16::timestamptz[], $17::bool[], $18::text[])
        AS h(endpoint_id, any_success, trailing_failures, failures, first_failure_at, last_at, blocked_until,
             gone, verified_url)
), locked AS (
    -- whether its staff were told it is failing, as it stands under the lock: a 2xx that clears it is a recovery
    SELECT e.id, e.failing_notified AS was_failing_notified
    FROM webhook_endpoints e JOIN h ON h.endpoint_id = e.id ORDER BY e.id FOR UPDATE OF e
), released AS (
    UPDATE webhook_deliveries d SET due_at = h.last_at
    FROM h JOIN webhook_endpoints e ON e.id = h.endpoint_id  -- the endpoint as it was before this batch
    WHERE h.any_success AND e.consecutive_failures >= $21 AND d.endpoint_id = h.endpoint_id
      AND d.state = 'pending' AND NOT d.is_ping AND d.due_at > h.last_at AND d.last_attempt_at >= e.failing_since
      AND d.id NOT IN (SELECT delivery_id FROM r)
), health AS (
    UPDATE webhook_endpoints e SET
        consecutive_failures = CASE WHEN h.any_success THEN h.trailing_failures
                                    ELSE e.consecutive_failures + h.failures END,
        failing_since = CASE WHEN h.any_success THEN h.first_failure_at
                             ELSE coalesce(e.failing_since, h.first_failure_at) END,
        failing_notified = e.failing_notified AND NOT (h.any_success AND h.trailing_failures = 0),
        blocked_until = h.blocked_until,
        last_success_at = CASE WHEN h.any_success THEN h.last_at ELSE e.last_success_at END,
        last_failure_at = CASE WHEN h.failures > 0 THEN h.last_at ELSE e.last_failure_at END,
        verified_at = CASE WHEN h.verified_url = e.url THEN coalesce(e.verified_at, h.last_at)
                           ELSE e.verified_at END,
        enabled = e.enabled AND NOT {disable},
        disabled_reason = CASE WHEN e.enabled AND {disable} THEN CASE WHEN h.gone THEN 'gone' ELSE 'failing' END
                               ELSE e.disabled_reason END,
        version = e.version + CASE WHEN e.enabled AND {disable} THEN 1 ELSE 0 END
    FROM h JOIN locked l ON l.id = h.endpoint_id
    WHERE e.id = h.endpoint_id
    RETURNING e.id, e.consecutive_failures, e.enabled, e.disabled_reason, e.failing_notified,
              e.disabled_notified, e.consumer_id, e.url, l.was_failing_notified AND NOT e.failing_notified AS recovered
)
SELECT * FROM health""".replace(
    # 410 Gone, or failing without a success since the endpoint's first failure, five days ago or more ($19).
    "{disable}",
    "(h.gone OR (h.failures > 0 AND NOT h.any_success AND coalesce(e.failing_since, h.first_failure_at) <= $19))",
)

RELEASE = """
UPDATE webhook_deliveries d SET lease_until = NULL
FROM unnest($1::uuid[], $2::timestamptz[]) AS r(id, lease_until)
WHERE d.id = r.id AND d.lease_until = r.lease_until AND d.state = 'pending'"""

LIST_DELIVERIES = """
SELECT d.seq, d.id, d.endpoint_id, d.consumer_id, ev.id AS event_id, {WEBHOOK_ID}, d.event_type, d.subject, d.is_ping, d.state,
       d.attempt_count, d.due_at, d.last_attempt_at, d.last_status, d.last_error, d.delivered_at, d.replay_of,
       d.created_at
FROM webhook_deliveries d JOIN webhook_events ev ON ev.seq = d.event_seq
WHERE d.consumer_id = $1 AND ($2::uuid IS NULL OR d.endpoint_id = $2) AND ($3::text IS NULL OR d.state = $3)
  AND ($4::text IS NULL OR d.event_type = $4) AND ($5::timestamptz IS NULL OR d.created_at >= $5)
  AND ($6::timestamptz IS NULL OR d.created_at < $6) AND ($7::bigint IS NULL OR d.seq < $7)
ORDER BY d.seq DESC LIMIT $8""".replace("{WEBHOOK_ID}", WEBHOOK_ID)
SELECT_DELIVERY = """
SELECT d.id, d.endpoint_id, d.consumer_id, ev.id AS event_id, {WEBHOOK_ID}, d.event_type, d.subject, d.is_ping, d.state,
       d.attempt_count, d.due_at, d.last_attempt_at, d.last_status, d.last_error, d.delivered_at, d.replay_of,
       d.created_at
FROM webhook_deliveries d JOIN webhook_events ev ON ev.seq = d.event_seq WHERE d.id = $1""".replace(
    "{WEBHOOK_ID}", WEBHOOK_ID
)
HEALTH_STATS = """
SELECT count(*) AS attempts,
       count(*) FILTER (WHERE a.status_code BETWEEN 200 AND 299) AS succeeded,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY a.latency_ms) AS median_ms,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY a.latency_ms) AS p95_ms
FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
WHERE d.endpoint_id = $1 AND a.attempted_at >= $2"""
LAST_ERRORS = """
SELECT a.attempted_at, a.status_code, a.latency_ms, a.response_excerpt, a.error, d.id AS delivery_id, d.event_type
FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
WHERE d.endpoint_id = $1 AND (a.status_code IS NULL OR a.status_code NOT BETWEEN 200 AND 299)
ORDER BY a.attempted_at DESC, a.id DESC LIMIT $2"""
SELECT_ATTEMPTS = """
SELECT attempted_at, status_code, latency_ms, response_excerpt, error FROM webhook_attempts
WHERE delivery_id = $1 ORDER BY id"""
REPLAY_DELIVERY = """
INSERT INTO webhook_deliveries (event_seq, endpoint_id, consumer_id, event_type, subject, is_ping, due_at,
                                replay_of, created_at)
SELECT event_seq, endpoint_id, consumer_id, event_type, subject, is_ping, $2, id, $2
FROM webhook_deliveries WHERE id = $1
RETURNING id"""

# "Recover since T": every event of the period the endpoint takes and has neither received nor pending, in
# log order, due one after another at the endpoint's replay rate.
RUN_RECOVERY = """
WITH r AS (
    SELECT * FROM webhook_recoveries WHERE id = $1 AND state = 'pending' FOR UPDATE SKIP LOCKED
), missed AS (
    SELECT ev.seq, ev.type, ev.subject, e.id AS endpoint_id, e.consumer_id, e.replay_rate,
           row_number() OVER (ORDER BY ev.seq) - 1 AS n
    FROM r JOIN webhook_endpoints e ON e.id = r.endpoint_id
    JOIN webhook_events ev ON ev.endpoint_id IS NULL AND ev.occurred_at >= r.since
                          AND (r.until IS NULL OR ev.occurred_at < r.until)
    WHERE webhook_endpoint_takes(e, ev.type, ev.classification)
      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d
                      WHERE d.endpoint_id = e.id AND d.event_seq = ev.seq AND d.state IN ('pending', 'delivered'))
), created AS (
    INSERT INTO webhook_deliveries (event_seq, endpoint_id, consumer_id, event_type, subject, due_at, created_at)
    SELECT seq, endpoint_id, consumer_id, type, subject, $2::timestamptz + make_interval(secs => n::float8 / replay_rate),
           $2
    FROM missed ORDER BY n
    RETURNING 1
)
UPDATE webhook_recoveries SET state = 'done', completed_at = $2, deliveries_created = (SELECT count(*) FROM created)
WHERE id IN (SELECT id FROM r)
RETURNING deliveries_created"""
PENDING_RECOVERIES = "SELECT id FROM webhook_recoveries WHERE state = 'pending' ORDER BY created_at LIMIT $1"

# The pull log: only rows of transactions older than every running one (see the migration), in (txid, seq).
# The order is the xid8 column's own (numeric): the text form rides along under another name, because an
# ORDER BY name picks an output column first, and text order puts txid 1000 before 999.
EVENT_COLUMNS = "seq, id, type, subject, occurred_at, data::text AS data_json"
EVENT_LOG = f"""
SELECT {EVENT_COLUMNS}, txid::text AS txid_text FROM webhook_events
WHERE endpoint_id IS NULL AND (txid, seq) > ($1::text::xid8, $2::bigint)
  AND txid < pg_snapshot_xmin(pg_current_snapshot())
  AND ($3::text[] IS NULL OR webhook_type_matches($3, type))
ORDER BY webhook_events.txid, webhook_events.seq LIMIT $4"""
SELECT_EVENT = f"SELECT {EVENT_COLUMNS} FROM webhook_events WHERE id = $1 AND endpoint_id IS NULL"

# Health: endpoints to tell their consumer about (failing past the threshold, or disabled by igf_hub).
HEALTH_TO_NOTIFY = """
SELECT id, consumer_id, url, consecutive_failures, failing_since, enabled, disabled_reason, failing_notified,
       disabled_notified
FROM webhook_endpoints
WHERE (enabled AND consecutive_failures >= $1 AND NOT failing_notified)
   OR (NOT enabled AND disabled_reason IN ('gone', 'failing') AND NOT disabled_notified)
ORDER BY id FOR UPDATE SKIP LOCKED"""
MARK_NOTIFIED = """
UPDATE webhook_endpoints SET failing_notified = failing_notified OR (enabled AND consecutive_failures >= $2),
                             disabled_notified = disabled_notified OR NOT enabled
WHERE id = ANY($1::uuid[])"""
INSERT_NOTICE = """
INSERT INTO webhook_notices (consumer_id, endpoint_id, kind, message, created_at) VALUES ($1, $2, $3, $4, $5)"""
AUTO_DISABLE = """
UPDATE webhook_endpoints SET enabled = false, disabled_reason = 'failing', version = version + 1, updated_at = $1
WHERE enabled AND consecutive_failures > 0 AND failing_since <= $2
RETURNING id"""

# Retention: finished history and old events go; pending deliveries (and their events) always stay.
PURGE_EVENTS = """
DELETE FROM webhook_events ev WHERE ev.occurred_at < $1
  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = ev.seq AND d.state = 'pending')"""
PURGE_DELIVERIES = "DELETE FROM webhook_deliveries WHERE state <> 'pending' AND created_at < $1"
PURGE_SECRETS = "DELETE FROM webhook_endpoint_secrets WHERE expires_at <= $1"
PURGE_NOTICES = "DELETE FROM webhook_notices WHERE created_at < $1"
# For /metrics: walks the pending-only due index. Held deliveries (endpoint unverified or disabled) count too.
BACKLOG = """
SELECT count(*) AS pending,
       coalesce(extract(epoch FROM $1 - min(due_at) FILTER (WHERE due_at <= $1)), 0)::float8 AS oldest_due_seconds
FROM webhook_deliveries WHERE state = 'pending'
"""


class Claimed(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    seq: int
    attempt_count: int
    probe_count: int
    is_ping: bool
    lease_until: datetime
    endpoint_id: UUID
    webhook_id: UUID
    url: str
    sign_ed25519: bool
    retry_schedule: list[int]
    consecutive_failures: int  # of its endpoint when claimed: past the threshold, this attempt is a probe
    failing_since: datetime | None
    event: EventRow
    secrets: list[bytes]
    signing_kid: str | None  # the active Ed25519 key when claimed (a rotation reloads the dispatcher's copy)


class AttemptResult(msgspec.Struct, kw_only=True):
    delivery: Claimed
    attempted_at: datetime
    finished: float  # perf_counter when the attempt ended: orders a batch's results per endpoint
    status_code: int | None
    latency_ms: int
    excerpt: str
    error: str | None
    new_state: str
    next_due: datetime | None
    retry_after: timedelta | None = None
    gone: bool = False
    probe: bool = False  # sent as the probe of a failing endpoint (a failed probe spends no retry budget)


class Backlog(msgspec.Struct, frozen=True, kw_only=True):
    pending: int
    oldest_due_seconds: float


class EndpointHealth(msgspec.Struct, kw_only=True):
    endpoint_id: UUID
    any_success: bool
    trailing_failures: int
    failures: int
    first_failure_at: datetime | None
    last_at: datetime
    blocked_until: datetime | None
    gone: bool
    verified_url: str | None


class HealthRow(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    consecutive_failures: int
    enabled: bool
    disabled_reason: str | None
    failing_notified: bool
    disabled_notified: bool
    consumer_id: UUID
    url: str
    # Its staff had been told it was failing, and this batch's 2xx cleared that.
    recovered: bool = False


def _claimed(row: asyncpg.Record) -> Claimed:
    return Claimed(
        id=row["id"],
        seq=row["seq"],
        attempt_count=row["attempt_count"],
        probe_count=row["probe_count"],
        is_ping=row["is_ping"],
        failing_since=row["failing_since"],
        lease_until=row["lease_until"],
        endpoint_id=row["endpoint_id"],
        webhook_id=row["webhook_id"],
        url=row["url"],
        sign_ed25519=row["sign_ed25519"],
        retry_schedule=list(row["retry_schedule"]),
        consecutive_failures=row["consecutive_failures"],
        secrets=list(row["secrets"]),
        signing_kid=row["signing_kid"],
        event=EventRow(
            seq=row["event_seq"],
            id=row["event_id"],
            type=row["type"],
            subject=row["subject"],
            occurred_at=row["occurred_at"],
            data_json=row["data_json"],
        ),
    )


def _delivery(row: asyncpg.Record) -> Delivery:
    fields = {k: v for k, v in row.items() if k != "seq"}
    return Delivery(**{**fields, "state": DeliveryState(row["state"])})


def _columns(items: list[Any], *names: str) -> list[list[Any]]:
    return [[getattr(item, name) for item in items] for name in names]


class DeliveryRepository:
    def __init__(self, conn: asyncpg.Connection | asyncpg.Pool) -> None:
        self.conn = conn

    # -- writing events (in the publisher's transaction) ---------------------------------------------

    async def record_event(
        self, event_id: UUID, event_type: str, subject: str, occurred_at: datetime, data: Any
    ) -> None:
        await self.conn.execute(RECORD_EVENT, event_id, event_type, subject, occurred_at, data)

    async def insert_ping(
        self, event_id: UUID, endpoint_id: UUID, consumer_id: UUID, now: datetime, data: dict[str, Any]
    ) -> UUID:
        delivery_id: UUID = await self.conn.fetchval(
            INSERT_PING, event_id, endpoint_id, now, data, consumer_id
        )
        return delivery_id

    # -- the dispatcher ------------------------------------------------------------------------------

    async def claim(
        self, now: datetime, limit: int, failing_threshold: int, lease_seconds: float
    ) -> list[Claimed]:
        rows = await self.conn.fetch(CLAIM, now, limit, failing_threshold, float(lease_seconds))
        return [_claimed(r) for r in rows]

    async def record(
        self,
        results: list[AttemptResult],
        health: list[EndpointHealth],
        disable_before: datetime,
        failing_threshold: int,
    ) -> list[HealthRow]:
        r = results
        rows = await self.conn.fetch(
            RECORD_RESULTS,
            [x.delivery.id for x in r],
            [x.delivery.lease_until for x in r],
            *_columns(
                r, "attempted_at", "status_code", "latency_ms", "excerpt", "error", "new_state", "next_due"
            ),
            *_columns(
                health,
                "endpoint_id",
                "any_success",
                "trailing_failures",
                "failures",
                "first_failure_at",
                "last_at",
                "blocked_until",
                "gone",
                "verified_url",
            ),
            disable_before,
            [x.probe for x in r],
            failing_threshold,
        )
        return [HealthRow(**row) for row in rows]

    async def release(self, leases: list[tuple[UUID, datetime]]) -> None:
        """Give claimed deliveries back (the dispatcher is stopping before it could send them)."""
        await self.conn.execute(RELEASE, [i for i, _ in leases], [lease for _, lease in leases])

    # -- inspection and replay -----------------------------------------------------------------------

    async def list_deliveries(
        self,
        consumer_id: UUID,
        *,
        endpoint_id: UUID | None,
        state: str | None,
        event_type: str | None,
        since: datetime | None,
        until: datetime | None,
        before_seq: int | None,
        limit: int,
    ) -> list[tuple[int, Delivery]]:
        rows = await self.conn.fetch(
            LIST_DELIVERIES, consumer_id, endpoint_id, state, event_type, since, until, before_seq, limit
        )
        return [(r["seq"], _delivery(r)) for r in rows]

    async def get_delivery(self, delivery_id: UUID) -> DeliveryDetail | None:
        row = await self.conn.fetchrow(SELECT_DELIVERY, delivery_id)
        if row is None:
            return None
        attempts = [Attempt(**a) for a in await self.conn.fetch(SELECT_ATTEMPTS, delivery_id)]
        return DeliveryDetail(**msgspec.structs.asdict(_delivery(row)), attempts=attempts)

    async def attempt_stats(self, endpoint_id: UUID, since: datetime) -> asyncpg.Record:
        """Attempts to the endpoint since ``since``: how many, how many 2xx, median and 95th latency."""
        row = await self.conn.fetchrow(HEALTH_STATS, endpoint_id, since)
        assert row is not None  # an aggregate always answers one row
        return row

    async def last_errors(self, endpoint_id: UUID, limit: int) -> list[FailedAttempt]:
        rows = await self.conn.fetch(LAST_ERRORS, endpoint_id, limit)
        return [FailedAttempt(**r) for r in rows]

    async def replay(self, delivery_id: UUID, now: datetime) -> UUID:
        new_id: UUID = await self.conn.fetchval(REPLAY_DELIVERY, delivery_id, now)
        return new_id

    async def run_recovery(self, recovery_id: UUID, now: datetime) -> int | None:
        created: int | None = await self.conn.fetchval(RUN_RECOVERY, recovery_id, now)
        return created

    async def pending_recoveries(self, limit: int) -> list[UUID]:
        return [r["id"] for r in await self.conn.fetch(PENDING_RECOVERIES, limit)]

    # -- the pull log --------------------------------------------------------------------------------

    async def event_log(
        self, after: tuple[int, int], types: list[str] | None, limit: int
    ) -> list[tuple[int, EventRow]]:
        rows = await self.conn.fetch(EVENT_LOG, str(after[0]), after[1], types, limit)
        return [
            (int(r["txid_text"]), EventRow(**{k: v for k, v in r.items() if k != "txid_text"})) for r in rows
        ]

    async def get_event(self, event_id: UUID) -> EventRow | None:
        row = await self.conn.fetchrow(SELECT_EVENT, event_id)
        return EventRow(**row) if row else None

    # -- health and retention ------------------------------------------------------------------------

    async def health_to_notify(self, failing_threshold: int) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.conn.fetch(HEALTH_TO_NOTIFY, failing_threshold)
        return rows

    async def mark_notified(self, endpoint_ids: list[UUID], failing_threshold: int) -> None:
        await self.conn.execute(MARK_NOTIFIED, endpoint_ids, failing_threshold)

    async def insert_notice(
        self, consumer_id: UUID, endpoint_id: UUID, kind: str, message: str, now: datetime
    ) -> None:
        await self.conn.execute(INSERT_NOTICE, consumer_id, endpoint_id, kind, message, now)

    async def auto_disable(self, now: datetime, failing_since_before: datetime) -> list[UUID]:
        return [r["id"] for r in await self.conn.fetch(AUTO_DISABLE, now, failing_since_before)]

    async def purge(self, before: datetime, now: datetime) -> None:
        await self.conn.execute(PURGE_EVENTS, before)
        await self.conn.execute(PURGE_DELIVERIES, before)
        await self.conn.execute(PURGE_SECRETS, now)
        await self.conn.execute(PURGE_NOTICES, before)

    async def backlog(self, now: datetime) -> Backlog:
        row = await self.conn.fetchrow(BACKLOG, now)
        return Backlog(pending=row["pending"], oldest_due_seconds=row["oldest_due_seconds"])


async def named_consumer_deliveries(
    conn: asyncpg.Connection, event_types: Sequence[str], subject: str
) -> list[ConsumerDelivery]:
    """core/wiring's delivery status: how the events about ``subject`` reached UNGIS and the CSTD."""
    rows = await conn.fetch(NAMED_CONSUMER_DELIVERIES, list(event_types), subject)
    return [ConsumerDelivery(**dict(r)) for r in rows]
