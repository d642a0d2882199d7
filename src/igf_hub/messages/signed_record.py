"""What the IGF signs when the MAG approves a Message (README, "Signed records"): the approved version's
authoritative text and the metadata a reader cites it by. core/signing.py makes the signature."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from igf_hub.core import signing
from igf_hub.core.settings import Settings
from igf_hub.messages.comment_repository import CommentRepository
from igf_hub.messages.repository import MessageRepository
from igf_hub.messages.schemas import Message
from igf_hub.messages.views import SIGNED_KIND, message_view

KIND = SIGNED_KIND


def record_document(message: Message) -> dict[str, Any]:
    """The public record of an approved Message version: its authoritative text, classification, provenance and
    approval. Translations are not in it: they are not what the MAG approved."""
    text = message.languages[0]
    return {
        "message_id": str(message.id),
        "year": message.year,
        "theme": message.theme,
        "sub_theme": message.sub_theme,
        "language": text.language,
        "version_number": text.version_number,
        "title": text.title,
        "body": text.body,
        "paragraphs": [{"id": p.id, "text": p.text} for p in text.paragraphs],
        "content_sha256": text.content_sha256,
        "classification": message.classification,
        "provenance": [
            {"kind": p.kind, "id": str(p.id), "citable_id": p.citable_id, "paragraph_ids": p.paragraph_ids}
            for p in message.provenance
        ],
        "supersedes": str(message.supersedes) if message.supersedes else None,
        "approved_at": message.approved_at,
        "url": message.links.self,
    }


async def sign_approved(
    conn: asyncpg.Connection, settings: Settings, message: Message, *, now: datetime, actor: str
) -> signing.RecordSignature:
    assert message.approved_version_number is not None
    return await signing.sign_record(
        conn,
        settings,
        kind=KIND,
        record_id=message.id,
        version=message.approved_version_number,
        record=record_document(message),
        now=now,
        actor=actor,
    )


async def backfill(conn: asyncpg.Connection, settings: Settings, now: datetime) -> signing.BackfillResult:
    """Sign the approved Messages approved before signing began (each in its own transaction; the signing
    time is now, the approval time is in the document)."""
    repo = MessageRepository(conn)
    comments = CommentRepository(conn)
    result = signing.BackfillResult()
    for message_id in await repo.approved_ids():
        async with conn.transaction():
            row = await repo.get(message_id, for_update=True)
            if row is None or row.approved_version_number is None:
                continue
            if await signing.signature_of(conn, settings.base_url, KIND, row.id, row.approved_version_number):
                result.already += 1
                continue
            if row.current_version_number != row.approved_version_number:
                result.skipped.append(
                    f"Message {row.id}: its current version ({row.current_version_number}) is not the approved "
                    f"one ({row.approved_version_number}), so the approved text cannot be read as it was"
                )
                continue
            view = await message_view(repo, comments, row, now=now, base_url=settings.base_url)
            await sign_approved(conn, settings, view, now=now, actor="cli")
            result.signed += 1
    return result
