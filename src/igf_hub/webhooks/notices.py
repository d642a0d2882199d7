"""What webhooks tell people (people/notices.py): an endpoint failing, disabled, or recovered → the staff of the
consumer organisation that owns it (people holding the consumer role bound to that consumer). They are told in
the transaction that writes the consumer's own notice (webhooks/health.py), once per occasion."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from igf_hub.auth.principal import Role
from igf_hub.people import notices, recipients
from igf_hub.people.notices import N_, NoticeKind

ENDPOINT_FAILING = NoticeKind(
    name="webhook.endpoint_failing",
    label=N_("A webhook endpoint of your organisation is failing"),
    subject=N_("Webhook endpoint failing: %(url)s"),
    template="webhooks/notices/endpoint_failing",
)
ENDPOINT_DISABLED = NoticeKind(
    name="webhook.endpoint_disabled",
    label=N_("A webhook endpoint of your organisation was disabled"),
    subject=N_("Webhook endpoint disabled: %(url)s"),
    template="webhooks/notices/endpoint_disabled",
)
ENDPOINT_RECOVERED = NoticeKind(
    name="webhook.endpoint_recovered",
    label=N_("A failing webhook endpoint of your organisation recovered"),
    subject=N_("Webhook endpoint recovered: %(url)s"),
    template="webhooks/notices/endpoint_recovered",
)

NOTICE_KINDS = [ENDPOINT_FAILING, ENDPOINT_DISABLED, ENDPOINT_RECOVERED]


async def tell_staff(
    conn: asyncpg.Connection,
    kind: NoticeKind,
    *,
    consumer_id: UUID,
    endpoint_id: UUID,
    params: dict[str, Any],
    now: datetime,
) -> int:
    """The consumer's staff hear of one endpoint's health (the key names the endpoint and the moment)."""
    return await notices.notify(
        conn,
        kind=kind.name,
        recipients=await recipients.holders(conn, Role.consumer, now, bound_to=consumer_id),
        key=f"{kind.name}:{endpoint_id}:{now.isoformat()}",
        params=params,
        now=now,
    )
