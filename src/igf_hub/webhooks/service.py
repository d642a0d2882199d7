"""Consumers and their endpoints: who may manage what, URL vetting, secrets, pings.

``record_for_consumers`` runs for every domain event *inside* the publishing transaction (webhooks/wiring.py),
so the transaction that approves a Message also writes the event and one delivery per matching endpoint.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TypeVar
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal, Role
from igf_hub.auth.schemas import ClientCreate, ClientCreated, GrantCreate, RoleGrant
from igf_hub.auth.service import IdentityService
from igf_hub.core import changelog, outbox
from igf_hub.core.clock import Clock
from igf_hub.core.concurrency import check_version
from igf_hub.core.errors import FieldError, Forbidden
from igf_hub.core.pagination import Keyset
from igf_hub.core.settings import Settings
from igf_hub.webhooks import signing, ssrf
from igf_hub.webhooks.delivery_repository import DeliveryRepository
from igf_hub.webhooks.errors import ConsumerNameTaken, ConsumerNotFound, EndpointNotFound, InvalidEndpoint
from igf_hub.webhooks.events import PING, is_deliverable, subscription_problem
from igf_hub.webhooks.repository import EndpointValues, WebhookRepository
from igf_hub.webhooks.schemas import (
    Consumer,
    ConsumerCreate,
    ConsumerPage,
    ConsumerPatch,
    DisabledReason,
    Endpoint,
    EndpointCreate,
    EndpointCreated,
    EndpointPage,
    EndpointPatch,
    EndpointSecrets,
    PreviousSecret,
    SecretRotate,
)
from igf_hub.webhooks.vault import vault_for

T = TypeVar("T")


async def record_for_consumers(conn: asyncpg.Connection, event: outbox.Event) -> None:
    """In the publisher's transaction: keep public deliverable events, fan them out to the endpoints that take
    them. A non-public event (about something the API still hides) never enters the feed, not even later."""
    if event.public and is_deliverable(event.type):
        await DeliveryRepository(conn).record_event(
            event.event_id, event.type, event.subject, event.occurred_at, event.data
        )


def can_act_for(actor: Principal, consumer_id: UUID) -> bool:
    return actor.has_role(Role.secretariat) or actor.is_bound(Role.consumer, consumer_id)


def ensure_acts_for(actor: Principal, consumer_id: UUID) -> None:
    """The object check behind the route guard: the Secretariat, or a member of this consumer."""
    if not can_act_for(actor, consumer_id):
        raise Forbidden("you do not act for this consumer", extra={"consumer_id": str(consumer_id)})


class WebhookService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.conn = conn
        self.clock = clock
        self.settings = settings
        self.repo = WebhookRepository(conn)
        self.deliveries = DeliveryRepository(conn)
        self.resolver = ssrf.Resolver(ssrf.Allowlist.parse(settings.webhooks.allowed_hosts))

    # -- consumers -----------------------------------------------------------------------------------

    async def create_consumer(self, data: ConsumerCreate, *, actor: Principal) -> Consumer:
        try:
            async with (
                self.conn.transaction()
            ):  # a savepoint: the name clash is reported, nothing half-written
                consumer = await self.repo.insert_consumer(
                    data.name, data.kind.value, data.description, data.contact_email
                )
        except asyncpg.UniqueViolationError:
            raise ConsumerNameTaken(f"a consumer named {data.name!r} exists") from None
        await changelog.record(
            self.conn,
            "consumer.created",
            actor=actor.subject,
            subject_type="consumer",
            subject_id=consumer.id,
            data=consumer,
        )
        return consumer

    async def get_consumer(self, consumer_id: UUID, *, actor: Principal) -> Consumer:
        consumer = await self.repo.get_consumer(consumer_id)
        if consumer is None:
            raise ConsumerNotFound(f"no consumer {consumer_id}")
        ensure_acts_for(actor, consumer_id)
        return consumer

    async def list_consumers(self, *, actor: Principal, cursor: str | None, limit: int) -> ConsumerPage:
        only = None if actor.has_role(Role.secretariat) else sorted(actor.resources(Role.consumer))
        keyset = Keyset(cursor, tuple[str, UUID], limit)
        items, next_cursor = keyset.cut(
            await self.repo.list_consumers(only, keyset.after, keyset.fetch), lambda row: (row.name, row.id)
        )
        return ConsumerPage(items=items, next_cursor=next_cursor)

    async def update_consumer(
        self, consumer_id: UUID, data: ConsumerPatch, *, expected_version: int | None, actor: Principal
    ) -> Consumer:
        current = await self.get_consumer(consumer_id, actor=actor)
        check_version(current.version, expected_version)
        changed = msgspec.structs.replace(
            current,
            **{f: getattr(data, f) for f in data.__struct_fields__ if getattr(data, f) is not msgspec.UNSET},
        )
        try:
            async with self.conn.transaction():
                updated = await self.repo.update_consumer(changed, self.clock.now())
        except asyncpg.UniqueViolationError:
            raise ConsumerNameTaken(f"a consumer named {changed.name!r} exists") from None
        await changelog.record(
            self.conn,
            "consumer.updated",
            actor=actor.subject,
            subject_type="consumer",
            subject_id=consumer_id,
            data=data,
            event_data=updated,
        )
        return updated

    async def add_member(self, consumer_id: UUID, user_id: UUID, *, actor: Principal) -> RoleGrant:
        """Bind a user to the consumer (role ``consumer``): they see and manage its endpoints and deliveries."""
        await self.get_consumer(consumer_id, actor=actor)
        identity = IdentityService(self.conn, self.clock, self.settings)
        await identity.get_user(user_id)
        grant = GrantCreate(role=Role.consumer, resource_id=consumer_id)
        return await identity.grant_role(user_id, grant, actor=actor, source="webhooks")

    async def create_client(self, consumer_id: UUID, name: str, *, actor: Principal) -> ClientCreated:
        """A machine client (client_credentials) acting for the consumer, e.g. to pull /v1/events."""
        await self.get_consumer(consumer_id, actor=actor)
        grant = GrantCreate(role=Role.consumer, resource_id=consumer_id)
        return await IdentityService(self.conn, self.clock, self.settings).create_client(
            ClientCreate(name=name, grants=[grant]), actor=actor
        )

    # -- endpoints -----------------------------------------------------------------------------------

    async def _problems(
        self, url: str | None, event_types: list[str] | None, schedule: list[int] | None
    ) -> list[FieldError]:
        """Every reason an endpoint's settings are refused (URL, DNS and SSRF, types, schedule)."""
        errors: list[FieldError] = []
        if url is not None:
            url_errors = ssrf.static_problems(url, self.resolver.allowlist)
            errors += url_errors
            if not url_errors:
                parts = ssrf.parse(url)
                try:
                    await self.resolver.vet(parts.hostname or "", parts.port or 443)
                except ssrf.Refused as exc:
                    errors.append(
                        FieldError(
                            "/url",
                            f"{exc}: endpoints must be reachable on the public Internet (for local development "
                            f"a deployment can allow a host or range with {ssrf.ALLOWLIST_SETTING})",
                        )
                    )
        for i, pattern in enumerate(event_types or []):
            if problem := subscription_problem(pattern):
                errors.append(FieldError(f"/event_types/{i}", problem))
        if schedule is not None and schedule[0] != 0:
            errors.append(FieldError("/retry_schedule/0", "the first attempt goes at once: use 0"))
        return errors

    async def get_endpoint(self, consumer_id: UUID, endpoint_id: UUID, *, actor: Principal) -> Endpoint:
        await self.get_consumer(consumer_id, actor=actor)
        endpoint = await self.repo.get_endpoint(endpoint_id)
        if endpoint is None or endpoint.consumer_id != consumer_id:
            raise EndpointNotFound(f"consumer {consumer_id} has no endpoint {endpoint_id}")
        return endpoint

    async def list_endpoints(
        self, consumer_id: UUID, *, actor: Principal, cursor: str | None, limit: int
    ) -> EndpointPage:
        await self.get_consumer(consumer_id, actor=actor)
        keyset = Keyset(cursor, tuple[datetime, UUID], limit)
        items, next_cursor = keyset.cut(
            await self.repo.list_endpoints(consumer_id, keyset.after, keyset.fetch),
            lambda row: (row.created_at, row.id),
        )
        return EndpointPage(items=items, next_cursor=next_cursor)

    async def create_endpoint(
        self, consumer_id: UUID, data: EndpointCreate, *, actor: Principal
    ) -> EndpointCreated:
        await self.get_consumer(consumer_id, actor=actor)
        if errors := await self._problems(data.url, data.event_types, data.retry_schedule):
            raise InvalidEndpoint("the endpoint cannot be registered", errors=errors)
        now = self.clock.now()
        values = EndpointValues(
            url=data.url,
            description=data.description,
            event_types=sorted(set(data.event_types)),
            filters=data.filters,
            enabled=data.enabled,
            disabled_reason=None if data.enabled else "manual",
            sign_ed25519=data.sign_ed25519,
            retry_schedule=data.retry_schedule,
            replay_rate=data.replay_rate,
        )
        endpoint = await self.repo.insert_endpoint(consumer_id, values, now)
        secret = signing.new_secret()
        await self.repo.add_secret(endpoint.id, vault_for(self.settings).encrypt(secret.encode()), now)
        await changelog.record(
            self.conn,
            "webhook.endpoint.created",
            actor=actor.subject,
            subject_type="webhook_endpoint",
            subject_id=endpoint.id,
            data=endpoint,
        )
        # No ping yet: the consumer has not seen the secret, so a signature-checking receiver would refuse it.
        # It stores the secret, then asks for the verification ping (POST .../ping); events wait meanwhile.
        return EndpointCreated(**msgspec.structs.asdict(endpoint), secret=secret)

    async def update_endpoint(
        self,
        consumer_id: UUID,
        endpoint_id: UUID,
        data: EndpointPatch,
        *,
        expected_version: int | None,
        actor: Principal,
    ) -> Endpoint:
        current = await self.get_endpoint(consumer_id, endpoint_id, actor=actor)
        check_version(current.version, expected_version)
        url = _pick(data.url, current.url)
        types = _pick(data.event_types, current.event_types)
        schedule = _pick(data.retry_schedule, current.retry_schedule)
        url_changed = url != current.url
        errors = await self._problems(url if url_changed else None, types, schedule)
        if errors:
            raise InvalidEndpoint("the change cannot be accepted", errors=errors)
        enabled = _pick(data.enabled, current.enabled)
        reason = None if enabled else (current.disabled_reason or DisabledReason.manual)
        values = EndpointValues(
            url=url,
            event_types=sorted(set(types)),
            retry_schedule=schedule,
            enabled=enabled,
            disabled_reason=reason.value if reason else None,
            description=_pick(data.description, current.description),
            filters=_pick(data.filters, current.filters),
            sign_ed25519=_pick(data.sign_ed25519, current.sign_ed25519),
            replay_rate=_pick(data.replay_rate, current.replay_rate),
        )
        endpoint = await self.repo.update_endpoint(endpoint_id, values, self.clock.now())
        await changelog.record(
            self.conn,
            "webhook.endpoint.updated",
            actor=actor.subject,
            subject_type="webhook_endpoint",
            subject_id=endpoint_id,
            data=data,
            event_data=endpoint,
        )
        if url_changed:
            await self._ping(endpoint, reason="url_changed")
        return endpoint

    async def delete_endpoint(
        self, consumer_id: UUID, endpoint_id: UUID, *, expected_version: int | None, actor: Principal
    ) -> None:
        current = await self.get_endpoint(consumer_id, endpoint_id, actor=actor)
        check_version(current.version, expected_version)
        await self.repo.delete_endpoint(endpoint_id)
        await changelog.record(
            self.conn,
            "webhook.endpoint.deleted",
            actor=actor.subject,
            subject_type="webhook_endpoint",
            subject_id=endpoint_id,
            data={"url": current.url},
            event_data={"consumer_id": consumer_id},
        )

    async def ping(self, consumer_id: UUID, endpoint_id: UUID, *, actor: Principal) -> UUID:
        """Send a signed webhook.ping now, whatever the endpoint's backoff; a 2xx verifies the endpoint (the
        handshake's second step) and releases what waits for it. Returns the ping's delivery id."""
        endpoint = await self.get_endpoint(consumer_id, endpoint_id, actor=actor)
        await changelog.record(
            self.conn,
            "webhook.endpoint.ping_requested",
            actor=actor.subject,
            subject_type="webhook_endpoint",
            subject_id=endpoint_id,
            publish=False,  # the ping itself is the delivery: it goes to this endpoint only, not to the feed
        )
        return await self._ping(endpoint, reason="requested")

    async def _ping(self, endpoint: Endpoint, *, reason: str) -> UUID:
        data = {
            "endpoint_id": str(endpoint.id),
            "consumer_id": str(endpoint.consumer_id),
            "url": endpoint.url,
            "reason": reason,
            "message": "igf_hub verifies this endpoint: answer with any 2xx status",
        }
        return await self.deliveries.insert_ping(
            uuid.uuid4(), endpoint.id, endpoint.consumer_id, self.clock.now(), data
        )

    # -- secrets -------------------------------------------------------------------------------------

    async def secrets(self, consumer_id: UUID, endpoint_id: UUID, *, actor: Principal) -> EndpointSecrets:
        await self.get_endpoint(consumer_id, endpoint_id, actor=actor)
        vault = vault_for(self.settings)
        live = await self.repo.live_secrets(endpoint_id, self.clock.now())
        current = next(vault.decrypt(c).decode() for c, expires in live if expires is None)
        previous = [
            PreviousSecret(secret=vault.decrypt(c).decode(), expires_at=expires)
            for c, expires in live
            if expires is not None
        ]
        return EndpointSecrets(secret=current, previous=previous)

    async def rotate_secret(
        self, consumer_id: UUID, endpoint_id: UUID, data: SecretRotate, *, actor: Principal
    ) -> EndpointSecrets:
        """A new current secret; the old one keeps signing (beside it) until the grace period ends."""
        await self.get_endpoint(consumer_id, endpoint_id, actor=actor)
        now = self.clock.now()
        await self.repo.expire_current_secret(endpoint_id, now + timedelta(seconds=data.grace_seconds))
        secret = signing.new_secret()
        await self.repo.add_secret(endpoint_id, vault_for(self.settings).encrypt(secret.encode()), now)
        await changelog.record(
            self.conn,
            "webhook.endpoint.secret_rotated",
            actor=actor.subject,
            subject_type="webhook_endpoint",
            subject_id=endpoint_id,
            data={"grace_seconds": data.grace_seconds},
        )
        return await self.secrets(consumer_id, endpoint_id, actor=actor)


def _pick(value: T | msgspec.UnsetType, default: T) -> T:
    return default if isinstance(value, msgspec.UnsetType) else value


__all__ = ["PING", "WebhookService", "can_act_for", "ensure_acts_for", "record_for_consumers"]
