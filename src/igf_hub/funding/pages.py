"""The public /transparency page, inside the layout and in the reader's language: the API's own numbers
(``TransparencyService``, the same calls as ``/v1/transparency``), inline SVG charts, and download links.

It needs no JavaScript to be read; one small script served from this site (``static/transparency.js``) only makes
the year selector submit itself. Money, dates and numbers are written by Babel for the page's language
(web/formatting.py); every word is in the six catalogs. Chart geometry is computed here and drawn by
``templates/funding/transparency.html``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import asyncpg
from litestar import Request, Response, get

from igf_hub.core.caching import PUBLIC_MINUTE
from igf_hub.core.clock import Clock
from igf_hub.core.params import YearFilter
from igf_hub.core.settings import Settings
from igf_hub.funding.public_schemas import AggregateBy, AggregateRow, DonorGiving, LedgerFilter, PledgeRow
from igf_hub.funding.schemas import EventKind
from igf_hub.funding.transparency_service import TransparencyService
from igf_hub.web import i18n
from igf_hub.web.errors import PageController
from igf_hub.web.formatting import money_text, number_text, percent_text
from igf_hub.web.i18n import N_
from igf_hub.web.navigation import NavItem
from igf_hub.web.templating import render

API = "/v1/transparency"
PALETTE = ("#1f5f99", "#e07b39", "#3a9a5b", "#b8403a", "#7a5ea8", "#8c6d31", "#4a8ea0")
USD = "USD"

# The summary's figures, in the order the page shows them: (field, label, how it is written).
METRICS: list[tuple[str, str, str]] = [
    ("pledged_usd", N_("Pledged"), "usd"),
    ("committed_usd", N_("Committed"), "usd"),
    ("received_usd", N_("Received"), "usd"),
    ("in_kind_usd", N_("In kind"), "usd"),
    ("outstanding_pledges_usd", N_("Outstanding pledges"), "usd"),
    ("nri_grants_paid_usd", N_("Paid out (NRI grants)"), "usd"),
    ("balance_usd", N_("Balance (received minus paid out)"), "usd"),
    ("donors", N_("Donors"), "number"),
    ("top1_share", N_("Largest donor's share"), "percent"),
    ("hhi", N_("Herfindahl-Hirschman index"), "number"),
    ("effective_donors", N_("Effective number of donors"), "number"),
]
CONCENTRATION = frozenset({"top1_share", "hhi", "effective_donors"})
# An anonymous donor is named only by its stakeholder group (funding/labels.py says the same in English).
ANONYMOUS = N_("Anonymous (%(group)s)")
GROUP_NAMES = {
    "government": N_("government"),
    "intergovernmental": N_("intergovernmental organisation"),
    "private_sector": N_("private sector"),
    "civil_society": N_("civil society"),
    "technical_community": N_("technical community"),
    "academia": N_("academia"),
}
KIND_NAMES = {
    EventKind.pledge: N_("Pledge"),
    EventKind.commitment: N_("Commitment"),
    EventKind.receipt: N_("Receipt"),
    EventKind.in_kind_valuation: N_("In-kind valuation"),
    EventKind.reversal: N_("Reversal"),
}
IN_CURRENCY = {
    "received": N_("received %(amount)s"),
    "in_kind": N_("in kind %(amount)s"),
    "pledged": N_("pledged %(amount)s"),
}


def donor_name(language: str, donor_id: Any, name: str, group: str) -> str:
    """The public name, with an anonymous donor's stakeholder group in the reader's language."""
    if donor_id is not None:
        return name
    words = i18n.gettext(language, GROUP_NAMES[group]) if group in GROUP_NAMES else group.replace("_", " ")
    return i18n.gettext(language, ANONYMOUS) % {"group": words}


def _metric(language: str, value: Decimal | int | None, how: str) -> str:
    if value is None:
        return "—"
    if how == "usd":
        return money_text(value, USD, language)
    if how == "percent":
        return percent_text(value, language)
    return number_text(value, language)


def bars(rows: list[tuple[str, Decimal, str]]) -> dict[str, Any]:
    """A vertical bar chart (one bar per row: label, value, value as written)."""
    peak = max((v for _, v, _ in rows), default=Decimal(0)) or Decimal(1)
    width, height, gap = 60, 180, 20
    drawn = []
    for index, (label, value, shown) in enumerate(rows):
        bar = int(height * max(value, Decimal(0)) / peak)
        x = gap + index * (width + gap)
        drawn.append(
            {
                "x": x,
                "y": height - bar + 10,
                "width": width,
                "height": bar,
                "middle": x + width // 2,
                "label_y": height + 25,
                "value_y": height - bar + 5,
                "label": label,
                "shown": shown,
            }
        )
    return {
        "width": len(rows) * (width + gap) + gap,
        "height": height + 50,
        "bars": drawn,
        "fill": PALETTE[0],
    }


def shares(language: str, rows: list[AggregateRow]) -> dict[str, Any] | None:
    """One horizontal stacked bar: each stakeholder group's share of received plus in-kind."""
    values = [(r, r.received_usd + r.in_kind_usd) for r in rows if r.received_usd + r.in_kind_usd > 0]
    total = sum((v for _, v in values), Decimal(0))
    if total <= 0:
        return None
    parts, x = [], Decimal(0)
    for index, (row, value) in enumerate(values):
        share = value / total
        w = share * 680
        group = str(row.key or "")
        label = i18n.gettext(language, GROUP_NAMES[group]) if group in GROUP_NAMES else row.label
        parts.append(
            {
                "x": f"{10 + x:.2f}",
                "width": f"{w:.2f}",
                "colour": PALETTE[index % len(PALETTE)],
                "key_y": 38 + 18 * index,
                "text_y": 47 + 18 * index,
                "label": label,
                "shown": percent_text(share.quantize(Decimal("0.001")), language),
            }
        )
        x += w
    return {"height": 40 + 18 * len(values), "parts": parts}


def pledge_chart(language: str, rows: list[PledgeRow]) -> dict[str, Any]:
    """Pledged (light) against fulfilled (dark) per donor, as paired horizontal bars."""
    peak = max((max(r.pledged_usd, r.fulfilled_usd) for r in rows), default=Decimal(0)) or Decimal(1)
    drawn = [
        {
            "y": 5 + 34 * index,
            "name": donor_name(language, r.donor_id, r.donor_name, r.stakeholder_group)[:34],
            "pledged": f"{480 * r.pledged_usd / peak:.2f}",
            "fulfilled": f"{480 * max(r.fulfilled_usd, Decimal(0)) / peak:.2f}",
            "pledged_text": money_text(r.pledged_usd, USD, language),
            "fulfilled_text": money_text(r.fulfilled_usd, USD, language),
        }
        for index, r in enumerate(rows)
    ]
    return {"height": 34 * len(rows) + 10, "rows": drawn}


def in_currency(language: str, row: DonorGiving) -> str:
    """What a donor gave in each currency it gave in, written for the reader."""
    return "; ".join(
        ", ".join(
            i18n.gettext(language, IN_CURRENCY[what]) % {"amount": money_text(value, c.currency, language)}
            for what, value in (("received", c.received), ("in_kind", c.in_kind), ("pledged", c.pledged))
            if value
        )
        for c in row.in_currency
    )


class TransparencyPage(PageController):
    path = "/transparency"

    @get("/", operation_id="TransparencyPage", name="transparency", cache_control=PUBLIC_MINUTE)
    async def page(
        self,
        request: Request[Any, Any, Any],
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        year: YearFilter = None,
    ) -> Response[Any]:
        """Where the IGF's money comes from and where it goes, as the public API reports it."""
        language = i18n.request_language(request)
        transparency = TransparencyService(db, clock, settings)
        summary = await transparency.summary(year)
        per_year = await transparency.aggregates(AggregateBy.year, LedgerFilter())
        by_group = await transparency.aggregates(AggregateBy.stakeholder_group, LedgerFilter(year=year))
        pledges = await transparency.pledges(year)
        donors = await transparency.donors(year)
        latest = await transparency.latest(year)
        query = f"?{urlencode({'year': year})}" if year else ""
        values = {
            name: getattr(summary.concentration if name in CONCENTRATION else summary, name)
            for name, _, _ in METRICS
        }
        received = sorted(per_year.rows, key=lambda r: r.key or "")
        return render(
            request,
            "funding/transparency.html",
            {
                "year": year,
                "years": sorted({int(r.key) for r in per_year.rows if r.key}, reverse=True),
                "summary": summary,
                "metrics": [
                    {
                        "name": name,
                        "label": label,
                        "raw": "" if values[name] is None else str(values[name]),
                        "shown": _metric(language, values[name], how),
                    }
                    for name, label, how in METRICS
                ],
                "donors": [
                    {
                        "row": r,
                        "name": donor_name(language, r.donor_id, r.donor_name, r.stakeholder_group),
                        "own": in_currency(language, r),
                    }
                    for r in donors.rows
                ],
                "latest": [
                    {
                        "event": e,
                        "name": donor_name(language, e.donor_id, e.donor_name, e.stakeholder_group),
                        "kind": KIND_NAMES[e.kind],
                    }
                    for e in latest
                ],
                "pledges": [
                    {"row": r, "name": donor_name(language, r.donor_id, r.donor_name, r.stakeholder_group)}
                    for r in pledges.rows
                ],
                "per_year": bars(
                    [
                        (r.key or "", r.received_usd, money_text(r.received_usd, USD, language))
                        for r in received
                    ]
                )
                if received
                else None,
                "shares": shares(language, by_group.rows),
                "pledge_chart": pledge_chart(language, pledges.rows) if pledges.rows else None,
                "downloads": [
                    (N_("Ledger (CSV)"), f"{API}/exports/ledger.csv{query}"),
                    (N_("Ledger (JSON)"), f"{API}/exports/ledger.json{query}"),
                    (N_("IATI activities (XML)"), f"{API}/exports/iati-activities.xml{query}"),
                    (N_("IATI organisation (XML)"), f"{API}/exports/iati-organisation.xml{query}"),
                    (N_("Summary (API)"), f"{API}/summary{query}"),
                ],
                "api": API,
                "query": query,
            },
        )


NAVIGATION = [NavItem(path="/transparency", label=N_("Funding"), order=40)]
