"""Delivery policy: what counts as success, when to try again, when an endpoint is failing or given up on.

Pure functions of the injected clock's ``now``, so tests move time instead of sleeping.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

# Consecutive failed attempts (no 2xx between them) after which the endpoint counts as down: a notice and an
# event, then one probe per backoff step and nothing else. Three: a lone delivery reaches it at its third
# attempt (about 35 s), so a short outage is paced by the endpoint's backoff, not by that delivery's schedule.
FAILING_THRESHOLD = 3
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


MIN_PROBE_STEP = 5  # seconds, when the schedule has no positive step


def probe_step(schedule: list[int] | tuple[int, ...], failing_for: timedelta) -> int:
    """Seconds to the next probe of an endpoint failing for ``failing_for``: the longest step of its schedule
    that is no longer than the outage so far (at least its shortest positive step). The wait grows with the
    outage, never with how many deliveries were in flight, and after a short outage it stays short: a
    consumer back after T seconds is probed again within about min(T, step) (+20 % jitter)."""
    steps = sorted({s for s in schedule if s > 0}) or [MIN_PROBE_STEP]
    elapsed = failing_for.total_seconds()
    return max([s for s in steps if s <= elapsed], default=steps[0])


def endpoint_backoff(
    schedule: list[int], failing_for: timedelta, now: datetime, rng: random.Random
) -> datetime:
    """When a failing endpoint is probed next (jittered ``probe_step``)."""
    return now + jittered(probe_step(schedule, failing_for), rng)
