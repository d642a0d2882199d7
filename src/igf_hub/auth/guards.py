"""Route guards usable by every domain. Object-level checks ("coordinator of *this* NRI") stay in services.

Guards are ``async def`` although they await nothing: Litestar runs a sync guard in a worker thread, a thread
hop per guarded request (measured: about 0.15 ms of CPU each)."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from igf_hub.auth.principal import Principal, Role
from igf_hub.core.errors import Forbidden, Unauthorized

WWW_AUTHENTICATE = {"WWW-Authenticate": 'Bearer realm="igf-hub"'}


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    user: Principal = connection.scope["user"]
    return user


def _authenticated(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    principal = principal_of(connection)
    if not principal.is_authenticated:
        raise Unauthorized("sign in to use this endpoint", headers=WWW_AUTHENTICATE)
    return principal


async def requires_authenticated(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    _authenticated(connection)


def requires_role(*roles: Role) -> Guard:
    """The caller must hold at least one of ``roles`` (the object check happens in the service)."""
    names = ", ".join(r.value for r in roles)

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if not _authenticated(connection).has_role(*roles):
            raise Forbidden(
                f"this endpoint requires the role: {names}", extra={"required_roles": list(roles)}
            )

    guard.__name__ = f"requires_role({names})"
    return guard


requires_secretariat = requires_role(Role.secretariat)
