"""The public /transparency page: server-rendered HTML whose numbers are the API's own, with inline SVG
charts (received per year, share by stakeholder group, pledged vs received per donor) and download links.
It needs no JavaScript to be read; a few lines of script only make the year selector submit itself."""

from __future__ import annotations

from decimal import Decimal
from html import escape
from urllib.parse import urlencode

from igf_hub.core.security_headers import PAGE_CSP, script_source
from igf_hub.funding import currencies
from igf_hub.funding.public_schemas import (
    AggregateBy,
    AggregateRow,
    DonorGiving,
    LedgerFilter,
    PledgeRow,
    PublicEvent,
    Summary,
)
from igf_hub.funding.transparency_service import TransparencyService

API = "/v1/transparency"
PALETTE = ("#1f5f99", "#e07b39", "#3a9a5b", "#b8403a", "#7a5ea8", "#8c6d31", "#4a8ea0")

STYLE = """
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1rem 1.5rem;color:#1d2733}
h1{margin-bottom:.2rem}.as-of{color:#5b6670;margin-top:0}
dl.metrics{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:.8rem}
dl.metrics div{border:1px solid #d5dbe1;border-radius:6px;padding:.6rem .8rem}
dt{font-size:.85rem;color:#5b6670}dd{margin:0;font-size:1.35rem;font-weight:600}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{padding:.3rem .5rem;border-bottom:1px solid #e3e7eb}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}.overdue{color:#b8403a;font-weight:600}
section{margin-top:1.5rem}svg text{font-size:11px;fill:#1d2733}.methodology{color:#4b5660;font-size:.9rem}
"""

SCRIPT = """
document.addEventListener('DOMContentLoaded', function () {
  var select = document.getElementById('year');
  if (select) { select.addEventListener('change', function () { select.form.submit(); }); }
  var button = document.getElementById('year-submit');
  if (button) { button.hidden = true; }
});
"""
# The default page policy runs no script: this one is allowed by its hash, and nothing else.
CSP = f"{PAGE_CSP}; script-src {script_source(SCRIPT)}"


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _metric(name: str, label: str, value: Decimal | int | None, *, usd: bool = True) -> str:
    shown = "—" if value is None else (money(value) if usd and isinstance(value, Decimal) else str(value))
    raw = "" if value is None else str(value)
    prefix = "USD " if usd and value is not None else ""
    return (
        f'<div><dt>{escape(label)}</dt><dd data-metric="{name}" data-value="{escape(raw)}">'
        f"{prefix}{escape(shown)}</dd></div>"
    )


def _bars(rows: list[tuple[str, Decimal]], *, title: str, chart: str) -> str:
    """A vertical bar chart (one bar per row)."""
    if not rows:
        return f'<p data-chart="{chart}">No data yet.</p>'
    peak = max((v for _, v in rows), default=Decimal(0)) or Decimal(1)
    width, height, gap = 60, 180, 20
    svg_width = len(rows) * (width + gap) + gap
    parts = [
        f'<svg role="img" aria-label="{escape(title)}" data-chart="{chart}" width="{svg_width}" '
        f'height="{height + 50}" viewBox="0 -10 {svg_width} {height + 50}">'
    ]
    for index, (label, value) in enumerate(rows):
        bar = int(height * max(value, Decimal(0)) / peak)
        x = gap + index * (width + gap)
        parts.append(
            f'<rect x="{x}" y="{height - bar + 10}" width="{width}" height="{bar}" fill="{PALETTE[0]}">'
            f"<title>{escape(label)}: USD {money(value)}</title></rect>"
            f'<text x="{x + width // 2}" y="{height + 25}" text-anchor="middle">{escape(label)}</text>'
            f'<text x="{x + width // 2}" y="{height - bar + 5}" text-anchor="middle">{money(value)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _shares(rows: list[AggregateRow], *, chart: str) -> str:
    """One horizontal stacked bar: each stakeholder group's share of received plus in-kind."""
    values = [(r.label, r.received_usd + r.in_kind_usd) for r in rows if r.received_usd + r.in_kind_usd > 0]
    total = sum((v for _, v in values), Decimal(0))
    if total <= 0:
        return f'<p data-chart="{chart}">No data yet.</p>'
    parts = [
        f'<svg role="img" aria-label="Share by stakeholder group" data-chart="{chart}" width="700" '
        f'height="{40 + 18 * len(values)}" viewBox="0 0 700 {40 + 18 * len(values)}">'
    ]
    x = Decimal(0)
    for index, (label, value) in enumerate(values):
        share = value / total
        w = share * 680
        colour = PALETTE[index % len(PALETTE)]
        parts.append(
            f'<rect x="{10 + x:.2f}" y="5" width="{w:.2f}" height="24" fill="{colour}">'
            f"<title>{escape(label)}: {share * 100:.1f}%</title></rect>"
            f'<rect x="10" y="{38 + 18 * index}" width="10" height="10" fill="{colour}"></rect>'
            f'<text x="26" y="{47 + 18 * index}">{escape(label)}: {share * 100:.1f}%</text>'
        )
        x += w
    parts.append("</svg>")
    return "".join(parts)


def _pledge_chart(rows: list[PledgeRow], *, chart: str) -> str:
    """Pledged (light) against fulfilled (dark) per donor, as paired horizontal bars."""
    if not rows:
        return f'<p data-chart="{chart}">No pledges yet.</p>'
    peak = max(max(r.pledged_usd, r.fulfilled_usd) for r in rows) or Decimal(1)
    height = 34 * len(rows) + 10
    parts = [
        f'<svg role="img" aria-label="Pledged versus received per donor" data-chart="{chart}" width="760" '
        f'height="{height}" viewBox="0 0 760 {height}">'
    ]
    for index, r in enumerate(rows):
        y = 5 + 34 * index
        pledged = 480 * r.pledged_usd / peak
        fulfilled = 480 * max(r.fulfilled_usd, Decimal(0)) / peak
        parts.append(
            f'<text x="0" y="{y + 12}">{escape(r.donor_name[:34])}</text>'
            f'<rect x="260" y="{y}" width="{pledged:.2f}" height="12" fill="#a9c4de">'
            f"<title>pledged USD {money(r.pledged_usd)}</title></rect>"
            f'<rect x="260" y="{y + 14}" width="{fulfilled:.2f}" height="12" fill="{PALETTE[0]}">'
            f"<title>received USD {money(r.fulfilled_usd)}</title></rect>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _query(year: int | None, **extra: str) -> str:
    params = {k: v for k, v in {"year": str(year) if year else None, **extra}.items() if v}
    return f"?{urlencode(params)}" if params else ""


def _summary_block(s: Summary) -> str:
    c = s.concentration
    return "".join(
        [
            '<dl class="metrics">',
            _metric("pledged_usd", "Pledged", s.pledged_usd),
            _metric("committed_usd", "Committed", s.committed_usd),
            _metric("received_usd", "Received", s.received_usd),
            _metric("in_kind_usd", "In kind", s.in_kind_usd),
            _metric("outstanding_pledges_usd", "Outstanding pledges", s.outstanding_pledges_usd),
            _metric("nri_grants_paid_usd", "Paid out (NRI grants)", s.nri_grants_paid_usd),
            _metric("balance_usd", "Balance (received minus paid out)", s.balance_usd),
            _metric("donors", "Donors", s.donors, usd=False),
            _metric("top1_share", "Largest donor's share", c.top1_share, usd=False),
            _metric("hhi", "Herfindahl-Hirschman index", c.hhi, usd=False),
            _metric("effective_donors", "Effective number of donors", c.effective_donors, usd=False),
            "</dl>",
        ]
    )


def _pledge_table(rows: list[PledgeRow]) -> str:
    body = "".join(
        f'<tr data-donor="{r.donor_id or ""}"><td>{escape(r.donor_name)}</td>'
        f'<td class="num" data-value="{r.pledged_usd}">{money(r.pledged_usd)}</td>'
        f'<td class="num" data-value="{r.fulfilled_usd}">{money(r.fulfilled_usd)}</td>'
        f'<td class="num">{"" if r.fulfilment_pct is None else f"{r.fulfilment_pct}%"}</td>'
        f'<td class="{"overdue" if r.overdue else ""}">{"overdue" if r.overdue else ""}</td></tr>'
        for r in rows
    )
    return (
        '<table id="pledges"><thead><tr><th>Donor</th><th class="num">Pledged (USD)</th>'
        '<th class="num">Received + in kind (USD)</th><th class="num">Fulfilment</th><th></th></tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def _num(value: Decimal) -> str:
    return f'<td class="num" data-value="{value}">{money(value)}</td>'


def _donor_table(rows: list[DonorGiving]) -> str:
    """Every donor with what it gave, in USD and in the currencies it gave in."""
    if not rows:
        return '<p id="donors">No contributions yet.</p>'
    body = []
    for r in rows:
        own = "; ".join(
            ", ".join(
                f"{label} {c.currency} {v:,.{currencies.minor_units(c.currency)}f}"
                for label, v in (("received", c.received), ("in kind", c.in_kind), ("pledged", c.pledged))
                if v
            )
            for c in r.in_currency
        )
        body.append(
            f'<tr data-donor="{r.donor_id or ""}"><th scope="row">{escape(r.donor_name)}</th>'
            f"{_num(r.received_usd)}{_num(r.in_kind_usd)}{_num(r.pledged_usd)}{_num(r.outstanding_usd)}"
            f'<td data-currency="{escape(own)}">{escape(own) or "—"}</td></tr>'
        )
    return (
        '<table id="donors"><caption>Who gave, and what (anonymous donors are grouped by stakeholder group and '
        'shown in US dollars only)</caption><thead><tr><th scope="col">Donor</th>'
        '<th scope="col" class="num">Received (USD)</th><th scope="col" class="num">In kind (USD)</th>'
        '<th scope="col" class="num">Pledged (USD)</th><th scope="col" class="num">Outstanding (USD)</th>'
        f'<th scope="col">In the donor\'s currency</th></tr></thead><tbody>{"".join(body)}</tbody></table>'
    )


def _latest_table(events: list[PublicEvent]) -> str:
    if not events:
        return '<p id="latest">No transactions yet.</p>'
    body = "".join(
        f'<tr data-event="{e.id}"><td><time datetime="{e.value_date.isoformat()}">{e.value_date.isoformat()}</time></td>'
        f"<td>{escape(e.donor_name)}</td><td>{escape(e.kind.replace('_', ' '))}</td>"
        f'<td class="num">{escape(f"{e.currency} {e.amount}") if e.amount is not None else "—"}</td>{_num(e.usd_amount)}</tr>'
        for e in events
    )
    return (
        '<table id="latest"><caption>The latest ledger events, newest first</caption><thead><tr>'
        '<th scope="col">Date</th><th scope="col">Donor</th><th scope="col">Event</th>'
        '<th scope="col" class="num">Amount</th><th scope="col" class="num">USD</th></tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


async def render(transparency: TransparencyService, year: int | None) -> str:
    summary = await transparency.summary(year)
    per_year = await transparency.aggregates(AggregateBy.year, LedgerFilter())
    by_group = await transparency.aggregates(AggregateBy.stakeholder_group, LedgerFilter(year=year))
    pledges = await transparency.pledges(year)
    donors = await transparency.donors(year)
    latest = await transparency.latest(year)
    years = sorted({int(r.key) for r in per_year.rows if r.key}, reverse=True)
    options = ['<option value="">All years</option>'] + [
        f'<option value="{y}"{" selected" if y == year else ""}>{y}</option>' for y in years
    ]
    q = _query(year)
    downloads = [
        ("CSV", f"{API}/exports/ledger.csv{q}"),
        ("JSON", f"{API}/exports/ledger.json{q}"),
        ("IATI activities (XML)", f"{API}/exports/iati-activities.xml{q}"),
        ("IATI organisation (XML)", f"{API}/exports/iati-organisation.xml{q}"),
        ("Summary (API)", f"{API}/summary{q}"),
    ]
    scope = f"in {year}" if year else "all years"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>IGF funding transparency</title><link rel="icon" href="data:,"><style>{STYLE}</style></head>
<body>
<h1>IGF funding: where the money comes from</h1>
<p class="as-of">As of <time data-as-of datetime="{summary.as_of.isoformat()}">{summary.as_of:%Y-%m-%d %H:%M} UTC</time>,
{escape(scope)}. Live from the public ledger.</p>
<form method="get" action="/transparency"><label for="year">Year</label>
<select id="year" name="year">{"".join(options)}</select> <button id="year-submit" type="submit">Show</button></form>
<section id="summary" data-year="{year or ""}">{_summary_block(summary)}</section>
<section><h2>Who gave</h2>{_donor_table(donors.rows)}</section>
<section><h2>Money going out</h2><p>NRI grants paid {escape(scope)}: USD {money(summary.nri_grants_paid_usd)}.
Received {escape(scope)}: USD {money(summary.received_usd)}. Balance: USD {money(summary.balance_usd)}.</p></section>
<section><h2>Latest transactions</h2>{_latest_table(latest)}</section>
<section><h2>Received per year (USD)</h2>
{_bars([(r.key or "", r.received_usd) for r in sorted(per_year.rows, key=lambda r: r.key or "")], title="Received per year", chart="received-per-year")}
</section>
<section><h2>Share by stakeholder group ({escape(scope)})</h2>{_shares(by_group.rows, chart="stakeholder-share")}</section>
<section><h2>Pledged versus received per donor</h2>{_pledge_chart(pledges.rows, chart="pledges-per-donor")}
{_pledge_table(pledges.rows)}</section>
<section><h2>Downloads</h2><ul id="downloads">{"".join(f'<li><a href="{escape(href)}">{escape(label)}</a></li>' for label, href in downloads)}</ul>
<p>Every correction is listed at <a href="{API}/corrections">{API}/corrections</a>; the ledger itself at
<a href="{API}/ledger{q}">{API}/ledger</a>.</p></section>
<section><h2>Methodology</h2><p class="methodology">{escape(summary.methodology)}</p></section>
<script>{SCRIPT}</script>
</body></html>"""
