"""Seeding the directory side: NRIs (CSV import, registrations, annual reports) and the MAG (people, cycles,
appointments), through the domain services."""

from __future__ import annotations

import csv
import io
import random
import re
from datetime import date, timedelta
from uuid import UUID

import asyncpg
import msgspec

from bench.seed_data import (
    BATCH,
    GIVEN,
    PARAGRAPH,
    SURNAMES,
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
from igf_hub.core import countries
from igf_hub.core.clock import Clock
from igf_hub.core.schemas import Classification
from igf_hub.core.settings import Settings
from igf_hub.core.vocab import StakeholderGroup
from igf_hub.mag.appointment_service import AppointmentService
from igf_hub.mag.enums import AppointmentRole, CycleStatus, Gender
from igf_hub.mag.schemas import AppointmentCreate, CycleCreate, PersonCreate
from igf_hub.mag.service import CycleService, PersonService
from igf_hub.nri.csv_io import NriImporter
from igf_hub.nri.report_schemas import MeetingFormat, NriReportCreate, ReportTopic
from igf_hub.nri.report_service import ReportService
from igf_hub.nri.schemas import FocalPoint, NriCreate, NriType
from igf_hub.nri.service import NriService


def nri_import_csv(scale: Scale, rng: random.Random) -> tuple[str, list[str]]:
    """A CSV the Secretariat would import: national, sub-regional/regional and youth NRIs (unique keys); and
    the countries left without a national NRI (for the drafts)."""
    groups = grouped_countries()
    members = [code for codes in groups.values() for code in codes]
    rng.shuffle(members)
    n_national = round(scale.nris * 0.72)
    n_youth = round(scale.nris * 0.14)
    n_regional = scale.nris - n_national - n_youth
    rows: list[dict[str, str]] = []

    def row(kind: str, name: str, codes: list[str], youth_scope: str = "") -> None:
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40]
        rows.append(
            {
                "type": kind,
                "youth_scope": youth_scope,
                "name": name,
                "acronym": "".join(w[0] for w in name.split())[:12],
                "countries": ";".join(sorted(codes)),
                "languages": rng.choice(["en", "en;fr", "es", "fr", "ar;en", "ru", "pt;es"]),
                "year_founded": str(rng.randint(2008, 2024)),
                "website": f"https://{slug}.example.org",
                "contact_email": f"contact@{slug}.example.org",
                "description": f"The {name} brings government, business, civil society, the technical community and academia "
                "together every year to discuss Internet governance priorities.",
                "focal_point_name": f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}",
                "focal_point_email": f"focal@{slug}.example.org",
                "focal_point_role": "coordinator",
            }
        )

    for code in members[:n_national]:
        row("national", f"{countries.COUNTRIES[code].name} IGF", [code])
    for i in range(n_youth):
        code = members[i]
        if i % 5 == 4:  # one youth initiative in five is regional
            group = sorted(groups)[i % len(groups)]
            picks = rng.sample(groups[group], 4)
            row("youth", f"Youth IGF {group.replace('_', ' ').title()} {i}", picks, "regional")
        else:
            row("youth", f"Youth IGF {countries.COUNTRIES[code].name}", [code], "national")
    for i in range(n_regional):
        group = sorted(groups)[i % len(groups)]
        picks = rng.sample(groups[group], rng.randint(3, 9))
        kind = "regional" if i % 3 == 0 else "sub_regional"
        row(kind, f"{group.replace('_', ' ').title()} {kind.replace('_', '-')} IGF {i}", picks)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue(), members[n_national:]


async def seed_nris(pool: asyncpg.Pool, scale: Scale, rng: random.Random, clock: Clock, out: Seeded) -> None:
    settings = Settings()  # seed data: the default policies
    text, spare = nri_import_csv(scale, rng)
    async with pool.acquire() as conn, conn.transaction():
        report = await NriImporter(NriService(conn, clock, settings)).run(text, actor=SYSTEM)
        out.nri_ids = [r.id for r in report.rows if r.id is not None]  # None only in a dry run
        coordinators = await create_users(conn, scale.nri_drafts, "coordinator")
        for principal, code in zip(coordinators, spare, strict=False):
            await NriService(conn, clock, settings).register(
                NriCreate(
                    type=NriType.national,
                    name=f"{countries.COUNTRIES[code].name} Internet Governance Forum",
                    countries=[code],
                    focal_points=[FocalPoint(name="Focal Point", email=f"fp-{code.lower()}@example.org")],
                ),
                actor=principal,
            )
    year = clock.now().year - 1
    for start in range(0, scale.nri_reports, BATCH):
        async with pool.acquire() as conn, conn.transaction():
            reports = ReportService(conn, clock, settings)
            for nri_id in out.nri_ids[start : min(start + BATCH, scale.nri_reports)]:
                day = date(year, rng.randint(3, 11), rng.randint(1, 25))
                participants = rng.randint(40, 900)
                await reports.create(
                    nri_id,
                    NriReportCreate(
                        year=year,
                        meeting_start=day,
                        meeting_end=day + timedelta(days=rng.randint(0, 2)),
                        format=rng.choice(list(MeetingFormat)),
                        participants_total=participants,
                        participants_by_stakeholder=dict.fromkeys(StakeholderGroup, participants // 6),
                        topics=[
                            ReportTopic(title=t, classification=Classification(sdgs=[9]))
                            for t in rng.sample(THEMES, 3)
                        ],
                        outcome_summary="Participants agreed on priorities for meaningful connectivity and digital skills.",
                        key_messages=[
                            PARAGRAPH.format(
                                who=rng.choice(WHO), verb=rng.choice(VERB), what=rng.choice(WHAT)
                            )
                        ],
                    ),
                    actor=SYSTEM,
                )
                await reports.submit(nri_id, year, expected_version=None, actor=SYSTEM)


async def seed_mag(pool: asyncpg.Pool, scale: Scale, rng: random.Random, clock: Clock, out: Seeded) -> None:
    settings = Settings()  # seed data: the default policies
    groups = grouped_countries()
    first = clock.now().year - scale.mag_cycles + 1
    out.cycle_years = list(range(first, first + scale.mag_cycles))
    cohorts = scale.mag_cycles + 2  # cohort c serves cycle indexes c-2, c-1, c
    stakeholder = [StakeholderGroup.government] * 4 + [
        StakeholderGroup.private_sector,
        StakeholderGroup.civil_society,
        StakeholderGroup.civil_society,
        StakeholderGroup.technical_community,
        StakeholderGroup.academia,
        StakeholderGroup.private_sector,
    ]
    async with pool.acquire() as conn, conn.transaction():
        people = PersonService(conn, clock, settings)
        cycles = CycleService(conn, clock, settings)
        members: list[list[tuple[UUID, AppointmentCreate]]] = []
        for c in range(cohorts):
            cohort = []
            for i in range(scale.mag_cohort):
                group = sorted(groups)[(c + i) % len(groups)]
                code = rng.choice(groups[group])
                person = await people.create(
                    PersonCreate(
                        name=f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)} {c}-{i}",
                        affiliation="Ministry / company / NGO / university",
                        country=code,
                    ),
                    actor=SYSTEM,
                )
                seat = AppointmentCreate(
                    person_id=person.id,
                    stakeholder_group=stakeholder[i % len(stakeholder)],
                    country=code,
                    gender=Gender.female if i % 2 else Gender.male,
                    role=AppointmentRole.chair if i == 0 and c % 3 == 0 else AppointmentRole.member,
                )
                cohort.append((person.id, seat))
            members.append(cohort)
        for year in out.cycle_years:
            await cycles.create(
                CycleCreate(
                    year=year, starts_on=date(year, 1, 1), ends_on=date(year, 12, 31), target_size=40
                ),
                actor=SYSTEM,
            )
    for index, year in enumerate(out.cycle_years):
        async with pool.acquire() as conn, conn.transaction():
            appointments, cycles = (
                AppointmentService(conn, clock, settings),
                CycleService(conn, clock, settings),
            )
            await cycles.transition(year, CycleStatus.call_open, expected_version=None, actor=SYSTEM)
            chair_taken = False
            for c in (index, index + 1, index + 2):
                for _, seat in members[c]:
                    if seat.role is AppointmentRole.chair and chair_taken:
                        seat = msgspec.structs.replace(seat, role=AppointmentRole.member)
                    chair_taken |= seat.role is AppointmentRole.chair
                    await appointments.appoint(year, seat, actor=SYSTEM)
            await cycles.transition(year, CycleStatus.appointed, expected_version=None, actor=SYSTEM)
            if date(year, 12, 31) < clock.now().date():
                await cycles.transition(year, CycleStatus.closed, expected_version=None, actor=SYSTEM)
