"""HTTP for NRIs: the public directory, registration, edits, the recognition workflow and coordinators."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, delete, get, patch, post
from litestar.params import Parameter

from igf_hub.auth.guards import requires_authenticated, requires_role, requires_secretariat
from igf_hub.auth.principal import AnyRequest, Role
from igf_hub.core import csvfile, imports
from igf_hub.core.caching import PUBLIC_HOUR, cached
from igf_hub.core.concurrency import expected_version, required_version, written
from igf_hub.core.errors import FieldError
from igf_hub.core.input_guard import UnsupportedMediaType
from igf_hub.core.params import DEFAULT_LIMIT, Cursor, Limit
from igf_hub.core.providers import reader, writer
from igf_hub.core.ratelimit import rate_limit
from igf_hub.nri import criteria
from igf_hub.nri.coordinator_service import CoordinatorService
from igf_hub.nri.csv_io import NriImporter, export_csv
from igf_hub.nri.directory_service import NriDirectory
from igf_hub.nri.errors import ImportRejected
from igf_hub.nri.http import (
    CountryFilter,
    LanguageFilter,
    RegionalGroupFilter,
    SearchFilter,
    StatusFilter,
    TypeFilter,
    YearActiveFilter,
    directory_filters,
)
from igf_hub.nri.schemas import (
    Coordinator,
    CoordinatorInvite,
    CriteriaDocument,
    HistoryPage,
    ImportReport,
    Nri,
    NriChangesRequest,
    NriCreate,
    NriDecision,
    NriPage,
    NriPatch,
    NriStats,
    NriSubmit,
    Submission,
)
from igf_hub.nri.service import NriService

WRITE = {"nris": writer(NriService)}
COORDINATORS_WRITE = {"coordinators": writer(CoordinatorService)}
MANAGERS = [requires_role(Role.nri_coordinator, Role.secretariat)]
CSV = csvfile.MEDIA_TYPE
# Anyone signed in may register a draft NRI; an initiative registers once, so ten an hour is generous. The
# Secretariat's bulk path is the CSV import.
REGISTRATION_LIMIT = rate_limit("nri-registrations", 10, 3600)
ImportSource = Annotated[str | None, imports.source_parameter("new NRI")]


class NriController(Controller):
    path = "/v1/nris"
    tags = ["NRIs"]
    dependencies = {
        "nris": reader(NriService),
        "directory": reader(NriDirectory),
        "coordinators": reader(CoordinatorService),
    }

    @get("/", operation_id="ListNris")
    async def list_nris(
        self,
        request: AnyRequest,
        directory: NriDirectory,
        nri_type: TypeFilter = None,
        status: StatusFilter = None,
        country: CountryFilter = None,
        regional_group: RegionalGroupFilter = None,
        language: LanguageFilter = None,
        year_active: YearActiveFilter = None,
        q: SearchFilter = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Response[NriPage]:
        """The directory: recognised NRIs for everyone (plus your own and, for the Secretariat, all), by name."""
        page = await directory.page(
            directory_filters(nri_type, status, country, regional_group, language, year_active, q),
            cursor=cursor,
            limit=limit,
            actor=request.user,
        )
        return cached(request, page)

    @post(
        "/",
        operation_id="RegisterNri",
        guards=[requires_authenticated, REGISTRATION_LIMIT],
        dependencies=WRITE,
    )
    async def register(self, request: AnyRequest, data: NriCreate, nris: NriService) -> Response[Nri]:
        """Register an initiative as a draft; you become its first coordinator."""
        nri = await nris.register(data, actor=request.user)
        response = written(nri, status_code=201)
        response.headers["Location"] = f"/v1/nris/{nri.id}"
        return response

    @get(
        "/criteria",
        operation_id="GetNriCriteria",
        cache_control=PUBLIC_HOUR,
    )
    async def get_criteria(self) -> CriteriaDocument:
        """The IGF recognition criteria a submission must meet, and the advisories the reviewer sees."""
        return criteria.document()

    @get("/stats", operation_id="GetNriStats")
    async def stats(
        self,
        request: AnyRequest,
        directory: NriDirectory,
        nri_type: TypeFilter = None,
        status: StatusFilter = None,
        country: CountryFilter = None,
        regional_group: RegionalGroupFilter = None,
        language: LanguageFilter = None,
        year_active: YearActiveFilter = None,
        q: SearchFilter = None,
    ) -> Response[NriStats]:
        """Counts by type, regional group, status and year; participation totals from submitted reports."""
        stats = await directory.stats(
            directory_filters(nri_type, status, country, regional_group, language, year_active, q),
            actor=request.user,
        )
        return cached(request, stats)

    @post(
        "/import",
        operation_id="ImportNris",
        guards=[requires_secretariat],
        dependencies=WRITE,
        status_code=200,
    )
    async def import_nris(
        self, request: AnyRequest, nris: NriService, source: ImportSource = None, dry_run: bool = False
    ) -> ImportReport:
        """Import existing, recognised NRIs from a CSV body (``text/csv``); all rows or none.

        Columns: type, name, countries (required), youth_scope, acronym, scope_note, website, mailing_list_url,
        contact_email, languages, year_founded, description, focal_point_name, focal_point_email,
        focal_point_role, coordinator_email, recognised_on (the real recognition date, YYYY-MM-DD), status
        (recognised or inactive). Lists (countries, languages) are separated by ``;``. The export
        (``nris.csv``) is a valid import file: its derived columns are ignored. New NRIs are marked as imported
        from ``source``. ``?dry_run=true`` checks the file and reports what it would do, writing nothing."""
        media_type = imports.media_type(request)
        if media_type not in imports.CSV_TYPES:
            raise UnsupportedMediaType(f"send the file as text/csv, not {media_type or 'nothing'}")
        try:
            text = (await request.body()).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ImportRejected("the file is not UTF-8", errors=[FieldError("", str(exc))]) from None
        return await NriImporter(nris).run(text, actor=request.user, source=source, dry_run=dry_run)

    @get("/{nri_id:uuid}", operation_id="GetNri")
    async def get_nri(self, request: AnyRequest, nri_id: UUID, nris: NriService) -> Response[Nri]:
        """One NRI, with an ETag. Anyone reads an NRI once it has been recognised (the public view: no focal
        point e-mail addresses, no committee members' gender, no review details); before that it is 404 except
        to its coordinators and the Secretariat, who see everything including the latest submission."""
        nri = await nris.get(nri_id, actor=request.user)
        return cached(request, nri, version=nri.version)

    @patch("/{nri_id:uuid}", operation_id="UpdateNri", guards=MANAGERS, dependencies=WRITE)
    async def update(
        self, request: AnyRequest, nri_id: UUID, data: NriPatch, nris: NriService
    ) -> Response[Nri]:
        """Edit with ``If-Match``. Coordinators change recognition fields only in draft or changes_requested;
        contact fields (website, mailing list, e-mail, focal points, languages, description) at any time."""
        nri = await nris.patch(nri_id, data, expected_version=required_version(request), actor=request.user)
        return written(nri)

    @get("/{nri_id:uuid}/history", operation_id="GetNriHistory")
    async def history(
        self,
        request: AnyRequest,
        nri_id: UUID,
        nris: NriService,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> HistoryPage:
        """Everything that happened to the NRI, oldest first, from the audit log."""
        return await nris.history(nri_id, cursor=cursor, limit=limit, actor=request.user)

    @get("/{nri_id:uuid}/submissions", operation_id="ListNriSubmissions", guards=MANAGERS)
    async def submissions(self, request: AnyRequest, nri_id: UUID, nris: NriService) -> list[Submission]:
        """Each submission with the criteria it met, the reviewer's warnings and the decision on it, oldest
        first (the latest 200 at most)."""
        return await nris.submissions(nri_id, actor=request.user)

    # -- the recognition workflow (If-Match optional: checked when sent) ------------------------------

    @post(
        "/{nri_id:uuid}/submit",
        operation_id="SubmitNri",
        status_code=200,
        guards=[requires_role(Role.nri_coordinator)],
        dependencies=WRITE,
    )
    async def submit(
        self, request: AnyRequest, nri_id: UUID, data: NriSubmit, nris: NriService
    ) -> Response[Nri]:
        """Submit for recognition: 422 naming every unmet criterion; 409 if a recognised NRI of the same type
        already covers the same countries."""
        nri = await nris.submit(nri_id, data, expected_version=_version(request), actor=request.user)
        return written(nri)

    @post(
        "/{nri_id:uuid}/start-review",
        operation_id="StartNriReview",
        status_code=200,
        guards=[requires_secretariat],
        dependencies=WRITE,
    )
    async def start_review(self, request: AnyRequest, nri_id: UUID, nris: NriService) -> Response[Nri]:
        """The Secretariat takes a submitted NRI into review (submitted to under_review). 409 naming the
        allowed steps from any other status; If-Match optional (412 when stale)."""
        return written(
            await nris.start_review(nri_id, expected_version=_version(request), actor=request.user)
        )

    @post(
        "/{nri_id:uuid}/recognise",
        operation_id="RecogniseNri",
        status_code=200,
        guards=[requires_secretariat],
        dependencies=WRITE,
    )
    async def recognise(
        self, request: AnyRequest, nri_id: UUID, data: NriDecision, nris: NriService
    ) -> Response[Nri]:
        """The Secretariat recognises an NRI under review, with a reason: it becomes public to everyone. 409
        if a recognised NRI of the same type already covers the same countries, or from any status but
        under_review; If-Match optional."""
        nri = await nris.recognise(nri_id, data, expected_version=_version(request), actor=request.user)
        return written(nri)

    @post(
        "/{nri_id:uuid}/request-changes",
        operation_id="RequestNriChanges",
        status_code=200,
        guards=[requires_secretariat],
        dependencies=WRITE,
    )
    async def request_changes(
        self, request: AnyRequest, nri_id: UUID, data: NriChangesRequest, nris: NriService
    ) -> Response[Nri]:
        """The Secretariat sends an NRI under review back to its coordinators with a reason and the list of
        changes wanted (under_review to changes_requested); they edit and submit again. 409 from any other
        status; If-Match optional."""
        nri = await nris.request_changes(nri_id, data, expected_version=_version(request), actor=request.user)
        return written(nri)

    @post(
        "/{nri_id:uuid}/decline",
        operation_id="DeclineNri",
        status_code=200,
        guards=[requires_secretariat],
        dependencies=WRITE,
    )
    async def decline(
        self, request: AnyRequest, nri_id: UUID, data: NriDecision, nris: NriService
    ) -> Response[Nri]:
        """The Secretariat declines an NRI under review, with a reason; this is final. 409 from any other
        status; If-Match optional."""
        nri = await nris.decline(nri_id, data, expected_version=_version(request), actor=request.user)
        return written(nri)

    @post(
        "/{nri_id:uuid}/withdraw",
        operation_id="WithdrawNri",
        status_code=200,
        guards=MANAGERS,
        dependencies=WRITE,
    )
    async def withdraw(
        self, request: AnyRequest, nri_id: UUID, data: NriDecision, nris: NriService
    ) -> Response[Nri]:
        """Withdraw the NRI (its coordinators or the Secretariat), with a reason."""
        nri = await nris.withdraw(nri_id, data, expected_version=_version(request), actor=request.user)
        return written(nri)

    # -- coordinators --------------------------------------------------------------------------------

    @get("/{nri_id:uuid}/coordinators", operation_id="ListNriCoordinators", guards=MANAGERS)
    async def list_coordinators(
        self, request: AnyRequest, nri_id: UUID, coordinators: CoordinatorService
    ) -> list[Coordinator]:
        """The people who coordinate the NRI (name and e-mail). For its coordinators and the Secretariat
        only."""
        return await coordinators.coordinators(nri_id, actor=request.user)

    @post(
        "/{nri_id:uuid}/coordinators",
        operation_id="AddNriCoordinator",
        guards=MANAGERS,
        dependencies=COORDINATORS_WRITE,
    )
    async def add_coordinator(
        self, request: AnyRequest, nri_id: UUID, data: CoordinatorInvite, coordinators: CoordinatorService
    ) -> Coordinator:
        """Add a co-coordinator (an existing user, by id or e-mail); it applies from their next request."""
        return await coordinators.add_coordinator(nri_id, data, actor=request.user)

    @delete(
        "/{nri_id:uuid}/coordinators/{user_id:uuid}",
        operation_id="RemoveNriCoordinator",
        guards=MANAGERS,
        dependencies=COORDINATORS_WRITE,
    )
    async def remove_coordinator(
        self, request: AnyRequest, nri_id: UUID, user_id: UUID, coordinators: CoordinatorService
    ) -> None:
        """Remove a coordinator; the last one stays until another is added (the Secretariat reassigns so)."""
        await coordinators.remove_coordinator(nri_id, user_id, actor=request.user)


class NriExportController(Controller):
    path = "/v1"
    tags = ["NRIs"]
    dependencies = {"directory": reader(NriDirectory)}

    @get("/nris.csv", operation_id="ExportNrisCsv", media_type=CSV)
    async def export(
        self,
        request: AnyRequest,
        directory: NriDirectory,
        nri_type: TypeFilter = None,
        status: StatusFilter = None,
        country: CountryFilter = None,
        regional_group: RegionalGroupFilter = None,
        language: LanguageFilter = None,
        year_active: YearActiveFilter = None,
        q: SearchFilter = None,
        bom: Annotated[
            bool, Parameter(description="Start with a UTF-8 byte order mark; `0` leaves it out.")
        ] = True,
    ) -> Response[str]:
        """The directory as CSV, with the same filters as ``GET /v1/nris`` (human headers; the import reads
        them back)."""
        text = export_csv(
            await directory.export(
                directory_filters(nri_type, status, country, regional_group, language, year_active, q),
                actor=request.user,
            ),
            bom=bom,
        )
        download = {"Content-Disposition": 'attachment; filename="nris.csv"'}
        return cached(request, text, headers=download, media_type=csvfile.BODY_MEDIA_TYPE)


def _version(request: AnyRequest) -> int | None:
    return expected_version(request, required=False)
