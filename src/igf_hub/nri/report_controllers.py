"""HTTP for annual activity reports, and the Secretariat's list of overdue ones."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, get, patch, post
from litestar.params import Parameter

from igf_hub.auth.guards import requires_role, requires_secretariat
from igf_hub.auth.principal import AnyRequest, Role
from igf_hub.core.caching import cached
from igf_hub.core.concurrency import expected_version, required_version, written
from igf_hub.core.providers import reader, writer
from igf_hub.nri.report_schemas import (
    NriReport,
    NriReportCreate,
    NriReportPatch,
    OverdueReports,
    ReportRevision,
)
from igf_hub.nri.report_service import ReportService

WRITE = {"reports": writer(ReportService)}
MANAGERS = [requires_role(Role.nri_coordinator, Role.secretariat)]
# Bounded like the column's CHECK, so a year past int4 is a 422 naming the parameter instead of a SQL error.
ReportYear = Annotated[int, Parameter(ge=2006, le=2100, description="the year the report covers")]


class NriReportController(Controller):
    path = "/v1/nris/{nri_id:uuid}/reports"
    tags = ["NRI reports"]
    dependencies = {"reports": reader(ReportService)}

    @get("/", operation_id="ListNriReports")
    async def list_reports(
        self, request: AnyRequest, nri_id: UUID, reports: ReportService
    ) -> Response[list[NriReport]]:
        """The NRI's reports, newest year first (drafts only for its coordinators and the Secretariat). Whole:
        one report a year, 2006 to 2100, so at most 95."""
        items = await reports.of_nri(nri_id, actor=request.user)
        return cached(request, items)

    @post("/", operation_id="CreateNriReport", guards=MANAGERS, dependencies=WRITE)
    async def create(
        self, request: AnyRequest, nri_id: UUID, data: NriReportCreate, reports: ReportService
    ) -> Response[NriReport]:
        """Start the year's report as a draft (one per NRI and year)."""
        report = await reports.create(nri_id, data, actor=request.user)
        response = written(report, status_code=201)
        response.headers["Location"] = f"/v1/nris/{nri_id}/reports/{report.year}"
        return response

    @get("/{year:int}", operation_id="GetNriReport")
    async def get_report(
        self, request: AnyRequest, nri_id: UUID, year: ReportYear, reports: ReportService
    ) -> Response[NriReport]:
        """The NRI's activity report for one year, with an ETag. Submitted reports are public (for NRIs the
        caller may see); a draft is 404 except to the NRI's coordinators and the Secretariat."""
        report = await reports.get(nri_id, year, actor=request.user)
        return cached(request, report, version=report.version)

    @patch("/{year:int}", operation_id="UpdateNriReport", guards=MANAGERS, dependencies=WRITE)
    async def update(
        self,
        request: AnyRequest,
        nri_id: UUID,
        year: ReportYear,
        data: NriReportPatch,
        reports: ReportService,
    ) -> Response[NriReport]:
        """Edit with ``If-Match``; an edit after submission is kept as a new published revision."""
        version = required_version(request)
        return written(await reports.patch(nri_id, year, data, expected_version=version, actor=request.user))

    @post(
        "/{year:int}/submit",
        operation_id="SubmitNriReport",
        guards=MANAGERS,
        dependencies=WRITE,
        status_code=200,
    )
    async def submit(
        self, request: AnyRequest, nri_id: UUID, year: ReportYear, reports: ReportService
    ) -> Response[NriReport]:
        """Publish the report; an inactive NRI with a report of a recent meeting is reactivated."""
        version = expected_version(request, required=False)
        return written(await reports.submit(nri_id, year, expected_version=version, actor=request.user))

    @get("/{year:int}/revisions", operation_id="ListNriReportRevisions")
    async def revisions(
        self, request: AnyRequest, nri_id: UUID, year: ReportYear, reports: ReportService
    ) -> list[ReportRevision]:
        """Every published version of the report: the submission, then each late edit (the latest 200 at
        most)."""
        return await reports.revisions(nri_id, year, actor=request.user)


class OverdueReportController(Controller):
    path = "/v1/nris/reports"
    tags = ["NRI reports"]
    dependencies = {"reports": reader(ReportService)}

    @get("/overdue", operation_id="ListOverdueNriReports", guards=[requires_secretariat], cache=False)
    async def overdue(self, reports: ReportService) -> OverdueReports:
        """Reports not submitted within the allowed months of their meeting (Secretariat)."""
        return await reports.overdue()
