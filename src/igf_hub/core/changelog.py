"""A change: its audit row and its outbox event, under one name, in the caller's transaction.

Every state change someone makes is recorded here, so the audit action and the event type cannot drift apart
(``nri.recognised`` is both). The audit row keeps everything (who, what changed, private details); the event
says what consumers and other domains may know, and ``public`` is the outbox's visibility rule (see
``core/outbox.py``). A change that audits without an event says so with ``publish=False``, and a short comment
at the call says why. An event that is no one's change (a notice such as an endpoint failing, a signed audit
checkpoint) is published with ``outbox.publish`` alone.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from igf_hub.core import audit, outbox

_SAME: Any = object()  # the event repeats the audit row's value


async def record(
    conn: asyncpg.Connection,
    action: str,
    *,
    actor: str,
    subject_type: str,
    subject_id: object,
    data: Any = None,
    event_data: Any = _SAME,
    event_subject: object = _SAME,
    public: bool = True,
    publish: bool = True,
) -> None:
    """Append the audit row of ``action`` (``data`` is what it keeps) and publish the event of the same type,
    both in ``conn``'s transaction. The event carries ``event_data`` (default: ``data``) about
    ``event_subject`` (default: ``subject_id``); ``public`` as ``outbox.publish`` takes it. With
    ``publish=False`` only the audit row is written (say why at the call)."""
    await audit.append(
        conn, actor=actor, action=action, subject_type=subject_type, subject_id=subject_id, data=data
    )
    if not publish:
        if event_data is not _SAME or event_subject is not _SAME:
            raise TypeError(f"{action}: an event's data or subject given with publish=False")
        return
    await outbox.publish(
        conn,
        action,
        subject=subject_id if event_subject is _SAME else event_subject,
        data=(data or {}) if event_data is _SAME else event_data,
        public=public,
    )
