"""Donors' historical contributions loaded from the archive, through the funding services themselves.

A minimal archive (the funding domain's own CSV imports are a separate piece of work): one JSON document of
donors and contributions with their ledger events. Every record goes through the same services and rules as
a live one (donor rules, contribution rules, exchange rates for the value date, the append-only ledger), so
the archive cannot hold what the API would refuse; each contribution is then marked as imported (who, when,
from which source) and audited as ``funding.contribution.imported``. All or nothing: every item is tried
in its own savepoint so that every problem is reported, and the whole load is rolled back if any failed or
on ``dry_run``. Upload the exchange rates of the historical value dates first (``/exchange-rates/upload``).

``{"donors": [DonorCreate, …], "contributions": [{"donor": "<legal name>", …ContributionCreate fields but
donor_id/via_donor_id…, "events": [EventCreate, …]}]}``; a donor named in ``donor`` may already exist.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal, Role
from igf_hub.core import changelog, imports
from igf_hub.core.clock import Clock
from igf_hub.core.errors import DomainError, FieldError, Forbidden, Unprocessable
from igf_hub.core.settings import Settings
from igf_hub.funding.archive_repository import FundingArchiveRepository
from igf_hub.funding.ledger_service import LedgerService
from igf_hub.funding.schemas import ContributionCreate, DonorCreate, EventCreate, EventKind
from igf_hub.funding.service import FundingService


class ArchiveRejected(Unprocessable):
    slug, title = (
        "funding-archive-rejected",
        "The archive was not loaded: fix the problems listed and send it again",
    )


class ArchivedContribution(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    donor: Annotated[str, msgspec.Meta(min_length=2, max_length=300)]  # a donor's legal name
    contribution: dict[str, Any]  # the ContributionCreate fields, without donor_id
    events: Annotated[list[EventCreate], msgspec.Meta(max_length=500)] = []


class FundingArchive(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    donors: Annotated[list[DonorCreate], msgspec.Meta(max_length=1_000)] = []
    contributions: Annotated[list[ArchivedContribution], msgspec.Meta(max_length=5_000)] = []


class FundingArchiveReport(msgspec.Struct, kw_only=True):
    dry_run: bool
    source: str
    donors_created: int
    contributions: list[UUID]  # empty in a dry run (nothing was kept)
    events: int


class FundingArchiveService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.conn = conn
        self.clock = clock
        self.funding = FundingService(conn, clock, settings)
        self.ledger = LedgerService(conn, clock, settings)
        self.repo = FundingArchiveRepository(conn)

    async def load(
        self, archive: FundingArchive, *, actor: Principal, source: str, dry_run: bool
    ) -> FundingArchiveReport:
        if not actor.has_role(Role.secretariat):
            raise Forbidden("only the Secretariat loads the archive")
        errors: list[FieldError] = []
        report = FundingArchiveReport(
            dry_run=dry_run, source=source, donors_created=0, contributions=[], events=0
        )
        async with imports.AllOrNothing(self.conn) as whole:  # a savepoint inside the request's transaction
            for i, donor in enumerate(archive.donors):
                if await self.repo.donor_id(donor.legal_name) is not None:
                    continue  # already recorded: contributions may name it
                if await self._try(errors, f"/donors/{i}", self.funding.create_donor(donor, actor=actor)):
                    report.donors_created += 1
            for i, item in enumerate(archive.contributions):
                await self._contribution(i, item, actor, source, errors, report)
            whole.keep = not errors and not dry_run
        if errors:
            raise ArchiveRejected(f"{len(errors)} problem(s); nothing was loaded", errors=errors)
        if dry_run:
            report.contributions = []
        return report

    async def _contribution(
        self,
        i: int,
        item: ArchivedContribution,
        actor: Principal,
        source: str,
        errors: list[FieldError],
        report: FundingArchiveReport,
    ) -> None:
        where = f"/contributions/{i}"
        donor_id = await self.repo.donor_id(item.donor)
        if donor_id is None:
            errors.append(
                FieldError(f"{where}/donor", f"no donor named {item.donor!r} (list it under donors)")
            )
            return
        try:
            data = msgspec.convert({**item.contribution, "donor_id": str(donor_id)}, ContributionCreate)
        except msgspec.ValidationError as exc:
            errors.append(FieldError(f"{where}/contribution", str(exc)))
            return
        created = await self._try(
            errors, f"{where}/contribution", self.funding.create_contribution(data, actor=actor)
        )
        if created is None:
            return
        for j, event in enumerate(item.events):
            if event.kind is EventKind.reversal:
                errors.append(
                    FieldError(f"{where}/events/{j}/kind", "the archive records entries; reverse them live")
                )
                continue
            if await self._try(
                errors, f"{where}/events/{j}", self.ledger.record_event(created.id, event, actor=actor)
            ):
                report.events += 1
        now = self.clock.now()
        await self.repo.mark_imported(created.id, at=now, by=actor.subject, source=source)
        await changelog.record(
            self.conn,
            "funding.contribution.imported",
            actor=actor.subject,
            subject_type="contribution",
            subject_id=created.id,
            data={"source": source, "events": len(item.events)},
            publish=False,  # the ledger published the contribution and each of its entries as it loaded them
        )
        report.contributions.append(created.id)

    async def _try(self, errors: list[FieldError], where: str, step: Any) -> Any:
        """Run one service call in its own savepoint; a refusal becomes problems under ``where``."""
        try:
            async with self.conn.transaction():
                return await step
        except DomainError as exc:
            found = exc.errors or [FieldError("", exc.detail)]
            errors.extend(FieldError(f"{where}{e.pointer}", e.detail) for e in found)
            return None
