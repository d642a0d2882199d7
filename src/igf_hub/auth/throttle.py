"""Sign-in throttling in Valkey: per (e-mail, client address) and per account whatever the address.

Each attempt is counted *before* its password is checked, in one atomic step (SET NX EX + INCR in a MULTI), so
parallel attempts cannot all pass a check made before any of them was counted: with a limit of 5, 40 parallel
wrong passwords get exactly 5 password checks. A right password clears both counts. Past the per-account limit
the account is locked out until the window ends or the Secretariat lifts it (``DELETE
/v1/users/{id}/sign-in-lockout``). The client address is the socket's peer, or the X-Forwarded-For client when
the peer is a configured proxy (``IGF_HUB_TRUSTED_PROXIES``; core/proxies.py).
"""

from __future__ import annotations

import hashlib

import structlog
from arq.connections import ArqRedis

from igf_hub.auth.errors import AccountLockedOut, TooManySignInFailures
from igf_hub.core.settings import Settings

log = structlog.get_logger("igf_hub.auth.throttle")

PREFIX = "igf:signin"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def account_key(email: str) -> str:
    return f"{PREFIX}:account:{_digest(email.strip().lower())}"


def _pair_prefix(email: str) -> str:
    return f"{PREFIX}:pair:{_digest(email.strip().lower())}"


class SignInThrottle:
    def __init__(self, redis: ArqRedis, settings: Settings, email: str, address: str) -> None:
        self.redis = redis
        self.auth = settings.auth
        self.account = account_key(email)
        self.pair = f"{_pair_prefix(email)}:{_digest(address)}"

    async def attempt(self) -> None:
        """Count this attempt; TooManySignInFailures or AccountLockedOut (with Retry-After) past a limit."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self.pair, 0, ex=self.auth.signin_window, nx=True)
            pipe.incr(self.pair)
            pipe.ttl(self.pair)
            pipe.set(self.account, 0, ex=self.auth.signin_account_window, nx=True)
            pipe.incr(self.account)
            pipe.ttl(self.account)
            _, pair_count, pair_ttl, _, account_count, account_ttl = await pipe.execute()
        if account_count > self.auth.signin_account_max_failures:
            wait = max(int(account_ttl), 1)
            locked = AccountLockedOut(
                f"This account is locked after {self.auth.signin_account_max_failures} failed sign-ins. Try "
                f"again in {_minutes(wait)}, or ask the IGF Secretariat to unlock it.",
                headers={"Retry-After": str(wait)},
            )
            locked.newly_locked = account_count == self.auth.signin_account_max_failures + 1
            if locked.newly_locked:
                log.warning("auth.sign_in_locked_out", account=self.account, seconds=wait)
            raise locked
        if pair_count > self.auth.signin_max_failures:
            wait = max(int(pair_ttl), 1)
            raise TooManySignInFailures(
                f"Too many failed sign-ins ({self.auth.signin_max_failures}). Try again in {_minutes(wait)}.",
                headers={"Retry-After": str(wait)},
            )

    async def succeeded(self) -> None:
        """The password was right: the failures before it no longer count."""
        await self.redis.delete(self.pair, self.account)


def second_factor_throttle(redis: ArqRedis, settings: Settings, email: str, address: str) -> SignInThrottle:
    """The second step's own counts, with the same limits: a right password does not clear them, so knowing the
    password gives no fresh guesses at the code."""
    return SignInThrottle(redis, settings, f"second-factor:{email}", address)


async def lift_lockout(redis: ArqRedis, settings: Settings, email: str) -> bool:
    """Clear an account's counts, from every address; whether it was locked out."""
    count = int(await redis.get(account_key(email)) or 0)
    second = f"second-factor:{email}"
    pairs = [key async for key in redis.scan_iter(match=f"{_pair_prefix(email)}:*", count=1000)]
    pairs += [key async for key in redis.scan_iter(match=f"{_pair_prefix(second)}:*", count=1000)]
    await redis.delete(account_key(email), account_key(second), *pairs)
    return count > settings.auth.signin_account_max_failures


def _minutes(seconds: int) -> str:
    minutes = -(-seconds // 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
