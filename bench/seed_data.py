"""The benchmark seed's sizes, its result, and the shared text and helpers (bench/seed.py runs it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

import asyncpg

from igf_hub.auth.principal import SYSTEM, Principal
from igf_hub.auth.schemas import UserCreate
from igf_hub.auth.service import IdentityService
from igf_hub.core import countries
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings

BATCH = 50  # service calls per transaction: realistic rows, without one fsync per row


@dataclass(frozen=True)
class Scale:
    nris: int = 180
    nri_drafts: int = 10
    nri_reports: int = 120
    mag_cycles: int = 10
    mag_cohort: int = 14  # newcomers a year; each serves three consecutive years
    donors: int = 60
    ledger_events: int = 10_000
    messages: int = 500
    comments_per_message: int = 6
    commenters: int = 50


FULL = Scale()
# The smoke test's scale: every kind of row, a handful of each.
TINY = Scale(
    nris=8,
    nri_drafts=1,
    nri_reports=2,
    mag_cycles=2,
    mag_cohort=3,
    donors=3,
    ledger_events=60,
    messages=4,
    comments_per_message=2,
    commenters=2,
)


@dataclass
class Seeded:
    """What the workload needs to address, and what was written."""

    nri_ids: list[UUID] = field(default_factory=list)
    cycle_years: list[int] = field(default_factory=list)
    contribution_ids: list[UUID] = field(default_factory=list)  # cash contributions (receipts allowed)
    message_ids: list[UUID] = field(default_factory=list)  # public
    open_message_ids: list[UUID] = field(default_factory=list)  # open for comment now
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


THEMES = [
    "Universal and meaningful connectivity",
    "Harnessing innovation and balancing risks",
    "Digital trust and security",
    "Human rights and freedoms online",
    "Sustainability and environment",
    "Internet governance and the GDC",
    "Data governance",
    "Artificial intelligence",
]
PARAGRAPH = (
    "{who} should {verb} {what}, working with all stakeholders in an open, inclusive and transparent way, "
    "and report on progress at the next IGF."
)
WHO = [
    "Governments",
    "The private sector",
    "Civil society",
    "The technical community",
    "Academia",
    "Parliaments",
]
VERB = ["prioritise", "invest in", "measure", "coordinate", "support", "publish evidence on"]
WHAT = [
    "affordable access for the unconnected",
    "digital skills for women and girls",
    "open standards",
    "cross-border data flows with trust",
    "local content in local languages",
    "the security of critical infrastructure",
    "rights-respecting AI deployment",
    "community networks",
    "energy-efficient data centres",
]
SURNAMES = [
    "Okafor",
    "Tanaka",
    "Silva",
    "Novak",
    "Haddad",
    "Mensah",
    "Ivanova",
    "García",
    "Chen",
    "Dubois",
    "Kumar",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Owusu",
    "Petrov",
    "Rahman",
    "Santos",
    "Yilmaz",
    "Zulu",
]
GIVEN = [
    "Amina",
    "Kenji",
    "Lucia",
    "Marek",
    "Nadia",
    "Kwame",
    "Olga",
    "Pablo",
    "Mei",
    "Claire",
    "Ravi",
    "Ingrid",
    "Sami",
    "Yuki",
    "Ama",
    "Dmitri",
    "Farah",
    "João",
    "Elif",
    "Thandi",
]


def grouped_countries() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for code, country in sorted(countries.COUNTRIES.items()):
        if country.regional_group is not None:
            groups.setdefault(country.regional_group, []).append(code)
    return groups


async def create_users(conn: asyncpg.Connection, n: int, prefix: str) -> list[Principal]:
    identity = IdentityService(conn, Clock(), Settings())
    principals = []
    for i in range(n):
        user = await identity.create_user(
            UserCreate(email=f"{prefix}-{i}@bench.example.org", display_name=f"{prefix} {i}"), actor=SYSTEM
        )
        principal = await identity.user_principal(user.id)
        assert principal is not None
        principals.append(principal)
    return principals
