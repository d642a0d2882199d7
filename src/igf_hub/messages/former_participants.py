"""A person who deletes their account leaves their comments on Messages in the public record. Without their name,
unless they chose to keep it: then a comment says only its stakeholder group and country, as an anonymous one
does (a former participant). Messages does not import people/: it follows the ``user.deleted`` event, in the
deleting transaction."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from igf_hub.core.outbox import Event
from igf_hub.messages.comment_repository import CommentRepository


async def forget_deleted_author(conn: asyncpg.Connection, event: Event) -> None:
    if event.type != "user.deleted":
        return
    data = event.data if isinstance(event.data, dict) else {}
    if data.get("keep_name") is True:
        return
    try:
        user_id = UUID(str(data.get("user_id")))
    except ValueError:
        return
    await CommentRepository(conn).forget_author_name(user_id)
