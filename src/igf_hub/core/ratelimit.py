"""Fixed-window rate limits in Valkey/Redis, as route guards: ``guards=[rate_limit("comments", 20, 3600)]``.

The key is the caller's subject when signed in, otherwise the client address, so one noisy anonymous
address cannot spend a signed-in user's allowance and vice versa. The limits are sized for the public; the
Secretariat's bulk work (loading 31 Dynamic Coalitions one call at a time) gets its own, larger allowance
(``IGF_HUB_SECRETARIAT_RATE_LIMIT`` per window), so a runaway script still stops but real work does not.
"""

from __future__ import annotations

import hashlib
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from igf_hub.core.errors import TooManyRequests


class RateLimited(TooManyRequests):
    slug, title = "rate-limited", "Too many requests; slow down"


def _caller(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    user = connection.scope.get("user")
    if user is not None and getattr(user, "is_authenticated", False):
        return str(user.subject)
    return f"ip:{connection.client.host if connection.client else 'unknown'}"


def _is_secretariat(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    # Duck-typed: core imports no auth module; the principal answers has_role("secretariat").
    has_role = getattr(connection.scope.get("user"), "has_role", None)
    return bool(callable(has_role) and has_role("secretariat"))


def rate_limit(name: str, limit: int, window_seconds: int) -> Guard:
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        settings = connection.app.state.settings
        if not getattr(settings, "rate_limits", True):
            return  # switched off (IGF_HUB_RATE_LIMITS=false), e.g. to benchmark the write path itself
        allowed = limit
        if _is_secretariat(connection):
            allowed = max(limit, getattr(settings, "secretariat_rate_limit", limit))
        redis = connection.app.state.queue
        caller = hashlib.sha256(_caller(connection).encode()).hexdigest()[:32]
        key = f"igf:rate:{name}:{caller}"
        # The window opens at the caller's first request (SET NX with expiry), so there is no clock-aligned
        # boundary at which a burst straddling it would be allowed twice the limit.
        async with redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=window_seconds, nx=True)
            pipe.incr(key)
            pipe.ttl(key)
            _, count, ttl = await pipe.execute()
        if count > allowed:
            retry_after = max(int(ttl), 1)
            raise RateLimited(
                f"at most {allowed} requests per {window_seconds} s for {name}; retry in {retry_after} s",
                headers={"Retry-After": str(retry_after)},
            )

    guard.__name__ = f"rate_limit({name})"
    return guard
