"""create_app(settings) -> Litestar: the one list of controllers and of domain wiring, the dependencies, error
mapping and lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from litestar import Litestar, Response
from litestar.config.compression import CompressionConfig
from litestar.di import Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, OAuthFlow, OAuthFlows, SecurityScheme
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsPlugin,
)
from litestar.routes import HTTPRoute
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path

from igf_hub.auth import keys, twofactor_service
from igf_hub.auth.controllers import (
    IdentityController,
    OAuthController,
    WellKnownController,
)
from igf_hub.auth.middleware import AuthenticationMiddleware
from igf_hub.auth.pages import SignInPages
from igf_hub.auth.role_pages import WORKSPACE as ROLE_WORKSPACE
from igf_hub.auth.role_pages import RolePages
from igf_hub.auth.service import IdentityService
from igf_hub.auth.tokens import TokenVerifier
from igf_hub.auth.twofactor_pages import TwoFactorPages
from igf_hub.core import audit, mail, signing, wiring
from igf_hub.core.clock import Clock
from igf_hub.core.db import acquire, pool_lifespan, provide_db, provide_tx
from igf_hub.core.errors import DomainError, to_problem
from igf_hub.core.input_guard import before_request, input_guard_middleware
from igf_hub.core.logging import add_request_id_header, request_id_middleware
from igf_hub.core.metrics import Metrics
from igf_hub.core.openapi import document_problems, webhooks_section
from igf_hub.core.outbox import EventDoc
from igf_hub.core.pagination import link_next_page
from igf_hub.core.problems import api_http_error, http_problem, internal_error, validation_problem
from igf_hub.core.providers import provide_clock, provide_settings
from igf_hub.core.queue import provide_queue, queue_lifespan
from igf_hub.core.schemas import TYPE_DECODERS, BoundedSchemaPlugin
from igf_hub.core.security_headers import add_security_headers
from igf_hub.core.settings import Settings
from igf_hub.core.streaming import StreamBudget, provide_stream_slot
from igf_hub.funding import FundingController, TransparencyController
from igf_hub.funding import wiring as funding_wiring
from igf_hub.funding.finance_pages import WORKSPACE as FINANCE_WORKSPACE
from igf_hub.funding.finance_pages import FinancePages, GrantPages
from igf_hub.funding.pages import NAVIGATION as FUNDING_NAVIGATION
from igf_hub.funding.pages import TransparencyPage
from igf_hub.funding.workspace_pages import WORKSPACE as FUNDING_WORKSPACE
from igf_hub.funding.workspace_pages import DonorPortalPages
from igf_hub.mag import MagAppointmentController, MagCycleController, MagPeopleController
from igf_hub.mag import wiring as mag_wiring
from igf_hub.mag.balance_pages import MagBalancePages
from igf_hub.mag.pages import WORKSPACE as MAG_WORKSPACE
from igf_hub.mag.pages import MagCyclePages
from igf_hub.messages import MESSAGE_CONTROLLERS
from igf_hub.messages import wiring as messages_wiring
from igf_hub.messages.ballot_pages import WORKSPACE as MESSAGE_WORKSPACE
from igf_hub.messages.ballot_pages import BallotPages
from igf_hub.messages.disposition_pages import DispositionPages
from igf_hub.messages.drafting_pages import WORKSPACE as DRAFTING_WORKSPACE
from igf_hub.messages.drafting_pages import DraftingPages
from igf_hub.messages.moderation_pages import ModerationPages
from igf_hub.messages.pages import CALENDARS as MESSAGE_CALENDARS
from igf_hub.messages.pages import HOME_SECTIONS as MESSAGE_HOME_SECTIONS
from igf_hub.messages.pages import NAVIGATION as MESSAGE_NAVIGATION
from igf_hub.messages.pages import MessageFeeds, MessagePages
from igf_hub.nri import NriController, NriExportController, NriReportController, OverdueReportController
from igf_hub.nri import wiring as nri_wiring
from igf_hub.nri.pages import CALENDARS as NRI_CALENDARS
from igf_hub.nri.pages import HOME_SECTIONS as NRI_HOME_SECTIONS
from igf_hub.nri.pages import NAVIGATION as NRI_NAVIGATION
from igf_hub.nri.pages import NriPages
from igf_hub.nri.review_pages import WORKSPACE as NRI_REVIEW_WORKSPACE
from igf_hub.nri.review_pages import NriReviewPages
from igf_hub.nri.workspace_pages import WORKSPACE as NRI_WORKSPACE
from igf_hub.nri.workspace_pages import NriWorkspacePages
from igf_hub.nri.workspace_report_pages import NriReportPages
from igf_hub.people import wiring as people_wiring
from igf_hub.people.account_pages import AccountSettingsPages
from igf_hub.people.follow_pages import FollowPages
from igf_hub.people.invitation_controllers import InvitationController
from igf_hub.people.invitation_pages import InvitationPages
from igf_hub.people.mailbox_pages import DevMailboxPage
from igf_hub.people.notice_pages import (
    InboxPage,
    NotificationSettingsPage,
    SendLogPage,
    UnreadCount,
    UnsubscribePage,
)
from igf_hub.people.pages import WORKSPACE as PEOPLE_WORKSPACE
from igf_hub.people.pages import AccountPages
from igf_hub.reports import wiring as reports_wiring
from igf_hub.reports.controllers import ReportController
from igf_hub.reports.pages import ReportPages
from igf_hub.reports.workspace_pages import WORKSPACE as REPORT_WORKSPACE
from igf_hub.reports.workspace_pages import ReportWorkspacePages
from igf_hub.system import wiring as system_wiring
from igf_hub.system.audit_pages import WORKSPACE as AUDIT_WORKSPACE
from igf_hub.system.audit_pages import AuditLogPages
from igf_hub.system.controllers import (
    AuditCheckpointController,
    AuditController,
    HealthController,
    MetricsController,
    VocabController,
)
from igf_hub.system.signing_controllers import PublicationKeyController, SignatureController
from igf_hub.system.verify_pages import VerifyPage
from igf_hub.tracks import CallController, OutputController, TrackController
from igf_hub.tracks import wiring as tracks_wiring
from igf_hub.tracks.pages import CALENDARS as TRACK_CALENDARS
from igf_hub.tracks.pages import HOME_SECTIONS as TRACK_HOME_SECTIONS
from igf_hub.tracks.pages import NAVIGATION as TRACK_NAVIGATION
from igf_hub.tracks.pages import TrackFeeds, TrackPages
from igf_hub.tracks.workspace_pages import WORKSPACE as TRACK_WORKSPACE
from igf_hub.tracks.workspace_pages import TrackWorkspacePages
from igf_hub.web import templating
from igf_hub.web.calendar import CalendarAccountPage, CalendarFeeds, DeadlineList
from igf_hub.web.errors import page_or_api
from igf_hub.web.home import HomePage, HomeSection
from igf_hub.web.i18n import LanguagePrefix
from igf_hub.web.navigation import NavItem, WorkItem
from igf_hub.web.queue import WORKSPACE as QUEUE_WORKSPACE
from igf_hub.web.queue import WorkQueuePage
from igf_hub.web.search import SearchPage
from igf_hub.web.sessions import NO_SESSION, WebSessionMiddleware
from igf_hub.web.workspace import WorkspacePage
from igf_hub.webhooks import ConsumerController, EventController, warn_about_allowlist
from igf_hub.webhooks import wiring as webhooks_wiring
from igf_hub.webhooks.pages import WORKSPACE as WEBHOOK_WORKSPACE
from igf_hub.webhooks.pages import ConsumerPages

# Every controller of the service, in one readable list.
CONTROLLERS: list[Any] = [
    HealthController,
    MetricsController,
    VocabController,
    AuditController,
    AuditCheckpointController,
    PublicationKeyController,
    SignatureController,
    OAuthController,
    WellKnownController,
    SignInPages,
    TwoFactorPages,
    IdentityController,
    InvitationController,
    FundingController,
    TransparencyController,
    MagCycleController,
    MagAppointmentController,
    MagPeopleController,
    TrackController,
    OutputController,
    CallController,
    NriController,
    NriExportController,
    NriReportController,
    OverdueReportController,
    *MESSAGE_CONTROLLERS,
    ReportController,
    ConsumerController,
    EventController,
]

# The web pages (HTML, outside the OpenAPI document) and the home page's sections, each domain's own.
PAGES: list[Any] = [
    HomePage,
    AccountPages,
    FollowPages,
    InvitationPages,
    AccountSettingsPages,
    MessagePages,
    DispositionPages,
    DraftingPages,
    BallotPages,
    ModerationPages,
    MessageFeeds,
    NriPages,
    NriReviewPages,
    RolePages,
    AuditLogPages,
    MagCyclePages,
    MagBalancePages,
    NriWorkspacePages,
    NriReportPages,
    TrackPages,
    TrackWorkspacePages,
    TrackFeeds,
    CalendarFeeds,
    CalendarAccountPage,
    TransparencyPage,
    ReportPages,
    ReportWorkspacePages,
    DevMailboxPage,
    VerifyPage,
    InboxPage,
    NotificationSettingsPage,
    UnsubscribePage,
    SendLogPage,
    SearchPage,
    WorkspacePage,
    ConsumerPages,
    WorkQueuePage,
    DonorPortalPages,
    FinancePages,
    GrantPages,
]
HOME_SECTIONS: list[HomeSection] = [*NRI_HOME_SECTIONS, *MESSAGE_HOME_SECTIONS, *TRACK_HOME_SECTIONS]
NAVIGATION: list[NavItem] = [*MESSAGE_NAVIGATION, *NRI_NAVIGATION, *TRACK_NAVIGATION, *FUNDING_NAVIGATION]
# "My work" (web/workspace.py): each domain's entry points to the work its roles do.
WORKSPACE: list[WorkItem] = [
    *PEOPLE_WORKSPACE,
    *DRAFTING_WORKSPACE,
    *WEBHOOK_WORKSPACE,
    *MAG_WORKSPACE,
    *QUEUE_WORKSPACE,
    *NRI_REVIEW_WORKSPACE,
    *NRI_WORKSPACE,
    *ROLE_WORKSPACE,
    *AUDIT_WORKSPACE,
    *MESSAGE_WORKSPACE,
    *FUNDING_WORKSPACE,
    *FINANCE_WORKSPACE,
    *TRACK_WORKSPACE,
    *REPORT_WORKSPACE,
]
# The deadline calendars (web/calendar.py): each domain's lists of deadlines, public and personal.
CALENDARS: list[DeadlineList] = [*MESSAGE_CALENDARS, *TRACK_CALENDARS, *NRI_CALENDARS]

# What each domain plugs into the others (its wiring.py): event families and their catalogue, subscribers,
# reference resolvers, metrics. worker.py lists the same; tests/architecture/test_wiring.py checks both.
WIRING: list[wiring.Wiring] = [
    messages_wiring.WIRING,
    nri_wiring.WIRING,
    tracks_wiring.WIRING,
    mag_wiring.WIRING,
    funding_wiring.WIRING,
    system_wiring.WIRING,
    webhooks_wiring.WIRING,
    people_wiring.WIRING,
    reports_wiring.WIRING,
]


@asynccontextmanager
async def services_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Shared HTTP client and token verifier; the first signing key and the console client exist."""
    settings: Settings = app.state.settings
    warn_about_allowlist(settings.webhooks.allowed_hosts)
    twofactor_service.vault_for(settings)  # production without IGF_HUB_AUTH_TWO_FACTOR_KEY refuses to start
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0), follow_redirects=False) as http:
        app.state.http = http
        app.state.verifier = TokenVerifier(settings, app.state.clock, http)
        async with acquire(app.state) as conn, conn.transaction():
            await keys.ensure_signing_key(conn, keys.vault_for(settings), now=app.state.clock.now())
            await IdentityService(conn, app.state.clock, settings).ensure_console_client(settings.base_url)
        yield


# Every event type consumers receive, with the schema of its data (the OpenAPI document's webhooks section).
EVENT_CATALOGUE: list[EventDoc] = wiring.catalogue(WIRING)


def _openapi(settings: Settings) -> OpenAPIConfig:
    base = settings.base_url
    oauth = SecurityScheme(
        type="oauth2",
        description="Sign in through igf_hub's authorization server (the docs use the built-in console client).",
        flows=OAuthFlows(
            authorization_code=OAuthFlow(
                authorization_url=f"{base}/oauth/authorize",
                token_url=f"{base}/oauth/token",
                scopes={"api": "the API"},
            ),
            client_credentials=OAuthFlow(token_url=f"{base}/oauth/token", scopes={"api": "the API"}),
        ),
    )
    bearer = SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
    assets = "/schema-assets"
    return OpenAPIConfig(
        title="igf_hub API",
        version="1.0.0",
        description="The Internet Governance Forum ecosystem: NRIs, intersessional tracks, the MAG, funding, "
        "IGF Messages and their webhooks. Errors are RFC 9457 problem+json.",
        path="/schema",
        use_handler_docstrings=True,
        webhooks=webhooks_section(EVENT_CATALOGUE),
        components=Components(security_schemes={"oauth2": oauth, "bearer": bearer}),
        security=[{}, {"oauth2": ["api"]}, {"bearer": []}],
        render_plugins=[
            SwaggerRenderPlugin(
                path="/",
                js_url=f"{assets}/swagger-ui-bundle.js",
                css_url=f"{assets}/swagger-ui.css",
                standalone_preset_js_url=f"{assets}/swagger-ui-standalone-preset.js",
                favicon='<link rel="icon" href="data:,">',  # Litestar's default loads one from a CDN
                init_oauth={
                    "clientId": "igf-hub-console",
                    "usePkceWithAuthorizationCodeGrant": True,
                    "scopes": "api",
                },
            )
        ],
    )


def complete_options(app: Litestar) -> None:
    """``OPTIONS`` answers every route's methods in ``Allow``, to anyone (it says no more than /schema does).

    Litestar builds an OPTIONS handler for the first handlers registered on a path; when another controller
    adds methods to that path, the merged route keeps the old handler, whose ``Allow`` lists the first methods
    only, and which inherits the first controller's guards (a 401 with no ``Allow``). Rebind each one to the
    route it serves now.
    """
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if handler.http_methods == {"OPTIONS"} and handler.handler_name == "options_handler":
                allow = ", ".join(sorted(route.methods))

                def options_handler(scope: Any, allow: str = allow) -> Response[None]:
                    return Response(
                        content=None, status_code=204, headers={"Allow": allow}, media_type="text/plain"
                    )

                handler._fn = options_handler  # type: ignore[assignment]  # a sync fn, as Litestar's own
                handler._resolved_guards = []


def resolve_dependencies_in_turn(app: Litestar) -> None:
    """Each request resolves its handler's dependencies one after another, never in a task group.

    Litestar resolves the dependencies of one level (``settings``, ``clock``, ``db`` …) concurrently: an anyio
    task group and a task per dependency, on every request, for providers of which at most one waits on
    anything (the pool). That was about a fifth of an NRI read's CPU (``python -m bench.profile``). One level
    after another, each level's providers in turn (by name): the same providers, the same order of levels.
    """
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for _, model in route.route_handler_map.values():
            model.dependency_batches = [
                {dependency}
                for batch in model.dependency_batches
                for dependency in sorted(batch, key=lambda d: d.key)
            ]


def create_app(settings: Settings, *, clock: Clock | None = None) -> Litestar:
    audit.configure(settings)  # this deployment's seal key (a missing production key stops us here)
    mail.require_configured(settings)  # production sends real mail or is told not to
    signing.private_key(
        settings
    )  # a missing production publication key stops us here too (README, "Signed records")
    wiring.install(WIRING)
    metrics = Metrics()
    app = Litestar(
        route_handlers=[
            *CONTROLLERS,
            *PAGES,
            templating.static_files(),
            create_static_files_router(
                path="/schema-assets", directories=[swagger_ui_path], include_in_schema=False, opt=NO_SESSION
            ),
        ],
        dependencies={
            "settings": Provide(provide_settings, sync_to_thread=False),
            "clock": Provide(provide_clock, sync_to_thread=False),
            "db": Provide(provide_db),
            "tx": Provide(provide_tx),
            "queue": Provide(provide_queue, sync_to_thread=False),
            "stream_slot": Provide(provide_stream_slot),
        },
        lifespan=[pool_lifespan, queue_lifespan, services_lifespan],
        middleware=[
            request_id_middleware,
            metrics.middleware,
            AuthenticationMiddleware(),
            input_guard_middleware,
            WebSessionMiddleware(),  # after the input guard: it reads page forms for their CSRF token
            UnreadCount(),  # after the session: the header's unread count for a signed-in person
        ],
        before_send=[add_request_id_header, add_security_headers],
        before_request=before_request,
        after_request=link_next_page,
        plugins=[
            ProblemDetailsPlugin(
                ProblemDetailsConfig(
                    enable_for_all_http_exceptions=True,
                    exception_to_problem_detail_map={
                        DomainError: to_problem,
                        ValidationException: validation_problem,
                        HTTPException: http_problem,
                    },
                )
            ),
            BoundedSchemaPlugin(),
        ],
        type_decoders=TYPE_DECODERS,  # money, rates and dates read strictly (core/schemas.py)
        # An unknown address under a language prefix (/fr/…) is answered with a page, any other with a problem.
        exception_handlers={
            Exception: internal_error,
            404: page_or_api(api_http_error),
            405: page_or_api(api_http_error),
        },
        openapi_config=_openapi(settings),
        template_config=templating.template_config(),
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024),
        request_max_body_size=2 * 1024 * 1024,
        debug=False,
        # Logging is configured once, by core/logging.py (JSON in production): Litestar's default config would
        # replace that root handler with its own plain-text one when the app is built.
        logging_config=None,
    )
    app.state.settings = settings
    app.state.clock = clock or Clock()
    app.state.metrics = metrics
    app.state.stream_budget = StreamBudget(
        max_concurrent=settings.exports.max_concurrent,
        max_per_client=settings.exports.max_per_client,
        pool_max=settings.db.pool_max,
    )
    app.state.home_sections = HOME_SECTIONS
    app.state.navigation = NAVIGATION
    app.state.workspace = WORKSPACE
    app.state.calendars = CALENDARS
    app.asgi_handler = LanguagePrefix(app.asgi_handler)  # /fr/… is routed as /… in French (web/i18n.py)
    document_problems(app)  # error responses documented as the problem+json they are
    complete_options(app)
    resolve_dependencies_in_turn(app)
    return app
