"""Streaming exports of the public ledger: CSV (RFC 4180), JSON, and IATI 2.03 activity and organisation files.

Each export takes exactly the ledger's filters and yields exactly the ledger's rows. CSV and JSON read the
ledger's own keyset pages in seq order (the API's query, an index walk with no sort), encode each page in one
go and send it as one chunk; the IATI activity file reads through a server-side cursor. Memory stays flat and
time grows linearly however long the ledger grows.
"""

from __future__ import annotations

import operator
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

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


_CELLS = operator.itemgetter(*CSV_COLUMNS)
_AMOUNT = CSV_COLUMNS.index("amount")
_CURRENCY = CSV_COLUMNS.index("currency")
# The columns that can hold text people typed (every other column is an id, a code, a number or a date, which
# never starts like a formula): only these go through the shared escape.
_TEXT_CELLS = tuple(
    CSV_COLUMNS.index(c)
    for c in ("rate_source", "donor_name", "via_donor_name", "earmark_detail", "reason", "description")
)
_BOOL_CELLS = tuple(
    i
    for i, f in enumerate(msgspec.structs.fields(PublicEvent))
    if bool in (f.type, *getattr(f.type, "__args__", ()))
)


def _minor_units(amount: str, places: int) -> str:
    """The ledger's amount text (numeric(24, 4): always four decimals, and the ledger refuses more decimals than
    the currency has) cut to the currency's minor units; anything else goes through Decimal."""
    cut = 4 - places
    if len(amount) > 5 and amount[-5] == "." and amount[len(amount) - cut :] == "0" * cut:
        return amount[: len(amount) - cut - (1 if places == 0 else 0)]
    return csvfile.amount(Decimal(amount), places)


def _csv_rows(page: list[PublicEvent]) -> list[list[Any]]:
    """A page of ledger events as CSV cells: the JSON's own text (msgspec's builtins, one C call for the page),
    booleans as true/false, the amount with its currency's minor units (USD amounts already have cents), every
    text cell escaped by the shared CSV rule."""
    rows = []
    for builtins in msgspec.to_builtins(page):
        row = list(_CELLS(builtins))
        for i in _BOOL_CELLS:
            row[i] = "true" if row[i] else "false"
        amount, currency = row[_AMOUNT], row[_CURRENCY]
        if amount is not None and currency is not None:  # an anonymous donor's are withheld
            row[_AMOUNT] = _minor_units(amount, currencies.minor_units(currency))
        for i in _TEXT_CELLS:
            text = row[i]
            if text:
                row[i] = csvfile.escape(text)
        rows.append(row)
    return rows


async def csv_export(
    conn: asyncpg.Connection, f: LedgerFilter, *, page_size: int = PAGE_SIZE, bom: bool = True
) -> AsyncIterator[bytes]:
    writer = csvfile.Writer(list(CSV_HEADERS.values()), bom=bom)
    yield writer.head().encode()
    async for page in PublicRepository(conn).event_pages(f, page_size=page_size):
        yield writer.escaped_rows(_csv_rows(page)).encode()


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


class IatiWriter:
    def __init__(self, settings: FundingSettings, *, now: datetime) -> None:
        self.ref = settings.iati_reporting_org_ref
        self.name = settings.iati_reporting_org_name
        self.now = now.replace(microsecond=0)
        self.today = self.now.date()

    def header(self, root: str) -> bytes:
        stamp = self.now.isoformat()
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} version="2.03" generated-datetime="{stamp}">\n'
        ).encode()

    def reporting_org(self, parent: ET.Element) -> None:
        _org(parent, "reporting-org", name=self.name, ref=self.ref, org_type="40")

    def activity(self, rows: list[asyncpg.Record]) -> bytes:
        """One iati-activity per contribution, with its (filtered) events as transactions."""
        first = rows[0]
        events = [public_event(r) for r in rows]
        years = sorted(first["years"])
        activity = ET.Element(
            "iati-activity",
            {"last-updated-datetime": self.now.isoformat(), XML_LANG: "en", "default-currency": "USD"},
        )
        ET.SubElement(activity, "iati-identifier").text = f"{self.ref}-{first['contribution_id']}"
        self.reporting_org(activity)
        donor = events[0].donor_name
        channel, earmark = first["channel"], first["earmark"]
        _narrative(activity, "title", f"{CHANNEL_LABELS[channel]}: {EARMARK_LABELS[earmark]} from {donor}")
        via = f", through {events[0].via_donor_name}" if events[0].via_donor_name else ""
        _narrative(
            activity,
            "description",
            f"A contribution to the Internet Governance Forum by {donor}{via} for {', '.join(map(str, years))}.",
            type="1",
        )
        _org(
            activity,
            "participating-org",
            name=donor,
            ref=first["donor_iati_ref"],
            org_type=first["iati_org_type"],
            role="1",
        )
        if first["via_donor_id"] is not None and events[0].via_donor_name:
            _org(
                activity,
                "participating-org",
                name=events[0].via_donor_name,
                ref=first["via_iati_ref"],
                org_type=first["via_iati_type"],
                role="3",
            )
        _org(activity, "participating-org", name=self.name, ref=self.ref, org_type="40", role="4")
        ended = years[-1] < self.today.year
        ET.SubElement(activity, "activity-status", code="3" if ended else "2")
        ET.SubElement(activity, "activity-date", {"iso-date": f"{years[0]}-01-01", "type": "1"})
        started = min(e.value_date for e in events)
        ET.SubElement(activity, "activity-date", {"iso-date": started.isoformat(), "type": "2"})
        ET.SubElement(activity, "activity-date", {"iso-date": f"{years[-1]}-12-31", "type": "3"})
        ET.SubElement(
            activity,
            "recipient-region",
            code=IATI_REGION_DEVELOPING_UNSPECIFIED,
            vocabulary="1",
            percentage="100",
        )
        ET.SubElement(activity, "sector", code=IATI_SECTOR_COMMUNICATIONS, vocabulary="2", percentage="100")
        earmarking = (
            IATI_TIGHTLY_EARMARKED if first["nri_id"] or first["track_id"] else IATI_EARMARKING[earmark]
        )
        ET.SubElement(activity, "default-aid-type", code=earmarking, vocabulary="2")
        self._budgets(activity, events)
        for event in events:
            self._transaction(activity, event, first)
        ET.indent(activity, space="  ", level=1)
        return b"  " + bytes(ET.tostring(activity, encoding="utf-8", xml_declaration=False)) + b"\n"

    def _budgets(self, activity: ET.Element, events: list[PublicEvent]) -> None:
        """One budget per year in which pledges were made, by their value date, as every other figure (the
        summary, the aggregates, the organisation file): the budgets add up to the activity's pledges."""
        pledged: dict[int, Decimal] = defaultdict(Decimal)
        for e in events:
            if e.counts_as == "pledge":
                pledged[e.ledger_year] += e.usd_amount
        for year, amount in sorted(pledged.items()):
            if amount <= 0:
                continue
            budget = ET.SubElement(activity, "budget", type="1", status="1")
            ET.SubElement(budget, "period-start", {"iso-date": f"{year}-01-01"})
            ET.SubElement(budget, "period-end", {"iso-date": f"{year}-12-31"})
            value_date = min(date(year, 1, 1), self.today)
            value = ET.SubElement(budget, "value", {"currency": "USD", "value-date": value_date.isoformat()})
            value.text = _money(amount)

    def _transaction(self, activity: ET.Element, e: PublicEvent, row: asyncpg.Record) -> None:
        transaction = ET.SubElement(activity, "transaction", ref=str(e.id))
        ET.SubElement(transaction, "transaction-type", code=IATI_TRANSACTION_TYPE[e.counts_as])
        ET.SubElement(transaction, "transaction-date", {"iso-date": e.value_date.isoformat()})
        what = e.kind.replace("_", " ")
        if e.reverses_id:
            what = f"reversal of {e.reverses_id}" + (f" ({e.reason})" if e.reason else "")
        if e.amount is None or e.currency is None or e.rate is None:
            # An anonymous donor's original currency and amount are withheld: the value is in USD.
            value = ET.SubElement(
                transaction, "value", {"currency": "USD", "value-date": e.value_date.isoformat()}
            )
            value.text = _money(e.usd_amount)
            _narrative(transaction, "description", f"{what.capitalize()}: USD {e.usd_amount}")
        else:
            value = ET.SubElement(
                transaction, "value", {"currency": e.currency, "value-date": e.value_date.isoformat()}
            )
            value.text = _money(e.amount.quantize(Decimal(1).scaleb(-currencies.minor_units(e.currency))))
            _narrative(
                transaction,
                "description",
                f"{what.capitalize()}: USD {e.usd_amount} at {e.rate} ({e.rate_source}, {e.rate_date})",
            )
        _org(
            transaction,
            "provider-org",
            name=e.donor_name,
            ref=row["donor_iati_ref"],
            org_type=row["iati_org_type"],
        )
        _org(transaction, "receiver-org", name=self.name, ref=self.ref, org_type="40")
        if e.counts_as == "in_kind_valuation":
            ET.SubElement(transaction, "disbursement-channel", code="4")  # aid in kind, managed by the donor

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
    async for row in PublicRepository(conn).stream_events_by_contribution(f):
        if batch and batch[0]["contribution_id"] != row["contribution_id"]:
            yield writer.activity(batch)
            batch = []
        batch.append(row)
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
