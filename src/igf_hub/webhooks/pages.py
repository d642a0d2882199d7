"""The pages of a consumer's staff (UNGIS, the CSTD and others) and of the Secretariat for them: the consumer's
endpoints, registering one with the verification handshake shown step by step, secrets and their rotation,
event filters, Ed25519 signing, health, the delivery log with every attempt, replay, recovery since a time and a
test event.

Every page calls the services the API calls (webhooks/service.py, delivery_service.py), so the same rules hold
and the same refusals come back, said here as sentences in the reader's language. The role check is the API's
guard (the Secretariat or role ``consumer``); which consumer a member may act for is the service's check.
Templates are in ``templates/webhooks/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import asyncpg
import msgspec
from arq.connections import ArqRedis
from litestar import get, post
from litestar.background_tasks import BackgroundTask
from litestar.response import Redirect, Template

from igf_hub.auth.principal import AnyRequest, Principal, Role
from igf_hub.core.clock import Clock
from igf_hub.core.errors import DomainError, Forbidden, PreconditionFailed
from igf_hub.core.params import DEFAULT_LIMIT
from igf_hub.core.schemas import Classification
from igf_hub.core.settings import Settings
from igf_hub.web import i18n
from igf_hub.web.access import sign_in_first
from igf_hub.web.errors import PageController
from igf_hub.web.i18n import N_, gettext
from igf_hub.web.navigation import WorkItem
from igf_hub.web.sessions import context_of
from igf_hub.web.templating import render
from igf_hub.webhooks.controllers import enqueue_recovery
from igf_hub.webhooks.delivery_service import DeliveryService
from igf_hub.webhooks.errors import DeliveryStillPending, InvalidEndpoint
from igf_hub.webhooks.events import deliverable_families
from igf_hub.webhooks.policy import FAILING_THRESHOLD
from igf_hub.webhooks.schemas import (
    DEFAULT_GRACE_SECONDS,
    DeliveryState,
    Endpoint,
    EndpointCreate,
    EndpointPatch,
    EndpointStatus,
    RecoveryCreate,
    SecretRotate,
)
from igf_hub.webhooks.service import WebhookService

NO_STORE = {"Cache-Control": "no-store"}
STAFF = (Role.secretariat, Role.consumer)

# The consumer's staff and the Secretariat start from "My work" (web/workspace.py).
WORKSPACE = [
    WorkItem(
        path="/consumers",
        label=N_("Webhook endpoints and deliveries"),
        roles=frozenset(STAFF),
        description=N_("Your organisation's endpoints, their health, and every delivery with its attempts."),
        order=60,
    )
]

STATUS_NAMES = {
    EndpointStatus.unverified: N_("Waiting for verification"),
    EndpointStatus.active: N_("Active"),
    EndpointStatus.failing: N_("Failing"),
    EndpointStatus.disabled: N_("Disabled"),
}
STATE_NAMES = {
    DeliveryState.pending: N_("Pending"),
    DeliveryState.delivered: N_("Delivered"),
    DeliveryState.dead: N_("Given up"),
}
NOTICES = {
    "registered": N_("The endpoint is registered. Follow the steps below to verify it."),
    "pinged": N_("A signed test event (webhook.ping) is on its way. Its attempts appear below."),
    "updated": N_("The endpoint's settings are saved."),
    "rotated": N_("A new signing secret signs from now on. The old one also signs until the time shown."),
    "recovering": N_("The recovery is requested: the missed events will be sent again, in order."),
    "replayed": N_("The delivery is sent again as a new delivery, shown here."),
}
ENTER_URL = N_(
    "Enter the full address of your receiver, starting with https://, like https://example.org/igf/webhooks."
)
URL_REFUSED = N_(
    "This address cannot receive webhooks: it must be reachable on the public Internet over https "
    "(or be a host this deployment allows)."
)
ENTER_TYPES = N_(
    "Enter at least one event type: a type such as message.approved, a family such as message.*, or *."
)
TYPES_REFUSED = N_("One of these is not an event type you can subscribe to: %(value)s.")
FILTER_LINES = N_("Enter WSIS Action Lines as codes separated by commas, like C1, C7.")
FILTER_NUMBERS = N_("Enter numbers separated by commas, like 4, 9.")
FILTER_UNKNOWN = N_("One of the filters is not in the list: check the codes and numbers.")
DESCRIPTION_TOO_LONG = N_("The description must be at most 1,000 characters long.")
GRACE_RANGE = N_("Enter a grace period between 0 and 168 hours.")
ENTER_SINCE = N_("Enter the time to recover from, in UTC, like 2026-11-10 14:00.")
SINCE_FUTURE = N_("The time to recover from must be in the past.")
UNTIL_ORDER = N_("The end must be after the start, or left empty.")
STALE = N_(
    "Someone changed this endpoint after you opened the page. Here it is as it is now: make your change again."
)
STILL_PENDING = N_(
    "This delivery is still being attempted. It can be sent again once it is delivered or given up."
)


def language_of(request: AnyRequest) -> str:
    return i18n.request_language(request)


def _text(form: Mapping[str, Any], name: str) -> str:
    return str(form.get(name) or "").strip()


def _list(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def _staff(request: AnyRequest) -> Principal | Redirect:
    """The signed-in person if the API's guard lets them in (the Secretariat or a consumer's member); a reader
    who is not signed in is sent to sign in (and back here), anyone else is refused with the 403 page."""
    person = request.user
    if not person.is_authenticated:
        return sign_in_first(request)
    if not any(person.has_role(role) for role in STAFF):
        raise Forbidden("only the Secretariat and consumers' staff use these pages")
    return person


def _page(request: AnyRequest, template: str, context: Mapping[str, Any], status_code: int = 200) -> Template:
    return render(request, template, context, status_code=status_code, headers=NO_STORE)


def _to(request: AnyRequest, path: str, done: str | None = None) -> Redirect:
    return Redirect(
        i18n.path_in(language_of(request), path) + (f"?done={done}" if done else ""), status_code=303
    )


def _csrf(request: AnyRequest) -> str:
    session = context_of(request.scope).session
    return session.csrf_token if session is not None else ""


def _notice(request: AnyRequest) -> str | None:
    done = request.query_params.get("done")
    return gettext(language_of(request), NOTICES[done]) if done in NOTICES else None


def _translated(
    language: str, errors: Mapping[str, str], values: Mapping[str, str] | None = None
) -> dict[str, str]:
    return {name: gettext(language, text) % dict(values or {}) for name, text in errors.items()}


def _filters(form: Mapping[str, str]) -> tuple[Classification | None, dict[str, str]]:
    """The classification filters from the form's three fields, or the errors to show at them."""
    errors: dict[str, str] = {}
    lines = [code.upper() for code in _list(form.get("filter_lines", ""))]
    numbers: dict[str, list[int]] = {}
    for name in ("filter_sdgs", "filter_gdc"):
        try:
            numbers[name] = [int(part) for part in _list(form.get(name, ""))]
        except ValueError:
            errors[name] = FILTER_NUMBERS
    if errors:
        return None, errors
    try:
        return msgspec.convert(
            {
                "wsis_action_lines": lines,
                "sdgs": numbers["filter_sdgs"],
                "gdc_objectives": numbers["filter_gdc"],
            },
            Classification,
        ), {}
    except msgspec.ValidationError as exc:
        text = str(exc)
        field = "filter_lines" if "wsis" in text else "filter_sdgs" if "sdgs" in text else "filter_gdc"
        return None, {field: FILTER_UNKNOWN if "unknown" in text or "not" in text else FILTER_LINES}


def _endpoint_errors(exc: InvalidEndpoint) -> tuple[dict[str, str], dict[str, str]]:
    """The service's reasons (JSON pointers into the API body), as the form's fields and sentences."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for error in exc.errors:
        if error.pointer == "/url":
            errors.setdefault("url", URL_REFUSED)
        elif error.pointer.startswith("/event_types"):
            errors.setdefault("event_types", TYPES_REFUSED)
            values.setdefault("value", error.detail.split("'")[1] if "'" in error.detail else error.detail)
        else:
            errors.setdefault("event_types", ENTER_TYPES)
    return errors, values


def _endpoint_form(endpoint: Endpoint) -> dict[str, str]:
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": ", ".join(endpoint.event_types),
        "filter_lines": ", ".join(endpoint.filters.wsis_action_lines),
        "filter_sdgs": ", ".join(str(n) for n in endpoint.filters.sdgs),
        "filter_gdc": ", ".join(str(n) for n in endpoint.filters.gdc_objectives),
        "sign_ed25519": "yes" if endpoint.sign_ed25519 else "",
        "enabled": "yes" if endpoint.enabled else "",
        "version": str(endpoint.version),
    }


def _read_endpoint_form(raw: Mapping[str, Any]) -> dict[str, str]:
    form = {
        name: _text(raw, name)
        for name in (
            "url",
            "description",
            "event_types",
            "filter_lines",
            "filter_sdgs",
            "filter_gdc",
            "version",
        )
    }
    form["sign_ed25519"] = "yes" if _text(raw, "sign_ed25519") else ""
    form["enabled"] = "yes" if _text(raw, "enabled") else ""
    return form


def _check_endpoint_form(form: Mapping[str, str]) -> tuple[Classification | None, dict[str, str]]:
    """What the form itself can say before the service looks (the API's body validation, as sentences)."""
    errors: dict[str, str] = {}
    url = form["url"]
    if (
        not url
        or not (url.startswith("https://") or url.startswith("http://"))
        or any(c.isspace() for c in url)
    ):
        errors["url"] = ENTER_URL
    if len(form["description"]) > 1000:
        errors["description"] = DESCRIPTION_TOO_LONG
    if not _list(form["event_types"]):
        errors["event_types"] = ENTER_TYPES
    filters, filter_errors = _filters(form)
    return filters, errors | filter_errors


def _parse_moment(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T").rstrip("Z"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class ConsumerPages(PageController):
    # -- consumers -------------------------------------------------------------------------------------------

    @get("/consumers", operation_id="ConsumersPage")
    async def consumers(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Template | Redirect:
        person = _staff(request)
        if isinstance(person, Redirect):
            return person
        page = await WebhookService(db, clock, settings).list_consumers(
            actor=person, cursor=request.query_params.get("cursor"), limit=DEFAULT_LIMIT
        )
        return _page(
            request, "webhooks/consumers.html", {"consumers": page.items, "next_cursor": page.next_cursor}
        )

    @get("/consumers/{consumer_id:uuid}", operation_id="ConsumerPage")
    async def consumer(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings, consumer_id: UUID
    ) -> Template | Redirect:
        person = _staff(request)
        if isinstance(person, Redirect):
            return person
        webhooks = WebhookService(db, clock, settings)
        consumer = await webhooks.get_consumer(consumer_id, actor=person)
        endpoints = await webhooks.list_endpoints(consumer_id, actor=person, cursor=None, limit=100)
        notices = await DeliveryService(db, clock, settings).notices(
            consumer_id, actor=person, cursor=None, limit=10
        )
        return _page(
            request,
            "webhooks/consumer.html",
            {
                "consumer": consumer,
                "endpoints": endpoints.items,
                "notices": notices.items,
                "status_names": STATUS_NAMES,
            },
        )

    # -- the delivery log ------------------------------------------------------------------------------------

    @get("/consumers/{consumer_id:uuid}/deliveries", operation_id="DeliveryLogPage")
    async def deliveries(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings, consumer_id: UUID
    ) -> Template | Redirect:
        person = _staff(request)
        if isinstance(person, Redirect):
            return person
        query = request.query_params
        webhooks = WebhookService(db, clock, settings)
        consumer = await webhooks.get_consumer(consumer_id, actor=person)
        endpoints = (await webhooks.list_endpoints(consumer_id, actor=person, cursor=None, limit=100)).items
        chosen = {
            "endpoint": query.get("endpoint", ""),
            "state": query.get("state", ""),
            "event_type": query.get("event_type", "").strip(),
        }
        # A filter value the list does not know is left out (and shown as not chosen), as a search form does.
        endpoint_id = next((e.id for e in endpoints if str(e.id) == chosen["endpoint"]), None)
        state = DeliveryState(chosen["state"]) if chosen["state"] in set(DeliveryState) else None
        try:
            page = await DeliveryService(db, clock, settings).list(
                consumer_id,
                actor=person,
                endpoint_id=endpoint_id,
                state=state,
                event_type=chosen["event_type"][:100] or None,
                since=None,
                until=None,
                cursor=query.get("cursor"),
                limit=DEFAULT_LIMIT,
            )
        except DomainError:  # a cursor that is not one of ours: the first page
            page = await DeliveryService(db, clock, settings).list(
                consumer_id,
                actor=person,
                endpoint_id=endpoint_id,
                state=state,
                event_type=chosen["event_type"][:100] or None,
                since=None,
                until=None,
                cursor=None,
                limit=DEFAULT_LIMIT,
            )
        language = language_of(request)
        filters = {
            k: v
            for k, v in (
                ("endpoint", str(endpoint_id or "")),
                ("state", state or ""),
                ("event_type", chosen["event_type"]),
            )
            if v
        }
        base = i18n.path_in(language, f"/consumers/{consumer_id}/deliveries")
        next_url = (
            f"{base}?{urlencode({**filters, 'cursor': page.next_cursor})}" if page.next_cursor else None
        )
        return _page(
            request,
            "webhooks/deliveries.html",
            {
                "consumer": consumer,
                "deliveries": page.items,
                "endpoints": {e.id: e for e in endpoints},
                "endpoint_options": [("", gettext(language, N_("All endpoints")))]
                + [(str(e.id), e.url) for e in endpoints],
                "state_options": [("", gettext(language, N_("Any state")))]
                + [(s.value, gettext(language, STATE_NAMES[s])) for s in DeliveryState],
                "chosen": {
                    **chosen,
                    "endpoint": str(endpoint_id or ""),
                    "state": state.value if state else "",
                },
                "state_names": STATE_NAMES,
                "next_url": next_url,
                "first_url": base + (f"?{urlencode(filters)}" if filters else "")
                if query.get("cursor")
                else None,
            },
        )

    @get("/consumers/{consumer_id:uuid}/deliveries/{delivery_id:uuid}", operation_id="DeliveryPage")
    async def delivery(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        consumer_id: UUID,
        delivery_id: UUID,
    ) -> Template | Redirect:
        person = _staff(request)
        if isinstance(person, Redirect):
            return person
        token = await context_of(request.scope).csrf_token(db)
        return await self._delivery(request, db, clock, settings, person, consumer_id, delivery_id, token)

    async def _delivery(
        self,
        request: AnyRequest,
        conn: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        person: Principal,
        consumer_id: UUID,
        delivery_id: UUID,
        token: str,
        error: str | None = None,
        status_code: int = 200,
    ) -> Template:
        deliveries = DeliveryService(conn, clock, settings)
        delivery = await deliveries.get(consumer_id, delivery_id, actor=person)
        consumer = await deliveries.webhooks.get_consumer(consumer_id, actor=person)
        endpoint = await deliveries.webhooks.get_endpoint(consumer_id, delivery.endpoint_id, actor=person)
        return _page(
            request,
            "webhooks/delivery.html",
            {
                "consumer": consumer,
                "endpoint": endpoint,
                "delivery": delivery,
                "state_names": STATE_NAMES,
                "csrf_token": token,
                "notice": _notice(request),
                "error": gettext(language_of(request), error) if error else None,
            },
            status_code,
        )

    @post(
        "/consumers/{consumer_id:uuid}/deliveries/{delivery_id:uuid}/replay",
        operation_id="ReplayDeliveryForm",
        status_code=303,
    )
    async def replay(
        self,
        request: AnyRequest,
        tx: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        consumer_id: UUID,
        delivery_id: UUID,
    ) -> Template | Redirect:
        person = _staff(request)
        if isinstance(person, Redirect):
            return person
        try:
            replay = await DeliveryService(tx, clock, settings).replay(consumer_id, delivery_id, actor=person)
        except DeliveryStillPending:
            return await self._delivery(
                request,
                tx,
                clock,
                settings,
                person,
                consumer_id,
                delivery_id,
                _csrf(request),
                STILL_PENDING,
                409,
            )
        return _to(request, f"/consumers/{consumer_id}/deliveries/{replay.id}", "replayed")

    # -- registering an endpoint -----------------------------------------------------------------------------

    @get("/consumers/{consumer_id:uuid}/endpoints/new", operation_id="NewEndpointPage")
    async def new_endpoint(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings, consumer_id: UUID
    ) -> Template | Redirect:
        person = _staff(request)
        if isinstance(person, Redirect):
            return person
        consumer = await WebhookService(db, clock, settings).get_consumer(consumer_id, actor=person)
        token = await context_of(request.scope).csrf_token(db)
        form = {"event_types": "message.approved", "enabled": "yes"}
        return self._new_form(request, consumer, token, form, {})

    def _new_form(
        self,
        request: AnyRequest,
        consumer: Any,
        token: str,
        form: Mapping[str, str],
        errors: Mapping[str, str],
        status_code: int = 200,
    ) -> Template:
        return _page(
            request,
            "webhooks/new_endpoint.html",
            {
                "consumer": consumer,
                "csrf_token": token,
                "form": form,
                "errors": dict(errors),
                "families": deliverable_families(),
            },
            status_code,
        )

    @post("/consumers/{consumer_id:uuid}/endpoints/new", operation_id="RegisterEndpointForm", status_code=303)
    async def register(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings, consumer_id: UUID
    ) -> Template | Redirect:
        person = _staff(request)
        if isinstance(person, Redirect):
            return person
        webhooks = WebhookService(tx, clock, settings)
        consumer = await webhooks.get_consumer(consumer_id, actor=person)
        form = _read_endpoint_form(await request.form())
        filters, errors = _check_endpoint_form(form)
        values: dict[str, str] = {}
        if not errors and filters is not None:
            try:
                data = msgspec.convert(
                    {
                        "url": form["url"],
                        "description": form["description"],
                        "event_types": sorted(set(_list(form["event_types"])))[:50],
                        "filters": filters,
                        "sign_ed25519": bool(form["sign_ed25519"]),
                    },
                    EndpointCreate,
                )
            except msgspec.ValidationError as exc:
                errors = {"url": ENTER_URL} if "url" in str(exc) else {"event_types": ENTER_TYPES}
            else:
                try:
                    created = await webhooks.create_endpoint(consumer_id, data, actor=person)
                except InvalidEndpoint as exc:
                    errors, values = _endpoint_errors(exc)
                else:
                    return _to(request, f"/consumers/{consumer_id}/endpoints/{created.id}", "registered")
        language = language_of(request)
        return self._new_form(
            request, consumer, _csrf(request), form, _translated(language, errors, values), 422
        )

    # -- one endpoint ----------------------------------------------------------------------------------------

    @get("/consumers/{consumer_id:uuid}/endpoints/{endpoint_id:uuid}", operation_id="EndpointPage")
    async def endpoint(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        consumer_id: UUID,
        endpoint_id: UUID,
    ) -> Template | Redirect:
        person = _staff(request)
        if isinstance(person, Redirect):
            return person
        token = await context_of(request.scope).csrf_token(db)
        return await self._endpoint(request, db, clock, settings, person, consumer_id, endpoint_id, token)

    async def _endpoint(
        self,
        request: AnyRequest,
        conn: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        person: Principal,
        consumer_id: UUID,
        endpoint_id: UUID,
        token: str,
        *,
        form: Mapping[str, str] | None = None,
        errors: Mapping[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        deliveries = DeliveryService(conn, clock, settings)
        webhooks = deliveries.webhooks
        consumer = await webhooks.get_consumer(consumer_id, actor=person)
        endpoint = await webhooks.get_endpoint(consumer_id, endpoint_id, actor=person)
        recent = await deliveries.list(
            consumer_id,
            actor=person,
            endpoint_id=endpoint_id,
            state=None,
            event_type=None,
            since=None,
            until=None,
            cursor=None,
            limit=5,
        )
        now = clock.now()
        return _page(
            request,
            "webhooks/endpoint.html",
            {
                "consumer": consumer,
                "endpoint": endpoint,
                "health": await deliveries.health(consumer_id, endpoint_id, actor=person),
                "secrets": await webhooks.secrets(consumer_id, endpoint_id, actor=person),
                "signing_keys": (await deliveries.signing_keys()).keys,
                "recent": recent.items,
                "pinged": any(d.is_ping for d in recent.items),
                "status_names": STATUS_NAMES,
                "state_names": STATE_NAMES,
                "failing_threshold": FAILING_THRESHOLD,
                "csrf_token": token,
                "notice": _notice(request),
                "form": {
                    **_endpoint_form(endpoint),
                    "grace_hours": str(DEFAULT_GRACE_SECONDS // 3600),
                    "since": now.strftime("%Y-%m-%d %H:%M"),
                    **(form or {}),
                },
                "errors": dict(errors or {}),
                "now": now,
                "families": deliverable_families(),
            },
            status_code,
        )

    def _endpoint_path(self, consumer_id: UUID, endpoint_id: UUID) -> str:
        return f"/consumers/{consumer_id}/endpoints/{endpoint_id}"

    @post(
        "/consumers/{consumer_id:uuid}/endpoints/{endpoint_id:uuid}/ping",
        operation_id="PingEndpointForm",
        status_code=303,
    )
    async def ping(
        self,
        request: AnyRequest,
        tx: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        consumer_id: UUID,
        endpoint_id: UUID,
    ) -> Redirect:
        """The verification ping and the test event are the same signed webhook.ping (as POST .../ping)."""
        person = _staff(request)
        if isinstance(person, Redirect):
            return person
        delivery_id = await WebhookService(tx, clock, settings).ping(consumer_id, endpoint_id, actor=person)
        return _to(request, f"/consumers/{consumer_id}/deliveries/{delivery_id}", "pinged")

    @post(
        "/consumers/{consumer_id:uuid}/endpoints/{endpoint_id:uuid}/settings",
        operation_id="UpdateEndpointForm",
        status_code=303,
    )
    async def update(
        self,
        request: AnyRequest,
        tx: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        consumer_id: UUID,
        endpoint_id: UUID,
    ) -> Template | Redirect:
        person = _staff(request)
        if isinstance(person, Redirect):
            return person
        form = _read_endpoint_form(await request.form())
        filters, errors = _check_endpoint_form(form)
        values: dict[str, str] = {}
        webhooks = WebhookService(tx, clock, settings)
        if not errors and filters is not None:
            try:
                patch = msgspec.convert(
                    {
                        "url": form["url"],
                        "description": form["description"],
                        "event_types": sorted(set(_list(form["event_types"])))[:50],
                        "filters": filters,
                        "sign_ed25519": bool(form["sign_ed25519"]),
                        "enabled": bool(form["enabled"]),
                    },
                    EndpointPatch,
                )
            except msgspec.ValidationError as exc:
                errors = {"url": ENTER_URL} if "url" in str(exc) else {"event_types": ENTER_TYPES}
            else:
                version = int(form["version"]) if form["version"].isdigit() else None
                try:
                    await webhooks.update_endpoint(
                        consumer_id, endpoint_id, patch, expected_version=version, actor=person
                    )
                except InvalidEndpoint as exc:
                    errors, values = _endpoint_errors(exc)
                except PreconditionFailed:
                    errors = {"version": STALE}
                    form = {}
                else:
                    return _to(request, self._endpoint_path(consumer_id, endpoint_id), "updated")
        language = language_of(request)
        return await self._endpoint(
            request,
            tx,
            clock,
            settings,
            person,
            consumer_id,
            endpoint_id,
            _csrf(request),
            form={k: v for k, v in form.items() if k != "version"},
            errors=_translated(language, errors, values),
            status_code=409 if "version" in errors else 422,
        )

    @post(
        "/consumers/{consumer_id:uuid}/endpoints/{endpoint_id:uuid}/rotate",
        operation_id="RotateSecretForm",
        status_code=303,
    )
    async def rotate(
        self,
        request: AnyRequest,
        tx: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        consumer_id: UUID,
        endpoint_id: UUID,
    ) -> Template | Redirect:
        person = _staff(request)
        if isinstance(person, Redirect):
            return person
        hours_text = _text(await request.form(), "grace_hours")
        try:
            data = msgspec.convert({"grace_seconds": int(hours_text) * 3600}, SecretRotate)
        except (ValueError, msgspec.ValidationError):
            return await self._endpoint(
                request,
                tx,
                clock,
                settings,
                person,
                consumer_id,
                endpoint_id,
                _csrf(request),
                form={"grace_hours": hours_text},
                errors=_translated(language_of(request), {"grace_hours": GRACE_RANGE}),
                status_code=422,
            )
        await WebhookService(tx, clock, settings).rotate_secret(consumer_id, endpoint_id, data, actor=person)
        return _to(request, self._endpoint_path(consumer_id, endpoint_id), "rotated")

    @post(
        "/consumers/{consumer_id:uuid}/endpoints/{endpoint_id:uuid}/recover",
        operation_id="RecoverEndpointForm",
        status_code=303,
    )
    async def recover(
        self,
        request: AnyRequest,
        tx: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        queue: ArqRedis,
        consumer_id: UUID,
        endpoint_id: UUID,
    ) -> Template | Redirect:
        person = _staff(request)
        if isinstance(person, Redirect):
            return person
        raw = await request.form()
        form = {"since": _text(raw, "since"), "until": _text(raw, "until")}
        since, until = _parse_moment(form["since"]), _parse_moment(form["until"]) if form["until"] else None
        errors: dict[str, str] = {}
        if since is None:
            errors["since"] = ENTER_SINCE
        elif form["until"] and (until is None or until <= since):
            errors["until"] = UNTIL_ORDER
        elif since > clock.now():
            errors["since"] = SINCE_FUTURE
        if not errors:
            data = RecoveryCreate(since=since, until=until)  # type: ignore[arg-type]
            try:
                recovery = await DeliveryService(tx, clock, settings).request_recovery(
                    consumer_id, endpoint_id, data, actor=person
                )
            except DomainError as exc:
                if exc.status >= 500 or not exc.errors:
                    raise
                errors["since"] = SINCE_FUTURE
            else:
                redirect = _to(request, self._endpoint_path(consumer_id, endpoint_id), "recovering")
                redirect.background = BackgroundTask(enqueue_recovery, queue, recovery.id)
                return redirect
        return await self._endpoint(
            request,
            tx,
            clock,
            settings,
            person,
            consumer_id,
            endpoint_id,
            _csrf(request),
            form=form,
            errors=_translated(language_of(request), errors),
            status_code=422,
        )
