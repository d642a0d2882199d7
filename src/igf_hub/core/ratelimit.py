"""Fixed-window rate limits in Valkey/Redis, as route guards: ``guards=[rate_limit("comments", 20, 3600)]``.

The key is the caller's subject when signed in, otherwise the client address, so one noisy anonymous
address cannot spend a signed-in user's allowance and vice versa.
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


def rate_limit(name: str, limit: int, window_seconds: int) -> Guard:
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if not getattr(connection.app.state.settings, "rate_limits", True):
            return  # switched off (IGF_HUB_RATE_LIMITS=false), e.g. to benchmark the write path itself
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
        if count > limit:
            retry_after = max(int(ttl), 1)
            raise RateLimited(
                f"at most {limit} requests per {window_seconds} s for {name}; retry in {retry_after} s",
                headers={"Retry-After": str(retry_after)},
            )

    guard.__name__ = f"rate_limit({name})"
    return guard
