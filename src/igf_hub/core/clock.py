"""The one seam for "now": services take a Clock, so windows and deadlines are testable without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """Wall-clock time in UTC, optionally shifted (tests move time forward instead of sleeping)."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta

    def timestamp(self) -> int:
        return int(self.now().timestamp())
