"""The app as httpx's in-process transport takes it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, cast

from litestar import Litestar

_Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [_Message, Callable[[], Awaitable[_Message]], Callable[[_Message], Awaitable[None]]], Awaitable[None]
]


def asgi(app: Litestar) -> ASGIApp:
    """For ``httpx.ASGITransport(app=asgi(app))``: httpx types an ASGI app's scope and messages as plain
    mappings, Litestar as TypedDicts. The same protocol at run time, which mypy cannot match: one cast."""
    return cast(ASGIApp, app)
