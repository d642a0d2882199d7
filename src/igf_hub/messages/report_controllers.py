"""HTTP for session reports, at ``/v1/session-reports``."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, get, patch, post
from litestar.params import Parameter

from igf_hub.auth.guards import requires_authenticated, requires_secretariat
from igf_hub.auth.principal import AnyRequest
from igf_hub.core.caching import cached
from igf_hub.core.concurrency import expected_version, written
from igf_hub.core.input_guard import UnsupportedMediaType
from igf_hub.core.params import DEFAULT_LIMIT, Cursor, Limit, YearFilter
from igf_hub.core.providers import reader, writer
from igf_hub.core.ratelimit import rate_limit
from igf_hub.messages.errors import InvalidContent
from igf_hub.messages.params import GdcObjectiveFilter, SdgFilter
from igf_hub.messages.report_import import parse_csv, parse_json
from igf_hub.messages.report_repository import ReportFilters
from igf_hub.messages.report_schemas import (
    ImportResult,
    SessionReport,
    SessionReportCreate,
    SessionReportPage,
    SessionReportPatch,
    SessionType,
)
from igf_hub.messages.report_service import SessionReportService

WRITE = {"reports": writer(SessionReportService)}


class SessionReportController(Controller):
    path = "/v1/session-reports"
    tags = ["IGF Messages: session reports"]
    dependencies = {"reports": reader(SessionReportService)}

    @get("/", operation_id="ListSessionReports")
    async def list_reports(
        self,
        request: AnyRequest,
        reports: SessionReportService,
        year: YearFilter = None,
        session_type: SessionType | None = None,
        action_line: str | None = None,
        sdg: SdgFilter = None,
        gdc_objective: GdcObjectiveFilter = None,
        q: Annotated[str | None, Parameter(min_length=2, max_length=200)] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Response[SessionReportPage]:
        """The IGF session reports (key takeaways and calls to action), newest year first, filtered by year,
        session type, WSIS action line, SDG, GDC objective and a text search (``q``). Public."""
        filters = ReportFilters(
            year=year,
            session_type=session_type,
            action_line=action_line,
            sdg=sdg,
            gdc_objective=gdc_objective,
            q=q,
        )
        return cached(request, await reports.page(filters, cursor=cursor, limit=limit))

    @post(
        "/",
        operation_id="SubmitSessionReport",
        dependencies=WRITE,
        guards=[requires_authenticated, rate_limit("session-reports", 20, 3600)],
    )
    async def submit(
        self, data: SessionReportCreate, request: AnyRequest, reports: SessionReportService
    ) -> Response[SessionReport]:
        """A session's key takeaways and calls to action, entered by its organiser (who may then edit it)."""
        report = await reports.submit(data, actor=request.user)
        return written(report, status_code=201)

    @get("/{report_id:uuid}", operation_id="GetSessionReport")
    async def get_report(
        self, report_id: UUID, request: AnyRequest, reports: SessionReportService
    ) -> Response[SessionReport]:
        """One session report, with an ETag. Public."""
        report = await reports.get(report_id)
        return cached(request, report, version=report.version)

    @patch(
        "/{report_id:uuid}",
        operation_id="UpdateSessionReport",
        guards=[requires_authenticated],
        dependencies=WRITE,
    )
    async def update_report(
        self, report_id: UUID, data: SessionReportPatch, request: AnyRequest, reports: SessionReportService
    ) -> Response[SessionReport]:
        """Edit a session report: the organiser who entered it, or the Secretariat (403 for anyone else).
        Needs If-Match (428 when missing, 412 when stale)."""
        report = await reports.patch(
            report_id, data, actor=request.user, expected_version=expected_version(request)
        )
        return written(report)

    @post("/imports", operation_id="ImportSessionReports", guards=[requires_secretariat], dependencies=WRITE)
    async def import_reports(self, request: AnyRequest, reports: SessionReportService) -> ImportResult:
        """Bulk import (Secretariat): ``application/json`` as ``{"reports": [...]}`` or ``text/csv`` with the
        columns year, session_ref, session_title, session_type, organisers, key_takeaways, calls_to_action,
        wsis_action_lines, sdgs, gdc_objectives, language. All rows or none; every problem is listed. Importing
        the same (year, session_ref) again updates that report."""
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        raw = await request.body()
        if media == "text/csv":
            parsed, errors = parse_csv(raw)
        elif media in ("application/json", ""):
            parsed, errors = parse_json(raw)
        else:
            raise UnsupportedMediaType(f"{media} is not an import format: send application/json or text/csv")
        if errors:
            raise InvalidContent(
                f"{len(errors)} problem{'s' if len(errors) != 1 else ''} in the import", errors=errors
            )
        return await reports.import_reports(parsed, actor=request.user)
