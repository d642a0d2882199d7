"""The ledger CSV and the IATI activity file are the same bytes as before they were made fast: consumers parse
them. The golden files in ``golden/`` were written by the exports as they were before (Python formatting of
each event) from the fixed ledger below, which holds every event kind, currencies with 0, 2 and 3 minor units,
amounts that round, a rate small enough for scientific notation, anonymous donors and intermediaries,
non-ASCII names, commas, quotes, newlines, tabs and formula starts in text, empty text and nulls."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID

import asyncpg

from igf_hub.core import csvfile
from igf_hub.core.settings import FundingSettings
from igf_hub.funding import exports
from igf_hub.funding.public_repository import _csv_escaped, _csv_quoted
from igf_hub.funding.public_schemas import LedgerFilter
from tests.funding.iati_rules import xsd_errors

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
# An organisation name with characters XML must escape.
IATI = FundingSettings(
    iati_reporting_org_ref="XI-IATI-IGFSEC", iati_reporting_org_name="IGF Secretariat & <Co>"
)


def _id(n: int) -> UUID:
    return UUID(int=0x1F0000000000400080000000000000 + n)


# (n, legal name, display name, anonymous, group, country, IATI type, IATI ref)
DONORS = [
    (1, "Federal Ministry", "Germany", False, "government", "DE", "10", "XM-DAC-5-7"),
    (2, 'Big Tech, "Inc"', None, False, "private_sector", "US", None, None),
    (3, "مؤسسة الإنترنت", None, False, "civil_society", "EG", "22", None),
    (4, '=HYPERLINK("http://x.test")', None, False, "private_sector", "FR", None, None),
    (5, "IGF Support Association", "IGFSA", False, "technical_community", "CH", "21", "CH-FDJP-IGFSA"),
    (6, "Quiet Giver GmbH", None, True, "private_sector", "AT", "70", "AT-COA-99"),
    (7, "Silent Partner", None, True, "academia", "BE", None, None),
    (8, "国际电信联盟 🌐", None, False, "intergovernmental", None, "40", "XI-ITU"),
    (9, "\tTab Org", "'Quoted' Fund", False, "academia", "KE", None, None),
]
# (n, donor, via, channel, earmark, detail, nri, track, in kind, years)
CONTRIBUTIONS = [
    (1, 1, None, "igf_trust_fund", "core", None, None, None, False, [2024, 2025]),
    (2, 2, None, "other", "travel_grants", 'Fellows,\n"Global South"', None, None, False, [2023, 2024]),
    (3, 3, None, "host_country_agreement", "host_country", None, None, None, True, [2024]),
    (4, 4, 5, "igfsa", "other", "@SUM(A1:A2)", _id(900), None, False, [2024]),
    (5, 6, 7, "direct_to_nri", "nri_support", "for the <youth> IGF & co", None, _id(901), False, [2024]),
    (6, 8, None, "igf_trust_fund", "capacity_development", None, None, None, False, [2022, 2023, 2024]),
    (7, 9, 2, "mixed", "intersessional", "", None, None, False, [2024]),
]
# (seq, contribution, kind, amount, currency, usd, rate, source, value date, due on, reverses, reason, description,
#  recorded at)
EVENTS = [
    (
        1,
        1,
        "pledge",
        "10000",
        "USD",
        "10000",
        "1",
        "USD (no conversion)",
        "2024-01-05",
        "2024-12-31",
        None,
        None,
        None,
        "2024-01-05T09:00:00",
    ),
    (
        2,
        1,
        "commitment",
        "10000",
        "USD",
        "10000",
        "1",
        "USD (no conversion)",
        "2024-01-20",
        None,
        None,
        None,
        "Signed, sealed",
        "2024-01-20T09:00:00.120000",
    ),
    (
        3,
        1,
        "receipt",
        "5000.5",
        "EUR",
        "5500.55",
        "1.1",
        "UN operational rates",
        "2024-03-01",
        None,
        None,
        None,
        'Transfer, ref "A-1"',
        "2024-03-01T10:11:12.000001",
    ),
    (
        4,
        2,
        "pledge",
        "3000",
        "USD",
        "3000",
        "1",
        "USD (no conversion)",
        "2024-02-01",
        "2024-06-30",
        None,
        None,
        "-12.50",
        "2024-02-01T00:00:00",
    ),
    (
        5,
        2,
        "receipt",
        "3000",
        "USD",
        "3000",
        "1",
        "USD (no conversion)",
        "2024-02-15",
        None,
        None,
        None,
        "+41 22 917 57 57",
        "2024-02-15T23:59:59.999999",
    ),
    (
        6,
        3,
        "in_kind_valuation",
        "1000",
        "USD",
        "1000",
        "1",
        "Market rent",
        "2024-05-01",
        None,
        None,
        None,
        "Venue\r\nand interpretation",
        "2024-05-01T08:00:00",
    ),
    (
        7,
        4,
        "receipt",
        "750.25",
        "GBP",
        "952.82",
        "1.27",
        'Bank, "spot" rate',
        "2024-06-01",
        None,
        None,
        None,
        "",
        "2024-06-01T08:00:00",
    ),
    (
        8,
        5,
        "pledge",
        "900",
        "EUR",
        "990",
        "1.1",
        "UN operational rates",
        "2024-03-02",
        None,
        None,
        None,
        "private note",
        "2024-03-02T08:00:00",
    ),
    (
        9,
        5,
        "receipt",
        "450",
        "EUR",
        "495",
        "1.1",
        "UN operational rates",
        "2024-03-20",
        None,
        None,
        None,
        "secret",
        "2024-03-20T08:00:00",
    ),
    (
        10,
        6,
        "receipt",
        "150000",
        "JPY",
        "1020",
        "0.0068",
        "UN operational rates",
        "2024-04-01",
        None,
        None,
        None,
        "円で",
        "2024-04-01T08:00:00",
    ),
    (
        11,
        6,
        "receipt",
        "1.234",
        "KWD",
        "4.01",
        "3.25",
        "UN operational rates",
        "2024-04-02",
        None,
        None,
        None,
        "=1+1",
        "2024-04-02T08:00:00",
    ),
    (
        12,
        6,
        "receipt",
        "2.5",
        "JPY",
        "0.02",
        "0.0068",
        "UN operational rates",
        "2024-04-03",
        None,
        None,
        None,
        "@home",
        "2024-04-03T08:00:00",
    ),
    (
        13,
        6,
        "receipt",
        "10.125",
        "EUR",
        "0",
        "0.0000001234",
        "A tiny rate",
        "2024-04-04",
        None,
        None,
        None,
        "'already quoted",
        "2024-04-04T08:00:00",
    ),
    (
        14,
        6,
        "receipt",
        "10.135",
        "EUR",
        "0",
        "0.0000000001",
        "A tinier rate",
        "2024-04-05",
        None,
        None,
        None,
        " leading space",
        "2024-04-05T08:00:00",
    ),
    (
        15,
        2,
        "reversal",
        "-3000",
        "USD",
        "-3000",
        "1",
        "USD (no conversion)",
        "2024-02-20",
        None,
        5,
        '@mistake, "twice"',
        None,
        "2024-02-20T08:00:00",
    ),
    (
        16,
        5,
        "reversal",
        "-450",
        "EUR",
        "-495",
        "1.1",
        "UN operational rates",
        "2024-03-21",
        None,
        9,
        "returned",
        None,
        "2024-03-21T08:00:00",
    ),
    (
        17,
        6,
        "reversal",
        "-10.125",
        "EUR",
        "0",
        "0.0000001234",
        "A tiny rate",
        "2024-04-06",
        None,
        13,
        "'apostrophe",
        "line\nbreak",
        "2024-04-06T08:00:00",
    ),
    (
        18,
        7,
        "receipt",
        "999999999999999.99",
        "USD",
        "999999999999999.99",
        "1",
        "USD (no conversion)",
        "2024-07-01",
        None,
        None,
        None,
        "\ttabbed",
        "2024-07-01T08:00:00",
    ),
    (
        19,
        7,
        "commitment",
        "0.01",
        "CHF",
        "0.01",
        "1.13",
        "-",
        "2024-07-02",
        None,
        None,
        None,
        "x\u2028y",
        "2024-07-02T08:00:00",
    ),
    (
        20,
        1,
        "receipt",
        "100",
        "USD",
        "100",
        "1",
        "USD (no conversion)",
        "2025-01-02",
        None,
        None,
        None,
        "next year",
        "2025-01-02T08:00:00",
    ),
]

COUNTS_AS = {5: "receipt", 9: "receipt", 13: "receipt"}  # what each reversed event counts as


async def fixed_ledger(db: asyncpg.Pool) -> None:
    """The ledger above, with fixed ids, sequence numbers and times (so the files are the same every run)."""
    async with db.acquire() as conn, conn.transaction():
        for n, legal, display, anonymous, group, country, iati_type, iati_ref in DONORS:
            await conn.execute(
                "INSERT INTO donors (id, legal_name, display_name, is_anonymous, stakeholder_group, country, "
                "iati_org_type, iati_org_ref) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                _id(n),
                legal,
                display,
                anonymous,
                group,
                country,
                iati_type,
                iati_ref,
            )
        for n, donor, via, channel, earmark, detail, nri, track, in_kind, years in CONTRIBUTIONS:
            await conn.execute(
                "INSERT INTO funding_contributions (id, donor_id, via_donor_id, title, channel, earmark, "
                "earmark_detail, nri_id, track_id, in_kind, in_kind_description, valuation_method, years, "
                "created_by, created_at) VALUES ($1, $2, $3, 'Support', $4, $5, $6, $7, $8, $9, $10, $10, $11, "
                "'test', $12)",
                _id(100 + n),
                _id(donor),
                _id(via) if via else None,
                channel,
                earmark,
                detail,
                nri,
                track,
                in_kind,
                "Venue" if in_kind else None,
                years,
                datetime(2024, 1, n, tzinfo=UTC),
            )
        for event in EVENTS:
            seq, contribution, kind, amount, currency, usd, rate, source, value_date, due_on = event[:10]
            reverses, reason, description, recorded_at = event[10:]
            day = date.fromisoformat(value_date)
            await conn.execute(
                "INSERT INTO funding_events (id, seq, contribution_id, kind, counts_as, ledger_year, amount, "
                "currency, value_date, due_on, usd_amount, rate, rate_source, rate_date, reverses_id, reason, "
                "description, recorded_at, recorded_by) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, "
                "$6, $7::numeric, $8, $9, $10, $11::numeric, $12::numeric, $13, $14, $15, $16, $17, $18, 'test')",
                _id(1000 + seq),
                seq,
                _id(100 + contribution),
                kind,
                COUNTS_AS[reverses] if reverses else kind,
                day.year,
                amount,
                currency,
                day,
                date.fromisoformat(due_on) if due_on else None,
                usd,
                rate,
                source,
                day.replace(day=1),
                _id(1000 + reverses) if reverses else None,
                reason,
                description,
                datetime.fromisoformat(recorded_at).replace(tzinfo=UTC),
            )


async def _export(db: asyncpg.Pool, produce: Callable[[asyncpg.Connection], AsyncIterator[bytes]]) -> bytes:
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        return b"".join([chunk async for chunk in produce(conn)])


def _same_as_golden(name: str, body: bytes) -> None:
    golden = GOLDEN / name
    if not golden.exists():  # written once, by the exports before they changed
        golden.parent.mkdir(exist_ok=True)
        golden.write_bytes(body)
        raise AssertionError(f"{name} was missing and has been written: check it and commit it")
    assert body == golden.read_bytes(), name


async def test_ledger_csv_is_byte_for_byte_what_it_was(db: asyncpg.Pool) -> None:
    await fixed_ledger(db)
    everything = await _export(db, lambda conn: exports.csv_export(conn, LedgerFilter()))
    _same_as_golden("ledger.csv", everything)
    for page_size in (1, 7):  # page boundaries never show
        async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            paged = [c async for c in exports.csv_export(conn, LedgerFilter(), page_size=page_size)]
        assert b"".join(paged) == everything, page_size
    filtered = LedgerFilter(year=2024, stakeholder_group="private_sector")
    _same_as_golden(
        "ledger-2024-private-sector.csv",
        await _export(db, lambda conn: exports.csv_export(conn, filtered, bom=False)),
    )
    assert await _export(db, lambda conn: exports.csv_export(conn, LedgerFilter(year=2031))) == (
        (GOLDEN / "ledger.csv").read_bytes().split(b"\r\n")[0] + b"\r\n"
    )


async def test_iati_activities_are_byte_for_byte_what_they_were(db: asyncpg.Pool) -> None:
    await fixed_ledger(db)
    body = await _export(db, lambda conn: exports.iati_activities(conn, LedgerFilter(), IATI, now=NOW))
    _same_as_golden("iati-activities.xml", body)
    assert xsd_errors(body) == []
    only = LedgerFilter(kind=None, donor_id=_id(8))
    _same_as_golden(
        "iati-activities-one-donor.xml",
        await _export(db, lambda conn: exports.iati_activities(conn, only, IATI, now=NOW)),
    )


TRICKY = [
    "",
    "plain",
    "a,b",
    'say "hi"',
    "line\nbreak",
    "cr\rhere",
    "crlf\r\n",
    "=1+1",
    "+41 22",
    "-12.50",
    "+7",
    "-",
    "-.5",
    "1.",
    "@home",
    "\tx",
    "\rx",
    "'quoted",
    "''",
    "' ",
    " =x",
    "x=",
    "=",
    "éçà",
    "مرحبا",
    "😀,",
    "\u2028",
    "a\\b",
    "12e3",
    "-1e3",
    "\u22125",  # a minus sign, not a hyphen
    "٣",
    "+٣",
    '"',
    ",",
    "\n",
    "'=x",
    "=\n",
    "--",
    "+-1",
    "1,000.00",
]


async def test_the_databases_cell_writing_is_the_csv_modules(db: asyncpg.Pool) -> None:
    """The SQL that writes ledger.csv's free-text cells agrees with csvfile.escape and the csv module on
    text the golden files do not hold."""
    sql = f"SELECT {_csv_quoted(_csv_escaped('t'))} FROM unnest($1::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n"
    async with db.acquire() as conn:
        written = [r[0] for r in await conn.fetch(sql, TRICKY)]
    for text, cell in zip(TRICKY, written, strict=True):
        one = io.StringIO()
        csv.writer(one, lineterminator="\r\n").writerow([csvfile.escape(text), ""])
        assert f"{cell or ''},\r\n" == one.getvalue(), repr(text)
