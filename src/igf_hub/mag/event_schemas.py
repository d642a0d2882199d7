"""The ``data`` of each MAG event consumers receive (the OpenAPI ``webhooks`` section): cycles and appointments,
which are public (an appointment as the public reads it: without ``gender`` and ``nomination_id``). Nominations are the Secretariat's alone and never reach consumers."""

from __future__ import annotations

from uuid import UUID

import msgspec

from igf_hub.core.outbox import EventDoc
from igf_hub.mag.enums import CycleStatus
from igf_hub.mag.schemas import Appointment, Cycle


class CycleChanged(msgspec.Struct, kw_only=True):
    cycle: Cycle
    changed: list[str] | msgspec.UnsetType = msgspec.UNSET  # mag.cycle.updated: the fields that changed


class CycleImported(msgspec.Struct, kw_only=True):
    year: int
    source: str  # where the Secretariat's record came from
    status: CycleStatus
    appointments: list[UUID]  # its members' appointments, imported with it
    notes: str | None


class CycleStatusChanged(msgspec.Struct, kw_only=True):
    year: int
    from_: CycleStatus = msgspec.field(name="from")
    to: CycleStatus
    version: int


MAG_EVENTS = [
    EventDoc(type="mag.cycle.created", summary="A MAG cycle was created.", data=CycleChanged),
    EventDoc(
        type="mag.cycle.updated",
        summary="A MAG cycle's dates, size or balance rules changed.",
        data=CycleChanged,
    ),
    EventDoc(
        type="mag.cycle.status_changed",
        summary="A MAG cycle moved on (call open, appointed, closed).",
        data=CycleStatusChanged,
    ),
    EventDoc(
        type="mag.cycle.imported",
        summary="A past MAG cycle was loaded from the archive with its members.",
        data=CycleImported,
    ),
    EventDoc(type="mag.appointment.created", summary="Someone was appointed to the MAG.", data=Appointment),
    EventDoc(type="mag.appointment.updated", summary="An appointment changed.", data=Appointment),
    EventDoc(type="mag.appointment.ended", summary="An appointment reached its end date.", data=Appointment),
    EventDoc(
        type="mag.appointment.resigned",
        summary="A member resigned before the end of the term.",
        data=Appointment,
    ),
]
