"""The Secretariat's bulk import of tracks (CSV or JSON), which is also how concluded tracks load as history.

All or nothing: every row is checked first (each row's every problem, named by row and column), and a dry
run stops there. An imported track keeps its real status and years active, is marked as imported (who, when,
from which source) in the record, its history and the audit log, and never pretends to have gone through
the proposal or activation workflow here: no formation is invented and ``activated_at`` is the 1st of January
of its first year active (the archive gives years, not dates), so the annual-report rule applies from then on.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec

from igf_hub.auth.principal import Principal
from igf_hub.core import changelog, imports
from igf_hub.core.errors import FieldError, convert_all
from igf_hub.core.schemas import Classification
from igf_hub.tracks.access import track_event_data
from igf_hub.tracks.errors import TrackImportRejected
from igf_hub.tracks.repository import ImportedTrack, TrackRepository
from igf_hub.tracks.schemas import (
    RESERVED_SLUGS,
    TrackCreate,
    TrackImportOutcome,
    TrackImportReport,
    TrackImportRow,
    TrackStatus,
    TrackType,
)

MAX_ROWS = 2_000
LIST_COLUMNS = frozenset({"years_active", "wsis_action_lines", "sdgs", "gdc_objectives"})
INT_LIST_COLUMNS = frozenset({"years_active", "sdgs", "gdc_objectives"})
_SEPARATORS = re.compile(r"[;,\s]+")


def parse_csv(text: str) -> list[tuple[int, dict[str, Any]]]:
    """Each row's fields by its line number; an empty cell is absent (its default applies). Headers are the
    field names (the formula escape of an exported cell is undone by the shared CSV reader)."""
    table = imports.read_csv(text, TrackImportRejected)
    known = set(TrackImportRow.__struct_fields__)
    errors = [FieldError("/header", f"unknown column {h!r}") for h in table.header if h not in known]
    errors += [
        FieldError("/header", f"missing column {c!r}")
        for c in ("slug", "type", "name")
        if c not in table.header
    ]
    rows: list[tuple[int, dict[str, Any]]] = []
    for line, cells in table.records():
        if cells is None:
            errors.append(imports.ragged_row(line))
        else:
            rows.append((line, _fields(cells)))
    if errors:
        raise TrackImportRejected("; ".join(e.detail for e in errors), errors=errors)
    return rows


def _fields(row: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column, raw in row.items():
        cell = raw.strip()
        if not cell:
            continue
        if column in LIST_COLUMNS:
            items = [v for v in _SEPARATORS.split(cell) if v]
            out[column] = (
                [int(v) if v.isdigit() else v for v in items] if column in INT_LIST_COLUMNS else items
            )
        elif column == "open_membership":
            out[column] = {"true": True, "yes": True, "false": False, "no": False}.get(cell.lower(), cell)
        else:
            out[column] = cell
    return out


def parse_json(body: bytes) -> list[tuple[int, dict[str, Any]]]:
    """``{"tracks": [{...}, ...]}``; rows are numbered from 1."""
    data = imports.decode_json(body, TrackImportRejected)
    items = data.get("tracks") if isinstance(data, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise TrackImportRejected(
            'send {"tracks": [...]}, one object per track',
            errors=[FieldError("/tracks", "a list of objects")],
        )
    return list(enumerate(items, start=1))


class TrackImporter:
    def __init__(self, repo: TrackRepository, clock_now: datetime) -> None:
        self.repo = repo
        self.now = clock_now

    async def run(
        self, rows: list[tuple[int, dict[str, Any]]], *, actor: Principal, source: str, dry_run: bool
    ) -> TrackImportReport:
        checked = await self._check(rows)
        report = TrackImportReport(dry_run=dry_run, source=source, created=0, rows=[])
        for line, row in checked:
            report.rows.append(
                TrackImportOutcome(row=line, slug=row.slug, outcome="would_create" if dry_run else "created")
            )
        if dry_run:
            return report
        ids: dict[str, UUID] = {}
        for _line, row in checked:
            marks = ImportedTrack(status=row.status, activated_at=_first_day(row), source=source)
            track = await self.repo.insert(
                self._create(row), created_by=actor.subject, now=self.now, imported=marks
            )
            ids[row.slug] = track.id
            await self.repo.add_history(
                track.id, "imported", now=self.now, to_status=row.status.value, reason=f"loaded from {source}"
            )
        for _line, row in checked:
            if row.predecessor is not None:
                predecessor = ids.get(row.predecessor) or await self.repo.id_of(row.predecessor)
                await self.repo.set_predecessor(ids[row.slug], predecessor)
            loaded = await self.repo.get(ids[row.slug])
            if loaded is None:  # inserted above, in this transaction
                continue
            data = track_event_data(loaded, name=loaded.name, source=source, years_active=loaded.years_active)
            await changelog.record(
                self.repo.conn,
                "track.imported",
                actor=actor.subject,
                subject_type="track",
                subject_id=loaded.id,
                data=data,
            )
            report.created += 1
        return report

    async def _check(self, rows: list[tuple[int, dict[str, Any]]]) -> list[tuple[int, TrackImportRow]]:
        if not rows:
            raise TrackImportRejected(
                "the file has no rows", errors=[FieldError("/rows", "the file has no rows")]
            )
        if len(rows) > MAX_ROWS:
            raise TrackImportRejected(
                f"at most {MAX_ROWS} rows", errors=[FieldError("/rows", f"at most {MAX_ROWS}")]
            )
        errors: list[FieldError] = []
        checked: list[tuple[int, TrackImportRow]] = []
        slugs_in_file: dict[str, int] = {}
        predecessors: list[tuple[int, str]] = []
        for line, fields in rows:
            where = f"/rows/{line}"
            row, row_errors = convert_all(fields, TrackImportRow, prefix=where)
            # The rules across fields run on every field that is valid on its own, so a row's every problem shows.
            bad = {e.pointer.removeprefix(where).strip("/").split("/")[0] for e in row_errors}
            valid = _valid_fields(fields, bad)
            row_errors += await self._rules(valid, where, slugs_in_file, line)
            if isinstance(valid.get("predecessor"), str):
                predecessors.append((line, valid["predecessor"]))
            if row is None or row_errors:
                errors += [FieldError(e.pointer, f"line {line}: {_column(e, where)}") for e in row_errors]
                continue
            checked.append((line, row))
        for line, predecessor in predecessors:
            if predecessor not in slugs_in_file and await self.repo.id_of(predecessor) is None:
                errors.append(
                    FieldError(
                        f"/rows/{line}/predecessor",
                        f"line {line}: predecessor: there is no track {predecessor!r}",
                    )
                )
        if errors:
            raise TrackImportRejected(
                f"{len(errors)} problem(s) in the file; nothing was imported",
                errors=errors,
                extra={"rows_checked": len(rows)},
            )
        return checked

    async def _rules(
        self, row: dict[str, Any], where: str, seen: dict[str, int], line: int
    ) -> list[FieldError]:
        """``row``: the fields that are valid on their own (typed), with the defaults of absent ones."""
        errors: list[FieldError] = []
        slug, kind, status = row.get("slug"), row.get("type"), row.get("status")
        years: list[int] = row.get("years_active", [])
        if slug is not None:
            if slug in RESERVED_SLUGS:
                errors.append(FieldError(f"{where}/slug", f"{slug!r} is reserved"))
            if slug in seen:
                errors.append(FieldError(f"{where}/slug", f"{slug!r} is also on line {seen[slug]}"))
            seen.setdefault(slug, line)
            if await self.repo.id_of(slug) is not None:
                errors.append(FieldError(f"{where}/slug", f"a track {slug!r} already exists"))
        if (
            kind is not None
            and "subtype" in row
            and (kind is TrackType.other) != (row["subtype"] is not None)
        ):
            errors.append(
                FieldError(f"{where}/subtype", "a track of type 'other' needs a subtype, and only it")
            )
        if status is TrackStatus.inactive and kind is not None and kind is not TrackType.dynamic_coalition:
            errors.append(FieldError(f"{where}/status", "only a Dynamic Coalition is inactive"))
        if status is not None and status is not TrackStatus.proposed and "years_active" in row and not years:
            errors.append(
                FieldError(f"{where}/years_active", f"a {status.value} track lists its years active")
            )
        if slug is not None and row.get("predecessor") == slug:
            errors.append(FieldError(f"{where}/predecessor", "a track does not continue itself"))
        if any(y > self.now.year for y in years):
            errors.append(FieldError(f"{where}/years_active", "a year active is in the future"))
        try:
            Classification(
                wsis_action_lines=row.get("wsis_action_lines", []),
                sdgs=row.get("sdgs", []),
                gdc_objectives=row.get("gdc_objectives", []),
            )
        except ValueError as exc:
            errors.append(FieldError(f"{where}/wsis_action_lines", str(exc)))
        return errors

    @staticmethod
    def _create(row: TrackImportRow) -> TrackCreate:
        fields = msgspec.structs.asdict(row)
        for key in ("status", "predecessor", "wsis_action_lines", "sdgs", "gdc_objectives"):
            fields.pop(key)
        return TrackCreate(**fields, classification=_classification(row))


def _valid_fields(fields: dict[str, Any], bad: set[str]) -> dict[str, Any]:
    """Each field of the row that converts on its own, typed; an absent optional field takes its default."""
    out: dict[str, Any] = {}
    for info in msgspec.structs.fields(TrackImportRow):
        if info.name in bad:
            continue
        if info.name in fields:
            out[info.name] = msgspec.convert(fields[info.name], info.type)
        elif not info.required:
            out[info.name] = info.default if info.default is not msgspec.NODEFAULT else info.default_factory()
    return out


def _classification(row: TrackImportRow) -> Classification:
    return Classification(
        wsis_action_lines=row.wsis_action_lines, sdgs=row.sdgs, gdc_objectives=row.gdc_objectives
    )


def _first_day(row: TrackImportRow) -> datetime | None:
    if row.status is TrackStatus.proposed or not row.years_active:
        return None
    return datetime(min(row.years_active), 1, 1, tzinfo=UTC)


def _column(error: FieldError, where: str) -> str:
    column = error.pointer.removeprefix(where).strip("/").split("/")[0]
    return f"{column}: {error.detail}" if column else error.detail
