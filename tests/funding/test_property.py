"""Property: on random ledgers (hypothesis), totals by year = by donor = by stakeholder group = by earmark =
by channel = by country = the ledger total, exactly; reversals never overshoot and a full reversal nets to zero;
pass-through money is counted once; the trigger-kept sums (funding_event_totals) equal the events summed at read
time, row for row and digit for digit. Each example runs on the real database in a transaction rolled back after."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree as ET

from igf_hub.auth.principal import SYSTEM
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.funding import exports
from igf_hub.funding.ledger_service import LedgerService
from igf_hub.funding.public_repository import (
    AGGREGATE_SQL,
    CONTRIBUTION_BALANCES,
    PLEDGE_YEARS,
    PUBLIC_EVENT_FROM,
    TOTALS,
    TOTALS_FROM,
    filter_args,
)
from igf_hub.funding.public_schemas import AggregateBy, LedgerFilter
from igf_hub.funding.rate_service import RateService
from igf_hub.funding.schemas import (
    ContributionCreate,
    DonorCreate,
    EventCreate,
    EventKind,
    ExchangeRateCreate,
    LedgerEvent,
    LedgerKind,
)
from igf_hub.funding.service import FundingService
from igf_hub.funding.transparency_service import TransparencyService

GROUPS = [
    "government",
    "intergovernmental",
    "private_sector",
    "civil_society",
    "technical_community",
    "academia",
]
EARMARKS = ["core", "nri_support", "intersessional", "travel_grants", "host_country", "capacity_development"]
CHANNELS = ["igf_trust_fund", "igfsa", "host_country_agreement", "other"]
BUCKETS = ("pledged_usd", "committed_usd", "received_usd", "in_kind_usd")
COUNTS_AS_BUCKET = {
    "pledge": "pledged_usd",
    "commitment": "committed_usd",
    "receipt": "received_usd",
    "in_kind_valuation": "in_kind_usd",
}
MINOR = {"USD": 2, "EUR": 2, "JPY": 0, "KWD": 3}

donors = st.lists(
    st.fixed_dictionaries(
        {
            "group": st.sampled_from(GROUPS),
            "anonymous": st.booleans(),
            "country": st.sampled_from(["KE", "BR", "DE", "JP"]),
        }
    ),
    min_size=1,
    max_size=5,
)
contributions = st.lists(
    st.fixed_dictionaries(
        {
            "donor": st.integers(0, 9),
            "via": st.none() | st.integers(0, 9),
            "earmark": st.sampled_from(EARMARKS),
            "channel": st.sampled_from(CHANNELS),
            "in_kind": st.booleans(),
            "years": st.lists(st.integers(2021, 2025), min_size=1, max_size=3, unique=True),
        }
    ),
    min_size=1,
    max_size=6,
)
events = st.lists(
    st.fixed_dictionaries(
        {
            "contribution": st.integers(0, 9),
            "kind": st.sampled_from(["pledge", "commitment", "receipt"]),
            "minor_units": st.integers(1, 10**11),
            "currency": st.sampled_from(sorted(MINOR)),
            "date": st.dates(date(2021, 1, 1), date(2025, 12, 31)),
            "reverse": st.none() | st.tuples(st.integers(0, 99), st.integers(1, 100)),
        }
    ),
    min_size=1,
    max_size=20,
)


async def _rates(service: RateService) -> None:
    """A rate on the first of every month, so every value date has one in force."""
    rates = []
    for year in range(2021, 2026):
        for month in range(1, 13):
            for currency, base in (("EUR", "1.05"), ("JPY", "0.0068"), ("KWD", "3.2512")):
                rate = Decimal(base) + Decimal(month) / Decimal(997)
                rates.append(
                    ExchangeRateCreate(
                        currency=currency, effective_on=date(year, month, 1), usd_per_unit=rate, source="test"
                    )
                )
    await service.add_rates(rates, actor=SYSTEM, via="test")


async def _build(
    service: FundingService, ledger: LedgerService, spec: tuple[Any, Any, Any]
) -> list[LedgerEvent]:
    donor_specs, contribution_specs, event_specs = spec
    donor_ids = []
    for index, d in enumerate(donor_specs):
        igo = d["group"] == "intergovernmental"
        donor = await service.create_donor(
            DonorCreate(
                legal_name=f"Donor {index}",
                stakeholder_group=d["group"],
                is_anonymous=d["anonymous"],
                country=None if igo else d["country"],
            ),
            actor=SYSTEM,
        )
        donor_ids.append(donor.id)
    contribution_ids, in_kind = [], []
    for c in contribution_specs:
        donor = donor_ids[c["donor"] % len(donor_ids)]
        via = donor_ids[c["via"] % len(donor_ids)] if c["via"] is not None else None
        contribution = await service.create_contribution(
            ContributionCreate(
                donor_id=donor,
                via_donor_id=via if via != donor else None,
                title="Random",
                channel=c["channel"],
                earmark=c["earmark"],
                in_kind=c["in_kind"],
                in_kind_description="Goods" if c["in_kind"] else None,
                valuation_method="Market value" if c["in_kind"] else None,
                years=c["years"],
            ),
            actor=SYSTEM,
        )
        contribution_ids.append(contribution.id)
        in_kind.append(c["in_kind"])
    recorded: list[LedgerEvent] = []
    for e in event_specs:
        index = e["contribution"] % len(contribution_ids)
        kind = "in_kind_valuation" if in_kind[index] and e["kind"] == "receipt" else e["kind"]
        amount = Decimal(e["minor_units"]).scaleb(-MINOR[e["currency"]])
        event = await ledger.record_event(
            contribution_ids[index],
            EventCreate(kind=EventKind(kind), amount=amount, currency=e["currency"], value_date=e["date"]),
            actor=SYSTEM,
        )
        recorded.append(event)
        if e["reverse"] is not None:
            originals = [r for r in recorded if r.kind is not EventKind.reversal]
            original = originals[e["reverse"][0] % len(originals)]
            remaining = original.amount + sum(
                (r.amount for r in recorded if r.reverses_id == original.id), Decimal(0)
            )
            part = (remaining * e["reverse"][1] / 100).quantize(Decimal(1).scaleb(-MINOR[original.currency]))
            if part > 0:
                reversal = await ledger.record_event(
                    original.contribution_id,
                    EventCreate(
                        kind=EventKind.reversal,
                        reverses=original.id,
                        amount=part,
                        reason="random",
                        value_date=max(original.value_date, e["date"]) + timedelta(days=1),
                    ),
                    actor=SYSTEM,
                )
                recorded.append(reversal)
    return recorded


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=st.tuples(donors, contributions, events))
async def test_totals_agree_in_every_dimension_on_random_ledgers(
    db: asyncpg.Pool, spec: tuple[Any, Any, Any]
) -> None:
    clock = Clock()
    async with db.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            settings = Settings()
            await _rates(RateService(conn, clock, settings))
            recorded = await _build(
                FundingService(conn, clock, settings), LedgerService(conn, clock, settings), spec
            )
            await _check(conn, clock, recorded)
            await _check_years_add_up(conn, clock, recorded)
            await _check_kept_sums(conn)
        finally:
            await transaction.rollback()


async def _check(conn: asyncpg.Connection, clock: Clock, recorded: list[LedgerEvent]) -> None:
    # The ledger total, computed here from the recorded events alone.
    expected: dict[str, Decimal] = defaultdict(Decimal)
    by_year: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for e in recorded:
        expected[COUNTS_AS_BUCKET[e.counts_as]] += e.usd_amount
        by_year[e.ledger_year][COUNTS_AS_BUCKET[e.counts_as]] += e.usd_amount
    transparency = TransparencyService(conn, clock, Settings())
    for by in (
        AggregateBy.year,
        AggregateBy.donor,
        AggregateBy.stakeholder_group,
        AggregateBy.earmark,
        AggregateBy.channel,
        AggregateBy.country,
        AggregateBy.currency,
    ):
        result = await transparency.aggregates(by, LedgerFilter())
        for bucket in BUCKETS:
            rows_sum = sum((getattr(r, bucket) for r in result.rows), Decimal(0))
            assert rows_sum == getattr(result.total, bucket) == expected[bucket], (by, bucket)
    summary = await transparency.summary(None)
    for bucket in BUCKETS:
        assert getattr(summary, bucket) == expected[bucket]
    for year, buckets in by_year.items():
        per_year = await transparency.summary(year)
        for bucket in BUCKETS:
            assert getattr(per_year, bucket) == buckets[bucket], (year, bucket)
    # Reversals: never more than the original, a full reversal nets to exactly zero, in both currencies.
    for original in (e for e in recorded if e.kind is not EventKind.reversal):
        reversals = [r for r in recorded if r.reverses_id == original.id]
        amount = original.amount + sum((r.amount for r in reversals), Decimal(0))
        usd = original.usd_amount + sum((r.usd_amount for r in reversals), Decimal(0))
        assert amount >= 0 and usd >= 0
        if amount == 0:
            assert usd == 0
    # By currency, each disclosed currency's own amounts are its events' amounts summed.
    by_currency = {
        r.key: r for r in (await transparency.aggregates(AggregateBy.currency, LedgerFilter())).rows
    }
    hidden_contributions = {
        r["id"]
        for r in await conn.fetch(
            "SELECT c.id FROM funding_contributions c JOIN donors d ON d.id = c.donor_id WHERE d.is_anonymous"
        )
    }
    in_currency: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for e in recorded:
        if e.contribution_id not in hidden_contributions:
            in_currency[e.currency][e.counts_as] += e.amount
    for currency, sums in in_currency.items():
        row = by_currency[currency].in_currency
        assert row is not None and row.received == sums["receipt"] and row.pledged == sums["pledge"], currency
    # Pass-through is shown by intermediary but never added: the donor view already holds every dollar once.
    through = await transparency.aggregates(AggregateBy.intermediary, LedgerFilter())
    donors = await transparency.aggregates(AggregateBy.donor, LedgerFilter())
    assert sum((r.received_usd for r in donors.rows), Decimal(0)) == expected["received_usd"]
    assert abs(sum((r.received_usd for r in through.rows), Decimal(0))) <= sum(
        (abs(e.usd_amount) for e in recorded if e.counts_as == "receipt"), Decimal(0)
    )


async def _check_years_add_up(conn: asyncpg.Connection, clock: Clock, recorded: list[LedgerEvent]) -> None:
    """One attribution rule (the year of the value date) everywhere: for every figure of the summary, every
    aggregate row, every donor's pledge row and both IATI files, the years add up to "all years"."""
    transparency = TransparencyService(conn, clock, Settings())
    years = range(2021, 2026)
    figures = (*BUCKETS, "outstanding_pledges_usd")
    every = await transparency.summary(None)
    singles = [await transparency.summary(y) for y in years]
    for figure in figures:
        assert sum((getattr(s, figure) for s in singles), Decimal(0)) == getattr(every, figure), figure
    # Outstanding is, per contribution, pledged minus received and in kind, floored at zero.
    per_contribution: dict[Any, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for e in recorded:
        per_contribution[e.contribution_id][e.counts_as] += e.usd_amount
    floored = [
        max(c["pledge"] - c["receipt"] - c["in_kind_valuation"], Decimal(0))
        for c in per_contribution.values()
    ]
    assert every.outstanding_pledges_usd == sum(floored, Decimal(0))
    for by in AggregateBy:
        everything = await transparency.aggregates(by, LedgerFilter())
        added: dict[str | None, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for y in years:
            for row in (await transparency.aggregates(by, LedgerFilter(year=y))).rows:
                for bucket in BUCKETS:
                    added[row.key][bucket] += getattr(row, bucket)
        assert {r.key: {b: getattr(r, b) for b in BUCKETS} for r in everything.rows} == {
            k: {b: v[b] for b in BUCKETS} for k, v in added.items()
        }, by
    pledge_figures = ("pledged_usd", "fulfilled_usd", "outstanding_usd", "overdue_usd")
    # Anonymous donors are one row per stakeholder group without an id: key rows by id and name.
    all_pledges = {(r.donor_id, r.donor_name): r for r in (await transparency.pledges(None)).rows}
    pledges_added: dict[Any, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for y in years:
        for pledge in (await transparency.pledges(y)).rows:
            for figure in pledge_figures:
                pledges_added[(pledge.donor_id, pledge.donor_name)][figure] += getattr(pledge, figure)
    assert {d: {f: getattr(r, f) for f in pledge_figures} for d, r in all_pledges.items()} == {
        d: {f: v[f] for f in pledge_figures} for d, v in pledges_added.items()
    }
    # IATI: the organisation file's budget per year, and each activity's budgets against its pledges.
    funding = Settings().funding
    now = clock.now()

    async def org(f: LedgerFilter) -> dict[str, Decimal]:
        xml = b"".join([c async for c in exports.iati_organisation(conn, f, funding, now=now)])
        return {
            b.find("period-start").get("iso-date")[:4]: Decimal(b.findtext("value"))
            for b in ET.fromstring(xml).iter("total-budget")
        }

    per_year_files: dict[str, Decimal] = {}
    for y in years:
        per_year_files.update(await org(LedgerFilter(year=y)))
    assert await org(LedgerFilter()) == per_year_files
    xml = b"".join([c async for c in exports.iati_activities(conn, LedgerFilter(), funding, now=now)])
    budget_years: dict[str, Decimal] = defaultdict(Decimal)
    for activity in ET.fromstring(xml).iter("iati-activity"):
        contribution = activity.findtext("iati-identifier").removeprefix(f"{funding.iati_reporting_org_ref}-")
        pledged = sum(
            (
                e.usd_amount
                for e in recorded
                if str(e.contribution_id) == contribution and e.counts_as == "pledge"
            ),
            Decimal(0),
        )
        budgets = sum((Decimal(b.findtext("value")) for b in activity.iter("budget")), Decimal(0))
        assert budgets == pledged
        for b in activity.iter("budget"):
            budget_years[b.find("period-start").get("iso-date")[:4]] += Decimal(b.findtext("value"))
    # ... and in the same years as everything else: the year the pledges were made.
    pledged_by_year: dict[str, Decimal] = defaultdict(Decimal)
    for e in recorded:
        if e.counts_as == "pledge":
            pledged_by_year[str(e.ledger_year)] += e.usd_amount
    assert budget_years == {y: v for y, v in pledged_by_year.items() if v > 0}


# What the kept sums must equal: the ledger's events grouped the same way, and every public query run over the
# events themselves (as it was before funding_event_totals existed).
EVENTS_GROUPED = """
SELECT contribution_id, ledger_year, kind, counts_as, currency, sum(amount) AS amount,
       sum(usd_amount) AS usd_amount, count(*) AS events, max(due_on) AS due_on
FROM funding_events GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"""
KEPT = """SELECT contribution_id, ledger_year, kind, counts_as, currency, amount, usd_amount, events, due_on
FROM funding_event_totals ORDER BY 1, 2, 3, 4, 5"""


def _exact(rows: list[asyncpg.Record]) -> list[tuple[str, ...]]:
    """Rows as text, so 0 and 0.00 differ (the API prints the scale)."""
    return [tuple(str(v) for v in r.values()) for r in rows]


async def _check_kept_sums(conn: asyncpg.Connection) -> None:
    assert _exact(await conn.fetch(KEPT)) == _exact(await conn.fetch(EVENTS_GROUPED))
    filters = [
        LedgerFilter(),
        LedgerFilter(year=2024),
        LedgerFilter(year=2019),
        LedgerFilter(kind=EventKind.reversal),
        LedgerFilter(counts_as=LedgerKind.receipt, stakeholder_group="government"),
    ]
    for f in filters:
        args = filter_args(f)
        from_events = TOTALS.replace(TOTALS_FROM, PUBLIC_EVENT_FROM)
        assert _exact([await conn.fetchrow(TOTALS, *args)]) == _exact(
            [await conn.fetchrow(from_events, *args)]
        )
        for by, sql in AGGREGATE_SQL.items():
            from_events = sql.replace(TOTALS_FROM, PUBLIC_EVENT_FROM)
            assert _exact(await conn.fetch(sql, *args)) == _exact(await conn.fetch(from_events, *args)), (
                by,
                f,
            )
    assert _exact(await conn.fetch(PLEDGE_YEARS)) == _exact(
        await conn.fetch(PLEDGE_YEARS.replace("funding_event_totals", "funding_events"))
    )
    balances_from_events = CONTRIBUTION_BALANCES.replace("funding_event_totals", "funding_events")
    for year in (None, 2024, 2019):
        assert _exact(await conn.fetch(CONTRIBUTION_BALANCES, year, None)) == _exact(
            await conn.fetch(balances_from_events, year, None)
        )
