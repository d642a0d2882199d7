"""The query and path parameters every list shares, declared once: a value out of bounds is a 400 naming the
parameter, not an integer overflow in SQL or an unbounded string (found by tests/hardening/test_fuzz.py).

Optional filters put ``None`` inside ``Annotated``: Litestar enforces the bounds only in that form (it
documents them either way)."""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter

MAX_LIMIT = 100
DEFAULT_LIMIT = 50
# A cursor is base64 of its sort key: the longest a list issues keys on a 500-character text in 4-byte UTF-8
# (about 2,800 characters); anything longer was not issued here.
MAX_CURSOR_LENGTH = 4096

Limit = Annotated[int, Parameter(ge=1, le=MAX_LIMIT, description="page size")]
Cursor = Annotated[
    str | None, Parameter(max_length=MAX_CURSOR_LENGTH, description="next_cursor of the previous page")
]
# An IGF year: the first IGF met in 2006 (core.schemas.Year is the same bound in bodies).
Year = Annotated[int, Parameter(ge=2006, le=2100, description="the IGF year")]
YearFilter = Annotated[int | None, Parameter(ge=2006, le=2100, description="the IGF year")]

# A small sub-collection answered whole rather than paged (a Message's history and ballots, an NRI's
# submissions, a report's revisions) holds at most its latest LATEST_SHOWN items, oldest of them first. Read at
# call time (``params.LATEST_SHOWN``), so a test may lower it.
LATEST_SHOWN = 200
