"""What the Messages domain tells people (people/notices.py): a public comment window opened, and one closing
within 48 hours → the people who follow the Message, its theme or the Messages of its year (people/follows.py); a
comment received a disposition → its author."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from igf_hub.core.outbox import Event
from igf_hub.messages.comment_repository import CommentRepository
from igf_hub.people import follows, notices
from igf_hub.people.notices import N_, NoticeKind

COMMENT_OPENED = NoticeKind(
    name="message.public_comment_opened",
    label=N_("Public comment opens on a Message you follow (or on its theme or year)"),
    subject=N_("Open for public comment: %(title)s"),
    template="messages/notices/comment_opened",
)
COMMENT_CLOSING = NoticeKind(
    name="message.public_comment_closing",
    label=N_("Public comment on a Message you follow closes in 48 hours"),
    subject=N_("Public comment closes in 48 hours: %(title)s"),
    template="messages/notices/comment_closing",
)
COMMENT_DISPOSED = NoticeKind(
    name="message.comment_disposed",
    label=N_("One of your comments on a draft IGF Message receives its disposition"),
    subject=N_("Your comment received a disposition"),
    template="messages/notices/comment_disposed",
)
NOTICE_KINDS = [COMMENT_OPENED, COMMENT_CLOSING, COMMENT_DISPOSED]
CLOSING_NOTICE = timedelta(hours=48)


def followed_subjects(message_id: str, theme: str, year: int) -> list[tuple[str, str]]:
    """What a follower of this Message may follow: the Message itself, its theme, the Messages of its year."""
    subjects = [(follows.MESSAGE, message_id), (follows.MESSAGES_OF_YEAR, str(year))]
    if 2 <= len(theme.strip()) <= 200:
        subjects.append((follows.THEME, theme.strip()))
    return subjects


def _params(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"title": data.get("title", ""), "theme": data.get("theme", ""), "year": data.get("year", "")}


async def notify_comment_opened(conn: asyncpg.Connection, event: Event) -> None:
    """After commit, once per event (its id is the key): the followers hear that comment is open."""
    data = event.data
    recipients = await follows.followers(
        conn, followed_subjects(str(event.subject), str(data.get("theme", "")), int(data.get("year", 0)))
    )
    await notices.notify(
        conn,
        kind=COMMENT_OPENED.name,
        recipients=recipients,
        key=f"message.public_comment_opened:{event.event_id}",
        params=_params(data),
        link=f"/messages/{event.subject}",
        now=event.occurred_at,
    )


async def notify_comment_closing(conn: asyncpg.Connection, window: Mapping[str, Any], now: datetime) -> int:
    """One window closing within 48 hours: keyed by the Message and its round, so it is said once per window
    however often the job runs (a reopened window is a new round, and is said again)."""
    message_id = str(window["message_id"])
    recipients = await follows.followers(conn, followed_subjects(message_id, window["theme"], window["year"]))
    return await notices.notify(
        conn,
        kind=COMMENT_CLOSING.name,
        recipients=recipients,
        key=f"message.public_comment_closing:{message_id}:{window['number']}",
        params=_params(window),
        link=f"/messages/{message_id}",
        now=now,
    )


async def notify_comment_disposed(conn: asyncpg.Connection, event: Event) -> None:
    """The comment's author hears the outcome and the drafters' rationale (after commit, once per event)."""
    message_id, comment_id = UUID(str(event.data["message_id"])), UUID(str(event.data["comment_id"]))
    comment = await CommentRepository(conn).get(message_id, comment_id)
    if comment is None or comment.author_user_id is None:
        return
    await notices.notify(
        conn,
        kind=COMMENT_DISPOSED.name,
        recipients=[notices.Account(comment.author_user_id)],
        key=f"message.comment_disposed:{event.event_id}",
        params={"outcome": comment.disposition or "", "rationale": comment.rationale or ""},
        link=f"/messages/{message_id}",
        now=event.occurred_at,
    )
