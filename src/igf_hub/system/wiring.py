"""What the system domain plugs into the others (installed by app.py and worker.py; see core/wiring.py)."""

from __future__ import annotations

from igf_hub.core.audit_checkpoints import AUDIT_EVENTS
from igf_hub.core.wiring import EventFamily, Wiring

# The signed checkpoints of the audit log it serves (/v1/audit/checkpoints) are events for consumers too.
WIRING = Wiring(domain="system", families=[EventFamily(name="audit")], events=AUDIT_EVENTS)
