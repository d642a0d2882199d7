"""/healthz, /readyz, /v1/vocab/*, /v1/audit and the public /v1/audit/checkpoints."""

from __future__ import annotations

import asyncio
import hmac
from datetime import datetime
from typing import Annotated, Any

import asyncpg
import msgspec
import redis.exceptions
from arq.connections import ArqRedis
from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.params import Parameter

from igf_hub.auth.guards import requires_secretariat
from igf_hub.core import audit_checkpoints, metrics
from igf_hub.core.audit import AuditEntry
from igf_hub.core.audit_checkpoints import AuditCheckpoint
from igf_hub.core.audit_keys import verifier_key
from igf_hub.core.caching import NO_STORE, PUBLIC_HOUR, PUBLIC_MINUTE
from igf_hub.core.errors import NotFound, Unauthorized
from igf_hub.core.pagination import Keyset, Page
from igf_hub.core.params import DEFAULT_LIMIT, Cursor, Limit
from igf_hub.core.settings import Settings
from igf_hub.core.vocab import VOCABULARIES, Vocabulary
from igf_hub.system.repository import AuditRepository

READY_TIMEOUT = 2.0
TEXT = "text/plain; charset=utf-8"


class Health(msgspec.Struct):
    status: str


class Readiness(msgspec.Struct):
    status: str
    checks: dict[str, str]


class HealthController(Controller):
    path = ""
    tags = ["System"]

    @get("/healthz", operation_id="Healthz", cache=False)
    async def healthz(self) -> Health:
        """The process is up (liveness)."""
        return Health(status="ok")

    @get("/readyz", operation_id="Readyz", cache=False)
    async def readyz(self, state: State, queue: ArqRedis) -> Response[Readiness]:
        """PostgreSQL and Redis answer (readiness): 503 naming what is down."""
        checks = {"postgres": "ok", "redis": "ok"}
        try:
            async with asyncio.timeout(READY_TIMEOUT):
                async with state.pool.acquire() as conn:
                    await conn.fetchval("SELECT 1")
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            checks["postgres"] = f"down: {type(exc).__name__}"
        try:
            async with asyncio.timeout(READY_TIMEOUT):
                await queue.ping()
        except (OSError, TimeoutError, redis.exceptions.RedisError) as exc:  # redis-py's errors are its own
            checks["redis"] = f"down: {type(exc).__name__}"
        ok = all(v == "ok" for v in checks.values())
        return Response(
            Readiness(status="ok" if ok else "unavailable", checks=checks), status_code=200 if ok else 503
        )


class MetricsController(Controller):
    path = "/metrics"
    include_in_schema = False

    @get("/", operation_id="Metrics", cache=False)
    async def metrics(
        self, request: Request[Any, Any, Any], state: State, queue: ArqRedis
    ) -> Response[bytes]:
        """Prometheus exposition: request rate/latency by route, DB pool, queue depth, domain gauges."""
        token = state.settings.metrics_token
        sent = request.headers.get("authorization", "")
        if token and not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            raise Unauthorized(
                "scraping needs 'Authorization: Bearer <IGF_HUB_METRICS_TOKEN>'",
                headers={"WWW-Authenticate": 'Bearer realm="igf-hub-metrics"'},
            )
        body = await state.metrics.render(state.pool, queue, state.clock)
        return Response(
            body, media_type=metrics.CONTENT_TYPE, headers={"Cache-Control": NO_STORE.to_header()}
        )


class VocabController(Controller):
    path = "/v1/vocab"
    tags = ["Vocabularies"]

    @get("/", operation_id="ListVocabularies", cache_control=PUBLIC_HOUR)
    async def list_vocabularies(self) -> list[str]:
        """The names of the controlled vocabularies the API's fields use (stakeholder groups, UN regional
        groups, WSIS action lines, SDGs, GDC objectives, UN languages, development status). Public."""
        return sorted(VOCABULARIES)

    @get("/{name:str}", operation_id="GetVocabulary", cache_control=PUBLIC_HOUR)
    async def get_vocabulary(self, name: str) -> Vocabulary:
        """The terms of one controlled vocabulary (code, label, parent, note) and its source. Public; 404
        names the known vocabularies."""
        if name not in VOCABULARIES:
            raise NotFound(f"no vocabulary {name!r}; known: {', '.join(sorted(VOCABULARIES))}")
        return VOCABULARIES[name]


class AuditPage(Page[AuditEntry]):
    pass


class AuditController(Controller):
    path = "/v1/audit"
    tags = ["Audit"]
    guards = [requires_secretariat]

    @get("/", operation_id="ListAudit")
    async def list_audit(
        self,
        db: asyncpg.Connection,
        actor: str | None = None,
        action: str | None = None,
        subject_type: str | None = None,
        subject_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> AuditPage:
        """The audit trail, newest first, filtered by any of actor, action, subject and time."""
        keyset = Keyset(cursor, tuple[int], limit)
        filters: dict[str, Any] = {
            "actor": actor,
            "action": action,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "since": since,
            "until": until,
        }
        rows = await AuditRepository(db).list(filters, before_seq=keyset.first(None), limit=keyset.fetch)
        items, next_cursor = keyset.cut(rows, lambda row: (row.seq,))
        return AuditPage(items=items, next_cursor=next_cursor)


class AuditCheckpointPage(Page[AuditCheckpoint]):
    pass


class AuditCheckpointController(Controller):
    """Signed checkpoints of the audit log, for anyone: keep one, and later prove the log still extends it."""

    path = "/v1/audit/checkpoints"
    tags = ["Audit"]

    @get("/", operation_id="ListAuditCheckpoints", cache_control=PUBLIC_MINUTE)
    async def list_checkpoints(
        self,
        db: asyncpg.Connection,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> AuditCheckpointPage:
        """Every checkpoint published so far, newest first."""
        keyset = Keyset(cursor, tuple[int], limit)
        rows = await audit_checkpoints.history(db, before=keyset.first(None), limit=keyset.fetch)
        items, next_cursor = keyset.cut(rows, lambda row: (row.tree_size,))
        return AuditCheckpointPage(items=items, next_cursor=next_cursor)

    @get("/latest", operation_id="GetLatestAuditCheckpoint", cache_control=PUBLIC_MINUTE, media_type=TEXT)
    async def latest(self, db: asyncpg.Connection) -> str:
        """The newest checkpoint as a C2SP signed note (text/plain)."""
        checkpoint = await audit_checkpoints.latest(db)
        if checkpoint is None:
            raise NotFound("no audit checkpoint has been published yet")
        return checkpoint.checkpoint

    @get("/key", operation_id="GetAuditCheckpointKey", cache_control=PUBLIC_HOUR, media_type=TEXT)
    async def key(self, settings: Settings) -> str:
        """The checkpoint verifier key, in the signed-note form ``<name>+<key hash>+<base64 key>``."""
        return verifier_key(settings).text() + "\n"

    @get("/{tree_size:int}", operation_id="GetAuditCheckpoint", cache_control=PUBLIC_HOUR, media_type=TEXT)
    async def by_size(
        self, db: asyncpg.Connection, tree_size: Annotated[int, Parameter(ge=0, le=2**63 - 1)]
    ) -> str:
        """The checkpoint of the first ``tree_size`` rows as a C2SP signed note (text/plain)."""
        checkpoint = await audit_checkpoints.by_size(db, tree_size)
        if checkpoint is None:
            raise NotFound(f"no audit checkpoint of {tree_size} rows was published")
        return checkpoint.checkpoint
