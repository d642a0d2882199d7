"""Bulk import of session reports from CSV (the Secretariat's spreadsheets) or JSON; every row's every
problem is reported, and nothing is written unless all rows are valid.

CSV columns (header row required; order free): ``year, session_ref, session_title, session_type, organisers,
key_takeaways, calls_to_action, wsis_action_lines, sdgs, gdc_objectives, language``. List cells hold one item
per line (a quoted cell with line breaks); a one-line cell may separate items with ``|`` (organisers also with
``;``). Code cells (action lines, SDGs, GDC objectives) separate codes with commas, semicolons or spaces.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import msgspec

from igf_hub.core.errors import DomainError, FieldError, convert_all, plain_detail
from igf_hub.messages.report_schemas import SessionReportCreate, SessionReportImport

REQUIRED = ("year", "session_ref", "session_title", "session_type", "organisers", "key_takeaways")
KNOWN = (*REQUIRED, "calls_to_action", "wsis_action_lines", "sdgs", "gdc_objectives", "language")
_AT = re.compile(r" - at `\$(?P<path>[^`]*)`")
_UNKNOWN = re.compile(r"unknown field `([^`]+)`")


class MalformedImport(DomainError):
    status, slug, title = 400, "malformed-body", "The import could not be read"


def _pointer(prefix: str, message: str) -> tuple[str, str]:
    match = _AT.search(message)
    path = match.group("path") if match else ""
    parts = re.findall(r"\.([^.\[]+)|\[(\d+)\]", path)
    pointer = prefix + "".join(f"/{name or index}" for name, index in parts)
    unknown = _UNKNOWN.search(message)
    return (f"{pointer}/{unknown.group(1)}" if unknown else pointer), plain_detail(message)


def _items(cell: str, *, semicolons: bool = False) -> list[str]:
    cell = cell.strip()
    if not cell:
        return []
    parts = cell.splitlines() if "\n" in cell else re.split(r"[|;]" if semicolons else r"\|", cell)
    return [p.strip() for p in parts if p.strip()]


def _codes(cell: str) -> list[str]:
    return [c for c in re.split(r"[,;\s]+", cell.strip()) if c]


def _row_dict(row: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "year": row.get("year", "").strip(),
        "session_ref": row.get("session_ref", "").strip() or None,
        "session_title": row.get("session_title", "").strip(),
        "session_type": row.get("session_type", "").strip(),
        "organisers": _items(row.get("organisers", ""), semicolons=True),
        "key_takeaways": _items(row.get("key_takeaways", "")),
        "calls_to_action": _items(row.get("calls_to_action", "")),
        "classification": {
            "wsis_action_lines": _codes(row.get("wsis_action_lines", "")),
            "sdgs": _codes(row.get("sdgs", "")),
            "gdc_objectives": _codes(row.get("gdc_objectives", "")),
        },
    }
    if (row.get("language") or "").strip():
        out["language"] = row["language"].strip()
    return out


def parse_csv(raw: bytes) -> tuple[list[SessionReportCreate], list[FieldError]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [FieldError("", f"the file is not UTF-8: {exc}")]
    try:
        return _parse_rows(text)
    except csv.Error as exc:
        raise MalformedImport(f"the CSV cannot be read: {exc}") from None


def _parse_rows(text: str) -> tuple[list[SessionReportCreate], list[FieldError]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    errors = [FieldError("/columns", f"missing column {c!r}") for c in REQUIRED if c not in header]
    errors += [
        FieldError("/columns", f"unknown column {c!r}; known: {', '.join(KNOWN)}")
        for c in header
        if c not in KNOWN
    ]
    if errors:
        return [], errors
    reports: list[SessionReportCreate] = []
    for i, row in enumerate(reader):
        # Every problem of the row, not only the first: the file is fixed in one pass.
        report, row_errors = convert_all(
            _row_dict(row), SessionReportCreate, prefix=f"/reports/{i}", strict=False
        )
        if report is not None:
            reports.append(report)
        errors += [FieldError(e.pointer, f"line {reader.line_num}: {e.detail}") for e in row_errors]
    if not reports and not errors:
        errors.append(FieldError("/reports", "the file has no rows"))
    return reports, errors


def parse_json(raw: bytes) -> tuple[list[SessionReportCreate], list[FieldError]]:
    try:
        return msgspec.json.decode(raw, type=SessionReportImport).reports, []
    except msgspec.ValidationError as exc:
        return [], [FieldError(*_pointer("", str(exc)))]
    except msgspec.DecodeError as exc:
        raise MalformedImport(f"the JSON cannot be read: {exc}") from None


def batch_errors(reports: list[SessionReportCreate]) -> list[FieldError]:
    """Rules across rows: each report carries its programme reference, once."""
    errors = []
    seen: dict[tuple[int, str], int] = {}
    for i, report in enumerate(reports):
        if report.session_ref is None:
            errors.append(
                FieldError(f"/reports/{i}/session_ref", "imports need session_ref (e.g. 'WS #123')")
            )
            continue
        key = (report.year, report.session_ref)
        if key in seen:
            errors.append(
                FieldError(
                    f"/reports/{i}/session_ref",
                    f"{report.session_ref} ({report.year}) repeats report {seen[key]}",
                )
            )
        seen.setdefault(key, i)
    return errors
