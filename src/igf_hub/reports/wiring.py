"""What the yearly report plugs into the others (installed by app.py and worker.py; see core/wiring.py)."""

from __future__ import annotations

from igf_hub.core.wiring import EventFamily, Wiring
from igf_hub.reports.event_schemas import REPORT_EVENTS

# UNGIS, the CSTD and any other consumer subscribe to report.* as to message.* (webhooks and the pull log).
WIRING = Wiring(
    domain="reports",
    families=[EventFamily(name="report")],  # its data links the report by year
    events=REPORT_EVENTS,
)
