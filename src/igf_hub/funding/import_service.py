"""The Secretariat's bulk imports of donors, contributions and ledger events (CSV or JSON), all or nothing.

Every row goes through the same service call as a single ``POST`` (so every rule, audit row and outbox event is
the same), each in its own savepoint inside one savepoint for the file: a row's problems are collected and the
next row is still checked, and if any row has a problem, or on a dry run, the whole file is rolled back. Every
problem is named by its row (the file's line, or the item's number in JSON) and its column, by the header the
file used. Headers may be the human ones (``ledger.csv`` writes them, so the public ledger re-imports) or the
field names. Ledger columns that are derived (sequence, USD amount, rate, donor name …) are ignored on import.
"""

from __future__ import annotations

import enum
import re
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal
from igf_hub.core import csvfile, imports
from igf_hub.core.clock import Clock
from igf_hub.core.errors import DomainError, FieldError, convert_all
from igf_hub.core.schemas import dec_hook
from igf_hub.core.settings import Settings
from igf_hub.funding.errors import FundingImportRejected
from igf_hub.funding.exports import CSV_HEADERS
from igf_hub.funding.ledger_service import LedgerService
from igf_hub.funding.repository import FundingRepository
from igf_hub.funding.schemas import ContributionCreate, DonorCreate, EventCreate, EventKind
from igf_hub.funding.service import FundingService

MAX_ROWS = 5_000
_SEPARATORS = re.compile(r"[;,\s]+")


class ImportKind(enum.StrEnum):
    donors = "donors"
    contributions = "contributions"
    events = "events"


COLUMNS: dict[ImportKind, dict[str, str]] = {
    ImportKind.donors: {
        "id": "Donor ID",
        "legal_name": "Legal name",
        "display_name": "Display name",
        "is_anonymous": "Anonymous",
        "stakeholder_group": "Stakeholder group",
        "country": "Country",
        "iati_org_type": "IATI organisation type",
        "iati_org_ref": "IATI organisation identifier",
        "private_notes": "Private notes",
    },
    ImportKind.contributions: {
        "id": "Contribution ID",
        "donor_id": "Donor ID",
        "donor": "Donor",  # the donor's legal name, instead of its id
        "via_donor_id": "Via donor ID",
        "title": "Title",
        "channel": "Channel",
        "earmark": "Earmark",
        "earmark_detail": "Earmark detail",
        "nri_id": "NRI ID",
        "track_id": "Track ID",
        "in_kind": "In kind",
        "in_kind_description": "In-kind description",
        "valuation_method": "Valuation method",
        "years": "Years",
        "fiscal_year_start_month": "Fiscal year start month",
        "agreement_reference": "Agreement reference",
        "private_notes": "Private notes",
    },
    # The public ledger's own headers (ledger.csv), so an export reads back.
    ImportKind.events: CSV_HEADERS,
}
# What a ledger row contributes to a new event; the other ledger columns are derived and ignored.
EVENT_FIELDS = (
    "contribution_id",
    "kind",
    "amount",
    "currency",
    "value_date",
    "due_on",
    "reverses_id",
    "reason",
    "description",
)
BOOLEAN = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
LISTS = {"years"}


class ImportOutcome(msgspec.Struct, kw_only=True):
    row: int
    id: UUID | None
    outcome: str  # created | would_create | unchanged


class ImportReport(msgspec.Struct, kw_only=True):
    kind: ImportKind
    dry_run: bool
    created: int
    unchanged: int
    rows: list[ImportOutcome]


def parse_csv(kind: ImportKind, text: str) -> tuple[dict[str, str], list[tuple[int, dict[str, Any]]]]:
    """The header each field was given under, and each row's fields by line; an empty cell is absent."""
    table = imports.read_csv(text, FundingImportRejected)
    columns = COLUMNS[kind]
    headers: dict[str, str] = {}
    errors = []
    fields: list[str | None] = []
    for header in table.header:
        field = csvfile.field_of(header, columns)
        if field is None:
            errors.append(FieldError(f"/header/{header}", f"unknown column “{header}”"))
        elif field in headers:
            errors.append(FieldError(f"/header/{header}", f"column “{header}” appears twice"))
        else:
            headers[field] = header
        fields.append(field)
    rows = []
    for line, cells in table.rows:
        if cells is None:
            errors.append(imports.ragged_row(line, word="row"))
            continue
        rows.append((line, {f: c for f, c in zip(fields, cells, strict=True) if f is not None and c != ""}))
    if not rows and not errors:
        errors.append(FieldError("/rows", "the file has no rows"))
    if errors:
        raise FundingImportRejected(
            f"{len(errors)} problem(s) in the file; nothing was imported", errors=errors
        )
    return headers, rows


def parse_json(kind: ImportKind, body: bytes) -> list[tuple[int, dict[str, Any]]]:
    """``{"<kind>": [...]}`` (``ledger.json``'s ``{"items": [...]}`` for events); items are numbered from 1."""
    data = imports.decode_json(body, FundingImportRejected)
    items = None
    if isinstance(data, dict):
        items = data.get(kind.value, data.get("items") if kind is ImportKind.events else None)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise FundingImportRejected(
            f'send {{"{kind.value}": [...]}}, one object per row',
            errors=[FieldError(f"/{kind.value}", "a list")],
        )
    if not items:
        raise FundingImportRejected("there are no rows", errors=[FieldError(f"/{kind.value}", "empty")])
    return list(enumerate(items, start=1))


class FundingImporter:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.conn = conn
        self.funding = FundingService(conn, clock, settings)
        self.ledger = LedgerService(conn, clock, settings)
        self.repo = FundingRepository(conn)
        self.new_ids: dict[str, UUID] = {}  # an event id in the file -> the event it became (for reversals)

    async def run(
        self,
        kind: ImportKind,
        rows: list[tuple[int, dict[str, Any]]],
        *,
        actor: Principal,
        dry_run: bool,
        headers: dict[str, str] | None = None,
    ) -> ImportReport:
        """Import ``rows`` (fields by name, as ``parse_csv``/``parse_json`` give them) or refuse them all."""
        if len(rows) > MAX_ROWS:
            raise FundingImportRejected(
                f"at most {MAX_ROWS} rows per file", errors=[FieldError("/rows", f"{len(rows)} rows")]
            )
        names = headers or {}
        handle = {
            ImportKind.donors: self._donor,
            ImportKind.contributions: self._contribution,
            ImportKind.events: self._event,
        }[kind]
        report = ImportReport(kind=kind, dry_run=dry_run, created=0, unchanged=0, rows=[])
        errors: list[FieldError] = []
        async with imports.AllOrNothing(self.conn) as whole:
            for line, fields in rows:
                where = f"/rows/{line}"
                row_errors: list[FieldError] = []
                try:
                    async with self.conn.transaction():
                        new_id, outcome = await handle(fields, where, row_errors, actor)
                        if row_errors:
                            raise _RowRefused
                except _RowRefused:
                    pass
                except DomainError as exc:
                    row_errors += exc.errors or [FieldError(where, exc.detail)]
                if row_errors:
                    errors += [_by_column(e, where, line, names, kind) for e in row_errors]
                    continue
                if outcome == "created":
                    report.created += 1
                    outcome = "would_create" if dry_run else outcome
                else:
                    report.unchanged += 1
                report.rows.append(ImportOutcome(row=line, id=new_id, outcome=outcome))
            whole.keep = not errors and not dry_run
        if errors:
            raise FundingImportRejected(
                f"{len(errors)} problem(s) in {len(rows)} row(s); nothing was imported",
                errors=errors,
                extra={"rows_checked": len(rows)},
            )
        return report

    # -- one row of each kind -------------------------------------------------------------------------

    async def _donor(
        self, fields: dict[str, Any], where: str, errors: list[FieldError], actor: Principal
    ) -> tuple[UUID | None, str]:
        fields = _cells(fields)
        given_id = fields.pop("id", None)
        data, problems = convert_all(fields, DonorCreate, prefix=where, strict=False, dec_hook=dec_hook)
        errors += problems
        if data is None:
            return None, ""
        existing = await self.repo.donor_by_legal_name(data.legal_name)
        if existing is not None:
            same = all(getattr(existing, f) == getattr(data, f) for f in fields)
            if same and given_id in (None, str(existing.id)):
                return existing.id, "unchanged"
            errors.append(
                FieldError(
                    f"{where}/legal_name", f"a different donor named “{data.legal_name}” already exists"
                )
            )
            return None, ""
        return (await self.funding.create_donor(data, actor=actor)).id, "created"

    async def _contribution(
        self, fields: dict[str, Any], where: str, errors: list[FieldError], actor: Principal
    ) -> tuple[UUID | None, str]:
        fields = _cells(fields)
        if "id" in fields:
            errors.append(
                FieldError(f"{where}/id", "a contribution is created with a new id: leave it empty")
            )
        if name := fields.pop("donor", None):
            donor = await self.repo.donor_by_legal_name(str(name))
            if donor is None:
                errors.append(FieldError(f"{where}/donor", f"no donor with the legal name “{name}”"))
            elif "donor_id" in fields and str(fields["donor_id"]) != str(donor.id):
                errors.append(FieldError(f"{where}/donor", "names another donor than the donor id"))
            else:
                fields["donor_id"] = str(donor.id)
        data, problems = convert_all(
            fields, ContributionCreate, prefix=where, strict=False, dec_hook=dec_hook
        )
        errors += problems
        if data is None or errors:
            return None, ""
        return (await self.funding.create_contribution(data, actor=actor)).id, "created"

    async def _event(
        self, fields: dict[str, Any], where: str, errors: list[FieldError], actor: Principal
    ) -> tuple[UUID | None, str]:
        file_id = fields.get("id")
        known = _uuid(file_id) if file_id else None
        if known is not None and (existing := await self.repo.get_event(known)) is not None:
            return existing.id, "unchanged"  # already in the ledger: the ledger is append-only
        values = {k: v for k, v in fields.items() if k in EVENT_FIELDS}
        if values.get("reverses_id") is not None:
            reverses = str(values.pop("reverses_id"))
            values["reverses"] = str(self.new_ids.get(reverses, reverses))
        if values.get("kind") == EventKind.reversal.value and values.get("amount") is not None:
            values["amount"] = str(
                abs(Decimal(str(values["amount"])))
            )  # the ledger writes reversals negative
        if (
            fields.get("donor_id") is None
            and fields.get("donor_name", "").startswith("Anonymous")
            and not values.get("amount")
        ):
            errors.append(
                FieldError(f"{where}/amount", "an anonymous donor's amount is not in the public ledger")
            )
            return None, ""
        given = values.pop("contribution_id", None)
        contribution_id = _uuid(given) if given else None
        if contribution_id is None:
            errors.append(
                FieldError(f"{where}/contribution_id", "is required" if not given else "is not an id")
            )
        data, problems = convert_all(values, EventCreate, prefix=where, strict=False, dec_hook=dec_hook)
        errors += [
            FieldError(p.pointer.replace(f"{where}/reverses", f"{where}/reverses_id"), p.detail)
            for p in problems
        ]
        if data is None or contribution_id is None:
            return None, ""
        try:
            event = await self.ledger.record_event(contribution_id, data, actor=actor)
        except DomainError as exc:
            for e in exc.errors or [FieldError(where, exc.detail)]:
                pointer = e.pointer if e.pointer.startswith(where) else f"{where}{e.pointer}"
                errors.append(
                    FieldError(pointer.replace(f"{where}/reverses", f"{where}/reverses_id"), e.detail)
                )
            return None, ""
        if file_id:
            self.new_ids[str(file_id)] = event.id
        return event.id, "created"


class _RowRefused(Exception):
    """Roll back one row's savepoint: its problems are already listed."""


def _uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


def _cells(fields: dict[str, Any]) -> dict[str, Any]:
    """CSV text as the values the bodies take: booleans, lists of years; JSON values pass through."""
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, str):
            if name in ("is_anonymous", "in_kind"):
                value = BOOLEAN.get(value.strip().lower(), value)
            elif name in LISTS:
                value = [int(v) if v.isdigit() else v for v in _SEPARATORS.split(value) if v]
            elif name == "fiscal_year_start_month" and value.isdigit():
                value = int(value)
        out[name] = value
    return out


def _by_column(
    error: FieldError, where: str, line: int, headers: dict[str, str], kind: ImportKind
) -> FieldError:
    """A row's problem named by the column the file used (or the field's human header)."""
    rest = error.pointer.removeprefix(where).strip("/")
    field = rest.split("/")[0] if rest else ""
    if field == "reverses":
        field = "reverses_id"
    column = headers.get(field) or COLUMNS[kind].get(field) or field
    if not column:
        return FieldError(where, f"row {line}: {error.detail}")
    return FieldError(f"{where}/{column}", f"row {line}, column “{column}”: {error.detail}")
