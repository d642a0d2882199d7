"""What the MAG domain plugs into the others (installed by app.py and worker.py; see core/wiring.py)."""

from __future__ import annotations

from igf_hub.core.wiring import EventFamily, Wiring
from igf_hub.mag import yearly_section
from igf_hub.mag.event_schemas import MAG_EVENTS

WIRING = Wiring(
    domain="mag",
    families=[EventFamily(name="mag")],
    events=MAG_EVENTS,
    report_sections={yearly_section.NAME: yearly_section.section},  # its section of the yearly report
)
