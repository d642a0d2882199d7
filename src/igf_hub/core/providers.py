"""The request dependencies: the app's ``settings`` and ``clock``, and the ones that build a domain service, in
one shape for every domain.

Every service is constructed as ``Service(conn, clock, settings)``. ``reader(Service)`` builds it on the pooled
connection without BEGIN (``db``, for handlers that only read); ``writer(Service)`` builds it inside the request
transaction (``tx``, core/db.py), which a handler that may write must reach (tests/architecture checks it).
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

import asyncpg
from litestar import Request
from litestar.di import Provide

from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings

S_co = TypeVar("S_co", covariant=True)
S = TypeVar("S")
# A service provider's inputs (``db``/``tx``, ``clock``, ``settings``) are what our own providers made. Typed as
# Any so Litestar does not check each one against its class again on every request (a hook call per value).
Provided = Any


def provide_settings(request: Request[Any, Any, Any]) -> Settings:
    """The ``settings`` dependency: the one Settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


def provide_clock(request: Request[Any, Any, Any]) -> Clock:
    """The ``clock`` dependency: the app's clock (tests move it instead of sleeping)."""
    clock: Clock = request.app.state.clock
    return clock


class ServiceClass(Protocol[S_co]):
    """A service's constructor: the connection it works on, the injected clock and the settings."""

    __name__: str

    def __call__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings, /) -> S_co: ...


def reader(service: ServiceClass[S]) -> Provide:
    """The dependency that builds ``service`` on the ``db`` connection (reads only)."""

    def provide(db: Provided, clock: Provided, settings: Provided) -> S:
        return service(db, clock, settings)

    provide.__name__ = provide.__qualname__ = f"read_{service.__name__}"
    return Provide(provide, sync_to_thread=False)


def writer(service: ServiceClass[S]) -> Provide:
    """The dependency that builds ``service`` inside the request transaction (``tx``): committed before the
    response, rolled back on any error."""

    def provide(tx: Provided, clock: Provided, settings: Provided) -> S:
        return service(tx, clock, settings)

    provide.__name__ = provide.__qualname__ = f"write_{service.__name__}"
    return Provide(provide, sync_to_thread=False)
