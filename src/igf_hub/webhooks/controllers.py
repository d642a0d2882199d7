"""HTTP for webhooks: /v1/consumers (organisations, endpoints, deliveries) and /v1/events (the pull log)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from arq.connections import ArqRedis
from litestar import Controller, Response, delete, get, patch, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import CacheControlHeader
from litestar.enums import MediaType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter, QueryParameter

from igf_hub.auth.guards import requires_role, requires_secretariat
from igf_hub.auth.principal import AnyRequest, Role
from igf_hub.auth.schemas import ClientCreated, RoleGrant
from igf_hub.core.caching import NO_STORE, PUBLIC_MINUTE, cached
from igf_hub.core.concurrency import expected_version, written
from igf_hub.core.errors import FieldError
from igf_hub.core.pagination import next_link
from igf_hub.core.params import DEFAULT_LIMIT, Cursor, Limit
from igf_hub.core.providers import reader, writer
from igf_hub.webhooks.delivery_service import DeliveryService
from igf_hub.webhooks.errors import UnknownQueryParameter
from igf_hub.webhooks.events import CloudEvent
from igf_hub.webhooks.schemas import (
    Consumer,
    ConsumerClientCreate,
    ConsumerCreate,
    ConsumerMemberAdd,
    ConsumerPage,
    ConsumerPatch,
    DeliveryDetail,
    DeliveryPage,
    DeliveryState,
    Endpoint,
    EndpointCreate,
    EndpointCreated,
    EndpointHealth,
    EndpointPage,
    EndpointPatch,
    EndpointSecrets,
    EventLog,
    NoticePage,
    Recovery,
    RecoveryCreate,
    SecretRotate,
    SigningKeys,
)
from igf_hub.webhooks.service import WebhookService

requires_consumer_or_secretariat = requires_role(Role.secretariat, Role.consumer)


WRITE = {
    "webhooks": writer(WebhookService),
    "deliveries": writer(DeliveryService),
}
ENDPOINT = "/{consumer_id:uuid}/endpoints/{endpoint_id:uuid}"


EVENT_LOG_PARAMETERS = frozenset({"after", "types", "limit"})


def refuse_unknown_parameters(request: AnyRequest, known: frozenset[str]) -> None:
    """A misspelt parameter silently ignored reads as "no filter" or "from the start": refuse it instead."""
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        hint = {"cursor": "this list continues from after=<next_cursor>, not cursor="}
        raise UnknownQueryParameter(
            f"unknown query parameter{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}; "
            f"this list takes {', '.join(sorted(known))}",
            errors=[
                FieldError(f"query:{name}", hint.get(name, "not a parameter of this list"))
                for name in unknown
            ],
        )


async def enqueue_recovery(queue: ArqRedis, recovery_id: UUID) -> None:
    # After the commit (a background task runs once the response is sent); a lost job is picked up by the
    # maintenance cron from the recovery row itself.
    await queue.enqueue_job("webhooks_recover", str(recovery_id), _job_id=f"webhooks_recover:{recovery_id}")


class ConsumerController(Controller):
    path = "/v1/consumers"
    tags = ["Webhooks"]
    guards = [requires_consumer_or_secretariat]
    dependencies = {
        "webhooks": reader(WebhookService),
        "deliveries": reader(DeliveryService),
    }

    # -- consumers -----------------------------------------------------------------------------------

    @get("/", operation_id="ListConsumers")
    async def list_consumers(
        self,
        request: AnyRequest,
        webhooks: WebhookService,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Response[ConsumerPage]:
        """All consumers for the Secretariat; a consumer's members see their own."""
        return cached(request, await webhooks.list_consumers(actor=request.user, cursor=cursor, limit=limit))

    @post("/", operation_id="CreateConsumer", guards=[requires_secretariat], dependencies=WRITE)
    async def create_consumer(
        self, data: ConsumerCreate, request: AnyRequest, webhooks: WebhookService
    ) -> Response[Consumer]:
        """Register a consumer of the event feed, e.g. a UN agency's system (Secretariat only); audited. 409
        when a consumer of that name exists. Then add its members and endpoints."""
        consumer = await webhooks.create_consumer(data, actor=request.user)
        return written(consumer, status_code=201)

    @get("/{consumer_id:uuid}", operation_id="GetConsumer")
    async def get_consumer(
        self, consumer_id: UUID, request: AnyRequest, webhooks: WebhookService
    ) -> Response[Consumer]:
        """One consumer, with an ETag for later updates. The Secretariat sees every consumer; a consumer's
        members see only their own (403 otherwise)."""
        consumer = await webhooks.get_consumer(consumer_id, actor=request.user)
        return cached(request, consumer, version=consumer.version)

    @patch(
        "/{consumer_id:uuid}",
        operation_id="UpdateConsumer",
        guards=[requires_secretariat],
        dependencies=WRITE,
    )
    async def update_consumer(
        self, consumer_id: UUID, data: ConsumerPatch, request: AnyRequest, webhooks: WebhookService
    ) -> Response[Consumer]:
        """Send If-Match with the ETag you read (412 when stale, 428 when missing)."""
        consumer = await webhooks.update_consumer(
            consumer_id, data, expected_version=expected_version(request), actor=request.user
        )
        return written(consumer)

    @post(
        "/{consumer_id:uuid}/members",
        operation_id="AddConsumerMember",
        guards=[requires_secretariat],
        dependencies=WRITE,
    )
    async def add_member(
        self, consumer_id: UUID, data: ConsumerMemberAdd, request: AnyRequest, webhooks: WebhookService
    ) -> RoleGrant:
        """Bind a user to the consumer (role consumer): they manage its endpoints and see its deliveries."""
        return await webhooks.add_member(consumer_id, data.user_id, actor=request.user)

    @post(
        "/{consumer_id:uuid}/clients",
        operation_id="CreateConsumerClient",
        guards=[requires_secretariat],
        dependencies=WRITE,
    )
    async def create_client(
        self, consumer_id: UUID, data: ConsumerClientCreate, request: AnyRequest, webhooks: WebhookService
    ) -> ClientCreated:
        """A machine client (client_credentials) for the consumer's system; the secret is shown once."""
        return await webhooks.create_client(consumer_id, data.name, actor=request.user)

    @get("/{consumer_id:uuid}/notices", operation_id="ListConsumerNotices", cache_control=NO_STORE)
    async def notices(
        self,
        consumer_id: UUID,
        request: AnyRequest,
        deliveries: DeliveryService,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> NoticePage:
        """What igf_hub told the consumer about its endpoints (failing, disabled), newest first."""
        return await deliveries.notices(consumer_id, actor=request.user, cursor=cursor, limit=limit)

    # -- endpoints -----------------------------------------------------------------------------------

    @get("/{consumer_id:uuid}/endpoints", operation_id="ListEndpoints")
    async def list_endpoints(
        self,
        consumer_id: UUID,
        request: AnyRequest,
        webhooks: WebhookService,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Response[EndpointPage]:
        """The consumer's webhook endpoints, with their verification state and failure record. For the
        Secretariat and the consumer's own members."""
        page = await webhooks.list_endpoints(consumer_id, actor=request.user, cursor=cursor, limit=limit)
        return cached(request, page)

    @post("/{consumer_id:uuid}/endpoints", operation_id="CreateEndpoint", dependencies=WRITE)
    async def create_endpoint(
        self, consumer_id: UUID, data: EndpointCreate, request: AnyRequest, webhooks: WebhookService
    ) -> Response[EndpointCreated]:
        """Register an endpoint (step 1 of the handshake). It starts ``unverified`` and nothing is sent to it
        yet: store the signing secret from this response (also at .../secret) in your receiver, then call
        ``POST .../ping`` (step 2): a signed ``webhook.ping`` goes out at once (retried after 5 s and 30 s), and
        its 2xx verifies the endpoint. Events it subscribes to are queued from registration and held, in order
        and without spending retry budget, until it is verified; then they follow at once."""
        endpoint = await webhooks.create_endpoint(consumer_id, data, actor=request.user)
        return written(endpoint, status_code=201)

    @get(ENDPOINT, operation_id="GetEndpoint")
    async def get_endpoint(
        self, consumer_id: UUID, endpoint_id: UUID, request: AnyRequest, webhooks: WebhookService
    ) -> Response[Endpoint]:
        """One webhook endpoint of the consumer (its URL, subscriptions, verification and failure state), with
        an ETag for updates. For the Secretariat and the consumer's own members."""
        endpoint = await webhooks.get_endpoint(consumer_id, endpoint_id, actor=request.user)
        return cached(request, endpoint, version=endpoint.version)

    @patch(ENDPOINT, operation_id="UpdateEndpoint", dependencies=WRITE)
    async def update_endpoint(
        self,
        consumer_id: UUID,
        endpoint_id: UUID,
        data: EndpointPatch,
        request: AnyRequest,
        webhooks: WebhookService,
    ) -> Response[Endpoint]:
        """A new URL makes the endpoint unverified and pings it at once (the secret is unchanged, so the
        receiver already checks it); re-enabling clears its failure record."""
        endpoint = await webhooks.update_endpoint(
            consumer_id, endpoint_id, data, expected_version=expected_version(request), actor=request.user
        )
        return written(endpoint)

    @delete(ENDPOINT, operation_id="DeleteEndpoint", dependencies=WRITE)
    async def delete_endpoint(
        self, consumer_id: UUID, endpoint_id: UUID, request: AnyRequest, webhooks: WebhookService
    ) -> None:
        """Remove a webhook endpoint and its queued deliveries: nothing more is sent to it; audited. If-Match is optional (412 when
        stale). For the Secretariat and the consumer's own members."""
        await webhooks.delete_endpoint(
            consumer_id,
            endpoint_id,
            expected_version=expected_version(request, required=False),
            actor=request.user,
        )

    @post(f"{ENDPOINT}/ping", operation_id="PingEndpoint", status_code=202, dependencies=WRITE)
    async def ping(
        self,
        consumer_id: UUID,
        endpoint_id: UUID,
        request: AnyRequest,
        webhooks: WebhookService,
        deliveries: DeliveryService,
    ) -> DeliveryDetail:
        """Send a signed webhook.ping now, whatever the backoff: a 2xx verifies the endpoint (the second step
        of the handshake, after storing the secret) and releases every delivery waiting for it. Returns the
        ping's delivery; poll it (GET .../deliveries/{id}) to see the outcome."""
        delivery_id = await webhooks.ping(consumer_id, endpoint_id, actor=request.user)
        return await deliveries.get(consumer_id, delivery_id, actor=request.user)

    @get(f"{ENDPOINT}/health", operation_id="GetEndpointHealth", cache_control=NO_STORE)
    async def health(
        self, consumer_id: UUID, endpoint_id: UUID, request: AnyRequest, deliveries: DeliveryService
    ) -> EndpointHealth:
        """How the endpoint has been answering: success rate and latency (median, 95th percentile) of the
        attempts of the last 24 hours, consecutive failures, when the next probe goes while it is failing, and
        its five latest failed attempts. For the Secretariat and the consumer's own members."""
        return await deliveries.health(consumer_id, endpoint_id, actor=request.user)

    @get(f"{ENDPOINT}/secret", operation_id="GetEndpointSecret", cache_control=NO_STORE)
    async def secret(
        self, consumer_id: UUID, endpoint_id: UUID, request: AnyRequest, webhooks: WebhookService
    ) -> EndpointSecrets:
        """The endpoint's current signing secret, and the rotated-out secrets that still sign until their
        grace period ends. For the Secretariat and the consumer's own members."""
        return await webhooks.secrets(consumer_id, endpoint_id, actor=request.user)

    @post(
        f"{ENDPOINT}/secret/rotate", operation_id="RotateEndpointSecret", status_code=200, dependencies=WRITE
    )
    async def rotate_secret(
        self,
        consumer_id: UUID,
        endpoint_id: UUID,
        data: SecretRotate,
        request: AnyRequest,
        webhooks: WebhookService,
    ) -> EndpointSecrets:
        """A new secret signs from now on; the old one also signs until the grace period (default 24 h) ends."""
        return await webhooks.rotate_secret(consumer_id, endpoint_id, data, actor=request.user)

    @post(f"{ENDPOINT}/recoveries", operation_id="RecoverEndpoint", status_code=202, dependencies=WRITE)
    async def recover(
        self,
        consumer_id: UUID,
        endpoint_id: UUID,
        data: RecoveryCreate,
        request: AnyRequest,
        deliveries: DeliveryService,
        queue: ArqRedis,
    ) -> Response[Recovery]:
        """Replay everything the endpoint missed since a time, in order, at its replay rate."""
        recovery = await deliveries.request_recovery(consumer_id, endpoint_id, data, actor=request.user)
        return Response(
            recovery, status_code=202, background=BackgroundTask(enqueue_recovery, queue, recovery.id)
        )

    @get(f"{ENDPOINT}/recoveries/{{recovery_id:uuid}}", operation_id="GetRecovery", cache_control=NO_STORE)
    async def get_recovery(
        self,
        consumer_id: UUID,
        endpoint_id: UUID,
        recovery_id: UUID,
        request: AnyRequest,
        deliveries: DeliveryService,
    ) -> Recovery:
        """The progress of one replay of missed events (its state and how many deliveries it queued). For the
        Secretariat and the consumer's own members."""
        return await deliveries.get_recovery(consumer_id, endpoint_id, recovery_id, actor=request.user)

    # -- deliveries ----------------------------------------------------------------------------------

    @get("/{consumer_id:uuid}/deliveries", operation_id="ListDeliveries", cache_control=NO_STORE)
    async def list_deliveries(
        self,
        consumer_id: UUID,
        request: AnyRequest,
        deliveries: DeliveryService,
        endpoint_id: UUID | None = None,
        delivery_state: Annotated[DeliveryState | None, QueryParameter(name="state")] = None,
        event_type: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> DeliveryPage:
        """The consumer's deliveries, newest first, filtered by endpoint, state, event type and time."""
        return await deliveries.list(
            consumer_id,
            actor=request.user,
            endpoint_id=endpoint_id,
            state=delivery_state,
            event_type=event_type,
            since=since,
            until=until,
            cursor=cursor,
            limit=limit,
        )

    @get(
        "/{consumer_id:uuid}/deliveries/{delivery_id:uuid}",
        operation_id="GetDelivery",
        cache_control=NO_STORE,
    )
    async def get_delivery(
        self, consumer_id: UUID, delivery_id: UUID, request: AnyRequest, deliveries: DeliveryService
    ) -> DeliveryDetail:
        """One delivery with every attempt: time, status code, latency, first bytes of the response, error."""
        return await deliveries.get(consumer_id, delivery_id, actor=request.user)

    @post(
        "/{consumer_id:uuid}/deliveries/{delivery_id:uuid}/replay",
        operation_id="ReplayDelivery",
        status_code=202,
        dependencies=WRITE,
    )
    async def replay(
        self, consumer_id: UUID, delivery_id: UUID, request: AnyRequest, deliveries: DeliveryService
    ) -> DeliveryDetail:
        """Send a delivered or dead delivery again: a new delivery with a new ``webhook-id`` (so a consumer
        that de-duplicates by webhook-id takes it) carrying the same CloudEvent, ``id`` included."""
        return await deliveries.replay(consumer_id, delivery_id, actor=request.user)


class EventController(Controller):
    path = "/v1/events"
    tags = ["Webhooks"]
    dependencies = {"deliveries": reader(DeliveryService)}

    @get(
        "/",
        operation_id="ListEvents",
        guards=[requires_consumer_or_secretariat],
        cache_control=NO_STORE,
        responses={
            200: ResponseSpec(
                data_container=EventLog, description="the events after the cursor", generate_examples=False
            )
        },
    )
    async def list_events(
        self,
        request: AnyRequest,
        deliveries: DeliveryService,
        after: Annotated[str | None, Parameter(description="next_cursor of the previous call")] = None,
        types: Annotated[
            str | None, Parameter(description="comma-separated types or families (message.*)")
        ] = None,
        limit: Limit = 100,
    ) -> Response[bytes]:
        """The event log in order, each item byte-for-byte the webhook body, so a consumer can catch up
        without webhooks. Keep ``next_cursor`` and pass it as ``after`` (the only cursor parameter: any
        other query parameter is refused with 400); it is returned also when empty. While ``has_more`` is
        true, ``Link: <...>; rel="next"`` carries the next page's URL."""
        refuse_unknown_parameters(request, EVENT_LOG_PARAMETERS)
        body, next_cursor = await deliveries.event_log(after=after, types=types, limit=limit)
        headers = {"Link": next_link(request, next_cursor, "after")} if next_cursor else None
        return Response(body, media_type=MediaType.JSON, headers=headers)

    @get(
        "/signing-keys",
        operation_id="GetWebhookSigningKeys",
        cache_control=PUBLIC_MINUTE,
        dependencies={"deliveries": writer(DeliveryService)},
    )
    async def signing_keys(self, deliveries: DeliveryService) -> SigningKeys:
        """igf_hub's Ed25519 public keys: verify a ``v1a`` webhook signature without a shared secret. Each
        delivery signed with ``v1a`` names its key in the ``webhook-key-id`` header (a ``kid`` here); the
        active key has no ``retired_at``. This document may be cached for a minute: when a delivery names a
        ``kid`` your copy lacks, the key was rotated; fetch the document again."""
        return await deliveries.signing_keys()

    @post(
        "/signing-keys/rotate",
        operation_id="RotateWebhookSigningKey",
        status_code=200,
        guards=[requires_secretariat],
        dependencies={"deliveries": writer(DeliveryService)},
    )
    async def rotate_signing_key(self, request: AnyRequest, deliveries: DeliveryService) -> SigningKeys:
        """Make a new Ed25519 key active at once (the Secretariat): the old one stays published, retired."""
        return await deliveries.rotate_signing_key(actor=request.user)

    @get(
        "/{event_id:uuid}",
        operation_id="GetEvent",
        guards=[requires_consumer_or_secretariat],
        cache_control=CacheControlHeader(max_age=3600, private=True),
        responses={
            200: ResponseSpec(
                data_container=CloudEvent, description="the event with its full data", generate_examples=False
            )
        },
    )
    async def get_event(self, event_id: UUID, deliveries: DeliveryService) -> Response[bytes]:
        """One event with its full data (the ``event`` link of a thin webhook body points here)."""
        return Response(await deliveries.event(event_id), media_type=MediaType.JSON)
