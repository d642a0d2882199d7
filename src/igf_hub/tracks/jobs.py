"""arq jobs of the tracks domain: the daily Dynamic Coalition standing scan."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import structlog

from igf_hub.auth.principal import Grant, Principal, PrincipalKind, Role
from igf_hub.core.clock import Clock
from igf_hub.core.cron import cron
from igf_hub.tracks import standing
from igf_hub.tracks.notices import announce_calls
from igf_hub.tracks.repository import TrackRepository
from igf_hub.tracks.service import TrackService

log = structlog.get_logger("igf_hub.tracks.jobs")

# What the audit log records as the actor of the scan's transitions.
STANDING_SCAN = Principal(
    kind=PrincipalKind.client,
    subject="system:tracks.dc_standing_scan",
    grants=(Grant(role=Role.secretariat),),
)


async def scan_dc_standing(ctx: dict[str, Any]) -> int:
    """Move every active Dynamic Coalition that missed its annual report or output to ``inactive``, with the
    reason, an audit row and a ``track.inactive`` event. Idempotent: an inactive DC is not scanned again."""
    clock: Clock = ctx["clock"]
    now = clock.now()
    year = standing.reporting_year(now)
    async with ctx["pool"].acquire() as conn:
        candidates = await TrackRepository(conn).dcs_missing_report(
            recognised_before=datetime(year, 1, 1, tzinfo=UTC), year=year
        )
    moved = 0
    for track_id in candidates:
        # One transaction per coalition: each is re-checked under its row lock, and one failure stops no other.
        async with ctx["pool"].acquire() as conn, conn.transaction():
            moved += await TrackService(conn, clock, ctx["settings"]).deactivate_if_report_missing(
                track_id, actor=STANDING_SCAN
            )
    log.info("tracks.dc_standing_scanned", reporting_year=year, candidates=len(candidates), deactivated=moved)
    return moved


async def announce_call_windows(ctx: dict[str, Any]) -> int:
    """Calls for input that opened, or close within 48 hours: their participants and followers hear of it
    (tracks/notices.py; keyed, so running again or late says nothing twice)."""
    clock: Clock = ctx["clock"]
    async with ctx["pool"].acquire() as conn, conn.transaction():
        sent = await announce_calls(conn, clock.now())
    if sent:
        log.info("tracks.call_notices", count=sent)
    return sent


FUNCTIONS: list[Any] = [scan_dc_standing, announce_call_windows]
CRON_JOBS: list[Any] = [
    cron(scan_dc_standing, hour={3}, minute={17}, unique=True),
    cron(announce_call_windows, second={40}, unique=True),
]
