"""Seeding the activity side: the funding ledger (rates, donors, contributions, events) and IGF Messages with
their public comments, through the domain services."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import asyncpg

from bench.seed_data import (
    BATCH,
    PARAGRAPH,
    THEMES,
    VERB,
    WHAT,
    WHO,
    Scale,
    Seeded,
    create_users,
    grouped_countries,
)
from igf_hub.auth.principal import SYSTEM
from igf_hub.core.clock import Clock
from igf_hub.core.schemas import Classification
from igf_hub.core.settings import Settings
from igf_hub.core.vocab import StakeholderGroup
from igf_hub.funding.ledger_service import LedgerService
from igf_hub.funding.rate_service import RateService
from igf_hub.funding.schemas import (
    Channel,
    ContributionCreate,
    DonorCreate,
    Earmark,
    EventCreate,
    EventKind,
    ExchangeRateCreate,
)
from igf_hub.funding.service import FundingService
from igf_hub.messages.comment_schemas import CommentCreate
from igf_hub.messages.comment_service import CommentService
from igf_hub.messages.lifecycle_service import MessageLifecycle
from igf_hub.messages.schemas import CloseCommentPeriod, MessageCreate, OpenPublicComment
from igf_hub.messages.service import MessageService

CURRENCIES = {"EUR": 1.08, "CHF": 1.12, "GBP": 1.27, "JPY": 0.0068, "NOK": 0.094, "SEK": 0.096, "CAD": 0.74}


async def seed_funding(
    pool: asyncpg.Pool, scale: Scale, rng: random.Random, clock: Clock, settings: Settings, out: Seeded
) -> None:
    today = clock.now().date()
    first_year = today.year - 9
    groups = grouped_countries()
    all_countries = [c for codes in groups.values() for c in codes]
    async with pool.acquire() as conn, conn.transaction():
        funding = FundingService(conn, clock, settings)
        rates = []
        for currency, base in CURRENCIES.items():
            month = date(first_year - 1, 12, 1)
            while month <= today:
                drift = Decimal(str(round(base * (1 + rng.uniform(-0.05, 0.05)), 6)))
                rates.append(
                    ExchangeRateCreate(
                        currency=currency,
                        effective_on=month,
                        usd_per_unit=drift,
                        source="UN operational rates of exchange",
                    )
                )
                month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        await RateService(conn, clock, settings).add_rates(rates, actor=SYSTEM, via="bench")
        donors = []
        kinds = list(StakeholderGroup)
        for i in range(scale.donors):
            group = kinds[i % len(kinds)]
            donor = await funding.create_donor(
                DonorCreate(
                    legal_name=f"{group.value.replace('_', ' ').title()} donor {i}",
                    stakeholder_group=group,
                    country=None
                    if group is StakeholderGroup.intergovernmental
                    else rng.choice(all_countries),
                    is_anonymous=i % 17 == 5,
                ),
                actor=SYSTEM,
            )
            donors.append(donor.id)
    recognised = out.nri_ids
    written = 0
    while written < scale.ledger_events:
        async with pool.acquire() as conn, conn.transaction():
            funding = FundingService(conn, clock, settings)
            ledger = LedgerService(conn, clock, settings)
            for _ in range(BATCH // 5):
                if written >= scale.ledger_events:
                    break
                year = rng.randint(first_year, today.year)
                in_kind = rng.random() < 0.1
                earmark = rng.choice(
                    [Earmark.core] * 5
                    + [Earmark.nri_support, Earmark.travel_grants, Earmark.capacity_development]
                )
                contribution = await funding.create_contribution(
                    ContributionCreate(
                        donor_id=rng.choice(donors),
                        title=f"Support to the IGF {year}",
                        channel=rng.choice([Channel.igf_trust_fund] * 3 + [Channel.igfsa]),
                        earmark=earmark,
                        nri_id=rng.choice(recognised)
                        if earmark is Earmark.nri_support and recognised
                        else None,
                        in_kind=in_kind,
                        years=[year],
                        in_kind_description="Venue and interpretation" if in_kind else None,
                        valuation_method="Market price of comparable services" if in_kind else None,
                    ),
                    actor=SYSTEM,
                )
                if not in_kind:
                    out.contribution_ids.append(contribution.id)
                written += await _contribution_events(
                    ledger, contribution.id, year, in_kind, today, rng, scale.ledger_events - written
                )


async def _contribution_events(
    ledger: LedgerService,
    contribution_id: UUID,
    year: int,
    in_kind: bool,
    today: date,
    rng: random.Random,
    budget: int,
) -> int:
    """A pledge, a commitment, instalments and sometimes a reversal: at most ``budget`` events."""
    currency = rng.choice(["USD"] * 4 + list(CURRENCIES))
    total = rng.randint(5, 400) * 1000
    last = min(date(year, 12, 28), today - timedelta(days=1))
    span = max(1, (last - date(year, 1, 1)).days)

    def day(fraction: float) -> date:
        return date(year, 1, 1) + timedelta(days=int(span * fraction))

    plan = [
        EventCreate(kind=EventKind.pledge, amount=Decimal(total), currency=currency, value_date=day(0.02)),
        EventCreate(kind=EventKind.commitment, amount=Decimal(total), currency=currency, value_date=day(0.1)),
    ]
    instalments = rng.randint(2, 12)
    kind = EventKind.in_kind_valuation if in_kind else EventKind.receipt
    for n in range(instalments):
        plan.append(
            EventCreate(
                kind=kind,
                amount=Decimal(total // instalments),
                currency=currency,
                value_date=day(0.2 + 0.8 * n / instalments),
                description=f"instalment {n + 1}",
            )
        )
    plan = plan[:budget]
    written = []
    for event in plan:
        written.append(await ledger.record_event(contribution_id, event, actor=SYSTEM))
    if len(plan) < budget and rng.random() < 0.08:
        returned = written[-1]
        await ledger.record_event(
            contribution_id,
            EventCreate(
                kind=EventKind.reversal,
                reverses=returned.id,
                value_date=returned.value_date,
                reason="the bank returned the transfer",
            ),
            actor=SYSTEM,
        )
        return len(plan) + 1
    return len(plan)


def message_body(rng: random.Random, paragraphs: int = 5) -> str:
    return "\n\n".join(
        PARAGRAPH.format(who=rng.choice(WHO), verb=rng.choice(VERB), what=rng.choice(WHAT))
        for _ in range(paragraphs)
    )


async def seed_messages(
    pool: asyncpg.Pool, scale: Scale, rng: random.Random, settings: Settings, out: Seeded
) -> None:
    async with pool.acquire() as conn, conn.transaction():
        commenters = await create_users(conn, scale.commenters, "commenter")
    closed_every = 5  # one Message in five has had its comment period closed since (state "synthesis")
    for start in range(0, scale.messages, BATCH // 5):
        async with pool.acquire() as conn, conn.transaction():
            for i in range(start, min(start + BATCH // 5, scale.messages)):
                closing = i % closed_every == closed_every - 1
                # The clock is moved back so that a period can have opened, been commented and closed.
                clock = Clock(offset=-timedelta(days=60 if closing else 10))
                year = clock.now().year - (i % 3)
                message = await MessageService(conn, clock, settings).create(
                    MessageCreate(
                        title=f"{THEMES[i % len(THEMES)]}: Message {i}",
                        body=message_body(rng),
                        year=year,
                        theme=THEMES[i % len(THEMES)],
                        classification=Classification(
                            wsis_action_lines=[f"C{1 + i % 11}"],
                            sdgs=[1 + i % 17],
                            gdc_objectives=[1 + i % 5],
                        ),
                    ),
                    actor=SYSTEM,
                )
                lifecycle = MessageLifecycle(conn, clock, settings)
                days = settings.messages.comment_min_days if closing else 60
                await lifecycle.transition(
                    message.id, OpenPublicComment(days=days), actor=SYSTEM, expected_version=None
                )
                comments = CommentService(conn, clock, settings)
                for n in range(scale.comments_per_message):
                    clock.advance(timedelta(hours=1))
                    await comments.post(
                        message.id,
                        CommentCreate(
                            body=f"Please add a reference to {rng.choice(WHAT)}; it matters in our region.",
                            stakeholder_group=rng.choice(list(StakeholderGroup)),
                            country=rng.choice(["KE", "BR", "IN", "DE", "FJ"]),
                            paragraph_id=f"p{1 + n % 5}" if n % 2 else None,
                            display_name=None if n % 3 else f"Commenter {n}",
                        ),
                        actor=commenters[(i + n) % len(commenters)],
                    )
                out.message_ids.append(message.id)
                if closing:
                    clock.advance(timedelta(days=settings.messages.comment_min_days + 1))
                    await lifecycle.transition(
                        message.id, CloseCommentPeriod(), actor=SYSTEM, expected_version=None
                    )
                else:
                    out.open_message_ids.append(message.id)
