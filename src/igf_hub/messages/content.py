"""Message texts: paragraphs with stable ids, and the canonical encoding their SHA-256 is computed over.

**Canonical encoding** (what ``content_sha256`` covers): the UTF-8 bytes of the JSON object
``{"language": <tag>, "paragraphs": [{"id": <id>, "text": <text>}, ...], "title": <title>}`` serialised per
RFC 8785 (JCS) — object keys sorted, no insignificant whitespace, strings as themselves (only ``"``, ``\\``
and control characters escaped), paragraphs in document order. Before encoding every string is Unicode
NFC-normalised, line endings are LF and each paragraph and the title are stripped of surrounding
whitespace. Nothing else (author, time, machine-translation label) is part of the content, so the same
text always has the same hash, and anyone can recompute it from ``GET …/versions/{n}``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import unicodedata
from collections.abc import Sequence

import msgspec

PARAGRAPH_ID_PATTERN = r"^p[1-9][0-9]{0,5}$"
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# A paragraph rewritten this much or less keeps its id (difflib ratio of the old and new text).
KEEP_ID_SIMILARITY = 0.5
# Beyond this many (left-over old x new) pairs, moved paragraphs are not searched for (they get new ids).
MAX_PAIRINGS = 10_000


class Paragraph(msgspec.Struct, frozen=True):
    id: str
    text: str


def normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def split_body(body: str) -> list[str]:
    """Markdown paragraphs: blocks separated by blank lines."""
    return [p for p in (normalise(block) for block in _BLANK_LINE.split(normalise(body))) if p]


def join_body(paragraphs: Sequence[Paragraph]) -> str:
    return "\n\n".join(p.text for p in paragraphs)


def canonical_bytes(language: str, title: str, paragraphs: Sequence[Paragraph]) -> bytes:
    document = {
        "language": language,
        "paragraphs": [{"id": p.id, "text": normalise(p.text)} for p in paragraphs],
        "title": normalise(title),
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def content_sha256(language: str, title: str, paragraphs: Sequence[Paragraph]) -> str:
    return hashlib.sha256(canonical_bytes(language, title, paragraphs)).hexdigest()


class IdAllocator:
    """Hands out new paragraph ids (p1, p2 …) for one Message, never reusing a number."""

    def __init__(self, next_number: int) -> None:
        self.next_number = next_number

    def new(self) -> str:
        pid = f"p{self.next_number}"
        self.next_number += 1
        return pid


def match_ids(texts: Sequence[str], previous: Sequence[Paragraph], ids: IdAllocator) -> list[Paragraph]:
    """Give each new paragraph the id of the paragraph it continues in ``previous``.

    Unchanged paragraphs keep their id wherever they move; edited ones keep it when they sit where the old
    one sat and are still similar enough; everything else is new.
    """
    old_texts = [p.text for p in previous]
    result: list[Paragraph | None] = [None] * len(texts)
    used: set[str] = set()
    matcher = difflib.SequenceMatcher(None, old_texts, list(texts), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                result[j1 + k] = Paragraph(previous[i1 + k].id, texts[j1 + k])
                used.add(previous[i1 + k].id)
        elif tag == "replace":
            for k in range(min(i2 - i1, j2 - j1)):
                old, new = previous[i1 + k], texts[j1 + k]
                if difflib.SequenceMatcher(None, old.text, new, autojunk=False).ratio() >= KEEP_ID_SIMILARITY:
                    result[j1 + k] = Paragraph(old.id, new)
                    used.add(old.id)
    # Paragraphs that moved (edited or not) keep their id: pair what is left by similarity, best first.
    left_old = [p for p in previous if p.id not in used]
    left_new = [j for j, p in enumerate(result) if p is None]
    if left_old and left_new and len(left_old) * len(left_new) <= MAX_PAIRINGS:
        scored = []
        for j in left_new:
            for old in left_old:
                matcher = difflib.SequenceMatcher(None, old.text, texts[j], autojunk=False)
                if (
                    matcher.real_quick_ratio() >= KEEP_ID_SIMILARITY
                    and matcher.quick_ratio() >= KEEP_ID_SIMILARITY
                ):
                    ratio = matcher.ratio()
                    if ratio >= KEEP_ID_SIMILARITY:
                        scored.append((-ratio, j, old.id))
        for _, j, pid in sorted(scored):
            if result[j] is None and pid not in used:
                result[j] = Paragraph(pid, texts[j])
                used.add(pid)
    return [p if p is not None else Paragraph(ids.new(), texts[j]) for j, p in enumerate(result)]
