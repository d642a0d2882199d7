"""Delivery policy: what counts as success, when to try again, when an endpoint is failing or given up on.

Pure functions of the injected clock's ``now``, so tests move time instead of sleeping.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

FAILING_THRESHOLD = 4  # consecutive failed attempts: notice + event, then one probe per backoff step
AUTO_DISABLE_AFTER = timedelta(days=5)  # of continuous failure
PING_SCHEDULE = (0, 5, 30)  # a ping is retried briefly; it can be re-sent through the API
JITTER = 0.2  # ±20 % on every retry delay
RETRY_AFTER_CAP = timedelta(hours=24)
EXCERPT_BYTES = 1024  # of each response body kept with its attempt


def is_success(status: int | None) -> bool:
    return status is not None and 200 <= status < 300


def jittered(seconds: float, rng: random.Random) -> timedelta:
    return timedelta(seconds=seconds * (1 + rng.uniform(-JITTER, JITTER)))


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """``Retry-After`` as seconds or an HTTP date, capped; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    delay: timedelta | None
    if value.isdigit():
        delay = timedelta(seconds=int(value))
    else:
        try:
            delay = parsedate_to_datetime(value) - now
        except (TypeError, ValueError):
            return None
    return min(max(delay, timedelta(seconds=1)), RETRY_AFTER_CAP)


def next_due(
    schedule: list[int] | tuple[int, ...],
    attempts_made: int,
    now: datetime,
    rng: random.Random,
    retry_after_delay: timedelta | None = None,
) -> datetime | None:
    """When to try again after ``attempts_made`` attempts, or None when the schedule is exhausted (dead)."""
    if attempts_made >= len(schedule):
        return None
    if retry_after_delay is not None:
        return now + retry_after_delay
    return now + jittered(schedule[attempts_made], rng)


def endpoint_backoff(schedule: list[int], failures: int, now: datetime, rng: random.Random) -> datetime:
    """The next probe of a failing endpoint: the schedule's step for its failure count (the last step repeats)."""
    return now + jittered(schedule[min(failures, len(schedule) - 1)], rng)
