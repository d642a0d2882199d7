"""What the IGF Messages domain puts in the Secretariat's work queue (core/wiring.py ``QueueSource``): the
comments still waiting for a disposition, the Messages whose MAG ballot passes (a decision is due), and the
approved Messages not yet published. Each read through the services the pages use, as the Secretariat sees it."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from igf_hub.auth.principal import Principal
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.core.wiring import QueueItem, QueueSource
from igf_hub.messages.ballot_schemas import BallotStatus
from igf_hub.messages.ballot_service import BallotService
from igf_hub.messages.errors import BallotNotFound
from igf_hub.messages.repository import MessageFilters
from igf_hub.messages.schemas import Message
from igf_hub.messages.service import MessageService
from igf_hub.messages.states import MessageState
from igf_hub.web.i18n import N_

LIMIT = 100


async def _in_state(
    conn: asyncpg.Connection, actor: Principal, clock: Clock, settings: Settings, state: MessageState
) -> list[Message]:
    service = MessageService(conn, clock, settings)
    page = await service.page(MessageFilters(state=state), actor=actor, cursor=None, limit=LIMIT)
    return [await service.get(item.id, actor=actor) for item in page.items]


async def awaiting_dispositions(
    conn: asyncpg.Connection, actor: Principal, clock: Clock, settings: Settings
) -> Sequence[QueueItem]:
    """Messages in synthesis with comments still unanswered: the MAG review cannot start before."""
    return [
        QueueItem(
            title=m.title,
            link=f"/messages/{m.id}/dispositions",
            since=m.comment_round.closed_at if m.comment_round else None,
            count=m.undisposed_comment_count,
        )
        for m in await _in_state(conn, actor, clock, settings, MessageState.synthesis)
        if m.undisposed_comment_count
    ]


async def ballots_passing(
    conn: asyncpg.Connection, actor: Principal, clock: Clock, settings: Settings
) -> Sequence[QueueItem]:
    """Messages in MAG review whose ballot on the current version passes: approval (or not) is due."""
    ballots = BallotService(conn, clock, settings)
    found = []
    for m in await _in_state(conn, actor, clock, settings, MessageState.mag_review):
        try:
            ballot = await ballots.current(m.id, actor=actor)
        except BallotNotFound:
            continue
        if ballot.passes and ballot.version_number == m.current_version_number:
            due = ballot.closes_at if ballot.status is BallotStatus.open else None
            found.append(
                QueueItem(title=m.title, link=f"/messages/{m.id}/ballot", since=ballot.opened_at, due=due)
            )
    return found


async def awaiting_publication(
    conn: asyncpg.Connection, actor: Principal, clock: Clock, settings: Settings
) -> Sequence[QueueItem]:
    return [
        QueueItem(title=m.title, link=f"/messages/{m.id}/ballot", since=m.approved_at)
        for m in await _in_state(conn, actor, clock, settings, MessageState.approved)
    ]


WORK_QUEUE = [
    QueueSource(
        name="messages.awaiting_dispositions",
        heading=N_("Comments awaiting a disposition"),
        items=awaiting_dispositions,
        order=70,
    ),
    QueueSource(
        name="messages.ballots_passing",
        heading=N_("MAG ballots that pass, awaiting a decision"),
        items=ballots_passing,
        order=71,
    ),
    QueueSource(
        name="messages.awaiting_publication",
        heading=N_("Approved Messages to publish"),
        items=awaiting_publication,
        order=72,
    ),
]
