"""HTTP for the public: the transparency view (/v1/transparency) with its streaming exports, and the web page
(/transparency). No sign-in; nothing private; an anonymous donor is never named."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from datetime import datetime
from typing import Annotated
from uuid import UUID

import asyncpg
from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.enums import MediaType
from litestar.params import Parameter
from litestar.response import Stream

from igf_hub.core.caching import PUBLIC_MINUTE
from igf_hub.core.clock import Clock
from igf_hub.core.errors import NotFound
from igf_hub.core.params import DEFAULT_LIMIT, Cursor, Limit, YearFilter
from igf_hub.core.providers import reader
from igf_hub.core.schemas import CountryCode
from igf_hub.core.settings import Settings
from igf_hub.core.streaming import STREAM_RESPONSES, StreamSlot, stream_guard_middleware
from igf_hub.core.vocab import StakeholderGroup
from igf_hub.funding import exports
from igf_hub.funding.public_repository import PublicRepository
from igf_hub.funding.public_schemas import (
    AggregateBy,
    Aggregates,
    CorrectionPage,
    DonorReport,
    LedgerFilter,
    NriFunding,
    PledgeReport,
    PublicLedgerPage,
    Summary,
)
from igf_hub.funding.schemas import Channel, Earmark, EventKind, LedgerKind
from igf_hub.funding.transparency_service import TransparencyService


def provide_ledger_filter(
    year: YearFilter = None,
    donor_id: UUID | None = None,
    contribution_id: UUID | None = None,
    stakeholder_group: StakeholderGroup | None = None,
    country: CountryCode | None = None,
    channel: Channel | None = None,
    earmark: Earmark | None = None,
    kind: EventKind | None = None,
    counts_as: LedgerKind | None = None,
    nri_id: UUID | None = None,
    track_id: UUID | None = None,
    via_donor_id: UUID | None = None,
) -> LedgerFilter:
    """The filters every public ledger read and export shares (query parameters)."""
    return LedgerFilter(
        year=year,
        donor_id=donor_id,
        contribution_id=contribution_id,
        stakeholder_group=stakeholder_group.value if stakeholder_group else None,
        country=country,
        channel=channel,
        earmark=earmark,
        kind=kind,
        counts_as=counts_as,
        nri_id=nri_id,
        track_id=track_id,
        via_donor_id=via_donor_id,
    )


async def _stream(
    state: State, slot: StreamSlot, produce: Callable[[asyncpg.Connection], AsyncIterator[bytes]]
) -> AsyncGenerator[bytes, None]:
    """Exports hold their own connection for as long as they stream, in one consistent snapshot. It is taken
    before the response starts (a saturated pool is a 503) and returned by the slot, however the stream ends;
    the slot bounds how many exports run and how long a client may leave a chunk unread (core/streaming.py)."""
    conn = await slot.connection(state.pool, wait=state.settings.db.acquire_timeout)

    async def generate() -> AsyncGenerator[bytes, None]:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            async for chunk in produce(conn):
                yield chunk

    return slot.hold(generate())


# Every export streams under the budget of core/streaming.py (its handlers take a ``stream_slot``).
EXPORT_MIDDLEWARE = [stream_guard_middleware]


def _download(name: str, as_of: datetime) -> dict[str, str]:
    """Files carry their snapshot time in a header (a CSV row has no room for it)."""
    return {"Content-Disposition": f'attachment; filename="{name}"', "X-As-Of": as_of.isoformat()}


CSV_DESCRIPTION = (
    "RFC 4180 CSV (UTF-8 with a byte order mark unless `?bom=0`, CRLF, a header row), one row per ledger event, "
    "with exactly the rows and filters of `ListPublicLedger`. Stable columns, in this order (header: field): "
    + ", ".join(f"{h}: `{c}`" for c, h in exports.CSV_HEADERS.items())
    + ". Amounts are decimal text with their currency's minor units (none for JPY), USD with cents; empty "
    "cells are nulls, booleans are true/false; a text cell a spreadsheet would run as a formula starts with an "
    "apostrophe. The snapshot time is in the `X-As-Of` header."
)
BomParam = Annotated[
    bool,
    Parameter(description="Start the file with a UTF-8 byte order mark (Excel needs it); `0` leaves it out."),
]


class TransparencyController(Controller):
    """The public picture of IGF funding: no sign-in; no legal name of an anonymous donor, ever."""

    path = "/v1/transparency"
    tags = ["Transparency"]
    cache_control = PUBLIC_MINUTE
    dependencies = {
        "transparency": reader(TransparencyService),
        "filters": Provide(provide_ledger_filter, sync_to_thread=False),
    }

    @get("/summary", operation_id="GetFundingSummary")
    async def summary(self, transparency: TransparencyService, year: YearFilter = None) -> Summary:
        """Pledged, committed, received and in-kind (USD), donors, outstanding pledges, donor concentration."""
        return await transparency.summary(year)

    @get("/aggregates", operation_id="GetFundingAggregates")
    async def aggregates(
        self, transparency: TransparencyService, filters: LedgerFilter, by: AggregateBy = AggregateBy.year
    ) -> Aggregates:
        """Totals grouped by year, donor, stakeholder group, country, earmark, channel (or pass-through by
        intermediary, which is not added to any total)."""
        return await transparency.aggregates(by, filters)

    @get("/donors", operation_id="GetDonorGiving")
    async def donors(self, transparency: TransparencyService, year: YearFilter = None) -> DonorReport:
        """Every donor with what it gave (received, in kind, pledged, outstanding) in USD and in each currency it
        gave in; anonymous donors as one row per stakeholder group, in USD only."""
        return await transparency.donors(year)

    @get("/pledges", operation_id="GetPledgeFulfilment")
    async def pledges(self, transparency: TransparencyService, year: YearFilter = None) -> PledgeReport:
        """Pledged against received (plus in-kind) per donor, with fulfilment % and overdue flags."""
        return await transparency.pledges(year)

    @get("/ledger", operation_id="ListPublicLedger")
    async def ledger(
        self,
        transparency: TransparencyService,
        filters: LedgerFilter,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> PublicLedgerPage:
        """The public funding ledger: every ledger event, oldest first, with donors by their public name only
        (anonymous ones as their stakeholder group), filtered like the exports. Public; the page says the time
        it was read (``as_of``) and the methodology."""
        return await transparency.ledger(filters, cursor=cursor, limit=limit)

    @get("/corrections", operation_id="ListCorrections")
    async def corrections(
        self,
        transparency: TransparencyService,
        year: YearFilter = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> CorrectionPage:
        """Every reversal, with the event it reverses."""
        return await transparency.corrections(year=year, cursor=cursor, limit=limit)

    @get("/nris/{nri_id:uuid}", operation_id="GetNriFunding")
    async def nri_funding(self, nri_id: UUID, transparency: TransparencyService) -> NriFunding:
        """One NRI's funding from every programme (grants) and every contribution earmarked to it."""
        return await transparency.nri_funding(nri_id)

    @get(
        "/exports/ledger.csv",
        operation_id="ExportLedgerCsv",
        media_type="text/csv",
        description=CSV_DESCRIPTION,
        middleware=EXPORT_MIDDLEWARE,
        responses=STREAM_RESPONSES,
    )
    async def export_csv(
        self, state: State, stream_slot: StreamSlot, filters: LedgerFilter, clock: Clock, bom: BomParam = True
    ) -> Stream:
        return Stream(
            await _stream(state, stream_slot, lambda conn: exports.csv_export(conn, filters, bom=bom)),
            media_type="text/csv; charset=utf-8; header=present",
            headers=_download("igf-funding-ledger.csv", clock.now()),
        )

    @get(
        "/exports/ledger.json",
        operation_id="ExportLedgerJson",
        media_type=MediaType.JSON,
        middleware=EXPORT_MIDDLEWARE,
        responses=STREAM_RESPONSES,
    )
    async def export_json(
        self, state: State, stream_slot: StreamSlot, filters: LedgerFilter, clock: Clock
    ) -> Stream:
        """The whole public ledger as one JSON download, with the same rows and filters as
        ``ListPublicLedger``, plus the snapshot time, the filters and the methodology. Public."""
        as_of = clock.now()
        return Stream(
            await _stream(state, stream_slot, lambda conn: exports.json_export(conn, filters, as_of=as_of)),
            media_type=MediaType.JSON,
            headers=_download("igf-funding-ledger.json", as_of),
        )

    @get(
        "/exports/iati-activities.xml",
        operation_id="ExportIatiActivities",
        media_type=MediaType.XML,
        middleware=EXPORT_MIDDLEWARE,
        responses=STREAM_RESPONSES,
    )
    async def export_iati_activities(
        self, state: State, stream_slot: StreamSlot, filters: LedgerFilter, settings: Settings, clock: Clock
    ) -> Stream:
        """IATI 2.03 activity file: one activity per contribution; pledges, commitments and receipts as
        transaction types 13, 11 and 1; earmarks as IATI earmarking categories (aid-type vocabulary 2)."""
        now = clock.now()
        body = await _stream(
            state, stream_slot, lambda conn: exports.iati_activities(conn, filters, settings.funding, now=now)
        )
        if not await PublicRepository(stream_slot.held()).events(filters, after_seq=0, limit=1):
            raise NotFound("no ledger events match these filters: an IATI file needs at least one activity")
        return Stream(
            body,
            media_type="application/xml; charset=utf-8",
            headers=_download("igf-funding-iati-activities.xml", now),
        )

    @get(
        "/exports/iati-organisation.xml",
        operation_id="ExportIatiOrganisation",
        media_type=MediaType.XML,
        middleware=EXPORT_MIDDLEWARE,
        responses=STREAM_RESPONSES,
    )
    async def export_iati_organisation(
        self, state: State, stream_slot: StreamSlot, filters: LedgerFilter, settings: Settings, clock: Clock
    ) -> Stream:
        """IATI 2.03 organisation file: the reporting organisation and its total budget per year."""
        now = clock.now()
        return Stream(
            await _stream(
                state,
                stream_slot,
                lambda conn: exports.iati_organisation(conn, filters, settings.funding, now=now),
            ),
            media_type="application/xml; charset=utf-8",
            headers=_download("igf-funding-iati-organisation.xml", now),
        )
