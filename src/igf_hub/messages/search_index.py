"""What a Message is in the site search (core/search.py), kept in step with it in the same transaction.

The in-transaction outbox handler below (wired in messages/wiring.py) rewrites a Message's documents on every
change of the Message: once it has been opened for public comment (``public_since``), one document per UN
language it has a text in, the text a reader gets (messages/views.py: the source version and the translations
of it); before that, none. Migration 0022's backfill writes the same for the Messages that existed before.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg

from igf_hub.core import search
from igf_hub.core.outbox import Event
from igf_hub.messages.repository import MessageRepository

KIND = "message"


async def documents(repo: MessageRepository, message_id: UUID) -> list[search.Document]:
    row = await repo.get(message_id)
    if row is None or row.public_since is None:
        return []
    texts = await repo.texts(row.id, row.current_version_number, row.source_language)
    theme = "\n".join(part for part in (row.theme, row.sub_theme) if part)
    return [
        search.Document(
            language=text.language,
            title=text.title,
            body=f"{theme}\n{text.body}",
            path=f"/messages/{row.id}?text={text.language}",
        )
        for text in texts
        if text.language in search.LANGUAGES
    ]


async def on_event(conn: asyncpg.Connection, event: Event) -> None:
    """An event about the Message itself (not its comments or ballots) rewrites its documents."""
    if not event.type.startswith("message.") or event.type.startswith(
        ("message.comment_", "message.ballot_")
    ):
        return
    try:
        message_id = UUID(event.subject)
    except ValueError:
        return
    docs = await documents(MessageRepository(conn), message_id)
    await search.replace(conn, KIND, message_id, docs, now=event.occurred_at)
