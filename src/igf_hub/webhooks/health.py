"""Endpoint health, recoveries and retention: the scheduled and operator work arq runs.

Notices are derived from the endpoint rows (flags say what was already told), so a crash between recording
a failure and telling the consumer only delays the notice to the next pass; nothing is lost or doubled.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import asyncpg
import structlog

from igf_hub.core import changelog, outbox
from igf_hub.core.clock import Clock
from igf_hub.webhooks import notices
from igf_hub.webhooks.delivery_repository import DeliveryRepository, HealthRow
from igf_hub.webhooks.policy import AUTO_DISABLE_AFTER, FAILING_THRESHOLD
from igf_hub.webhooks.schemas import Endpoint, EndpointHealth

log = structlog.get_logger("igf_hub.webhooks")
SYSTEM_ACTOR = "system:webhooks"
HEALTH_WINDOW = timedelta(hours=24)  # the attempts a health summary counts
LAST_ERRORS = 5  # failed attempts it lists, newest first


async def endpoint_health(conn: asyncpg.Connection, endpoint: Endpoint, now: datetime) -> EndpointHealth:
    """What the endpoint's staff watch: success rate and latency of the attempts of the last day, its failure
    record and next probe (from the endpoint row the dispatcher keeps), and its latest failed attempts."""
    repo = DeliveryRepository(conn)
    stats = await repo.attempt_stats(endpoint.id, now - HEALTH_WINDOW)
    attempts, succeeded = int(stats["attempts"]), int(stats["succeeded"])
    median, p95 = stats["median_ms"], stats["p95_ms"]
    return EndpointHealth(
        endpoint_id=endpoint.id,
        status=endpoint.status,
        window_hours=int(HEALTH_WINDOW.total_seconds() // 3600),
        attempts=attempts,
        succeeded=succeeded,
        success_rate=succeeded / attempts if attempts else None,
        latency_median_ms=round(median) if median is not None else None,
        latency_p95_ms=round(p95) if p95 is not None else None,
        consecutive_failures=endpoint.consecutive_failures,
        failing_since=endpoint.failing_since,
        next_probe_at=endpoint.next_probe_at,
        last_success_at=endpoint.last_success_at,
        last_failure_at=endpoint.last_failure_at,
        last_errors=await repo.last_errors(endpoint.id, LAST_ERRORS),
    )


async def notify(pool: asyncpg.Pool, clock: Clock) -> int:
    """Tell consumers about endpoints that started failing or were disabled; returns how many notices."""
    now = clock.now()
    async with pool.acquire() as conn, conn.transaction():
        repo = DeliveryRepository(conn)
        rows = await repo.health_to_notify(FAILING_THRESHOLD)
        for row in rows:
            data = {
                "endpoint_id": str(row["id"]),
                "consumer_id": str(row["consumer_id"]),
                "url": row["url"],
                "consecutive_failures": row["consecutive_failures"],
                "failing_since": row["failing_since"],
            }
            if row["enabled"]:
                kind, event = "endpoint_failing", "webhook.endpoint.failing"
                message = (
                    f"{row['url']} failed {row['consecutive_failures']} times in a row; new deliveries wait "
                    "and one probe goes out per backoff step until it answers 2xx again"
                )
            else:
                kind, event = "endpoint_disabled", "webhook.endpoint.disabled"
                data["reason"] = row["disabled_reason"]
                why = "answered 410 Gone" if row["disabled_reason"] == "gone" else "failed for five days"
                message = f"{row['url']} was disabled: it {why}. Re-enable it and recover since the outage."
            await repo.insert_notice(row["consumer_id"], row["id"], kind, message, now)
            await notices.tell_staff(
                conn,
                notices.ENDPOINT_FAILING if row["enabled"] else notices.ENDPOINT_DISABLED,
                consumer_id=row["consumer_id"],
                endpoint_id=row["id"],
                params={
                    "url": row["url"],
                    "failures": row["consecutive_failures"],
                    "reason": row["disabled_reason"] or "",
                },
                now=now,
            )
            if row["enabled"]:  # a notice of failures, no one's change: an event without an audit row
                await outbox.publish(conn, event, subject=row["id"], data=data)
            else:
                await changelog.record(
                    conn,
                    event,
                    actor=SYSTEM_ACTOR,
                    subject_type="webhook_endpoint",
                    subject_id=row["id"],
                    data=data,
                )
        if rows:
            await repo.mark_notified([r["id"] for r in rows], FAILING_THRESHOLD)
    if rows:
        log.warning("webhooks.health_notices", endpoints=len(rows))
    return len(rows)


async def tell_recovered(conn: asyncpg.Connection, rows: list[HealthRow], now: datetime) -> None:
    """The staff of each endpoint that answered 2xx again after they were told it was failing hear that it
    recovered. Its own transaction, right after the results are recorded: a worker lost in between loses this
    notice, never the results."""
    async with conn.transaction():
        for row in rows:
            await notices.tell_staff(
                conn,
                notices.ENDPOINT_RECOVERED,
                consumer_id=row.consumer_id,
                endpoint_id=row.id,
                params={"url": row.url},
                now=now,
            )


async def auto_disable(pool: asyncpg.Pool, clock: Clock) -> list[UUID]:
    """Disable endpoints failing continuously for five days (the dispatcher also does at each failure)."""
    now = clock.now()
    async with pool.acquire() as conn:
        return await DeliveryRepository(conn).auto_disable(now, now - AUTO_DISABLE_AFTER)


async def run_recovery(pool: asyncpg.Pool, clock: Clock, recovery_id: UUID) -> int | None:
    """Create the deliveries of one pending recovery; None when it was done already (or is being done)."""
    async with pool.acquire() as conn:
        created = await DeliveryRepository(conn).run_recovery(recovery_id, clock.now())
    if created is not None:
        log.info("webhooks.recovered", recovery_id=str(recovery_id), deliveries=created)
    return created


async def run_pending_recoveries(pool: asyncpg.Pool, clock: Clock) -> int:
    """The backstop for recoveries whose arq job was lost (a flushed Redis): PostgreSQL holds the request."""
    async with pool.acquire() as conn:
        pending = await DeliveryRepository(conn).pending_recoveries(100)
    for recovery_id in pending:
        await run_recovery(pool, clock, recovery_id)
    return len(pending)


async def purge(pool: asyncpg.Pool, clock: Clock, retention_days: int) -> None:
    now = clock.now()
    async with pool.acquire() as conn, conn.transaction():
        await DeliveryRepository(conn).purge(now - timedelta(days=retention_days), now)
