"""The MAG's refusals (rendered as problem+json by app.py)."""

from __future__ import annotations

from igf_hub.core.errors import Conflict, NotFound, Unprocessable


class CycleNotFound(NotFound):
    slug, title = "mag-cycle-not-found", "No such MAG cycle"


class PersonNotFound(NotFound):
    slug, title = "mag-person-not-found", "No such person"


class AppointmentNotFound(NotFound):
    slug, title = "mag-appointment-not-found", "No such appointment"


class NominationNotFound(NotFound):
    slug, title = "mag-nomination-not-found", "No such nomination"


class CycleExists(Conflict):
    slug, title = "mag-cycle-exists", "A cycle for this year already exists"


class CycleNotOpen(Conflict):
    """The cycle's status does not allow this (nominations outside the call, appointments after closing)."""

    slug, title = "mag-cycle-status", "The cycle's status does not allow this"


class TransitionGuard(Conflict):
    slug, title = "mag-transition-guard", "The transition's condition is not met"


class AlreadyAppointed(Conflict):
    slug, title = "mag-already-appointed", "The person already holds an active appointment in this cycle"


class AppointmentNotActive(Conflict):
    slug, title = "mag-appointment-not-active", "The appointment has ended"


class ChairTaken(Conflict):
    slug, title = "mag-chair-taken", "The cycle already has an active Chair"


class UserAlreadyLinked(Conflict):
    slug, title = "mag-user-already-linked", "This user account is linked to another person"


class InvalidAppointment(Unprocessable):
    slug, title = "mag-invalid-appointment", "The appointment breaks one or more rules"


class InvalidCycle(Unprocessable):
    slug, title = "mag-invalid-cycle", "The cycle breaks one or more rules"


class InvalidNomination(Unprocessable):
    slug, title = "mag-invalid-nomination", "The nomination breaks one or more rules"


class InvalidPerson(Unprocessable):
    slug, title = "mag-invalid-person", "The person breaks one or more rules"
