"""Keyset pagination: an opaque cursor (base64url of msgpack ``(sort_key, id)``) and the ``Page`` envelope.

SQL shape: ``WHERE (sort_key, id) > ($1, $2) ORDER BY sort_key, id LIMIT $3 + 1`` on a matching index.
"""

from __future__ import annotations

import base64
import binascii
import inspect
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any, Generic, TypeVar, get_args, get_origin
from urllib.parse import urlencode

import msgspec
from litestar import Request

from igf_hub.core.errors import DomainError, FieldError

T = TypeVar("T")
K = TypeVar("K", bound=tuple[Any, ...])
R = TypeVar("R")


class Page(msgspec.Struct, Generic[T], kw_only=True):
    """Declare a concrete subclass per domain (``class NriPage(Page[NriSummary])``) for a clean OpenAPI name."""

    items: list[T]
    next_cursor: str | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Bind the item type for the OpenAPI generator: Litestar does not resolve ``T`` through a
        # non-generic subclass and would document ``items`` as bare objects.
        super().__init_subclass__(**kwargs)
        for base in cls.__dict__.get("__orig_bases__", ()):
            if get_origin(base) is Page:
                (item,) = get_args(base)
                cls.__annotations__ = {**inspect.get_annotations(cls), "items": list[item]}  # type: ignore[valid-type]


class InvalidCursor(DomainError):
    status, slug, title = 400, "invalid-cursor", "The cursor is not valid"


def encode_cursor(*key: Any) -> str:
    return base64.urlsafe_b64encode(msgspec.msgpack.encode(list(key))).decode().rstrip("=")


def decode_cursor(cursor: str, types: type[Any]) -> Any:
    """Decode a cursor into ``types`` (e.g. ``tuple[datetime, UUID]``); a forged or stale one is a 400."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return msgspec.msgpack.decode(raw, type=types)
    except (binascii.Error, ValueError, msgspec.DecodeError, msgspec.ValidationError):
        raise InvalidCursor(errors=[FieldError("/cursor", "not a cursor this list issued")]) from None


def split_page(rows: Sequence[T], limit: int) -> tuple[list[T], bool]:
    """Queries fetch ``limit + 1`` rows: the extra one only says whether there is a next page."""
    return list(rows[:limit]), len(rows) > limit


class Keyset(Generic[K]):
    """One page of a keyset list, every list's three steps in one place::

    keyset = Keyset(cursor, tuple[str, UUID], limit)  # the cursor decoded (400 when forged)
    rows = await repo.list(..., after=keyset.after, limit=keyset.fetch)
    items, next_cursor = keyset.cut(rows, lambda row: (row.name, row.id))
    """

    def __init__(self, cursor: str | None, key: type[K], limit: int) -> None:
        self.after: K | None = decode_cursor(cursor, key) if cursor else None
        self.limit = limit
        self.fetch = limit + 1  # the extra row only says whether there is a next page

    def first(self, default: Any) -> Any:
        """The cursor's one column, for a list keyed on a single column (``default`` on the first page)."""
        return self.after[0] if self.after is not None else default

    def cut(self, rows: Sequence[R], key: Callable[[R], tuple[Any, ...]]) -> tuple[list[R], str | None]:
        """The page's rows and the cursor of the next page (None on the last), keyed on the last row."""
        items, more = split_page(rows, self.limit)
        return items, encode_cursor(*key(items[-1])) if more else None


# -- the next page as a Link header (RFC 8288), for clients that follow links instead of reading the body ------

# Litestar's after_request hook sees the response but not the request; the app-level before_request hook
# records it here (the same task runs both, so concurrent requests never see each other's).
_request: ContextVar[Request[Any, Any, Any] | None] = ContextVar("igf_hub_request", default=None)


async def remember_request(request: Request[Any, Any, Any]) -> None:
    """before_request hook (returns nothing, so the handler runs). Hooks must be async: Litestar runs a sync
    hook in a worker thread, whose context is not the request's."""
    _request.set(request)


async def link_next_page(response: Any) -> Any:
    """after_request hook: a page with a next cursor gets ``Link: <same URL, that cursor>; rel="next"``."""
    request = _request.get()
    content = getattr(response, "content", None)
    if request is None or not isinstance(content, Page) or not content.next_cursor:
        return response
    if "link" not in {name.lower() for name in response.headers}:
        response.headers["Link"] = next_link(request, content.next_cursor)
    return response


def next_link(request: Request[Any, Any, Any], cursor: str, parameter: str = "cursor") -> str:
    """``<same URL, this cursor>; rel="next"`` (a list whose cursor parameter has another name passes it)."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != parameter]
    query.append((parameter, cursor))
    return f'<{request.url.path}?{urlencode(query)}>; rel="next"'
