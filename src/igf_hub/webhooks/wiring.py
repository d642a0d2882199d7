"""What the webhooks domain plugs into the others (installed by app.py and worker.py; see core/wiring.py).

Its own events (``consumer.*``, ``webhook.*``) are not for consumers: it declares no event family."""

from __future__ import annotations

from igf_hub.core.wiring import Wiring
from igf_hub.webhooks.delivery_repository import named_consumer_deliveries
from igf_hub.webhooks.metrics import collect
from igf_hub.webhooks.notices import NOTICE_KINDS
from igf_hub.webhooks.queue import WORK_QUEUE
from igf_hub.webhooks.service import record_for_consumers

WIRING = Wiring(
    domain="webhooks",
    # Every public event of a declared family becomes deliveries, in the publishing transaction.
    in_transaction=[record_for_consumers],
    collectors={"webhooks": collect},
    notice_kinds=NOTICE_KINDS,
    work_queue=WORK_QUEUE,  # the Secretariat's work queue (/secretariat/queue)
    delivery_status=named_consumer_deliveries,  # e.g. a published Message's delivery to UNGIS and the CSTD
)
