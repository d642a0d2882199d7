"""SQL for the public transparency view. Every query here selects a donor's name only through
``CASE WHEN is_anonymous THEN NULL ...``, so an anonymous donor's legal name never leaves the database on a
public path, and its country is withheld the same way. What else anonymity withholds (the donor's id, the
original amount and currency, free text) is applied by :func:`public_event` and the group keys below."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import asyncpg

from igf_hub.funding import currencies
from igf_hub.funding.labels import GROUP_LABELS, anonymous_label, public_donor_name
from igf_hub.funding.public_schemas import AggregateBy, LedgerFilter, PublicEvent

PUBLIC_EVENT_FROM = """
FROM funding_events e
JOIN funding_contributions c ON c.id = e.contribution_id
JOIN donors d ON d.id = c.donor_id
LEFT JOIN donors v ON v.id = c.via_donor_id"""

PUBLIC_EVENT_COLUMNS = """
e.seq, e.id, e.kind, e.counts_as, e.ledger_year, e.value_date, e.amount, e.currency, e.usd_amount, e.rate,
e.rate_source, e.rate_date, e.due_on, e.reverses_id, e.reason, e.description, e.recorded_at,
c.id AS contribution_id, c.channel, c.earmark, c.earmark_detail, c.nri_id, c.track_id, c.in_kind, c.years,
c.via_donor_id, d.id AS donor_id, d.is_anonymous, d.stakeholder_group, d.iati_org_type,
CASE WHEN d.is_anonymous THEN NULL ELSE coalesce(d.display_name, d.legal_name) END AS donor_named,
CASE WHEN d.is_anonymous THEN NULL ELSE d.country END AS donor_country,
CASE WHEN d.is_anonymous THEN NULL ELSE d.iati_org_ref END AS donor_iati_ref,
v.is_anonymous AS via_is_anonymous, v.stakeholder_group AS via_group, v.iati_org_type AS via_iati_type,
CASE WHEN v.is_anonymous THEN NULL ELSE coalesce(v.display_name, v.legal_name) END AS via_named,
CASE WHEN v.is_anonymous THEN NULL ELSE v.iati_org_ref END AS via_iati_ref"""

# The shared filters: $1..$12 in LedgerFilter order. The country filter sees only disclosed countries, and the
# donor filters only donors that are not anonymous (an id from an earlier file must not find one).
FILTER_WHERE = """
WHERE ($1::int IS NULL OR e.ledger_year = $1)
  AND ($2::uuid IS NULL OR (d.id = $2 AND NOT d.is_anonymous))
  AND ($3::uuid IS NULL OR c.id = $3)
  AND ($4::text IS NULL OR d.stakeholder_group = $4)
  AND ($5::text IS NULL OR (NOT d.is_anonymous AND d.country = $5))
  AND ($6::text IS NULL OR c.channel = $6)
  AND ($7::text IS NULL OR c.earmark = $7)
  AND ($8::text IS NULL OR e.kind = $8)
  AND ($9::text IS NULL OR e.counts_as = $9)
  AND ($10::uuid IS NULL OR c.nri_id = $10)
  AND ($11::uuid IS NULL OR c.track_id = $11)
  AND ($12::uuid IS NULL OR (c.via_donor_id = $12 AND NOT v.is_anonymous))"""

# One keyset page of the public ledger: the API's pages and, page after page, the CSV and JSON exports. With
# the LIMIT the planner walks the seq index (or (ledger_year, seq) for a year) and looks each row's contribution
# and donors up by key, so every page costs the same however deep into the ledger it starts; an export over the
# whole ledger never sorts it (one unlimited query would: hash joins, then a sort spilling to disk at 1M rows).
LIST_PUBLIC_EVENTS = f"""
SELECT {PUBLIC_EVENT_COLUMNS} {PUBLIC_EVENT_FROM} {FILTER_WHERE} AND e.seq > $13
ORDER BY e.seq
LIMIT $14"""
# ... but only in a plan made for the actual values: PostgreSQL's generic plan for this statement cannot see
# which optional filters are NULL nor how small the LIMIT is, and reads the whole rest of the ledger for every
# page (measured: 25 ms → 400 ms a page at 100k events). Every pooled connection forces custom plans
# (core/db.py); tests/funding/test_transparency.py checks the pages never run on a generic one.
# The IATI file: the same rows, ordered by contribution (one activity per contribution).
STREAM_PUBLIC_EVENTS_BY_CONTRIBUTION = (
    f"SELECT {PUBLIC_EVENT_COLUMNS} {PUBLIC_EVENT_FROM} {FILTER_WHERE} ORDER BY c.created_at, c.id, e.seq"
)


# -- ledger.csv, formatted by PostgreSQL ---------------------------------------------------------------------
# The export's rows are the keyset pages above, each page written by PostgreSQL as one piece of CSV text (one
# value per page reaches Python, instead of 30 per event). Every cell is written exactly as the Python writer
# wrote it before (tests/funding/test_export_bytes.py holds the bytes): the JSON's own text of each value
# (msgspec's), anonymity as in public_event, csvfile.escape on the free-text cells, then RFC 4180 quoting of a
# cell holding a comma, a quote, a CR or an LF, and CRLF after each row.


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _csv_escaped(expr: str) -> str:
    """SQL for csvfile.escape(expr): an apostrophe before a formula start that is not a plain number, or
    before a leading apostrophe."""
    # ascii() is the first character's code point (0 for an empty text); unlike left(), it makes no new text:
    # = + - @ tab CR are 61 43 45 64 9 13, the apostrophe 39.
    return (
        f"CASE WHEN ascii({expr}) IN (61, 43, 45, 64, 9, 13) "
        f"AND {expr} !~ '^[+-]?[0-9]+(\\.[0-9]+)?$' THEN '''' || {expr} "
        f"WHEN ascii({expr}) = 39 THEN '''' || {expr} ELSE {expr} END"
    )


def _csv_quoted(expr: str) -> str:
    """SQL for the csv module's minimal quoting of one cell (NULL stays NULL: concat() writes it empty)."""
    return (
        f"""CASE WHEN {expr} ~ '[",\\r\\n]' THEN '"' || replace({expr}, '"', '""') || '"' ELSE {expr} END"""
    )


def _sql_date(expr: str) -> str:
    return f"to_char({expr}, 'YYYY-MM-DD')"


_GROUP_LABEL = (
    "CASE {group} "
    + " ".join(f"WHEN {_sql_text(g)} THEN {_sql_text(anonymous_label(g))}" for g in GROUP_LABELS)
    + " ELSE 'Anonymous (' || replace({group}, '_', ' ') || ')' END"
)
_PLACES = (
    "CASE "
    + " ".join(
        f"WHEN e.currency IN ({', '.join(map(_sql_text, codes))}) THEN {places}"
        for places, codes in currencies.minor_unit_exceptions().items()
    )
    + " ELSE 2 END"
)
# The amount with its currency's minor units: exact for every amount the ledger accepts (it refuses more
# decimals than the currency has); anything else rounds half to even and keeps a negative zero's sign, as
# Decimal.quantize did.
_AMOUNT = """CASE WHEN p.amount = round(p.amount, p.places) THEN round(p.amount, p.places)::text
ELSE (SELECT CASE WHEN p.amount < 0 AND r = 0 THEN '-' ELSE '' END || r::text FROM (SELECT CASE
    WHEN abs(p.amount * 10::numeric ^ p.places - trunc(p.amount * 10::numeric ^ p.places)) = 0.5
         AND trunc(p.amount * 10::numeric ^ p.places) % 2 = 0 THEN trunc(p.amount, p.places)
    ELSE round(p.amount, p.places) END AS r) q) END"""
# str(Decimal) of a numeric(24, 10) rate: plain, or scientific below 10^-6 (1.234E-7, 1E-10).
_RATE = """CASE WHEN p.rate >= 0.000001 THEN p.rate::text ELSE (SELECT left(d, 1)
    || CASE WHEN length(d) > 1 THEN '.' || substr(d, 2) ELSE '' END || 'E' || (length(d) - 11)::text
    FROM (SELECT trunc(p.rate * 10000000000)::text AS d) q) END"""
# msgspec's RFC 3339 text of a UTC timestamp: microseconds only when there are some.
_RECORDED_AT = """to_char(p.recorded_at, 'YYYY-MM-DD"T"HH24:MI:SS')
|| CASE WHEN date_trunc('second', p.recorded_at) = p.recorded_at THEN '' ELSE to_char(p.recorded_at, '.US') END
|| 'Z'"""
_DONOR_NAME = (
    "CASE WHEN d.is_anonymous THEN "
    + _GROUP_LABEL.format(group="d.stakeholder_group")
    + " ELSE coalesce(d.display_name, d.legal_name) END"
)
_VIA_NAME = (
    "CASE WHEN v.is_anonymous THEN "
    + _GROUP_LABEL.format(group="v.stakeholder_group")
    + " ELSE coalesce(v.display_name, v.legal_name) END"
)
_CSV_ROW = f"""
e.seq, e.id, e.kind, e.counts_as, e.ledger_year, e.value_date, e.usd_amount, e.due_on, e.reverses_id,
e.recorded_at AT TIME ZONE 'UTC' AS recorded_at, c.id AS contribution_id, c.channel, c.earmark, c.nri_id,
c.track_id, c.in_kind, d.stakeholder_group,
CASE WHEN d.is_anonymous THEN NULL ELSE e.amount END AS amount, {_PLACES} AS places,
CASE WHEN d.is_anonymous THEN NULL ELSE e.currency END AS currency,
CASE WHEN d.is_anonymous THEN NULL ELSE e.rate END AS rate,
CASE WHEN d.is_anonymous THEN NULL ELSE e.rate_date END AS rate_date,
CASE WHEN d.is_anonymous THEN NULL ELSE d.id END AS donor_id,
CASE WHEN d.is_anonymous THEN NULL ELSE d.country END AS country,
CASE WHEN v.is_anonymous THEN NULL ELSE v.id END AS via_donor_id,
{_csv_escaped("CASE WHEN d.is_anonymous THEN NULL ELSE e.rate_source END")} AS rate_source,
{_csv_escaped(_DONOR_NAME)} AS donor_name,
{_csv_escaped(_VIA_NAME)} AS via_donor_name,
{_csv_escaped("CASE WHEN d.is_anonymous THEN NULL ELSE c.earmark_detail END")} AS earmark_detail,
{_csv_escaped("CASE WHEN d.is_anonymous THEN NULL ELSE e.reason END")} AS reason,
{_csv_escaped("CASE WHEN d.is_anonymous THEN NULL ELSE e.description END")} AS description"""
_CSV_LINE = f"""concat(
p.seq, ',', p.id, ',', p.kind, ',', p.counts_as, ',', p.ledger_year, ',', {_sql_date("p.value_date")}, ',',
{_AMOUNT}, ',', p.currency, ',', p.usd_amount, ',', {_RATE}, ',', {_csv_quoted("p.rate_source")}, ',',
{_sql_date("p.rate_date")}, ',', p.contribution_id, ',', p.donor_id, ',', {_csv_quoted("p.donor_name")}, ',',
p.stakeholder_group, ',', p.country, ',', p.via_donor_id, ',', {_csv_quoted("p.via_donor_name")}, ',',
p.channel, ',', p.earmark, ',', {_csv_quoted("p.earmark_detail")}, ',', p.nri_id, ',', p.track_id, ',',
CASE WHEN p.in_kind THEN 'true' ELSE 'false' END, ',', {_sql_date("p.due_on")}, ',', p.reverses_id, ',',
{_csv_quoted("p.reason")}, ',', {_csv_quoted("p.description")}, ',', {_RECORDED_AT}, E'\\r\\n')"""
# One page of ledger.csv: (the page's CSV as UTF-8, its last seq, its number of rows).
CSV_PAGE = f"""
SELECT convert_to(string_agg({_CSV_LINE}, '' ORDER BY p.seq), 'UTF8') AS body, max(p.seq) AS last,
       count(*) AS rows
FROM (SELECT {_CSV_ROW} {PUBLIC_EVENT_FROM} {FILTER_WHERE} AND e.seq > $13 ORDER BY e.seq LIMIT $14) p"""

SUMS = """
coalesce(sum(e.usd_amount) FILTER (WHERE e.counts_as = 'pledge'), 0.00) AS pledged_usd,
coalesce(sum(e.usd_amount) FILTER (WHERE e.counts_as = 'commitment'), 0.00) AS committed_usd,
coalesce(sum(e.usd_amount) FILTER (WHERE e.counts_as = 'receipt'), 0.00) AS received_usd,
coalesce(sum(e.usd_amount) FILTER (WHERE e.counts_as = 'in_kind_valuation'), 0.00) AS in_kind_usd"""

# Totals and aggregates read funding_event_totals (0010_transparency.sql): the ledger's exact sums per
# (contribution, ledger_year, kind, counts_as), kept by a trigger in each event's own transaction. Its columns
# carry the events' names, so the filters and sums above apply unchanged; a row exists only once an event fell
# in it, so an empty bucket is NULL (then 0) exactly as summing the events gives.
TOTALS_FROM = """
FROM funding_event_totals e
JOIN funding_contributions c ON c.id = e.contribution_id
JOIN donors d ON d.id = c.donor_id
LEFT JOIN donors v ON v.id = c.via_donor_id"""

TOTALS = f"SELECT {SUMS} {TOTALS_FROM} {FILTER_WHERE}"

# Whitelisted group keys: (key expression, extra columns for the label). Built once, never from input.
_GROUP_KEYS: dict[AggregateBy, tuple[str, str]] = {
    AggregateBy.year: ("e.ledger_year::text", "NULL::text"),
    # Anonymous donors are one row per stakeholder group: a per-donor key would let its rows be followed.
    AggregateBy.donor: (
        "CASE WHEN d.is_anonymous THEN 'anonymous:' || d.stakeholder_group ELSE d.id::text END",
        "jsonb_build_object('is_anonymous', d.is_anonymous, 'group', d.stakeholder_group, 'named', "
        "CASE WHEN d.is_anonymous THEN NULL ELSE coalesce(d.display_name, d.legal_name) END)::text",
    ),
    AggregateBy.stakeholder_group: ("d.stakeholder_group", "NULL::text"),
    AggregateBy.country: ("CASE WHEN d.is_anonymous THEN NULL ELSE d.country END", "NULL::text"),
    AggregateBy.earmark: ("c.earmark", "NULL::text"),
    AggregateBy.channel: ("c.channel", "NULL::text"),
    AggregateBy.currency: ("CASE WHEN d.is_anonymous THEN NULL ELSE e.currency END", "NULL::text"),
    AggregateBy.intermediary: (
        "CASE WHEN v.is_anonymous THEN 'anonymous:' || v.stakeholder_group ELSE v.id::text END",
        "jsonb_build_object('is_anonymous', v.is_anonymous, 'group', v.stakeholder_group, 'named', "
        "CASE WHEN v.is_anonymous THEN NULL ELSE coalesce(v.display_name, v.legal_name) END)::text",
    ),
}
# The amounts in their own currency, for the by-currency rows (one currency per row, so they add up).
SUMS_IN_CURRENCY = """,
coalesce(sum(e.amount) FILTER (WHERE e.counts_as = 'pledge'), 0) AS pledged_amount,
coalesce(sum(e.amount) FILTER (WHERE e.counts_as = 'commitment'), 0) AS committed_amount,
coalesce(sum(e.amount) FILTER (WHERE e.counts_as = 'receipt'), 0) AS received_amount,
coalesce(sum(e.amount) FILTER (WHERE e.counts_as = 'in_kind_valuation'), 0) AS in_kind_amount"""
AGGREGATE_SQL: dict[AggregateBy, str] = {
    by: f"""
SELECT {key} AS key, min({extra}) AS extra, {SUMS} {SUMS_IN_CURRENCY if by is AggregateBy.currency else ""}
{TOTALS_FROM} {FILTER_WHERE}
{"AND c.via_donor_id IS NOT NULL" if by is AggregateBy.intermediary else ""}
GROUP BY 1
ORDER BY 1 NULLS LAST"""
    for by, (key, extra) in _GROUP_KEYS.items()
}

# What each donor gave, per currency: anonymous donors one row per stakeholder group, their currency withheld.
DONOR_CURRENCIES = f"""
SELECT {_GROUP_KEYS[AggregateBy.donor][0]} AS key, min({_GROUP_KEYS[AggregateBy.donor][1]}) AS extra,
       CASE WHEN d.is_anonymous THEN NULL ELSE e.currency END AS currency, {SUMS} {SUMS_IN_CURRENCY}
{TOTALS_FROM} {FILTER_WHERE}
GROUP BY 1, 3
ORDER BY 1, 3 NULLS LAST"""

# The latest ledger events, newest first.
LATEST_PUBLIC_EVENTS = f"""
SELECT {PUBLIC_EVENT_COLUMNS} {PUBLIC_EVENT_FROM} {FILTER_WHERE}
ORDER BY e.seq DESC
LIMIT $13"""

# Received plus in kind per donor, anonymous ones included one by one: for donor concentration and the donor
# count only (no name, no id leaves this query's caller).
DONOR_SHARES = f"""
SELECT d.id, {SUMS} {TOTALS_FROM} {FILTER_WHERE}
GROUP BY d.id"""

# Per contribution, over all its events (pledges are fulfilled in later years too), from the same sums.
CONTRIBUTION_BALANCES = """
SELECT c.id AS contribution_id, c.years, c.channel, c.earmark, d.id AS donor_id, d.is_anonymous,
       d.stakeholder_group,
       CASE WHEN d.is_anonymous THEN NULL ELSE coalesce(d.display_name, d.legal_name) END AS donor_named,
       coalesce(sum(e.usd_amount) FILTER (WHERE e.counts_as = 'pledge'), 0.00) AS pledged_usd,
       coalesce(sum(e.usd_amount) FILTER (WHERE e.counts_as = 'commitment'), 0.00) AS committed_usd,
       coalesce(sum(e.usd_amount) FILTER (WHERE e.counts_as = 'receipt'), 0.00) AS received_usd,
       coalesce(sum(e.usd_amount) FILTER (WHERE e.counts_as = 'in_kind_valuation'), 0.00) AS in_kind_usd,
       max(e.due_on) AS due_on
FROM funding_contributions c
JOIN donors d ON d.id = c.donor_id
LEFT JOIN funding_event_totals e ON e.contribution_id = c.id
WHERE ($1::int IS NULL OR $1 = ANY(c.years))
  AND ($2::uuid IS NULL OR c.nri_id = $2)
GROUP BY c.id, d.id
ORDER BY c.created_at, c.id"""

# Pledges and their fulfilment per contribution and ledger year (the year of the value date), for every
# contribution that has a pledge: the rows the year attribution of outstanding pledges is computed from.
PLEDGE_YEARS = """
SELECT c.id AS contribution_id, d.id AS donor_id, d.is_anonymous, d.stakeholder_group,
       CASE WHEN d.is_anonymous THEN NULL ELSE coalesce(d.display_name, d.legal_name) END AS donor_named,
       e.ledger_year,
       coalesce(sum(e.usd_amount) FILTER (WHERE e.counts_as = 'pledge'), 0.00) AS pledged_usd,
       coalesce(sum(e.usd_amount) FILTER (WHERE e.counts_as IN ('receipt', 'in_kind_valuation')), 0.00)
           AS fulfilled_usd,
       max(e.due_on) FILTER (WHERE e.counts_as = 'pledge') AS due_on
FROM funding_event_totals e
JOIN funding_contributions c ON c.id = e.contribution_id
JOIN donors d ON d.id = c.donor_id
WHERE e.contribution_id IN (SELECT contribution_id FROM funding_event_totals WHERE kind = 'pledge')
GROUP BY c.id, d.id, e.ledger_year
ORDER BY c.created_at, c.id, e.ledger_year"""

LIST_CORRECTIONS = f"""
SELECT {PUBLIC_EVENT_COLUMNS} {PUBLIC_EVENT_FROM}
WHERE e.kind = 'reversal' AND e.seq > $1 AND ($2::int IS NULL OR e.ledger_year = $2)
ORDER BY e.seq
LIMIT $3"""
SELECT_PUBLIC_EVENTS_BY_ID = f"SELECT {PUBLIC_EVENT_COLUMNS} {PUBLIC_EVENT_FROM} WHERE e.id = ANY($1::uuid[])"
LAST_EVENT_AT = "SELECT max(recorded_at) FROM funding_events"


def filter_args(f: LedgerFilter) -> list[Any]:
    return [
        f.year,
        f.donor_id,
        f.contribution_id,
        f.stakeholder_group,
        f.country,
        f.channel.value if f.channel else None,
        f.earmark.value if f.earmark else None,
        f.kind.value if f.kind else None,
        f.counts_as.value if f.counts_as else None,
        f.nri_id,
        f.track_id,
        f.via_donor_id,
    ]


def public_event(row: asyncpg.Record) -> PublicEvent:
    """A ledger row as the public sees it. An anonymous donor's event shows only its USD value: no donor id, no
    original amount, currency or rate (a currency or an exact amount can name a donor), and no free text."""
    hidden = row["is_anonymous"]
    via_name = None
    via_id = row["via_donor_id"]
    if via_id is not None:
        via_name = public_donor_name(
            is_anonymous=row["via_is_anonymous"],
            display_name=row["via_named"],
            legal_name=None,
            stakeholder_group=row["via_group"],
        )
        if row["via_is_anonymous"]:
            via_id = None
    return PublicEvent(
        seq=row["seq"],
        id=row["id"],
        kind=row["kind"],
        counts_as=row["counts_as"],
        ledger_year=row["ledger_year"],
        value_date=row["value_date"],
        amount=None if hidden else row["amount"],
        currency=None if hidden else row["currency"],
        usd_amount=row["usd_amount"],
        rate=None if hidden else row["rate"],
        rate_source=None if hidden else row["rate_source"],
        rate_date=None if hidden else row["rate_date"],
        contribution_id=row["contribution_id"],
        donor_id=None if hidden else row["donor_id"],
        donor_name=public_donor_name(
            is_anonymous=row["is_anonymous"],
            display_name=row["donor_named"],
            legal_name=None,
            stakeholder_group=row["stakeholder_group"],
        ),
        stakeholder_group=row["stakeholder_group"],
        country=row["donor_country"],
        via_donor_id=via_id,
        via_donor_name=via_name,
        channel=row["channel"],
        earmark=row["earmark"],
        earmark_detail=None if hidden else row["earmark_detail"],
        nri_id=row["nri_id"],
        track_id=row["track_id"],
        in_kind=row["in_kind"],
        due_on=row["due_on"],
        reverses_id=row["reverses_id"],
        reason=None if hidden else row["reason"],
        description=None if hidden else row["description"],
        recorded_at=row["recorded_at"],
    )


class PublicRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def events(self, f: LedgerFilter, *, after_seq: int, limit: int) -> list[PublicEvent]:
        rows = await self.conn.fetch(LIST_PUBLIC_EVENTS, *filter_args(f), after_seq, limit)
        return [public_event(r) for r in rows]

    async def event_pages(
        self, f: LedgerFilter, *, page_size: int = 2000
    ) -> AsyncIterator[list[PublicEvent]]:
        """Every matching event in seq order, a keyset page at a time (one query per page, memory bounded by
        the page). Call inside a repeatable-read transaction so the pages are one snapshot."""
        after = 0
        while True:
            rows = await self.conn.fetch(LIST_PUBLIC_EVENTS, *filter_args(f), after, page_size)
            if rows:
                yield [public_event(r) for r in rows]
            if len(rows) < page_size:
                return
            after = rows[-1]["seq"]

    async def csv_pages(self, f: LedgerFilter, *, page_size: int = 2000) -> AsyncIterator[bytes]:
        """ledger.csv's rows (without the header) as CSV, a keyset page at a time, as :meth:`event_pages`."""
        after = 0
        while True:
            body, last, rows = await self.conn.fetchrow(CSV_PAGE, *filter_args(f), after, page_size)
            if rows:
                yield body
            if rows < page_size:
                return
            after = last

    async def events_by_contribution(
        self, f: LedgerFilter, *, batch: int = 2000
    ) -> AsyncIterator[list[asyncpg.Record]]:
        """Raw rows (with IATI fields) ordered by contribution, a batch at a time through a server-side cursor
        (one round trip per batch, not per row): call inside a transaction."""
        cursor = await self.conn.cursor(STREAM_PUBLIC_EVENTS_BY_CONTRIBUTION, *filter_args(f))
        while rows := await cursor.fetch(batch):
            yield rows

    async def totals(self, f: LedgerFilter) -> asyncpg.Record:
        return await self.conn.fetchrow(TOTALS, *filter_args(f))

    async def aggregate(self, by: AggregateBy, f: LedgerFilter) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.conn.fetch(AGGREGATE_SQL[by], *filter_args(f))
        return rows

    async def donor_currencies(self, f: LedgerFilter) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.conn.fetch(DONOR_CURRENCIES, *filter_args(f))
        return rows

    async def latest(self, f: LedgerFilter, limit: int) -> list[PublicEvent]:
        return [public_event(r) for r in await self.conn.fetch(LATEST_PUBLIC_EVENTS, *filter_args(f), limit)]

    async def donor_shares(self, f: LedgerFilter) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.conn.fetch(DONOR_SHARES, *filter_args(f))
        return rows

    async def contribution_balances(
        self, *, year: int | None = None, nri_id: UUID | None = None
    ) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.conn.fetch(CONTRIBUTION_BALANCES, year, nri_id)
        return rows

    async def pledge_years(self) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.conn.fetch(PLEDGE_YEARS)
        return rows

    async def corrections(self, *, year: int | None, after_seq: int, limit: int) -> list[PublicEvent]:
        rows = await self.conn.fetch(LIST_CORRECTIONS, after_seq, year, limit)
        return [public_event(r) for r in rows]

    async def events_by_id(self, ids: list[UUID]) -> dict[UUID, PublicEvent]:
        rows = await self.conn.fetch(SELECT_PUBLIC_EVENTS_BY_ID, ids)
        return {r["id"]: public_event(r) for r in rows}
