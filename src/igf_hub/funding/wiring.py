"""What the funding domain plugs into the others (installed by app.py and worker.py; see core/wiring.py)."""

from __future__ import annotations

from igf_hub.core.wiring import EventFamily, Wiring
from igf_hub.funding import yearly_section
from igf_hub.funding.event_schemas import FUNDING_EVENTS
from igf_hub.funding.grant_service import record_nri_event
from igf_hub.funding.notices import NOTICE_KINDS

WIRING = Wiring(
    domain="funding",
    report_sections={yearly_section.NAME: yearly_section.section},  # its section of the yearly report
    families=[EventFamily(name="funding")],
    events=FUNDING_EVENTS,
    # Its directory of NRIs follows the NRI domain's events, in their transaction, whichever process publishes.
    in_transaction=[record_nri_event],
    notice_kinds=NOTICE_KINDS,
)
