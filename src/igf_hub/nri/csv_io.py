"""The directory as CSV, and the Secretariat's bulk import of existing (already recognised) NRIs from CSV.

Import is all-or-nothing: every row is checked first and any error refuses the whole file with a per-row
report naming every problem by column. A row whose type and country set match a recognised NRI updates that
NRI's columns present in the file (absent columns are left alone); an identical row changes nothing, so
re-importing a file is a no-op. The export is a valid import file: the columns igf_hub derives (id,
regional_groups, recognised_at, last_activity_on) are accepted and ignored, and a formula-escaped cell loses
its protective quote again. A new NRI is marked as imported (who, when, from which source) and takes its real
``recognised_on`` date from the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

import msgspec

from igf_hub.auth.principal import Principal, Role
from igf_hub.auth.schemas import GrantCreate, User
from igf_hub.core import changelog, countries, csvfile, imports
from igf_hub.core.errors import FieldError, convert_all
from igf_hub.nri.errors import ImportRejected
from igf_hub.nri.schemas import ImportReport, ImportRow, Nri, NriCreate, NriStatus
from igf_hub.nri.service import NriService, content_of, event_data, is_public, redacted

IMPORT_COLUMNS = (
    "type",
    "youth_scope",
    "name",
    "acronym",
    "countries",
    "scope_note",
    "website",
    "mailing_list_url",
    "contact_email",
    "languages",
    "year_founded",
    "description",
    "focal_point_name",
    "focal_point_email",
    "focal_point_role",
    "coordinator_email",
    "recognised_on",
    "status",
)
# Columns of the export that igf_hub derives itself: an import accepts them and ignores their values.
DERIVED_COLUMNS = ("id", "regional_groups", "recognised_at", "last_activity_on")
IMPORTABLE_STATUSES = ("recognised", "inactive")
REQUIRED_COLUMNS = ("type", "name", "countries")
LIST_COLUMNS = frozenset({"countries", "languages"})
FOCAL_POINT_COLUMNS = ("focal_point_name", "focal_point_email", "focal_point_role")
MAX_ROWS = 5_000
PRIVATE_IMPORT_KEYS = frozenset({"content", "changes"})  # audited, never published
_LIST_SEPARATORS = re.compile(r"[;,\s]+")

# Human headers for the file, export and import alike; the import also takes the field names themselves.
COLUMN_HEADERS: dict[str, str] = {
    "id": "ID",
    "type": "Type",
    "youth_scope": "Youth scope",
    "name": "Name",
    "acronym": "Acronym",
    "status": "Status",
    "countries": "Countries",
    "regional_groups": "Regional groups",
    "scope_note": "Scope note",
    "website": "Website",
    "mailing_list_url": "Mailing list",
    "contact_email": "Contact email",
    "languages": "Languages",
    "year_founded": "Year founded",
    "description": "Description",
    "focal_point_name": "Focal point name",
    "focal_point_email": "Focal point email",
    "focal_point_role": "Focal point role",
    "coordinator_email": "Coordinator email",
    "recognised_at": "Recognised at",
    "last_activity_on": "Last activity on",
    "recognised_on": "Recognised on",
}

EXPORT_COLUMNS = (
    "id",
    "type",
    "youth_scope",
    "name",
    "acronym",
    "status",
    "countries",
    "regional_groups",
    "scope_note",
    "website",
    "mailing_list_url",
    "contact_email",
    "languages",
    "year_founded",
    "recognised_at",
    "last_activity_on",
    "recognised_on",
    "description",
    "focal_point_name",
    "focal_point_role",
)


def export_csv(nris: Iterable[Nri], *, bom: bool = True) -> str:
    def values(nri: Nri) -> list[Any]:
        # The first focal point's public fields, so that the export re-imports (an e-mail is never exported).
        focal = nri.focal_points[0] if nri.focal_points else None
        extra = {
            "focal_point_name": focal.name if focal else None,
            "focal_point_role": focal.role if focal else None,
        }
        return [extra[c] if c in extra else getattr(nri, c) for c in EXPORT_COLUMNS]

    return csvfile.write([COLUMN_HEADERS[c] for c in EXPORT_COLUMNS], (values(n) for n in nris), bom=bom)


def _first_focal_point(given: dict[str, Any], nri: Nri, record: dict[str, str]) -> list[dict[str, Any]]:
    """The focal_point_* columns describe the NRI's first focal point; the others are kept, and so is what a
    column absent from the file (the export has no e-mail) says about the same person."""
    kept = [msgspec.to_builtins(f) for f in nri.focal_points]
    if kept and kept[0]["name"] == given["name"]:
        for field in ("email", "role"):
            if f"focal_point_{field}" not in record:
                given[field] = kept[0].get(field)
    return [given, *kept[1:]]


def _column_sentence(error: FieldError, where: str) -> str:
    """Name the CSV column (not the JSON field) the problem is in: ``countries: …``, ``focal_point_name: …``."""
    field = error.pointer.removeprefix(where).strip("/").split("/")[0]
    column = "focal_point_name" if field == "focal_points" else field
    return f"{column}: {error.detail}" if column else error.detail


class _Row(msgspec.Struct, kw_only=True):
    line: int
    content: NriCreate
    coordinator: User | None
    existing: Nri | None
    status: NriStatus = NriStatus.recognised
    recognised_on: date | None = None


class NriImporter:
    def __init__(self, service: NriService) -> None:
        self.service = service
        self.repo = service.repo

    async def run(
        self, text: str, *, actor: Principal, source: str | None = None, dry_run: bool = False
    ) -> ImportReport:
        self.source = source or "CSV import"
        header, records = self._parse(text)
        rows = await self._check(header, records)
        report = ImportReport(created=0, updated=0, unchanged=0, rows=[], dry_run=dry_run)
        for row in rows:
            if dry_run:  # what the import would do, with nothing written (an NRI not created yet has no id)
                outcome = (
                    "created"
                    if row.existing is None
                    else "updated"
                    if self._changed(row.existing, row.content)
                    else "unchanged"
                )
                setattr(report, outcome, getattr(report, outcome) + 1)
                existing_id = row.existing.id if row.existing else None
                report.rows.append(
                    ImportRow(row=row.line, id=existing_id, name=row.content.name, outcome=outcome)
                )
                continue
            nri, outcome = await self._apply(row, header, actor)
            setattr(report, outcome, getattr(report, outcome) + 1)
            report.rows.append(ImportRow(row=row.line, id=nri.id, name=nri.name, outcome=outcome))
        return report

    @staticmethod
    def _parse(text: str) -> tuple[list[str], list[tuple[int, dict[str, str] | None]]]:
        """The header and each row by its line number (None: a row whose cells do not match the header)."""
        table = imports.read_csv(text, ImportRejected)
        # A header cell may be the human header or the field name; unknown ones are reported as written.
        header = [csvfile.field_of(h, COLUMN_HEADERS) or h for h in table.header]
        # The columns igf_hub derives (in the export) are accepted and their values ignored.
        records = [
            (line, {k: v for k, v in r.items() if k not in DERIVED_COLUMNS} if r is not None else None)
            for line, r in table.records(header)
        ]
        errors = [
            FieldError("/header", f"unknown column {h!r}")
            for h in header
            if h not in IMPORT_COLUMNS and h not in DERIVED_COLUMNS
        ]
        twice = sorted({h for h in header if header.count(h) > 1})
        errors += [FieldError("/header", f"column {h!r} appears twice") for h in twice]
        errors += [
            FieldError("/header", f"missing column {c!r}") for c in REQUIRED_COLUMNS if c not in header
        ]
        if not records:
            errors.append(FieldError("/rows", "the file has no rows"))
        if len(records) > MAX_ROWS:
            errors.append(FieldError("/rows", f"at most {MAX_ROWS} rows per file"))
        if errors:
            raise ImportRejected("; ".join(e.detail for e in errors), errors=errors)
        return header, records

    async def _check(self, header: list[str], records: list[tuple[int, dict[str, str] | None]]) -> list[_Row]:
        errors: list[FieldError] = []
        rows: list[_Row] = []
        seen: dict[tuple[str, tuple[str, ...]], int] = {}
        for line, record in records:
            where = f"/rows/{line}"
            if record is None:
                errors.append(imports.ragged_row(line))
                continue
            raw, row_errors = self._raw(record, where)
            status, recognised_on = self._history(record, where, row_errors)
            existing = await self.repo.recognised_with_key(
                str(raw.get("type")), sorted({str(c) for c in raw.get("countries", [])})
            )
            nri = await self.repo.get(existing["id"]) if existing else None
            if nri is not None and raw.get("focal_points"):
                raw["focal_points"] = _first_focal_point(raw["focal_points"][0], nri, record)
            merged = {**(content_of(nri) if nri else {}), **raw}
            # Every problem of the row, by column, not only the first one msgspec meets.
            content, field_errors = convert_all(merged, NriCreate, prefix=where)
            row_errors += field_errors
            coordinator = None
            if email := record.get("coordinator_email"):
                coordinator = await self.service.identity.find_user_by_email(email)
                if coordinator is None or not coordinator.is_active:
                    row_errors.append(FieldError(f"{where}/coordinator_email", f"no active user {email}"))
            if content is None or row_errors:
                errors += [
                    FieldError(e.pointer, f"line {line}: {_column_sentence(e, where)}") for e in row_errors
                ]
                continue
            key = (content.type.value, tuple(content.countries))
            if key in seen:
                errors.append(FieldError(where, f"line {line}: same type and countries as line {seen[key]}"))
                continue
            seen[key] = line
            rows.append(
                _Row(
                    line=line,
                    content=content,
                    coordinator=coordinator,
                    existing=nri,
                    status=status,
                    recognised_on=recognised_on,
                )
            )
        if errors:
            raise ImportRejected(
                f"{len(errors)} problem(s) in the file; nothing was imported",
                errors=errors,
                extra={"rows_checked": len(records)},
            )
        return rows

    def _history(
        self, record: dict[str, str], where: str, errors: list[FieldError]
    ) -> tuple[NriStatus, date | None]:
        """The status a new NRI is loaded with, and its real recognition date (default: today)."""
        status = NriStatus.recognised
        if cell := record.get("status"):
            if cell not in IMPORTABLE_STATUSES:
                errors.append(
                    FieldError(f"{where}/status", f"is {cell!r}; only recognised or inactive NRIs load")
                )
            else:
                status = NriStatus(cell)
        recognised_on = None
        if cell := record.get("recognised_on"):
            try:
                recognised_on = date.fromisoformat(cell)
            except ValueError:
                errors.append(FieldError(f"{where}/recognised_on", f"{cell!r} is not a date (YYYY-MM-DD)"))
            else:
                if recognised_on > self.service.clock.now().date():
                    errors.append(FieldError(f"{where}/recognised_on", "is in the future"))
        return status, recognised_on

    @staticmethod
    def _raw(record: dict[str, str], where: str) -> tuple[dict[str, Any], list[FieldError]]:
        """The row as NriCreate fields: only the columns the file has; an empty cell clears the field."""
        raw: dict[str, Any] = {}
        errors: list[FieldError] = []
        for column, cell in record.items():
            if column in FOCAL_POINT_COLUMNS or column in ("coordinator_email", "status", "recognised_on"):
                continue
            if column in LIST_COLUMNS:
                raw[column] = [v for v in _LIST_SEPARATORS.split(cell) if v]
                if column == "countries":
                    raw[column] = [c.upper() for c in raw[column]]
            elif column == "year_founded":
                if cell and not cell.isdigit():
                    errors.append(FieldError(f"{where}/{column}", f"{cell!r} is not a year"))
                    continue
                raw[column] = int(cell) if cell else None
            elif column == "description":
                raw[column] = cell
            else:
                raw[column] = cell or None
        if "focal_point_name" in record:
            name = record["focal_point_name"]
            raw["focal_points"] = (
                [
                    {
                        "name": name,
                        "email": record.get("focal_point_email") or None,
                        "role": record.get("focal_point_role") or None,
                    }
                ]
                if name
                else []
            )
        return raw, errors

    async def _apply(self, row: _Row, header: list[str], actor: Principal) -> tuple[Nri, str]:
        svc, now = self.service, self.service.clock.now()
        content, groups = row.content, countries.regional_groups(row.content.countries)
        nri = row.existing
        outcome = "unchanged"
        if nri is None:
            recognised_on = row.recognised_on or now.date()
            nri = await self.repo.insert(
                content,
                groups,
                status=row.status.value,
                created_by=actor.subject,
                now=now,
                recognised_at=now,
                last_activity_on=now.date(),
                recognised_on=recognised_on,
                imported_source=self.source,
            )
            outcome = "created"
            await self._record_import(
                nri,
                "nri.imported",
                actor,
                {
                    "to": row.status.value,
                    "line": row.line,
                    "source": self.source,
                    "recognised_on": recognised_on.isoformat(),
                    "content": content_of(nri),
                },
            )
        elif (changed := self._changed(nri, content)) and (
            updated := await self.repo.update_content(nri.id, nri.version, content, groups, now)
        ):
            nri, outcome = updated, "updated"
            after = content_of(nri)
            await self._record_import(
                nri,
                "nri.updated",
                actor,
                {"fields": changed, "line": row.line, "changes": {f: after[f] for f in changed}},
            )
        if row.coordinator is not None:
            bound = await svc.identity.bound_holders(Role.nri_coordinator, nri.id)
            if row.coordinator.id not in {u.id for u in bound}:
                await svc.identity.grant_role(
                    row.coordinator.id,
                    GrantCreate(role=Role.nri_coordinator, resource_id=nri.id),
                    actor=actor,
                    source="nri",
                )
                await self._record_import(
                    nri, "nri.coordinator_added", actor, {"user_id": str(row.coordinator.id)}
                )
                outcome = "updated" if outcome == "unchanged" else outcome
        return nri, outcome

    @staticmethod
    def _changed(nri: Nri, content: NriCreate) -> list[str]:
        before, after = content_of(nri), msgspec.to_builtins(content)
        return sorted(f for f in after if after[f] != before[f])

    async def _record_import(self, nri: Nri, action: str, actor: Principal, data: dict[str, Any]) -> None:
        # The event says what the API's own events say: the imported content and changed values stay in the
        # audit log (they hold what the public view redacts: focal points' e-mails, committee genders).
        published = event_data(nri, **{k: v for k, v in data.items() if k not in PRIVATE_IMPORT_KEYS})
        if action == "nri.imported":  # it becomes public here: consumers start from its public state
            published["nri"] = msgspec.to_builtins(redacted(nri))
        await changelog.record(
            self.service.conn,
            action,
            actor=actor.subject,
            subject_type="nri",
            subject_id=nri.id,
            data=data,
            event_data=published,
            public=is_public(nri),
        )
