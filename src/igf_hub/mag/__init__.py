"""The Multistakeholder Advisory Group: cycles, nominations, appointments, term limits and balance."""

from igf_hub.mag.controllers import MagAppointmentController, MagCycleController, MagPeopleController

__all__ = ["MagAppointmentController", "MagCycleController", "MagPeopleController"]
