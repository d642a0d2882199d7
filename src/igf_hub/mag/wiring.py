"""What the MAG domain plugs into the others (installed by app.py and worker.py; see core/wiring.py)."""

from __future__ import annotations

from igf_hub.core.wiring import EventFamily, Wiring
from igf_hub.mag import yearly_section
from igf_hub.mag.event_schemas import MAG_EVENTS
from igf_hub.mag.queue import WORK_QUEUE

WIRING = Wiring(
    domain="mag",
    families=[EventFamily(name="mag")],
    events=MAG_EVENTS,
    work_queue=WORK_QUEUE,  # the Secretariat's work queue (/secretariat/queue)
    report_sections={yearly_section.NAME: yearly_section.section},  # its section of the yearly report
)
