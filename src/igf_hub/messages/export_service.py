"""Exports per Message and per year: JSON (everything, with provenance), CSV (comments with dispositions; ballot
positions) and Markdown (the texts)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.principal import ANONYMOUS, Principal
from igf_hub.core import csvfile
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.messages.ballot_schemas import Ballot
from igf_hub.messages.ballot_service import BallotService
from igf_hub.messages.comment_schemas import Comment
from igf_hub.messages.comment_service import comment_out
from igf_hub.messages.schemas import HistoryEntry, Message, Version
from igf_hub.messages.service import MessageService, version_out


class MessageExport(msgspec.Struct, kw_only=True):
    message: Message
    versions: list[Version]
    comments: list[Comment]
    ballots: list[Ballot]
    history: list[HistoryEntry]


class YearExport(msgspec.Struct, kw_only=True):
    year: int
    exported_at: datetime
    messages: list[MessageExport]


COMMENT_COLUMNS = [
    "message_id",
    "message_title",
    "comment_id",
    "round_number",
    "version_number",
    "paragraph_id",
    "stakeholder_group",
    "country",
    "language",
    "display_name",
    "created_at",
    "body",
    "disposition",
    "rationale",
    "disposition_version_number",
    "duplicate_of",
    "disposed_by",
    "disposed_at",
]
BALLOT_COLUMNS = [
    "message_id",
    "message_title",
    "ballot_number",
    "version_number",
    "content_sha256",
    "status",
    "closed_reason",
    "passes",
    "member_id",
    "member_name",
    "stakeholder_group",
    "is_chair",
    "position",
    "text",
    "revision",
    "updated_at",
]


# Human headers for the spreadsheet; the columns themselves are the fields above, in order.
COLUMN_HEADERS: dict[str, str] = {
    "message_id": "Message ID",
    "message_title": "Message title",
    "comment_id": "Comment ID",
    "round_number": "Round",
    "version_number": "Version",
    "paragraph_id": "Paragraph",
    "stakeholder_group": "Stakeholder group",
    "country": "Country",
    "language": "Language",
    "display_name": "Name",
    "created_at": "Created at",
    "body": "Comment",
    "disposition": "Disposition",
    "rationale": "Rationale",
    "disposition_version_number": "Disposition version",
    "duplicate_of": "Duplicate of",
    "disposed_by": "Disposed by",
    "disposed_at": "Disposed at",
    "ballot_number": "Ballot",
    "content_sha256": "Content SHA-256",
    "status": "Status",
    "closed_reason": "Closed reason",
    "passes": "Passes",
    "member_id": "Member ID",
    "member_name": "Member",
    "is_chair": "Chair",
    "position": "Position",
    "text": "Statement",
    "revision": "Revision",
    "updated_at": "Updated at",
}


def _csv(columns: list[str], rows: Iterable[list[object]], *, bom: bool = True) -> str:
    return csvfile.write([COLUMN_HEADERS[c] for c in columns], rows, bom=bom)


def comments_csv(bundles: Iterable[MessageExport], *, bom: bool = True) -> str:
    rows = []
    for b in bundles:
        for c in b.comments:
            d = c.disposition
            rows.append(
                [
                    b.message.id,
                    b.message.title,
                    c.id,
                    c.round_number,
                    c.version_number,
                    c.paragraph_id,
                    c.stakeholder_group,
                    c.country,
                    c.language,
                    c.display_name,
                    c.created_at,
                    c.body,
                    d.outcome if d else None,
                    d.rationale if d else None,
                    d.version_number if d else None,
                    d.duplicate_of if d else None,
                    d.recorded_by if d else None,
                    d.recorded_at if d else None,
                ]
            )
    return _csv(COMMENT_COLUMNS, rows, bom=bom)


def ballots_csv(bundles: Iterable[MessageExport], *, bom: bool = True) -> str:
    rows = []
    for b in bundles:
        for ballot in b.ballots:
            positions = {p.member_id: p for p in ballot.positions}
            for m in ballot.members:
                p = positions.get(m.member_id)
                rows.append(
                    [
                        b.message.id,
                        b.message.title,
                        ballot.number,
                        ballot.version_number,
                        ballot.content_sha256,
                        ballot.status,
                        ballot.closed_reason,
                        ballot.passes,
                        m.member_id,
                        m.name,
                        p.stakeholder_group if p else m.stakeholder_group,
                        m.is_chair,
                        p.position if p else "none",
                        p.text if p else None,
                        p.revision if p else None,
                        p.updated_at if p else None,
                    ]
                )
    return _csv(BALLOT_COLUMNS, rows, bom=bom)


def message_markdown(m: Message) -> str:
    source = m.languages[0]
    lines = [
        f"# {m.title}",
        "",
        f"*IGF {m.year} · {m.theme}{f' — {m.sub_theme}' if m.sub_theme else ''}*",
        "",
    ]
    status = f"State: {m.state} · version {m.current_version_number} · content SHA-256 `{m.content_sha256}`"
    if m.approved_at:
        status += f" · approved {m.approved_at.date().isoformat()}"
    lines += [status, "", source.body, ""]
    c = m.classification
    lines += ["## Classification", ""]
    lines.append(f"- WSIS Action Lines: {', '.join(c.wsis_action_lines) or '—'}")
    lines.append(f"- SDGs: {', '.join(map(str, c.sdgs)) or '—'}")
    lines.append(f"- GDC objectives: {', '.join(map(str, c.gdc_objectives)) or '—'}")
    lines += ["", "## Provenance", ""]
    for p in m.provenance:
        where = f" (paragraphs {', '.join(p.paragraph_ids)})" if p.paragraph_ids else ""
        note = f" — {p.note}" if p.note else ""
        lines.append(f"- [{p.title}]({p.url or p.href}) · {p.kind}{where}{note}")
    if not m.provenance:
        lines.append("- none recorded")
    if len(m.languages) > 1:
        lines += ["", "## Other languages", ""]
        for t in m.languages[1:]:
            label = "machine translation, not authoritative" if t.machine_translation else "translation"
            lines.append(
                f"- {t.language}: version {t.version_number} ({label}), SHA-256 `{t.content_sha256}`"
            )
    return "\n".join(lines) + "\n"


class ExportService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.clock = clock
        self.messages = MessageService(conn, clock, settings)
        self.ballots = BallotService(conn, clock, settings)

    async def bundle(self, message_id: UUID, *, actor: Principal) -> MessageExport:
        row = await self.messages.visible(message_id, actor=actor)
        return MessageExport(
            message=await self.messages.view(row),
            versions=[
                version_out(v, row.source_language) for v in await self.messages.repo.all_versions(row.id)
            ],
            comments=[comment_out(c) for c in await self.messages.comments.all(row.id)],
            ballots=await self.ballots.all(row.id, actor=actor),
            history=await self.messages.history(row.id, actor=actor),
        )

    async def year(self, year: int) -> YearExport:
        ids = await self.messages.repo.public_ids_of_year(year)
        return YearExport(
            year=year,
            exported_at=self.clock.now(),
            messages=[await self.bundle(i, actor=ANONYMOUS) for i in ids],
        )
