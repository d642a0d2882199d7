"""The Message as the API returns it (and as its events carry it), assembled from its rows."""

from __future__ import annotations

from datetime import datetime

import msgspec

from igf_hub.core import signing
from igf_hub.core.schemas import Classification
from igf_hub.messages.comment_repository import CommentRepository
from igf_hub.messages.content import Paragraph
from igf_hub.messages.repository import MessageRepository, MessageRow
from igf_hub.messages.schemas import (
    CommentRoundInfo,
    LanguageText,
    Message,
    MessageLinks,
    ProvenanceEntry,
)
from igf_hub.messages.schemas import Paragraph as ParagraphOut
from igf_hub.messages.states import MessageState

SIGNED_KIND = "message"  # its kind among the IGF's signed records (messages/signed_record.py signs it)


def paragraphs_out(paragraphs: list[Paragraph]) -> list[ParagraphOut]:
    return [ParagraphOut(id=p.id, text=p.text) for p in paragraphs]


async def message_view(
    repo: MessageRepository, comments: CommentRepository, row: MessageRow, *, now: datetime, base_url: str
) -> Message:
    """Links are absolute (``base_url``), so a consumer of ``message.approved`` needs nothing else."""

    def link(path: str) -> str:
        return f"{base_url}{path}"

    texts = await repo.texts(row.id, row.current_version_number, row.source_language)
    source = next(t for t in texts if t.number == row.current_version_number)
    others = sorted((t for t in texts if t is not source), key=lambda t: t.language)
    approved_sha = None
    if row.approved_version_number is not None:
        approved = await repo.version(row.id, row.approved_version_number)
        approved_sha = approved.content_sha256 if approved else None
    signature = None
    if row.approved_version_number is not None:
        signature = await signing.signature_of(
            repo.conn, base_url, SIGNED_KIND, row.id, row.approved_version_number
        )
    latest_round = await comments.latest_round(row.id)
    total, undisposed = await comments.counts(row.id)
    base = f"/v1/messages/{row.id}"
    state = MessageState(row.state)
    return Message(
        id=row.id,
        year=row.year,
        theme=row.theme,
        sub_theme=row.sub_theme,
        title=source.title,
        state=state,
        source_language=row.source_language,
        version=row.version,
        current_version_number=row.current_version_number,
        content_sha256=source.content_sha256,
        approved_version_number=row.approved_version_number,
        approved_content_sha256=approved_sha,
        languages=[
            LanguageText(
                language=t.language,
                version_number=t.number,
                title=t.title,
                body=t.body,
                paragraphs=paragraphs_out(t.paragraphs),
                content_sha256=t.content_sha256,
                is_authoritative=t is source,
                machine_translation=t.is_machine_translation,
                translation_of=t.translation_of,
                created_at=t.created_at,
            )
            for t in [source, *others]
        ],
        classification=msgspec.convert(row.classification, Classification),
        provenance=[
            msgspec.structs.replace(entry, url=link(entry.href))
            for entry in (msgspec.convert(p, ProvenanceEntry) for p in row.provenance)
        ],
        comment_round=CommentRoundInfo(
            number=latest_round.number,
            version_number=latest_round.version_number,
            opens_at=latest_round.opens_at,
            closes_at=latest_round.closes_at,
            closed_at=latest_round.closed_at,
            is_open=latest_round.closed_at is None and now < latest_round.closes_at,
        )
        if latest_round
        else None,
        comment_count=total,
        undisposed_comment_count=undisposed,
        supersedes=row.supersedes,
        superseded_by=row.superseded_by,
        approved_at=row.approved_at,
        approved_by=row.approved_by,
        published_at=row.published_at,
        withdrawn_reason=row.withdrawn_reason,
        created_at=row.created_at,
        updated_at=row.updated_at,
        source_url=row.source_url,
        imported_at=row.imported_at,
        import_source=row.import_source,
        links=MessageLinks(
            self=link(base),
            versions=link(f"{base}/versions"),
            comments=link(f"{base}/comments"),
            ballot=link(f"{base}/ballot"),
            history=link(f"{base}/history"),
            export_json=link(f"{base}/exports/message.json"),
            export_markdown=link(f"{base}/exports/message.md"),
            page=link(f"/messages/{row.id}") if row.published_at is not None else None,
        ),
        signature=signature,
    )
