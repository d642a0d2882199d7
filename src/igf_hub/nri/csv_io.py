"""The directory as CSV, and the Secretariat's bulk import of existing (already recognised) NRIs from CSV.

Import is all-or-nothing: every row is checked first and any error refuses the whole file with a per-row
report. A row whose type and country set match a recognised NRI updates that NRI's columns present in the
file (absent columns are left alone); an identical row changes nothing, so re-importing a file is a no-op.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

import msgspec

from igf_hub.auth.principal import Principal, Role
from igf_hub.auth.schemas import GrantCreate, User
from igf_hub.core import audit, countries, csvfile, outbox
from igf_hub.core.errors import FieldError
from igf_hub.nri.errors import ImportRejected
from igf_hub.nri.schemas import ImportReport, ImportRow, Nri, NriCreate, NriStatus
from igf_hub.nri.service import NriService, content_of, event_data, is_public, validation_error

IMPORT_COLUMNS = (
    "type", "youth_scope", "name", "acronym", "countries", "scope_note", "website", "mailing_list_url",
    "contact_email", "languages", "year_founded", "description", "focal_point_name", "focal_point_email",
    "focal_point_role", "coordinator_email",
)  # fmt: skip
REQUIRED_COLUMNS = ("type", "name", "countries")
LIST_COLUMNS = frozenset({"countries", "languages"})
FOCAL_POINT_COLUMNS = ("focal_point_name", "focal_point_email", "focal_point_role")
MAX_ROWS = 5_000
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
}

EXPORT_COLUMNS = (
    "id", "type", "youth_scope", "name", "acronym", "status", "countries", "regional_groups", "scope_note",
    "website", "mailing_list_url", "contact_email", "languages", "year_founded", "recognised_at",
    "last_activity_on",
)  # fmt: skip


def export_csv(nris: Iterable[Nri], *, bom: bool = True) -> str:
    return csvfile.write(
        [COLUMN_HEADERS[c] for c in EXPORT_COLUMNS],
        ([getattr(nri, c) for c in EXPORT_COLUMNS] for nri in nris),
        bom=bom,
    )


class _Row(msgspec.Struct, kw_only=True):
    line: int
    content: NriCreate
    coordinator: User | None
    existing: Nri | None


class NriImporter:
    def __init__(self, service: NriService) -> None:
        self.service = service
        self.repo = service.repo

    async def run(self, text: str, *, actor: Principal) -> ImportReport:
        header, records = self._parse(text)
        rows = await self._check(header, records)
        report = ImportReport(created=0, updated=0, unchanged=0, rows=[])
        for row in rows:
            nri, outcome = await self._apply(row, header, actor)
            setattr(report, outcome, getattr(report, outcome) + 1)
            report.rows.append(ImportRow(row=row.line, id=nri.id, name=nri.name, outcome=outcome))
        return report

    @staticmethod
    def _parse(text: str) -> tuple[list[str], list[tuple[int, dict[str, str] | None]]]:
        """The header and each row by its line number (None: a row whose cells do not match the header)."""
        try:
            table = csvfile.read(text)
        except csv.Error as exc:
            raise ImportRejected(
                f"not a readable CSV file: {exc}", errors=[FieldError("", str(exc))]
            ) from None
        # A header cell may be the human header or the field name; unknown ones are reported as written.
        header = [csvfile.field_of(h, COLUMN_HEADERS) or h for h in table.header]
        records = table.records(header)
        errors = [FieldError("/header", f"unknown column {h!r}") for h in header if h not in IMPORT_COLUMNS]
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
                errors.append(
                    FieldError(where, f"line {line}: the number of cells does not match the header")
                )
                continue
            try:
                raw = self._raw(record)
                existing = await self.repo.recognised_with_key(
                    str(raw["type"]), sorted(set(raw["countries"]))
                )
                nri = await self.repo.get(existing["id"]) if existing else None
                merged = {**(content_of(nri) if nri else {}), **raw}
                content = msgspec.convert(merged, NriCreate)
            except msgspec.ValidationError as exc:  # (a ValueError too: keep this clause first)
                error = validation_error(exc, prefix=where)
                errors.append(FieldError(error.pointer, f"line {line}: {error.detail}"))
                continue
            except ValueError as exc:
                errors.append(FieldError(where, f"line {line}: {exc}"))
                continue
            key = (content.type.value, tuple(content.countries))
            if key in seen:
                errors.append(FieldError(where, f"line {line}: same type and countries as line {seen[key]}"))
                continue
            seen[key] = line
            coordinator = None
            if email := record.get("coordinator_email"):
                coordinator = await self.service.identity.find_user_by_email(email)
                if coordinator is None or not coordinator.is_active:
                    errors.append(
                        FieldError(f"{where}/coordinator_email", f"line {line}: no active user {email}")
                    )
                    continue
            rows.append(_Row(line=line, content=content, coordinator=coordinator, existing=nri))
        if errors:
            raise ImportRejected(
                f"{len(errors)} problem(s) in the file; nothing was imported", errors=errors,
                extra={"rows_checked": len(records)},
            )  # fmt: skip
        return rows

    @staticmethod
    def _raw(record: dict[str, str]) -> dict[str, Any]:
        """The row as NriCreate fields: only the columns the file has; an empty cell clears the field."""
        raw: dict[str, Any] = {}
        for column, cell in record.items():
            if column in FOCAL_POINT_COLUMNS or column == "coordinator_email":
                continue
            if column in LIST_COLUMNS:
                raw[column] = [v for v in _LIST_SEPARATORS.split(cell) if v]
                if column == "countries":
                    raw[column] = [c.upper() for c in raw[column]]
            elif column == "year_founded":
                if cell and not cell.isdigit():
                    raise ValueError(f"year_founded {cell!r} is not a year")
                raw[column] = int(cell) if cell else None
            elif column == "description":
                raw[column] = cell
            else:
                raw[column] = cell or None
        if "focal_point_name" in record:
            name = record["focal_point_name"]
            raw["focal_points"] = (
                [{"name": name, "email": record.get("focal_point_email") or None,
                  "role": record.get("focal_point_role") or None}]
                if name else []
            )  # fmt: skip
        return raw

    async def _apply(self, row: _Row, header: list[str], actor: Principal) -> tuple[Nri, str]:
        svc, now = self.service, self.service.clock.now()
        content, groups = row.content, countries.regional_groups(row.content.countries)
        nri = row.existing
        outcome = "unchanged"
        if nri is None:
            nri = await self.repo.insert(
                content, groups, status=NriStatus.recognised.value, created_by=actor.subject, now=now,
                recognised_at=now, last_activity_on=now.date(),
            )  # fmt: skip
            outcome = "created"
            await self._record(nri, "nri.imported", actor, {"to": "recognised", "line": row.line,
                                                             "content": content_of(nri)})  # fmt: skip
        elif (changed := self._changed(nri, content)) and (
            updated := await self.repo.update_content(nri.id, nri.version, content, groups, now)
        ):
            nri, outcome = updated, "updated"
            after = content_of(nri)
            await self._record(nri, "nri.updated", actor, {"fields": changed, "line": row.line,
                                                           "changes": {f: after[f] for f in changed}})  # fmt: skip
        if row.coordinator is not None:
            bound = await svc.identity.bound_holders(Role.nri_coordinator, nri.id)
            if row.coordinator.id not in {u.id for u in bound}:
                await svc.identity.grant_role(
                    row.coordinator.id, GrantCreate(role=Role.nri_coordinator, resource_id=nri.id),
                    actor=actor, source="nri",
                )  # fmt: skip
                await self._record(nri, "nri.coordinator_added", actor, {"user_id": str(row.coordinator.id)})
                outcome = "updated" if outcome == "unchanged" else outcome
        return nri, outcome

    @staticmethod
    def _changed(nri: Nri, content: NriCreate) -> list[str]:
        before, after = content_of(nri), msgspec.to_builtins(content)
        return sorted(f for f in after if after[f] != before[f])

    async def _record(self, nri: Nri, action: str, actor: Principal, data: dict[str, Any]) -> None:
        await audit.append(
            self.service.conn, actor=actor.subject, action=action, subject_type="nri", subject_id=nri.id,
            data=data,
        )  # fmt: skip
        await outbox.publish(
            self.service.conn, action, subject=nri.id, data=event_data(nri, **data), public=is_public(nri)
        )
