"""The donor portal: what a funder bound to a donor sees of that donor (issue 20). Its contributions, pledges and
their fulfilment, every ledger event in the original currency and in US dollars with the rate frozen when it was
recorded and that rate's source, the public NRI grants of NRIs its earmarked money supports, downloads of its
own records, and how the public sees it (or that it is anonymous).

The pages call the services the API calls for a funder (``FundingService``, ``LedgerService``; the public NRI
record through ``TransparencyService``), so a funder sees exactly what ``/v1/funding`` shows them: the role
check is the API's guard (the Secretariat or role ``funder``), which donor is the service's. Templates are in
``templates/funding/workspace/``.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import asyncpg
from litestar import Response, get
from litestar.response import Redirect, Template

from igf_hub.auth.principal import AnyRequest, Principal, Role
from igf_hub.core.clock import Clock
from igf_hub.core.errors import Forbidden
from igf_hub.core.settings import Settings
from igf_hub.funding.ledger_service import LedgerService
from igf_hub.funding.pages import GROUP_NAMES, KIND_NAMES
from igf_hub.funding.schemas import Contribution, LedgerEvent, LedgerKind
from igf_hub.funding.service import FundingService
from igf_hub.funding.transparency_service import TransparencyService, attribute_fulfilment
from igf_hub.web import i18n
from igf_hub.web.access import sign_in_first
from igf_hub.web.errors import PageController
from igf_hub.web.i18n import N_
from igf_hub.web.navigation import WorkItem
from igf_hub.web.templating import render

NO_STORE = {"Cache-Control": "no-store"}
FUNDERS = (Role.secretariat, Role.funder)
ZERO = Decimal(0)
MAX_CONTRIBUTIONS = 200  # one donor's contributions on one page (the largest donors have a few dozen)
MAX_EVENTS = 1000  # ledger events of one contribution

WORKSPACE = [
    WorkItem(
        path="/funder",
        label=N_("Donor portal"),
        roles=frozenset({Role.funder}),
        description=N_("Your contributions, pledges and their fulfilment, receipts and downloads."),
        order=50,
    )
]
EARMARK_NAMES = {
    "core": N_("Core (unearmarked)"),
    "nri_support": N_("NRI support"),
    "intersessional": N_("Intersessional work"),
    "travel_grants": N_("Travel grants"),
    "host_country": N_("Host country"),
    "capacity_development": N_("Capacity development"),
    "other": N_("Other"),
}
GRANT_STATUS_NAMES = {
    "applied": N_("Applied"),
    "approved": N_("Approved"),
    "declined": N_("Declined"),
    "paid": N_("Paid"),
    "reported": N_("Reported"),
}
CSV_COLUMNS = (
    "contribution_id",
    "contribution",
    "event_id",
    "kind",
    "counts_as",
    "ledger_year",
    "value_date",
    "due_on",
    "amount",
    "currency",
    "usd_amount",
    "rate",
    "rate_source",
    "rate_date",
    "reverses_id",
    "reason",
    "description",
    "recorded_at",
)


def _funder(request: AnyRequest) -> Principal | Redirect:
    """The signed-in person if the API's guard lets them in (the Secretariat or a funder); a reader who is not
    signed in is sent to sign in and back, anyone else gets the 403 page."""
    person = request.user
    if not person.is_authenticated:
        return sign_in_first(request, request.url.path)
    if not any(person.has_role(role) for role in FUNDERS):
        raise Forbidden("only funders and the Secretariat see the donor portal")
    return person


async def _events(ledger: LedgerService, contribution_id: UUID, actor: Principal) -> list[LedgerEvent]:
    page = await ledger.list_events(contribution_id, actor=actor, cursor=None, limit=MAX_EVENTS)
    return page.items


def pledge_years(contribution: Contribution, events: list[LedgerEvent]) -> list[dict[str, Any]]:
    """Each pledge year of the contribution with what fulfilled it, by the rule the public pledge report uses
    (transparency_service.attribute_fulfilment): receipts and in-kind in any year fulfil the earliest pledges
    first. Each year's due date is its latest pledge's."""
    pledged: dict[int, Decimal] = defaultdict(lambda: ZERO)
    due: dict[int, Any] = {}
    for e in events:
        if e.counts_as is LedgerKind.pledge:
            pledged[e.ledger_year] += e.usd_amount
            if e.due_on is not None:
                due[e.ledger_year] = max(due.get(e.ledger_year, e.due_on), e.due_on)
    years = sorted((year, amount) for year, amount in pledged.items() if amount > 0)
    fulfilled = contribution.totals.received_usd + contribution.totals.in_kind_usd
    rows = []
    for (year, amount), (done, outstanding) in zip(
        years, attribute_fulfilment(years, fulfilled), strict=True
    ):
        rows.append(
            {
                "year": year,
                "pledged": amount,
                "fulfilled": done,
                "outstanding": outstanding,
                "share": min(done / amount, Decimal(1)) if amount else None,
                "due_on": due.get(year),
            }
        )
    return rows


class DonorPortalPages(PageController):
    @get("/funder", operation_id="DonorPortalPage")
    async def donors(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Template | Redirect:
        person = _funder(request)
        if isinstance(person, Redirect):
            return person
        page = await FundingService(db, clock, settings).list_donors(actor=person, cursor=None, limit=100)
        if len(page.items) == 1 and not person.has_role(Role.secretariat):
            language = i18n.request_language(request)
            return Redirect(i18n.path_in(language, f"/funder/donors/{page.items[0].id}"), status_code=303)
        return render(request, "funding/workspace/donors.html", {"donors": page.items}, headers=NO_STORE)

    @get("/funder/donors/{donor_id:uuid}", operation_id="DonorPage")
    async def donor(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings, donor_id: UUID
    ) -> Template | Redirect:
        person = _funder(request)
        if isinstance(person, Redirect):
            return person
        funding = FundingService(db, clock, settings)
        ledger = LedgerService(db, clock, settings)
        donor = await funding.get_donor(donor_id, actor=person)
        contributions = (
            await funding.list_contributions(
                actor=person,
                donor_id=donor_id,
                channel=None,
                earmark=None,
                year=None,
                cursor=None,
                limit=MAX_CONTRIBUTIONS,
            )
        ).items
        transparency = TransparencyService(db, clock, settings)
        rows = []
        grants = []
        seen_nris: set[UUID] = set()
        for contribution in contributions:
            events = await _events(ledger, contribution.id, person)
            rows.append(
                {
                    "contribution": contribution,
                    "events": events,
                    "pledge_years": pledge_years(contribution, events),
                }
            )
            # NRI support earmarked to one NRI: that NRI's grants, as the public record shows them.
            if contribution.nri_id is not None and contribution.nri_id not in seen_nris:
                seen_nris.add(contribution.nri_id)
                funded = await transparency.nri_funding(contribution.nri_id)
                grants.append({"nri": funded, "contribution": contribution})
        return render(
            request,
            "funding/workspace/donor.html",
            {
                "donor": donor,
                "rows": rows,
                "grants": grants,
                "kind_names": KIND_NAMES,
                "earmark_names": EARMARK_NAMES,
                "grant_status_names": GRANT_STATUS_NAMES,
                "group_name": GROUP_NAMES.get(donor.stakeholder_group.value, donor.stakeholder_group.value),
                "public_query": urlencode({"donor_id": str(donor.id)}) if not donor.is_anonymous else None,
                "anonymous_queries": [urlencode({"contribution_id": str(c.id)}) for c in contributions]
                if donor.is_anonymous
                else [],
                "is_secretariat": person.has_role(Role.secretariat),
            },
            headers=NO_STORE,
        )

    @get("/funder/donors/{donor_id:uuid}/records.csv", operation_id="DonorRecordsCsv")
    async def records_csv(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings, donor_id: UUID
    ) -> Response[bytes] | Redirect:
        """The donor's own ledger events in full (original currency, USD, frozen rate and its source): the rows
        ``GET /v1/funding/contributions/{id}/events`` gives this funder, as one CSV file."""
        person = _funder(request)
        if isinstance(person, Redirect):
            return person
        funding = FundingService(db, clock, settings)
        ledger = LedgerService(db, clock, settings)
        await funding.get_donor(donor_id, actor=person)
        contributions = (
            await funding.list_contributions(
                actor=person,
                donor_id=donor_id,
                channel=None,
                earmark=None,
                year=None,
                cursor=None,
                limit=MAX_CONTRIBUTIONS,
            )
        ).items
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for contribution in contributions:
            for e in await _events(ledger, contribution.id, person):
                writer.writerow(
                    [
                        contribution.id,
                        contribution.title,
                        e.id,
                        e.kind.value,
                        e.counts_as.value,
                        e.ledger_year,
                        e.value_date.isoformat(),
                        e.due_on.isoformat() if e.due_on else "",
                        e.amount,
                        e.currency,
                        e.usd_amount,
                        e.rate,
                        e.rate_source,
                        e.rate_date.isoformat(),
                        e.reverses_id or "",
                        e.reason or "",
                        e.description or "",
                        e.recorded_at.isoformat(),
                    ]
                )
        stamp = clock.now().strftime("%Y%m%d")
        return Response(
            out.getvalue().encode(),
            media_type="text/csv; charset=utf-8",
            headers={
                **NO_STORE,
                "Content-Disposition": f'attachment; filename="donor-{donor_id}-ledger-{stamp}.csv"',
            },
        )
