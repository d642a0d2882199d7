"""What the IGF Messages domain plugs into the others (installed by app.py and worker.py; see core/wiring.py)."""

from __future__ import annotations

from igf_hub.core.wiring import EventFamily, Wiring
from igf_hub.messages import signed_record, yearly_section
from igf_hub.messages.archive_service import MESSAGE, resolve_message
from igf_hub.messages.ballot_notices import NOTICE_KINDS as BALLOT_NOTICE_KINDS
from igf_hub.messages.ballot_notices import notify_ballot
from igf_hub.messages.event_schemas import MESSAGE_EVENTS
from igf_hub.messages.former_participants import forget_deleted_author
from igf_hub.messages.notices import NOTICE_KINDS, notify_comment_disposed, notify_comment_opened
from igf_hub.messages.provenance import (
    MESSAGE_COMMENT,
    SESSION_REPORT,
    messages_citing,
    resolve_message_comment,
    resolve_session_report,
)
from igf_hub.messages.queue import WORK_QUEUE
from igf_hub.messages.roster import record_mag_appointment
from igf_hub.messages.search_index import on_event as index_for_search

WIRING = Wiring(
    domain="messages",
    report_sections={yearly_section.NAME: yearly_section.section},  # its section of the yearly report
    families=[EventFamily(name="message", resource_path="/v1/messages/{id}")],
    events=MESSAGE_EVENTS,
    # Its roster of MAG members follows the MAG domain's appointment events, in their transaction; a deleted
    # account's comments lose its name unless the person kept it (messages/former_participants.py); its search
    # documents follow its own events (core/search.py).
    in_transaction=[record_mag_appointment, forget_deleted_author, index_for_search],
    references={
        SESSION_REPORT: resolve_session_report,
        MESSAGE_COMMENT: resolve_message_comment,
        MESSAGE: resolve_message,
    },
    citers=[messages_citing],  # a cited object's page shows the public Messages that cite it
    signed_records={signed_record.KIND: signed_record.backfill},  # each approved version
    # The followers of a Message, its theme or its year hear that comment opened (messages/notices.py); the MAG
    # members eligible on a ballot (and the chair) hear it opened, its reminder and its close (ballot_notices.py).
    after_commit={
        "message.public_comment_opened": [notify_comment_opened],
        "message.comment_disposed": [notify_comment_disposed],  # its author hears it
        "message.ballot_opened": [notify_ballot],
        "message.ballot_reminder": [notify_ballot],
        "message.ballot_closed": [notify_ballot],
    },
    notice_kinds=[*NOTICE_KINDS, *BALLOT_NOTICE_KINDS],
    work_queue=WORK_QUEUE,  # the Secretariat's work queue (/secretariat/queue)
)
