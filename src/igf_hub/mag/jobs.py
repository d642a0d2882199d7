"""MAG scheduled work: mark appointments whose last day has passed as ended (their grants expire by date)."""

from __future__ import annotations

from typing import Any

from igf_hub.core.cron import cron
from igf_hub.mag.appointment_service import AppointmentService


async def end_completed_mag_appointments(ctx: dict[str, Any]) -> int:
    """Idempotent: only appointments still marked active are ended, each once, with audit and event."""
    async with ctx["pool"].acquire() as conn, conn.transaction():
        return await AppointmentService(conn, ctx["clock"], ctx["settings"]).end_completed()


FUNCTIONS: list[Any] = [end_completed_mag_appointments]
CRON_JOBS: list[Any] = [cron(end_completed_mag_appointments, hour={0}, minute={5}, unique=True)]
