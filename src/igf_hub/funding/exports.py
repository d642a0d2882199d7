"""Streaming exports of the public ledger: CSV (RFC 4180), JSON, and IATI 2.03 activity and organisation files.

Each export takes exactly the ledger's filters and yields exactly the ledger's rows. CSV and JSON read the
ledger's own keyset pages in seq order (the API's query, an index walk with no sort) and send each page as one
chunk: PostgreSQL writes each CSV page itself (one value per page reaches Python; public_repository.CSV_PAGE),
msgspec encodes each JSON page in one go. The IATI activity file reads through a server-side cursor, a batch
of rows at a time, and writes each activity from string templates. Memory stays flat and time grows linearly
however long the ledger grows.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal

import asyncpg
import msgspec

from igf_hub.core import csvfile
from igf_hub.core.settings import FundingSettings
from igf_hub.funding import currencies
from igf_hub.funding.labels import (
    CHANNEL_LABELS,
    EARMARK_LABELS,
    IATI_EARMARKING,
    IATI_TIGHTLY_EARMARKED,
    METHODOLOGY,
)
from igf_hub.funding.public_repository import PublicRepository, public_event
from igf_hub.funding.public_schemas import LedgerFilter, PublicEvent

# The CSV columns, in order: the public ledger's fields, each under a human header. This is the documented,
# stable contract; the ledger import reads either the header or the field name.
CSV_HEADERS: dict[str, str] = {
    "seq": "Sequence",
    "id": "Event ID",
    "kind": "Kind",
    "counts_as": "Counts as",
    "ledger_year": "Year",
    "value_date": "Value date",
    "amount": "Amount",
    "currency": "Currency",
    "usd_amount": "Amount (USD)",
    "rate": "Rate (USD per unit)",
    "rate_source": "Rate source",
    "rate_date": "Rate date",
    "contribution_id": "Contribution ID",
    "donor_id": "Donor ID",
    "donor_name": "Donor",
    "stakeholder_group": "Stakeholder group",
    "country": "Country",
    "via_donor_id": "Via donor ID",
    "via_donor_name": "Via donor",
    "channel": "Channel",
    "earmark": "Earmark",
    "earmark_detail": "Earmark detail",
    "nri_id": "NRI ID",
    "track_id": "Track ID",
    "in_kind": "In kind",
    "due_on": "Due on",
    "reverses_id": "Reverses event ID",
    "reason": "Reason",
    "description": "Description",
    "recorded_at": "Recorded at",
}
CSV_COLUMNS: tuple[str, ...] = tuple(PublicEvent.__struct_fields__)
assert tuple(CSV_HEADERS) == CSV_COLUMNS, "every ledger field has a CSV header"

IATI_TRANSACTION_TYPE = {"pledge": "13", "commitment": "11", "receipt": "1", "in_kind_valuation": "1"}
IATI_SECTOR_COMMUNICATIONS = "220"  # DAC 3-digit sector category (vocabulary 2): Communications
IATI_REGION_DEVELOPING_UNSPECIFIED = "998"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PAGE_SIZE = 2000  # events per query and per chunk sent


async def csv_export(
    conn: asyncpg.Connection, f: LedgerFilter, *, page_size: int = PAGE_SIZE, bom: bool = True
) -> AsyncIterator[bytes]:
    writer = csvfile.Writer(list(CSV_HEADERS.values()), bom=bom)
    yield writer.head().encode()
    async for body in PublicRepository(conn).csv_pages(f, page_size=page_size):
        yield body


async def json_export(
    conn: asyncpg.Connection, f: LedgerFilter, *, as_of: datetime, page_size: int = PAGE_SIZE
) -> AsyncIterator[bytes]:
    head = {"as_of": as_of, "filters": f, "methodology": METHODOLOGY}
    yield msgspec.json.encode(head)[:-1] + b',"items":['
    separator = b""
    async for page in PublicRepository(conn).event_pages(f, page_size=page_size):
        # A page encoded as a list is its items joined by commas, byte for byte: drop the brackets.
        yield separator + msgspec.json.encode(page)[1:-1]
        separator = b","
    yield b"]}"


# -- IATI 2.03 -------------------------------------------------------------------------------------------


def _narrative(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    ET.SubElement(element, "narrative").text = text
    return element


def _money(value: Decimal) -> str:
    return format(value, "f")


def _org(
    parent: ET.Element, tag: str, *, name: str, ref: str | None, org_type: str | None, **attrs: str
) -> None:
    if ref:
        attrs["ref"] = ref
    if org_type:
        attrs["type"] = org_type
    _narrative(parent, tag, name, **attrs)


# The activity file is written from templates, byte for byte what ElementTree wrote before (indent() by two
# spaces, " />" for empty elements, its escaping of text and attributes): tests/funding/test_export_bytes.py.


def _text(text: str) -> str:
    """Character data escaped as ElementTree escapes it."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _attr(text: str) -> str:
    """An attribute value escaped as ElementTree escapes it."""
    text = _text(text)
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    if "\n" in text:
        text = text.replace("\n", "&#10;")
    if "\t" in text:
        text = text.replace("\t", "&#09;")
    return text


def _with_narrative(indent: str, tag: str, attrs: str, text: str) -> str:
    """``<tag attrs><narrative>text</narrative></tag>`` indented at ``indent``, with its line breaks."""
    narrative = f"<narrative>{_text(text)}</narrative>" if text else "<narrative />"
    return f"{indent}<{tag}{attrs}>\n{indent}  {narrative}\n{indent}</{tag}>\n"


def _org_text(indent: str, tag: str, name: str, ref: str | None, org_type: str | None, attrs: str) -> str:
    if ref:
        attrs += f' ref="{_attr(ref)}"'
    if org_type:
        attrs += f' type="{_attr(org_type)}"'
    return _with_narrative(indent, tag, attrs, name)


class IatiWriter:
    def __init__(self, settings: FundingSettings, *, now: datetime) -> None:
        self.ref = settings.iati_reporting_org_ref
        self.name = settings.iati_reporting_org_name
        self.now = now.replace(microsecond=0)
        self.today = self.now.date()
        self.stamp = _attr(self.now.isoformat())
        # The pieces every activity repeats, written once.
        self.reporting = _org_text("    ", "reporting-org", self.name, self.ref, "40", "")
        self.implementing = _org_text("    ", "participating-org", self.name, self.ref, "40", ' role="4"')
        self.receiver = _org_text("      ", "receiver-org", self.name, self.ref, "40", "")

    def header(self, root: str) -> bytes:
        stamp = self.now.isoformat()
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} version="2.03" generated-datetime="{stamp}">\n'
        ).encode()

    def reporting_org(self, parent: ET.Element) -> None:
        _org(parent, "reporting-org", name=self.name, ref=self.ref, org_type="40")

    def activity(self, rows: list[asyncpg.Record]) -> bytes:
        """One iati-activity per contribution, with its (filtered) events as transactions: the text
        ElementTree wrote for it (indented, short empty elements), written from templates, in one piece."""
        first = rows[0]
        identifier = f"{self.ref}-{first['contribution_id']}"
        events = [public_event(r) for r in rows]
        years = sorted(first["years"])
        donor = events[0].donor_name
        via_name = events[0].via_donor_name
        channel, earmark = first["channel"], first["earmark"]
        title = f"{CHANNEL_LABELS[channel]}: {EARMARK_LABELS[earmark]} from {donor}"
        via = f", through {via_name}" if via_name else ""
        description = f"A contribution to the Internet Governance Forum by {donor}{via} for {', '.join(map(str, years))}."
        out = [
            f'  <iati-activity last-updated-datetime="{self.stamp}" xml:lang="en" default-currency="USD">\n'
            f"    <iati-identifier>{_text(identifier)}</iati-identifier>\n",
            self.reporting,
            _with_narrative("    ", "title", "", title),
            _with_narrative("    ", "description", ' type="1"', description),
            _org_text(
                "    ",
                "participating-org",
                donor,
                first["donor_iati_ref"],
                first["iati_org_type"],
                ' role="1"',
            ),
        ]
        if first["via_donor_id"] is not None and via_name:
            out.append(
                _org_text(
                    "    ",
                    "participating-org",
                    via_name,
                    first["via_iati_ref"],
                    first["via_iati_type"],
                    ' role="3"',
                )
            )
        out.append(self.implementing)
        ended = years[-1] < self.today.year
        started = min(e.value_date for e in events)
        earmarking = (
            IATI_TIGHTLY_EARMARKED if first["nri_id"] or first["track_id"] else IATI_EARMARKING[earmark]
        )
        out.append(
            f'    <activity-status code="{"3" if ended else "2"}" />\n'
            f'    <activity-date iso-date="{years[0]}-01-01" type="1" />\n'
            f'    <activity-date iso-date="{started.isoformat()}" type="2" />\n'
            f'    <activity-date iso-date="{years[-1]}-12-31" type="3" />\n'
            f'    <recipient-region code="{IATI_REGION_DEVELOPING_UNSPECIFIED}" vocabulary="1" percentage="100" />\n'
            f'    <sector code="{IATI_SECTOR_COMMUNICATIONS}" vocabulary="2" percentage="100" />\n'
            f'    <default-aid-type code="{_attr(earmarking)}" vocabulary="2" />\n'
        )
        self._budgets(out, events)
        provider = _org_text(
            "      ", "provider-org", donor, first["donor_iati_ref"], first["iati_org_type"], ""
        )
        for event in events:
            self._transaction(out, event, provider)
        out.append("  </iati-activity>\n")
        return "".join(out).encode()

    def _budgets(self, out: list[str], events: list[PublicEvent]) -> None:
        """One budget per year in which pledges were made, by their value date, as every other figure (the
        summary, the aggregates, the organisation file): the budgets add up to the activity's pledges."""
        pledged: dict[int, Decimal] = defaultdict(Decimal)
        for e in events:
            if e.counts_as == "pledge":
                pledged[e.ledger_year] += e.usd_amount
        for year, amount in sorted(pledged.items()):
            if amount <= 0:
                continue
            value_date = min(date(year, 1, 1), self.today)
            out.append(
                '    <budget type="1" status="1">\n'
                f'      <period-start iso-date="{year}-01-01" />\n'
                f'      <period-end iso-date="{year}-12-31" />\n'
                f'      <value currency="USD" value-date="{value_date.isoformat()}">{_money(amount)}</value>\n'
                "    </budget>\n"
            )

    def _transaction(self, out: list[str], e: PublicEvent, provider: str) -> None:
        what = e.kind.replace("_", " ")
        if e.reverses_id:
            what = f"reversal of {e.reverses_id}" + (f" ({e.reason})" if e.reason else "")
        value_date = e.value_date.isoformat()
        if e.amount is None or e.currency is None or e.rate is None:
            # An anonymous donor's original currency and amount are withheld: the value is in USD.
            currency, value = "USD", _money(e.usd_amount)
            description = f"{what.capitalize()}: USD {e.usd_amount}"
        else:
            currency = e.currency
            value = _money(e.amount.quantize(Decimal(1).scaleb(-currencies.minor_units(e.currency))))
            description = (
                f"{what.capitalize()}: USD {e.usd_amount} at {e.rate} ({e.rate_source}, {e.rate_date})"
            )
        out.append(
            f'    <transaction ref="{e.id}">\n'
            f'      <transaction-type code="{IATI_TRANSACTION_TYPE[e.counts_as]}" />\n'
            f'      <transaction-date iso-date="{value_date}" />\n'
            f'      <value currency="{_attr(currency)}" value-date="{value_date}">{_text(value)}</value>\n'
        )
        out.append(_with_narrative("      ", "description", "", description))
        out.append(provider)
        out.append(self.receiver)
        if e.counts_as == "in_kind_valuation":
            out.append('      <disbursement-channel code="4" />\n')  # aid in kind, managed by the donor
        out.append("    </transaction>\n")

    def organisation(self, per_year: list[asyncpg.Record]) -> bytes:
        org = ET.Element(
            "iati-organisation",
            {"last-updated-datetime": self.now.isoformat(), XML_LANG: "en", "default-currency": "USD"},
        )
        ET.SubElement(org, "organisation-identifier").text = self.ref
        _narrative(org, "name", self.name)
        self.reporting_org(org)
        for row in per_year:
            year = int(row["key"])
            budget = ET.SubElement(org, "total-budget", status="1")
            ET.SubElement(budget, "period-start", {"iso-date": f"{year}-01-01"})
            ET.SubElement(budget, "period-end", {"iso-date": f"{year}-12-31"})
            value_date = min(date(year, 1, 1), self.today)
            value = ET.SubElement(budget, "value", {"currency": "USD", "value-date": value_date.isoformat()})
            value.text = _money(row["pledged_usd"] + row["in_kind_usd"])
        ET.indent(org, space="  ", level=1)
        return b"  " + bytes(ET.tostring(org, encoding="utf-8", xml_declaration=False)) + b"\n"


async def iati_activities(
    conn: asyncpg.Connection, f: LedgerFilter, settings: FundingSettings, *, now: datetime
) -> AsyncIterator[bytes]:
    writer = IatiWriter(settings, now=now)
    yield writer.header("iati-activities")
    batch: list[asyncpg.Record] = []
    async for rows in PublicRepository(conn).events_by_contribution(f):
        # The activities this batch of rows completes go out as one chunk.
        chunk = []
        for row in rows:
            if batch and batch[0]["contribution_id"] != row["contribution_id"]:
                chunk.append(writer.activity(batch))
                batch = []
            batch.append(row)
        if chunk:
            yield b"".join(chunk)
    if batch:
        yield writer.activity(batch)
    yield b"</iati-activities>\n"


async def iati_organisation(
    conn: asyncpg.Connection, f: LedgerFilter, settings: FundingSettings, *, now: datetime
) -> AsyncIterator[bytes]:
    from igf_hub.funding.public_schemas import AggregateBy

    writer = IatiWriter(settings, now=now)
    per_year = await PublicRepository(conn).aggregate(AggregateBy.year, f)
    yield writer.header("iati-organisations")
    yield writer.organisation([r for r in per_year if r["pledged_usd"] + r["in_kind_usd"] > 0])
    yield b"</iati-organisations>\n"
