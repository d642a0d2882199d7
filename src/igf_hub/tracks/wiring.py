"""What the tracks domain plugs into the others (installed by app.py and worker.py; see core/wiring.py)."""

from __future__ import annotations

from igf_hub.core.wiring import EventFamily, Wiring
from igf_hub.tracks import signed_record, yearly_section
from igf_hub.tracks.event_schemas import TRACK_EVENTS
from igf_hub.tracks.notices import NOTICE_KINDS
from igf_hub.tracks.output_service import REFERENCE_KIND, resolve_track_output
from igf_hub.tracks.queue import WORK_QUEUE
from igf_hub.tracks.search_index import on_event as index_for_search

WIRING = Wiring(
    domain="tracks",
    report_sections={yearly_section.NAME: yearly_section.section},  # its section of the yearly report
    families=[
        EventFamily(name="track", resource_path="/v1/tracks/{id}"),
        EventFamily(name="track_output", resource_path="/v1/tracks/outputs/{id}"),
    ],
    events=TRACK_EVENTS,
    in_transaction=[index_for_search],  # its tracks' and outputs' search documents (core/search.py)
    references={REFERENCE_KIND: resolve_track_output},  # IGF Messages cite published outputs
    notice_kinds=NOTICE_KINDS,  # calls for input opened / closing (tracks/notices.py)
    signed_records={signed_record.KIND: signed_record.backfill},  # each published output version
    work_queue=WORK_QUEUE,  # the Secretariat's work queue (/secretariat/queue)
)
