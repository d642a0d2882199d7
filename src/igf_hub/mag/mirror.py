"""MAG membership mirrored into identity: one ``mag_member`` role grant per appointment of a linked person.

The grant is valid for the appointment's dates only (``valid_from`` = the first day 00:00 UTC,
``valid_until`` = the day after the last day), carries the Chair flag for the chair role, and uses the
appointment's id as ``resource_id`` (so a person can hold one grant per appointment across cycles; other
domains still ask only ``has_role(mag_member)`` / ``holders_of``). A change of dates, an early end or a
change of linked account revokes the old grant and grants again, in the caller's transaction.

Observers (intergovernmental organisations' seats) get no grant: they sit in the MAG's meetings but take no part
in its decisions, so they neither count towards the balance nor ballot on Messages.
"""

from __future__ import annotations

from uuid import UUID

from igf_hub.auth.principal import Principal, Role
from igf_hub.auth.schemas import GrantCreate
from igf_hub.auth.service import IdentityService
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.mag.common import day_after, day_start
from igf_hub.mag.enums import AppointmentRole
from igf_hub.mag.repository import AppointmentRecord, MagRepository

SOURCE = "mag"


async def sync_grant(
    repo: MagRepository,
    clock: Clock,
    settings: Settings,
    appointment: AppointmentRecord,
    *,
    actor: Principal,
    previous_holder: UUID | None,
) -> UUID | None:
    """Make the appointment's grant match it; ``previous_holder`` is who holds the current grant (if any)."""
    identity = IdentityService(repo.conn, clock, settings)
    if appointment.role_grant_id is not None and previous_holder is not None:
        await identity.revoke_grant(previous_holder, appointment.role_grant_id, actor=actor)
    grant_id: UUID | None = None
    if appointment.user_id is not None and appointment.role is not AppointmentRole.observer:
        grant = await identity.grant_role(
            appointment.user_id,
            GrantCreate(
                role=Role.mag_member,
                resource_id=appointment.id,
                is_chair=appointment.role is AppointmentRole.chair,
                valid_from=day_start(appointment.starts_on),
                valid_until=day_after(appointment.ends_on),
            ),
            actor=actor,
            source=SOURCE,
        )
        grant_id = grant.id
    await repo.set_appointment_grant(appointment.id, grant_id)
    return grant_id
