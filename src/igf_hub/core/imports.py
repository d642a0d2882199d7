"""Bulk imports and archive loads: the one way a domain reads its file and refuses it whole.

Each domain keeps its own problem type (slug, title, status) and its own rows and rules; what is shared lives
here: reading a CSV-or-JSON body by its content type, refusing a file that cannot be read at all, naming a
ragged CSV row, and the all-or-nothing savepoint around a whole file (rolled back on any problem or on a dry
run). ``rejected`` is the domain's problem class; it is raised with a plain sentence and its field errors.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from types import TracebackType
from typing import Any

import asyncpg
import msgspec
from litestar import Request
from litestar.params import Parameter

from igf_hub.core import csvfile
from igf_hub.core.errors import DomainError, FieldError

CSV_TYPES = ("text/csv", "application/csv", "text/plain")
JSON_TYPE = "application/json"

Rejected = Callable[..., DomainError]


def media_type(request: Request[Any, Any, Any]) -> str:
    """The request's media type without its parameters, lower case ("" when none was sent)."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_body(
    request: Request[Any, Any, Any],
    rejected: Rejected,
    *,
    not_utf8: str = "the file is not UTF-8",
    unsupported: Callable[[str], DomainError] | None = None,
) -> str | bytes:
    """A CSV body as text (``str``) or a JSON body as it came (``bytes``). A CSV body that is not UTF-8 is
    refused by ``rejected`` (with ``not_utf8`` as its field error); another media type by ``unsupported``
    (given the sentence), or by ``rejected`` when the domain has no separate type for it."""
    kind = media_type(request)
    body = await request.body()
    if kind in CSV_TYPES:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            raise rejected("the file is not UTF-8", errors=[FieldError("", not_utf8)]) from None
    if kind == JSON_TYPE:
        return body
    sentence = f"send text/csv or application/json, not {kind or 'nothing'}"
    if unsupported is not None:
        raise unsupported(sentence)
    raise rejected(sentence, errors=[FieldError("", "send text/csv or application/json")])


def decode_json(body: bytes, rejected: Rejected) -> Any:
    """The JSON document, or ``rejected`` naming why it cannot be read."""
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise rejected(f"the JSON cannot be read: {exc}", errors=[FieldError("", str(exc))]) from None


def read_csv(text: str, rejected: Rejected) -> csvfile.Table:
    """The CSV table, or ``rejected`` naming why it cannot be read (broken quoting)."""
    try:
        return csvfile.read(text)
    except csv.Error as exc:
        raise rejected(f"not a readable CSV file: {exc}", errors=[FieldError("", str(exc))]) from None


def ragged_row(line: int, *, word: str = "line") -> FieldError:
    """A CSV row whose number of cells differs from the header's."""
    return FieldError(f"/rows/{line}", f"{word} {line}: the number of cells does not match the header")


class AllOrNothing:
    """A savepoint around a whole file: every row is tried inside it, and it is kept only if ``keep`` was set
    (no problem and not a dry run); an exception rolls it back too.

    ``async with AllOrNothing(conn) as whole: ...; whole.keep = not errors and not dry_run``
    """

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._transaction = conn.transaction()
        self.keep = False

    async def __aenter__(self) -> AllOrNothing:
        await self._transaction.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None and self.keep:
            await self._transaction.commit()
        else:
            await self._transaction.rollback()


def source_parameter(kept_on: str) -> Any:
    """The ``source`` query parameter of an import or archive load: where the records come from, kept on each
    new record as its import mark (with who loaded it and when)."""
    return Parameter(
        min_length=1, max_length=300, description=f"where the records come from (kept on each {kept_on})"
    )
