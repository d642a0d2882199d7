"""Provenance: what a Message was derived from, resolved only through ``core.references``.

This module also resolves two kinds IGF Messages own, ``session_report`` and ``message_comment`` (declared in
messages/wiring.py), so that other domains (and Messages themselves) can cite them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from uuid import UUID

import asyncpg

from igf_hub.core import references
from igf_hub.core.errors import FieldError
from igf_hub.core.references import Citation, Reference
from igf_hub.messages.citation_repository import CitationRepository
from igf_hub.messages.comment_repository import CommentRepository
from igf_hub.messages.report_repository import SessionReportRepository
from igf_hub.messages.schemas import ProvenanceEntry, ProvenanceIn

SESSION_REPORT = "session_report"
MESSAGE = "message"
CITATIONS = 200  # more than any object has: a year's Messages are a few dozen
MESSAGE_COMMENT = "message_comment"


async def resolve_session_report(conn: asyncpg.Connection, report_id: UUID) -> Reference | None:
    report = await SessionReportRepository(conn).get(report_id)
    if report is None:
        return None
    return Reference(
        kind=SESSION_REPORT,
        id=report.id,
        title=f"IGF {report.year}: {report.session_title}",
        href=f"/v1/session-reports/{report.id}",
        citable_id=f"IGF{report.year} {report.session_ref}" if report.session_ref else None,
    )


async def resolve_message_comment(conn: asyncpg.Connection, comment_id: UUID) -> Reference | None:
    found = await CommentRepository(conn).find(comment_id)
    if found is None:
        return None
    where = f"paragraph {found.paragraph_id}" if found.paragraph_id else "the whole Message"
    return Reference(
        kind=MESSAGE_COMMENT,
        id=found.id,
        title=f"Public comment ({found.stakeholder_group}, {found.country}) on {where}",
        href=f"/v1/messages/{found.message_id}/comments/{found.id}",
    )


async def messages_citing(conn: asyncpg.Connection, kind: str, ref_id: UUID) -> list[Citation]:
    """The public Messages whose provenance cites ``(kind, ref_id)`` (core/references.py ``cited_by``)."""
    return [
        Citation(
            kind=MESSAGE,
            id=row["id"],
            title=f"IGF {row['year']} Messages: {row['theme']}",
            href=f"/v1/messages/{row['id']}",
            page=f"/messages/{row['id']}",
        )
        for row in await CitationRepository(conn).citing(kind, ref_id, limit=CITATIONS)
    ]


async def resolve_entries(
    conn: asyncpg.Connection, entries: Sequence[ProvenanceIn], *, paragraph_ids: Collection[str], pointer: str
) -> tuple[list[ProvenanceEntry], list[FieldError]]:
    """Every entry resolved (with its title and link as of now), or every reason one does not."""
    resolved: list[ProvenanceEntry] = []
    errors: list[FieldError] = []
    seen: set[tuple[str, UUID]] = set()
    for i, entry in enumerate(entries):
        where = f"{pointer}/{i}"
        if (entry.kind, entry.id) in seen:
            errors.append(FieldError(where, f"{entry.kind} {entry.id} is cited twice"))
            continue
        seen.add((entry.kind, entry.id))
        for j, pid in enumerate(entry.paragraph_ids):
            if pid not in paragraph_ids:
                errors.append(
                    FieldError(f"{where}/paragraph_ids/{j}", f"{pid} is not a paragraph of this text")
                )
        if entry.kind not in references.kinds():
            errors.append(
                FieldError(
                    f"{where}/kind",
                    f"{entry.kind!r} is not a citable kind; known: {', '.join(references.kinds())}",
                )
            )
            continue
        ref = await references.resolve(conn, entry.kind, entry.id)
        if ref is None:
            errors.append(
                FieldError(f"{where}/id", f"{entry.kind} {entry.id} does not resolve: no such object")
            )
            continue
        resolved.append(
            ProvenanceEntry(
                kind=ref.kind,
                id=ref.id,
                title=ref.title,
                href=ref.href,
                citable_id=ref.citable_id,
                paragraph_ids=list(entry.paragraph_ids),
                note=entry.note,
            )
        )
    return resolved, errors
