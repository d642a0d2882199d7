"""How often one e-mail address may be sent something it did not ask for by signing in: sign-ups, new
verification links, reset links (``IGF_HUB_PEOPLE_REQUESTS_PER_ADDRESS`` per ``IGF_HUB_PEOPLE_REQUESTS_WINDOW``).

Counted per address, whether or not it has an account (so the count reveals nothing), in Valkey: SET NX EX and
INCR in one MULTI, as the sign-in throttle does (auth/throttle.py)."""

from __future__ import annotations

import hashlib

from arq.connections import ArqRedis

from igf_hub.core.settings import Settings
from igf_hub.people.errors import TooManyRequestsForAddress

PREFIX = "igf:people:address"


async def count_request(redis: ArqRedis, settings: Settings, email: str) -> None:
    """Count one request for ``email``; TooManyRequestsForAddress (with Retry-After) past the limit."""
    key = f"{PREFIX}:{hashlib.sha256(email.strip().casefold().encode()).hexdigest()[:32]}"
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(key, 0, ex=settings.people.requests_window, nx=True)
        pipe.incr(key)
        pipe.ttl(key)
        _, count, ttl = await pipe.execute()
    if count > settings.people.requests_per_address:
        wait = max(int(ttl), 1)
        raise TooManyRequestsForAddress(
            f"Too many requests for this e-mail address. Try again in {-(-wait // 60)} minutes.",
            headers={"Retry-After": str(wait)},
        )
