"""Differences between two versions of one language: per paragraph (by stable id), word by word, and as a
unified diff of the Markdown."""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Sequence
from uuid import UUID

import msgspec

from igf_hub.messages.content import Paragraph, join_body

_WORDS = re.compile(r"\s+|[^\s]+")


class ChangeKind(enum.StrEnum):
    unchanged = "unchanged"
    changed = "changed"
    added = "added"
    removed = "removed"


class SegmentOp(enum.StrEnum):
    equal = "equal"
    insert = "insert"
    delete = "delete"


class Segment(msgspec.Struct, frozen=True):
    op: SegmentOp
    text: str


class ParagraphChange(msgspec.Struct, kw_only=True):
    paragraph_id: str
    change: ChangeKind
    before: str | None
    after: str | None
    moved: bool = False
    segments: list[Segment] = []  # word-level, for changed paragraphs


class DiffStats(msgspec.Struct, kw_only=True):
    unchanged: int
    changed: int
    added: int
    removed: int


def words(before: str, after: str) -> list[Segment]:
    a, b = _WORDS.findall(before), _WORDS.findall(after)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            segments.append(Segment(SegmentOp.equal, "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment(SegmentOp.delete, "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(Segment(SegmentOp.insert, "".join(b[j1:j2])))
    return segments


def paragraph_changes(
    before: Sequence[Paragraph], after: Sequence[Paragraph]
) -> tuple[list[ParagraphChange], DiffStats]:
    """The ``after`` paragraphs in order, with each removed paragraph placed where it stood before."""
    old = {p.id: (i, p) for i, p in enumerate(before)}
    new_ids = {p.id for p in after}
    old_order = [p.id for p in before if p.id in new_ids]
    new_order = [p.id for p in after if p.id in old]
    # Paragraphs outside the longest common ordering moved.
    stay = {
        pid
        for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, old_order, new_order).get_opcodes()
        if tag == "equal"
        for pid in old_order[i1:i2]
    }
    changes: list[ParagraphChange] = []
    removed = [p for p in before if p.id not in new_ids]
    for p in after:
        # Emit removed paragraphs that stood before this one's old position.
        if p.id in old:
            position = old[p.id][0]
            while removed and old[removed[0].id][0] < position:
                gone = removed.pop(0)
                changes.append(
                    ParagraphChange(
                        paragraph_id=gone.id, change=ChangeKind.removed, before=gone.text, after=None
                    )
                )
        if p.id not in old:
            changes.append(
                ParagraphChange(paragraph_id=p.id, change=ChangeKind.added, before=None, after=p.text)
            )
            continue
        previous = old[p.id][1]
        kind = ChangeKind.unchanged if previous.text == p.text else ChangeKind.changed
        changes.append(
            ParagraphChange(
                paragraph_id=p.id,
                change=kind,
                before=previous.text,
                after=p.text,
                moved=p.id not in stay,
                segments=words(previous.text, p.text) if kind is ChangeKind.changed else [],
            )
        )
    changes.extend(
        ParagraphChange(paragraph_id=g.id, change=ChangeKind.removed, before=g.text, after=None)
        for g in removed
    )
    counts = {k: sum(1 for c in changes if c.change is k) for k in ChangeKind}
    stats = DiffStats(
        unchanged=counts[ChangeKind.unchanged],
        changed=counts[ChangeKind.changed],
        added=counts[ChangeKind.added],
        removed=counts[ChangeKind.removed],
    )
    return changes, stats


def unified(
    before: Sequence[Paragraph], after: Sequence[Paragraph], *, from_label: str, to_label: str
) -> str:
    lines = difflib.unified_diff(
        join_body(before).splitlines(keepends=False),
        join_body(after).splitlines(keepends=False),
        fromfile=from_label,
        tofile=to_label,
        lineterm="",
    )
    return "\n".join(lines)


class VersionDiff(msgspec.Struct, kw_only=True):
    message_id: UUID
    language: str
    from_version: int
    to_version: int
    from_content_sha256: str
    to_content_sha256: str
    title_before: str
    title_after: str
    stats: DiffStats
    paragraphs: list[ParagraphChange]
    unified: str  # a unified diff of the Markdown bodies
