"""HTTP for the yearly report: the figures (live, and frozen with a published report), the narrative versions
and their diffs, and publication. Drafts are the Secretariat's; a published report is everyone's."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import Parameter

from igf_hub.auth.guards import requires_secretariat
from igf_hub.auth.principal import AnyRequest
from igf_hub.core.caching import PUBLIC_HOUR, cached
from igf_hub.core.params import Year
from igf_hub.core.providers import reader, writer
from igf_hub.reports import compile
from igf_hub.reports.schemas import FiguresDocument, Report, Section, Version, VersionCreate, VersionDiff
from igf_hub.reports.service import ReportService

WRITE = {"reports": writer(ReportService)}
SectionName = Annotated[
    str, Parameter(pattern=r"^[a-z][a-z_]{0,39}$", description="nri, tracks, messages, mag, funding")
]
VersionNumber = Annotated[int, Parameter(ge=1, le=2**31 - 1)]


class ReportController(Controller):
    path = "/v1/reports"
    tags = ["Yearly report"]
    dependencies = {"reports": reader(ReportService)}

    @get("/schema.json", operation_id="GetReportFiguresSchema", cache_control=PUBLIC_HOUR)
    async def schema(self) -> dict[str, Any]:
        """The JSON Schema (2020-12) of the figures document (``/v1/reports/{year}/figures.json``)."""
        (schema,), components = msgspec.json.schema_components(
            [FiguresDocument], ref_template="#/$defs/{name}"
        )
        return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "$defs": components}

    @get("/sections/{name:str}", operation_id="GetReportSection")
    async def section(
        self, request: AnyRequest, reports: ReportService, name: SectionName, year: Year
    ) -> Response[Section]:
        """One section's figures for a year, computed now from the record: the query every figure of the report
        names as its ``source``."""
        found = await compile.section(reports.conn, reports.settings, name, year, now=reports.clock.now())
        return cached(request, found)

    @get("/", operation_id="ListReports")
    async def list_reports(self, request: AnyRequest, reports: ReportService) -> list[dict[str, Any]]:
        """The yearly reports: the published ones (and, for the Secretariat, the drafts)."""
        return [
            {
                "year": r.year,
                "state": r.state,
                "published_at": r.published_at,
                "self": f"/v1/reports/{r.year}",
            }
            for r in await reports.reports(request.user)
        ]

    @get("/{year:int}", operation_id="GetReport")
    async def get_report(self, request: AnyRequest, reports: ReportService, year: Year) -> Report:
        """The report: its narrative in each language and its figures (a draft's computed now, a published
        report's as frozen at publication, with its signature)."""
        return await reports.get(year, request.user)

    @get("/{year:int}/figures.json", operation_id="GetReportFigures")
    async def figures(self, request: AnyRequest, reports: ReportService, year: Year) -> FiguresDocument:
        """Every figure of the report as one JSON document (schema: ``/v1/reports/schema.json``)."""
        return (await reports.get(year, request.user)).figures

    @get("/{year:int}/versions", operation_id="ListReportVersions")
    async def versions(self, request: AnyRequest, reports: ReportService, year: Year) -> list[Version]:
        """Every narrative version, oldest first (of a published report: up to the published one)."""
        return await reports.versions(year, request.user)

    @get("/{year:int}/versions/{number:int}", operation_id="GetReportVersion")
    async def version(
        self, request: AnyRequest, reports: ReportService, year: Year, number: VersionNumber
    ) -> Version:
        """One narrative version."""
        return await reports.version(year, number, request.user)

    @get("/{year:int}/diff", operation_id="GetReportDiff")
    async def diff(
        self,
        request: AnyRequest,
        reports: ReportService,
        year: Year,
        from_version: Annotated[int, Parameter(ge=1, le=2**31 - 1)],
        to_version: Annotated[int, Parameter(ge=1, le=2**31 - 1)],
    ) -> VersionDiff:
        """What changed between two versions of one language, section by section (a unified diff of each)."""
        return await reports.diff(year, from_version, to_version, request.user)

    @post(
        "/{year:int}/draft",
        operation_id="DraftReport",
        guards=[requires_secretariat],
        dependencies=WRITE,
        status_code=200,
    )
    async def draft(self, request: AnyRequest, reports: ReportService, year: Year) -> Response[Report]:
        """Draft the year's report (201), or return the draft that exists (200): its figures are computed from
        the record, its narrative is the Secretariat's to write."""
        report, created = await reports.draft(year, request.user)
        return Response(report, status_code=201 if created else 200)

    @post(
        "/{year:int}/versions",
        operation_id="SaveReportVersion",
        guards=[requires_secretariat],
        dependencies=WRITE,
    )
    async def save_version(
        self, request: AnyRequest, reports: ReportService, year: Year, data: VersionCreate
    ) -> Version:
        """A new narrative version: English, or a translation of an English version (``machine_translation``
        labels it on every page)."""
        return await reports.save_version(year, data, request.user)

    @post(
        "/{year:int}/publish",
        operation_id="PublishReport",
        guards=[requires_secretariat],
        dependencies=WRITE,
        status_code=200,
    )
    async def publish(self, request: AnyRequest, reports: ReportService, year: Year) -> Report:
        """Publish the report: its figures are frozen as the record gives them now, it is signed with the IGF
        publication key, and ``report.published`` reaches the consumers. A published report does not change."""
        return await reports.publish(year, request.user)
