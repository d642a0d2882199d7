"""Deliveries as consumers see them (inspect, replay, recover) and the pull log of events."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal
from igf_hub.core import changelog
from igf_hub.core.clock import Clock
from igf_hub.core.errors import FieldError, Unprocessable
from igf_hub.core.pagination import Keyset, encode_cursor
from igf_hub.core.settings import Settings
from igf_hub.webhooks import health, keys
from igf_hub.webhooks.delivery_repository import DeliveryRepository
from igf_hub.webhooks.errors import (
    DeliveryNotFound,
    DeliveryStillPending,
    EventNotFound,
    RecoveryNotFound,
)
from igf_hub.webhooks.events import render, subscription_problem
from igf_hub.webhooks.repository import WebhookRepository
from igf_hub.webhooks.schemas import (
    DeliveryDetail,
    DeliveryPage,
    DeliveryState,
    EndpointHealth,
    NoticePage,
    Recovery,
    RecoveryCreate,
    SigningKeys,
)
from igf_hub.webhooks.service import WebhookService
from igf_hub.webhooks.vault import vault_for

START = (0, 0)  # before the first event: (txid, seq)


class _RawEventLog(msgspec.Struct):
    """The wire form of EventLog: items are the stored bodies, byte for byte what webhooks carry."""

    items: list[msgspec.Raw]
    next_cursor: str
    has_more: bool


_encoder = msgspec.json.Encoder()


class DeliveryService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.conn = conn
        self.clock = clock
        self.settings = settings
        self.repo = DeliveryRepository(conn)
        self.webhooks = WebhookService(conn, clock, settings)

    # -- deliveries ----------------------------------------------------------------------------------

    async def list(
        self,
        consumer_id: UUID,
        *,
        actor: Principal,
        endpoint_id: UUID | None,
        state: DeliveryState | None,
        event_type: str | None,
        since: datetime | None,
        until: datetime | None,
        cursor: str | None,
        limit: int,
    ) -> DeliveryPage:
        await self.webhooks.get_consumer(consumer_id, actor=actor)
        keyset = Keyset(cursor, tuple[int], limit)
        rows = await self.repo.list_deliveries(
            consumer_id,
            endpoint_id=endpoint_id,
            state=state.value if state else None,
            event_type=event_type,
            since=since,
            until=until,
            before_seq=keyset.first(None),
            limit=keyset.fetch,
        )
        page, next_cursor = keyset.cut(rows, lambda row: (row[0],))
        return DeliveryPage(items=[d for _, d in page], next_cursor=next_cursor)

    async def get(self, consumer_id: UUID, delivery_id: UUID, *, actor: Principal) -> DeliveryDetail:
        await self.webhooks.get_consumer(consumer_id, actor=actor)
        delivery = await self.repo.get_delivery(delivery_id)
        if delivery is None or delivery.consumer_id != consumer_id:
            raise DeliveryNotFound(f"consumer {consumer_id} has no delivery {delivery_id}")
        return delivery

    async def replay(self, consumer_id: UUID, delivery_id: UUID, *, actor: Principal) -> DeliveryDetail:
        """Send a delivered or dead delivery again, as a new delivery: a new ``webhook-id`` (a consumer that
        de-duplicates by it must not drop a replay it asked for), the same CloudEvent ``id`` and body."""
        original = await self.get(consumer_id, delivery_id, actor=actor)
        if original.state is DeliveryState.pending:
            raise DeliveryStillPending(
                f"delivery {delivery_id} is still pending (attempt {original.attempt_count}); wait or let it die"
            )
        new_id = await self.repo.replay(delivery_id, self.clock.now())
        await changelog.record(
            self.conn,
            "webhook_delivery.replayed",
            actor=actor.subject,
            subject_type="webhook_delivery",
            subject_id=delivery_id,
            data={"replay_id": new_id},
            publish=False,  # the replay is a delivery to this consumer alone, not news for anyone else
        )
        return await self.get(consumer_id, new_id, actor=actor)

    async def health(self, consumer_id: UUID, endpoint_id: UUID, *, actor: Principal) -> EndpointHealth:
        """The endpoint's success rate and latency over the last day, failure record, next probe, last errors."""
        endpoint = await self.webhooks.get_endpoint(consumer_id, endpoint_id, actor=actor)
        return await health.endpoint_health(self.conn, endpoint, self.clock.now())

    async def request_recovery(
        self, consumer_id: UUID, endpoint_id: UUID, data: RecoveryCreate, *, actor: Principal
    ) -> Recovery:
        """Record "recover since T"; an arq job (or the next maintenance pass) creates the deliveries."""
        await self.webhooks.get_endpoint(consumer_id, endpoint_id, actor=actor)
        if data.since > self.clock.now():
            raise Unprocessable(errors=[FieldError("/since", "since is in the future")])
        recovery = await WebhookRepository(self.conn).insert_recovery(
            endpoint_id, data.since, data.until, actor.subject, self.clock.now()
        )
        await changelog.record(
            self.conn,
            "webhook.endpoint.recovery_requested",
            actor=actor.subject,
            subject_type="webhook_endpoint",
            subject_id=endpoint_id,
            data=recovery,
            publish=False,  # as a replay: what it recovers goes to this endpoint alone
        )
        return recovery

    async def get_recovery(
        self, consumer_id: UUID, endpoint_id: UUID, recovery_id: UUID, *, actor: Principal
    ) -> Recovery:
        await self.webhooks.get_endpoint(consumer_id, endpoint_id, actor=actor)
        recovery = await WebhookRepository(self.conn).get_recovery(recovery_id)
        if recovery is None or recovery.endpoint_id != endpoint_id:
            raise RecoveryNotFound(f"endpoint {endpoint_id} has no recovery {recovery_id}")
        return recovery

    async def notices(
        self, consumer_id: UUID, *, actor: Principal, cursor: str | None, limit: int
    ) -> NoticePage:
        await self.webhooks.get_consumer(consumer_id, actor=actor)
        keyset = Keyset(cursor, tuple[datetime, UUID], limit)
        items, next_cursor = keyset.cut(
            await WebhookRepository(self.conn).list_notices(consumer_id, keyset.after, keyset.fetch),
            lambda row: (row.created_at, row.id),
        )
        return NoticePage(items=items, next_cursor=next_cursor)

    # -- the pull log --------------------------------------------------------------------------------

    async def event_log(
        self, *, after: str | None, types: str | None, limit: int
    ) -> tuple[bytes, str | None]:
        """Events after the cursor, in log order, as JSON whose items are the webhook bodies themselves;
        and the cursor of the next page when there is one (for the ``Link`` header)."""
        keyset = Keyset(after, tuple[int, int], limit)
        position = keyset.after or START
        wanted = [t.strip() for t in types.split(",") if t.strip()] if types else None
        if wanted:
            errors = [
                FieldError("query:types", problem) for t in wanted if (problem := subscription_problem(t))
            ]
            if errors:
                raise Unprocessable("unknown event types", errors=errors)
        rows = await self.repo.event_log((position[0], position[1]), wanted, keyset.fetch)
        page, more = keyset.cut(rows, lambda row: (row[0], row[1].seq))
        # Unlike a page, the log always names where the next call starts, even at its end.
        next_cursor = more or encode_cursor(*((page[-1][0], page[-1][1].seq) if page else position))
        base = self.settings.base_url
        body = _encoder.encode(
            _RawEventLog(
                items=[msgspec.Raw(render(event, base)) for _, event in page],
                next_cursor=next_cursor,
                has_more=more is not None,
            )
        )
        return body, more

    async def event(self, event_id: UUID) -> bytes:
        """One event in full (also when its webhook body is thin: the link in a thin body points here)."""
        event = await self.repo.get_event(event_id)
        if event is None:
            raise EventNotFound(f"no event {event_id}")
        return render(event, self.settings.base_url, full=True)

    async def signing_keys(self) -> SigningKeys:
        return await keys.published(self.conn, vault_for(self.settings))

    async def rotate_signing_key(self, *, actor: Principal) -> SigningKeys:
        """A new Ed25519 key signs from now on; the old one stays published, retired (see keys.py)."""
        old, new = await keys.rotate(self.conn, vault_for(self.settings), self.clock.now())
        await changelog.record(
            self.conn,
            "webhook_signing_key.rotated",
            actor=actor.subject,
            subject_type="webhook_signing_key",
            subject_id=new,
            data={"retired": old, "active": new},
            publish=False,  # consumers learn of keys from the published key set, which lists the new one at once
        )
        return await self.signing_keys()
