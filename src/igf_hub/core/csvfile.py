"""CSV files people open in spreadsheets: one way to write them and one way to read them back.

Every CSV the service sends goes through here, so each one is RFC 4180 (CRLF, quotes doubled), starts with a
UTF-8 byte order mark (Excel on Windows reads BOM-less UTF-8 as the local code page and garbles Arabic or
Chinese names; ``?bom=0`` leaves it out for tools that choke on it), has human column headers, and escapes
formula cells the same way. A cell a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is written with a leading apostrophe, which spreadsheets show as text; a
cell that is a plain number (``-12.50``) is left alone, so amounts stay numbers. A cell that itself starts with
an apostrophe gets a second one, so :func:`unescape` (used by every importer) gives back exactly what was
written: an exported file re-imports to the same values. The one exception to "goes through here" is the
public ledger's rows, which PostgreSQL writes by the same rules for speed (funding/public_repository.py,
CSV_PAGE; its bytes are pinned by tests/funding/test_export_bytes.py).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import msgspec

BOM = "\ufeff"
MEDIA_TYPE = "text/csv; charset=utf-8"  # as documented (a route's media_type)
# What a Response carries: Litestar appends "; charset=utf-8" to every text/* type itself, so giving it the
# charset too sends it twice.
BODY_MEDIA_TYPE = "text/csv"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def escape(text: str) -> str:
    """The cell as a spreadsheet may safely show it (see the module docstring)."""
    if text[:1] in FORMULA_START and not _PLAIN_NUMBER.fullmatch(text):
        return f"'{text}"
    if text[:1] == "'":
        return f"'{text}"
    return text


def unescape(text: str) -> str:
    """What :func:`escape` was given: drops the one apostrophe it adds."""
    if text[:1] == "'" and (text[1:2] in FORMULA_START or text[1:2] == "'"):
        return text[1:]
    return text


def amount(value: Decimal, places: int) -> str:
    """An amount with exactly its currency's minor units (2 for most, 0 for JPY, 3 for KWD)."""
    return format(value.quantize(Decimal(1).scaleb(-places)), "f")


def cell(value: Any) -> str:
    """The text of one value: empty for None, true/false, RFC 3339 dates and times, decimals as written, lists joined
    by ``;``; escaped."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, datetime | date):
        text = msgspec.to_builtins(value)  # as the JSON writes it (UTC as Z)
    elif isinstance(value, Decimal):
        text = format(value, "f")
    elif isinstance(value, list | tuple):
        text = ";".join(cell(v) for v in value)
    elif isinstance(value, str):
        text = value
    else:
        text = str(msgspec.to_builtins(value))
    return escape(text)


class Writer:
    """Rows of already-formatted values as CSV text, a batch at a time (for streaming) or all at once."""

    def __init__(self, headers: Sequence[str], *, bom: bool = True) -> None:
        self.headers = list(headers)
        self.bom = bom
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")

    def _take(self) -> str:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text

    def head(self) -> str:
        self._writer.writerow([escape(h) for h in self.headers])
        return (BOM if self.bom else "") + self._take()

    def rows(self, rows: Iterable[Iterable[Any]]) -> str:
        self._writer.writerows([cell(v) for v in row] for row in rows)
        return self._take()


def write(headers: Sequence[str], rows: Iterable[Iterable[Any]], *, bom: bool = True) -> str:
    writer = Writer(headers, bom=bom)
    return writer.head() + writer.rows(rows)


class Table(msgspec.Struct, frozen=True):
    """A parsed CSV file: its header cells and each row's cells by line number, unescaped and stripped. A row
    whose number of cells differs from the header is ``None``."""

    header: list[str]
    rows: list[tuple[int, list[str] | None]]

    def records(self, keys: Sequence[str] | None = None) -> list[tuple[int, dict[str, str] | None]]:
        """Each row as a dict keyed by ``keys`` (default: the header cells), in file order."""
        names = list(keys if keys is not None else self.header)
        return [
            (line, dict(zip(names, cells, strict=True)) if cells is not None else None)
            for line, cells in self.rows
        ]


def read(text: str) -> Table:
    """Parse CSV text as this module writes it (a BOM is optional). Raises ``csv.Error`` on broken quoting."""
    reader = csv.reader(io.StringIO(text.removeprefix(BOM), newline=""))
    header: list[str] | None = None
    rows: list[tuple[int, list[str] | None]] = []
    for cells in reader:
        if header is None:
            header = [unescape(c.strip()) for c in cells]
            continue
        if not any(c.strip() for c in cells):
            continue  # blank lines (a trailing newline in an edited file) are not rows
        if len(cells) != len(header):
            rows.append((reader.line_num, None))
            continue
        rows.append((reader.line_num, [unescape(c.strip()) for c in cells]))
    return Table(header=header or [], rows=rows)


def rename(row: Mapping[str, str], columns: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    """A row's cells keyed by field name, accepting either the human header or the field name itself.
    ``columns`` maps field name -> human header; unknown headers are skipped (report them from the header)."""
    by_header = {h.casefold(): f for f, h in columns.items()} | {f.casefold(): f for f in columns}
    for header, value in row.items():
        field = by_header.get(header.casefold())
        if field is not None:
            yield field, value


def field_of(header: str, columns: Mapping[str, str]) -> str | None:
    """The field a header cell names (its human header or the field name), or None."""
    folded = header.casefold()
    for field, human in columns.items():
        if folded in (field.casefold(), human.casefold()):
            return field
    return None
