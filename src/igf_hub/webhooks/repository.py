"""SQL for consumers, endpoints, their secrets, notices and recoveries (the API side of webhooks)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.core.schemas import Classification
from igf_hub.webhooks.policy import FAILING_THRESHOLD
from igf_hub.webhooks.schemas import (
    Consumer,
    ConsumerKind,
    DisabledReason,
    Endpoint,
    EndpointStatus,
    Notice,
    Recovery,
)

CONSUMER_COLUMNS = "id, name, kind, description, contact_email, version, created_at, updated_at"
INSERT_CONSUMER = f"""
INSERT INTO consumers (name, kind, description, contact_email) VALUES ($1, $2, $3, $4)
RETURNING {CONSUMER_COLUMNS}"""
SELECT_CONSUMER = f"SELECT {CONSUMER_COLUMNS} FROM consumers WHERE id = $1"
# $1: only these ids (NULL: all); keyset on (name, id).
LIST_CONSUMERS = f"""
SELECT {CONSUMER_COLUMNS} FROM consumers
WHERE ($1::uuid[] IS NULL OR id = ANY($1)) AND ($2::text IS NULL OR (name, id) > ($2, $3::uuid))
ORDER BY name, id LIMIT $4"""
UPDATE_CONSUMER = f"""
UPDATE consumers SET name = $2, kind = $3, description = $4, contact_email = $5,
       version = version + 1, updated_at = $6
WHERE id = $1 RETURNING {CONSUMER_COLUMNS}"""

ENDPOINT_COLUMNS = """
id, consumer_id, url, description, event_types, filter_wsis_action_lines, filter_sdgs, filter_gdc_objectives,
enabled, disabled_reason, verified_at, sign_ed25519, retry_schedule, replay_rate, consecutive_failures,
failing_since, blocked_until, last_success_at, last_failure_at, version, created_at, updated_at"""
INSERT_ENDPOINT = f"""
INSERT INTO webhook_endpoints (consumer_id, url, description, event_types, filter_wsis_action_lines,
                               filter_sdgs, filter_gdc_objectives, enabled, disabled_reason, sign_ed25519,
                               retry_schedule, replay_rate, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
RETURNING {ENDPOINT_COLUMNS}"""
SELECT_ENDPOINT = f"SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1"
LIST_ENDPOINTS = f"""
SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints
WHERE consumer_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3::uuid))
ORDER BY created_at, id LIMIT $4"""
# A new URL is unverified again; re-enabling clears the health record (the consumer says it is fixed).
UPDATE_ENDPOINT = f"""
UPDATE webhook_endpoints SET
    url = $2, description = $3, event_types = $4, filter_wsis_action_lines = $5, filter_sdgs = $6,
    filter_gdc_objectives = $7, enabled = $8, disabled_reason = $9, sign_ed25519 = $10, retry_schedule = $11,
    replay_rate = $12, updated_at = $13, version = version + 1,
    verified_at = CASE WHEN url = $2 THEN verified_at END,
    disabled_notified = CASE WHEN $8 THEN false ELSE disabled_notified END,
    consecutive_failures = CASE WHEN $8 AND NOT enabled THEN 0 ELSE consecutive_failures END,
    failing_since = CASE WHEN $8 AND NOT enabled THEN NULL ELSE failing_since END,
    failing_notified = CASE WHEN $8 AND NOT enabled THEN false ELSE failing_notified END,
    blocked_until = CASE WHEN $8 AND NOT enabled THEN NULL ELSE blocked_until END
WHERE id = $1 RETURNING {ENDPOINT_COLUMNS}"""
DELETE_ENDPOINT = "DELETE FROM webhook_endpoints WHERE id = $1"

INSERT_SECRET = """
INSERT INTO webhook_endpoint_secrets (endpoint_id, ciphertext, created_at) VALUES ($1, $2, $3)"""  # noqa: S105 (SQL, not a secret)
EXPIRE_CURRENT_SECRET = """
UPDATE webhook_endpoint_secrets SET expires_at = $2 WHERE endpoint_id = $1 AND expires_at IS NULL"""  # noqa: S105 (SQL, not a secret)
LIVE_SECRETS = """
SELECT ciphertext, expires_at FROM webhook_endpoint_secrets
WHERE endpoint_id = $1 AND (expires_at IS NULL OR expires_at > $2)
ORDER BY expires_at DESC NULLS FIRST, created_at DESC"""

NOTICE_COLUMNS = "id, consumer_id, endpoint_id, kind, message, created_at"
LIST_NOTICES = f"""
SELECT {NOTICE_COLUMNS} FROM webhook_notices
WHERE consumer_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
ORDER BY created_at DESC, id DESC LIMIT $4"""

RECOVERY_COLUMNS = (
    "id, endpoint_id, since, until, state, deliveries_created, requested_by, created_at, completed_at"
)
INSERT_RECOVERY = f"""
INSERT INTO webhook_recoveries (endpoint_id, since, until, requested_by, created_at)
VALUES ($1, $2, $3, $4, $5) RETURNING {RECOVERY_COLUMNS}"""
SELECT_RECOVERY = f"SELECT {RECOVERY_COLUMNS} FROM webhook_recoveries WHERE id = $1"

SIGNING_KEYS = """
SELECT kid, public_key, created_at, retired_at FROM webhook_signing_keys ORDER BY created_at DESC"""
ACTIVE_SIGNING_KEY = """
SELECT kid, private_ciphertext FROM webhook_signing_keys WHERE retired_at IS NULL"""
RETIRE_SIGNING_KEY = "UPDATE webhook_signing_keys SET retired_at = $1 WHERE retired_at IS NULL RETURNING kid"
INSERT_SIGNING_KEY = """
INSERT INTO webhook_signing_keys (kid, private_ciphertext, public_key) VALUES ($1, $2, $3)
ON CONFLICT DO NOTHING"""


def consumer_from(row: asyncpg.Record) -> Consumer:
    return Consumer(**{**row, "kind": ConsumerKind(row["kind"])})


def status_of(row: asyncpg.Record) -> EndpointStatus:
    if not row["enabled"]:
        return EndpointStatus.disabled
    if row["verified_at"] is None:
        return EndpointStatus.unverified
    if row["consecutive_failures"] >= FAILING_THRESHOLD:
        return EndpointStatus.failing
    return EndpointStatus.active


def endpoint_from(row: asyncpg.Record) -> Endpoint:
    return Endpoint(
        id=row["id"],
        consumer_id=row["consumer_id"],
        url=row["url"],
        description=row["description"],
        event_types=list(row["event_types"]),
        filters=Classification(
            wsis_action_lines=list(row["filter_wsis_action_lines"]),
            sdgs=list(row["filter_sdgs"]),
            gdc_objectives=list(row["filter_gdc_objectives"]),
        ),
        status=status_of(row),
        enabled=row["enabled"],
        disabled_reason=DisabledReason(row["disabled_reason"]) if row["disabled_reason"] else None,
        verified_at=row["verified_at"],
        sign_ed25519=row["sign_ed25519"],
        retry_schedule=list(row["retry_schedule"]),
        replay_rate=row["replay_rate"],
        consecutive_failures=row["consecutive_failures"],
        failing_since=row["failing_since"],
        next_probe_at=row["blocked_until"] if row["consecutive_failures"] >= FAILING_THRESHOLD else None,
        not_before=row["blocked_until"],
        last_success_at=row["last_success_at"],
        last_failure_at=row["last_failure_at"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class EndpointValues(msgspec.Struct, kw_only=True):
    """The stored shape of an endpoint's settings (one tuple for INSERT and UPDATE)."""

    url: str
    description: str
    event_types: list[str]
    filters: Classification
    enabled: bool
    disabled_reason: str | None
    sign_ed25519: bool
    retry_schedule: list[int]
    replay_rate: int

    def args(self) -> tuple[Any, ...]:
        return (
            self.url,
            self.description,
            self.event_types,
            self.filters.wsis_action_lines,
            self.filters.sdgs,
            self.filters.gdc_objectives,
            self.enabled,
            self.disabled_reason,
            self.sign_ed25519,
            self.retry_schedule,
            self.replay_rate,
        )


class WebhookRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    # -- consumers -----------------------------------------------------------------------------------

    async def insert_consumer(
        self, name: str, kind: str, description: str, contact_email: str | None
    ) -> Consumer:
        return consumer_from(
            await self.conn.fetchrow(INSERT_CONSUMER, name, kind, description, contact_email)
        )

    async def get_consumer(self, consumer_id: UUID) -> Consumer | None:
        row = await self.conn.fetchrow(SELECT_CONSUMER, consumer_id)
        return consumer_from(row) if row else None

    async def list_consumers(
        self, only: list[UUID] | None, after: tuple[str, UUID] | None, limit: int
    ) -> list[Consumer]:
        name, last_id = after if after else (None, None)
        rows = await self.conn.fetch(LIST_CONSUMERS, only, name, last_id, limit)
        return [consumer_from(r) for r in rows]

    async def update_consumer(self, consumer: Consumer, now: datetime) -> Consumer:
        row = await self.conn.fetchrow(
            UPDATE_CONSUMER,
            consumer.id,
            consumer.name,
            consumer.kind.value,
            consumer.description,
            consumer.contact_email,
            now,
        )
        return consumer_from(row)

    # -- endpoints -----------------------------------------------------------------------------------

    async def insert_endpoint(self, consumer_id: UUID, values: EndpointValues, now: datetime) -> Endpoint:
        row = await self.conn.fetchrow(INSERT_ENDPOINT, consumer_id, *values.args(), now)
        return endpoint_from(row)

    async def get_endpoint(self, endpoint_id: UUID) -> Endpoint | None:
        row = await self.conn.fetchrow(SELECT_ENDPOINT, endpoint_id)
        return endpoint_from(row) if row else None

    async def list_endpoints(
        self, consumer_id: UUID, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[Endpoint]:
        created, last_id = after if after else (None, None)
        rows = await self.conn.fetch(LIST_ENDPOINTS, consumer_id, created, last_id, limit)
        return [endpoint_from(r) for r in rows]

    async def update_endpoint(self, endpoint_id: UUID, values: EndpointValues, now: datetime) -> Endpoint:
        return endpoint_from(await self.conn.fetchrow(UPDATE_ENDPOINT, endpoint_id, *values.args(), now))

    async def delete_endpoint(self, endpoint_id: UUID) -> None:
        await self.conn.execute(DELETE_ENDPOINT, endpoint_id)

    # -- secrets and keys ----------------------------------------------------------------------------

    async def add_secret(self, endpoint_id: UUID, ciphertext: bytes, now: datetime) -> None:
        await self.conn.execute(INSERT_SECRET, endpoint_id, ciphertext, now)

    async def expire_current_secret(self, endpoint_id: UUID, expires_at: datetime) -> None:
        await self.conn.execute(EXPIRE_CURRENT_SECRET, endpoint_id, expires_at)

    async def live_secrets(self, endpoint_id: UUID, now: datetime) -> list[tuple[bytes, datetime | None]]:
        return [
            (r["ciphertext"], r["expires_at"]) for r in await self.conn.fetch(LIVE_SECRETS, endpoint_id, now)
        ]

    async def signing_keys(self) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.conn.fetch(SIGNING_KEYS)
        return rows

    async def active_signing_key(self) -> asyncpg.Record | None:
        row: asyncpg.Record | None = await self.conn.fetchrow(ACTIVE_SIGNING_KEY)
        return row

    async def retire_signing_key(self, now: datetime) -> str | None:
        kid: str | None = await self.conn.fetchval(RETIRE_SIGNING_KEY, now)
        return kid

    async def insert_signing_key(self, kid: str, private_ciphertext: bytes, public_key: bytes) -> None:
        await self.conn.execute(INSERT_SIGNING_KEY, kid, private_ciphertext, public_key)

    # -- notices and recoveries ----------------------------------------------------------------------

    async def list_notices(
        self, consumer_id: UUID, before: tuple[datetime, UUID] | None, limit: int
    ) -> list[Notice]:
        created, last_id = before if before else (None, None)
        rows = await self.conn.fetch(LIST_NOTICES, consumer_id, created, last_id, limit)
        return [Notice(**r) for r in rows]

    async def insert_recovery(
        self, endpoint_id: UUID, since: datetime, until: datetime | None, requested_by: str, now: datetime
    ) -> Recovery:
        row = await self.conn.fetchrow(INSERT_RECOVERY, endpoint_id, since, until, requested_by, now)
        return Recovery(**row)

    async def get_recovery(self, recovery_id: UUID) -> Recovery | None:
        row = await self.conn.fetchrow(SELECT_RECOVERY, recovery_id)
        return Recovery(**row) if row else None
