"""HTTP for the ledger: the Secretariat's writes and funders' reads of their own donor (/v1/funding)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Response, get, patch, post
from litestar.params import Parameter

from igf_hub.auth.guards import requires_role, requires_secretariat
from igf_hub.auth.principal import AnyRequest, Role
from igf_hub.core import imports
from igf_hub.core.caching import cached
from igf_hub.core.concurrency import expected_version, written
from igf_hub.core.params import DEFAULT_LIMIT, Cursor, Limit, YearFilter
from igf_hub.core.providers import reader, writer
from igf_hub.funding.archive_service import FundingArchive, FundingArchiveReport, FundingArchiveService
from igf_hub.funding.errors import FundingImportRejected, UnsupportedImportType
from igf_hub.funding.grant_service import GrantService
from igf_hub.funding.import_service import FundingImporter, ImportKind, ImportReport, parse_csv, parse_json
from igf_hub.funding.ledger_service import LedgerService
from igf_hub.funding.rate_service import RateService
from igf_hub.funding.schemas import (
    Channel,
    Contribution,
    ContributionCreate,
    ContributionPage,
    ContributionPatch,
    Donor,
    DonorCreate,
    DonorPage,
    DonorPatch,
    Earmark,
    EventCreate,
    ExchangeRateCreate,
    ExchangeRatePage,
    FunderBinding,
    FunderBound,
    GrantProgramme,
    GrantStatus,
    GrantTransition,
    LedgerEvent,
    LedgerEventPage,
    NriGrant,
    NriGrantCreate,
    NriGrantPage,
    NriGrantPatch,
    RatesUploaded,
)
from igf_hub.funding.service import FundingService

CorrectionParam = Annotated[
    bool, Parameter(description="Replace rates already recorded with different values (give a reason)")
]
ReasonParam = Annotated[str | None, Parameter(max_length=500, description="Why recorded rates are corrected")]
requires_secretariat_or_funder = requires_role(Role.secretariat, Role.funder)


WRITE = {"funding": writer(FundingService)}
IMPORT: dict[str, Any] = {
    "status_code": 200,
    "dependencies": {"importer": writer(FundingImporter)},
}
DryRun = Annotated[bool, Parameter(description="Check every row and write nothing")]


async def _import(
    kind: ImportKind, importer: FundingImporter, request: AnyRequest, dry_run: bool
) -> ImportReport:
    body = await imports.read_body(request, FundingImportRejected, unsupported=UnsupportedImportType)
    headers = None
    if isinstance(body, str):
        headers, rows = parse_csv(kind, body)
    else:
        rows = parse_json(kind, body)
    return await importer.run(kind, rows, actor=request.user, dry_run=dry_run, headers=headers)


GRANTS_WRITE = {"grants": writer(GrantService)}
LEDGER_WRITE = {"ledger": writer(LedgerService)}


ARCHIVE_WRITE = {"archive": writer(FundingArchiveService)}
ArchiveSource = Annotated[str | None, imports.source_parameter("contribution")]
RATES_WRITE = {"rates": writer(RateService)}


class FundingController(Controller):
    """The ledger for the Secretariat (writes) and funders (reads of their own donor only)."""

    path = "/v1/funding"
    tags = ["Funding"]
    dependencies = {
        "funding": reader(FundingService),
        "grants": reader(GrantService),
        "ledger": reader(LedgerService),
        "rates": reader(RateService),
    }

    # -- donors ---------------------------------------------------------------------------------------

    @post("/donors", operation_id="CreateDonor", guards=[requires_secretariat], dependencies=WRITE)
    async def create_donor(
        self, data: DonorCreate, funding: FundingService, request: AnyRequest
    ) -> Response[Donor]:
        """Register a donor (Secretariat only); audited. 422 naming each invalid field; 409 when a donor of
        that legal name exists."""
        donor = await funding.create_donor(data, actor=request.user)
        return written(donor, status_code=201)

    @get("/donors", operation_id="ListDonors", guards=[requires_secretariat_or_funder])
    async def list_donors(
        self,
        funding: FundingService,
        request: AnyRequest,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Response[DonorPage]:
        """Every donor for the Secretariat; a funder sees only the donor(s) it is bound to."""
        return cached(request, await funding.list_donors(actor=request.user, cursor=cursor, limit=limit))

    @get("/donors/{donor_id:uuid}", operation_id="GetDonor", guards=[requires_secretariat_or_funder])
    async def get_donor(
        self, donor_id: UUID, funding: FundingService, request: AnyRequest
    ) -> Response[Donor]:
        """One donor in full, with an ETag. The Secretariat sees every donor; a funder only the donor it is
        bound to (403 otherwise)."""
        donor = await funding.get_donor(donor_id, actor=request.user)
        return cached(request, donor, version=donor.version)

    @patch(
        "/donors/{donor_id:uuid}",
        operation_id="UpdateDonor",
        guards=[requires_secretariat],
        dependencies=WRITE,
    )
    async def update_donor(
        self, donor_id: UUID, data: DonorPatch, funding: FundingService, request: AnyRequest
    ) -> Response[Donor]:
        """Send If-Match with the donor's ETag (412 when stale, 428 when missing)."""
        donor = await funding.patch_donor(
            donor_id, data, expected_version=expected_version(request), actor=request.user
        )
        return written(donor)

    @post(
        "/donors/{donor_id:uuid}/funders",
        operation_id="BindFunder",
        guards=[requires_secretariat],
        dependencies=WRITE,
    )
    async def bind_funder(
        self,
        donor_id: UUID,
        data: FunderBinding,
        funding: FundingService,
        request: AnyRequest,
    ) -> FunderBound:
        """Give a user the funder role bound to this donor: it then sees this donor's private details."""
        return await funding.bind_funder(donor_id, data.user_id, actor=request.user)

    @post(
        "/archive",
        operation_id="ImportFundingArchive",
        status_code=200,
        guards=[requires_secretariat],
        dependencies=ARCHIVE_WRITE,
    )
    async def import_archive(
        self,
        data: FundingArchive,
        archive: FundingArchiveService,
        request: AnyRequest,
        dry_run: bool = False,
        source: ArchiveSource = None,
    ) -> FundingArchiveReport:
        """Donors' historical contributions with their ledger events, through the same rules as live entries;
        all or nothing (every problem listed), ``?dry_run=true`` keeps nothing. See docs/archive-import.md."""
        return await archive.load(
            data, actor=request.user, source=source or "funding archive", dry_run=dry_run
        )

    # -- contributions --------------------------------------------------------------------------------

    @post(
        "/contributions", operation_id="CreateContribution", guards=[requires_secretariat], dependencies=WRITE
    )
    async def create_contribution(
        self, data: ContributionCreate, funding: FundingService, request: AnyRequest
    ) -> Response[Contribution]:
        """Record a pledge or contribution of a donor (Secretariat only); audited. 422 naming each invalid
        field. Money then moves through its ledger events."""
        contribution = await funding.create_contribution(data, actor=request.user)
        return written(contribution, status_code=201)

    @get("/contributions", operation_id="ListContributions", guards=[requires_secretariat_or_funder])
    async def list_contributions(
        self,
        funding: FundingService,
        request: AnyRequest,
        donor_id: UUID | None = None,
        channel: Channel | None = None,
        earmark: Earmark | None = None,
        year: YearFilter = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Response[ContributionPage]:
        """Contributions in full (private notes and documents included): a funder sees only its donor's."""
        page = await funding.list_contributions(
            actor=request.user,
            donor_id=donor_id,
            channel=channel.value if channel else None,
            earmark=earmark.value if earmark else None,
            year=year,
            cursor=cursor,
            limit=limit,
        )
        return cached(request, page)

    @get(
        "/contributions/{contribution_id:uuid}",
        operation_id="GetContribution",
        guards=[requires_secretariat_or_funder],
    )
    async def get_contribution(
        self, contribution_id: UUID, funding: FundingService, request: AnyRequest
    ) -> Response[Contribution]:
        """One contribution in full (private notes and documents included), with an ETag. The Secretariat sees
        every contribution; a funder only its donor's."""
        contribution = await funding.get_contribution(contribution_id, actor=request.user)
        return cached(request, contribution, version=contribution.version)

    @patch(
        "/contributions/{contribution_id:uuid}",
        operation_id="UpdateContribution",
        guards=[requires_secretariat],
        dependencies=WRITE,
    )
    async def update_contribution(
        self,
        contribution_id: UUID,
        data: ContributionPatch,
        funding: FundingService,
        request: AnyRequest,
    ) -> Response[Contribution]:
        """Send If-Match. Donor, channel and the in-kind flag are fixed once the ledger has events."""
        contribution = await funding.patch_contribution(
            contribution_id, data, expected_version=expected_version(request), actor=request.user
        )
        return written(contribution)

    @post(
        "/contributions/{contribution_id:uuid}/events",
        operation_id="RecordLedgerEvent",
        guards=[requires_secretariat],
        dependencies=LEDGER_WRITE,
    )
    async def record_event(
        self,
        contribution_id: UUID,
        data: EventCreate,
        ledger: LedgerService,
        request: AnyRequest,
    ) -> LedgerEvent:
        """Append a ledger event (the ledger is append-only: corrections are reversals). The USD equivalent
        is frozen now, from the rate in force on the value date; a missing rate is a 422 naming it."""
        return await ledger.record_event(contribution_id, data, actor=request.user)

    @get(
        "/contributions/{contribution_id:uuid}/events",
        operation_id="ListContributionEvents",
        guards=[requires_secretariat_or_funder],
    )
    async def list_events(
        self,
        contribution_id: UUID,
        ledger: LedgerService,
        request: AnyRequest,
        cursor: Cursor = None,
        limit: Limit = 100,
    ) -> LedgerEventPage:
        """The contribution's ledger events (pledge, commitment, receipt, in-kind valuation, reversal), oldest
        first, each with its frozen USD equivalent. The Secretariat sees every contribution; a funder only its
        donor's."""
        return await ledger.list_events(contribution_id, actor=request.user, cursor=cursor, limit=limit)

    # -- bulk imports ---------------------------------------------------------------------------------

    @post("/donors/import", operation_id="ImportDonors", guards=[requires_secretariat], **IMPORT)
    async def import_donors(
        self, importer: FundingImporter, request: AnyRequest, dry_run: DryRun = False
    ) -> ImportReport:
        """Load donors at once, all or none (see ``ImportLedgerEvents``). A donor whose legal name is already
        recorded with the same values is left as it is; with other values the row is refused."""
        return await _import(ImportKind.donors, importer, request, dry_run)

    @post(
        "/contributions/import", operation_id="ImportContributions", guards=[requires_secretariat], **IMPORT
    )
    async def import_contributions(
        self, importer: FundingImporter, request: AnyRequest, dry_run: DryRun = False
    ) -> ImportReport:
        """Load contributions at once, all or none (see ``ImportLedgerEvents``). A row names its donor by id
        (``Donor ID``) or by its legal name (``Donor``); years are separated by ``;``."""
        return await _import(ImportKind.contributions, importer, request, dry_run)

    @post("/events/import", operation_id="ImportLedgerEvents", guards=[requires_secretariat], **IMPORT)
    async def import_events(
        self, importer: FundingImporter, request: AnyRequest, dry_run: DryRun = False
    ) -> ImportReport:
        """Load ledger events at once, all or none: a CSV body (``text/csv``; headers as ``ledger.csv`` writes
        them, or the field names) or JSON (``{"events": [...]}``; ``ledger.json`` as exported reads back too).
        Every problem is listed by row and column; ``?dry_run=true`` checks everything and writes nothing. Each
        row is recorded as ``RecordLedgerEvent`` would (the USD value from the rate in force); derived ledger
        columns are ignored; a row whose ``Event ID`` is already in the ledger is left as it is (so the public
        ``ledger.csv`` re-imports as a no-op), and a reversal may name an event of an earlier row by its id."""
        return await _import(ImportKind.events, importer, request, dry_run)

    # -- exchange rates -------------------------------------------------------------------------------

    @get("/exchange-rates", operation_id="ListExchangeRates", guards=[requires_secretariat_or_funder])
    async def list_rates(
        self,
        rates: RateService,
        currency: str | None = None,
        cursor: Cursor = None,
        limit: Limit = 100,
    ) -> ExchangeRatePage:
        """The USD exchange rates on file, by currency and date from which each is in force; filter by
        ``currency``. For the Secretariat and funders."""
        return await rates.list_rates(currency=currency, cursor=cursor, limit=limit)

    @post(
        "/exchange-rates",
        operation_id="AddExchangeRates",
        guards=[requires_secretariat],
        dependencies=RATES_WRITE,
    )
    async def add_rates(
        self,
        data: list[ExchangeRateCreate],
        rates: RateService,
        request: AnyRequest,
        correction: CorrectionParam = False,
        reason: ReasonParam = None,
    ) -> RatesUploaded:
        """Add rates (one per currency and effective date). Sending a recorded rate again changes nothing; a
        different rate for a recorded currency and date is a 409 unless sent with ``correction=true`` and a
        ``reason`` (audited; recorded events keep the rate they froze)."""
        return await rates.add_rates(
            data, actor=request.user, via="api", correction=correction, reason=reason
        )

    @post(
        "/exchange-rates/upload",
        operation_id="UploadExchangeRates",
        guards=[requires_secretariat],
        dependencies=RATES_WRITE,
    )
    async def upload_rates(
        self,
        rates: RateService,
        request: AnyRequest,
        correction: CorrectionParam = False,
        reason: ReasonParam = None,
    ) -> RatesUploaded:
        """Send a CSV file as the body (``Content-Type: text/csv``; header ``currency,effective_on,usd_per_unit,
        source``; dates YYYY-MM-DD; decimals as text). All rows or none: every bad cell is listed. A different
        rate for a recorded currency and date is a 409 unless sent with ``correction=true`` and a ``reason``."""
        return await rates.upload_rates_csv(
            await request.body(), actor=request.user, correction=correction, reason=reason
        )

    # -- NRI grants -----------------------------------------------------------------------------------

    @post(
        "/nri-grants", operation_id="ApplyNriGrant", guards=[requires_secretariat], dependencies=GRANTS_WRITE
    )
    async def apply_grant(
        self, data: NriGrantCreate, grants: GrantService, request: AnyRequest
    ) -> Response[NriGrant]:
        """Record an application; it lists the same NRI's grants from other programmes that year."""
        grant = await grants.apply(data, actor=request.user)
        return written(grant, status_code=201)

    @get("/nri-grants", operation_id="ListNriGrants", guards=[requires_secretariat])
    async def list_grants(
        self,
        grants: GrantService,
        nri_id: UUID | None = None,
        year: YearFilter = None,
        programme: GrantProgramme | None = None,
        status: GrantStatus | None = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> NriGrantPage:
        """The NRI grant applications and grants (Secretariat only), filtered by NRI, year, programme and
        status."""
        return await grants.list_grants(
            nri_id=nri_id,
            year=year,
            programme=programme.value if programme else None,
            status=status.value if status else None,
            cursor=cursor,
            limit=limit,
        )

    @get("/nri-grants/{grant_id:uuid}", operation_id="GetNriGrant", guards=[requires_secretariat])
    async def get_grant(
        self, grant_id: UUID, request: AnyRequest, grants: GrantService
    ) -> Response[NriGrant]:
        """One NRI grant or application, with an ETag (Secretariat only)."""
        grant = await grants.get(grant_id)
        return cached(request, grant, version=grant.version)

    @patch(
        "/nri-grants/{grant_id:uuid}",
        operation_id="UpdateNriGrant",
        guards=[requires_secretariat],
        dependencies=GRANTS_WRITE,
    )
    async def update_grant(
        self, grant_id: UUID, data: NriGrantPatch, grants: GrantService, request: AnyRequest
    ) -> Response[NriGrant]:
        """Edit an application's requested amount or co-funding evidence (Secretariat only). Needs If-Match
        (428 when missing, 412 when stale); 409 once the grant has left the applied status: move it on with
        its transitions instead."""
        grant = await grants.patch(
            grant_id, data, expected_version=expected_version(request), actor=request.user
        )
        return written(grant)

    @post(
        "/nri-grants/{grant_id:uuid}/transitions",
        operation_id="TransitionNriGrant",
        guards=[requires_secretariat],
        dependencies=GRANTS_WRITE,
        status_code=200,
    )
    async def transition_grant(
        self,
        grant_id: UUID,
        data: GrantTransition,
        grants: GrantService,
        request: AnyRequest,
    ) -> Response[NriGrant]:
        """applied → approved | declined → (approved) paid → reported. Send If-Match."""
        grant = await grants.transition(
            grant_id, data, expected_version=expected_version(request), actor=request.user
        )
        return written(grant)
