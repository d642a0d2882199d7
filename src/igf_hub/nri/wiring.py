"""What the NRI domain plugs into the others (installed by app.py and worker.py; see core/wiring.py)."""

from __future__ import annotations

from igf_hub.core.wiring import EventFamily, Wiring
from igf_hub.nri import yearly_section
from igf_hub.nri.event_schemas import NRI_EVENTS
from igf_hub.nri.notices import NOTICE_KINDS, notify_decided, notify_submitted
from igf_hub.nri.queue import WORK_QUEUE
from igf_hub.nri.search_index import on_event as index_for_search
from igf_hub.nri.service import resolve_report

WIRING = Wiring(
    domain="nri",
    report_sections={yearly_section.NAME: yearly_section.section},  # its section of the yearly report
    families=[EventFamily(name="nri", resource_path="/v1/nris/{id}")],
    events=NRI_EVENTS,
    in_transaction=[index_for_search],  # its NRIs' search documents (core/search.py)
    references={"nri_report": resolve_report},
    notice_kinds=NOTICE_KINDS,
    after_commit={
        "nri.submitted": [notify_submitted],
        "nri.recognised": [notify_decided],
        "nri.changes_requested": [notify_decided],
        "nri.declined": [notify_decided],
    },
    work_queue=WORK_QUEUE,  # the Secretariat's work queue (/secretariat/queue)
)
