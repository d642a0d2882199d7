"""Who acted on a Message, as the public record says it: a role, never an internal user or client id.

The audit log keeps the subject (``user:<uuid>``) for the Secretariat; the history, the approver and a
version's author that everyone reads name only the role the actor held when acting.
"""

from __future__ import annotations

from igf_hub.auth.principal import Principal, Role

AUTOMATIC = "IGF Hub (automatic)"


def public_role(actor: Principal) -> str:
    if actor.subject.startswith("system"):  # deadlines, sweeps and other jobs
        return AUTOMATIC
    if actor.has_role(Role.secretariat):
        return "IGF Secretariat"
    if actor.is_mag_chair:
        return "MAG Chair"
    if actor.has_role(Role.mag_member):
        return "MAG member"
    return "Drafter"
