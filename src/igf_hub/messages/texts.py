"""Turn a submitted text (Markdown body or explicit paragraphs) into paragraphs with stable ids, collecting
every problem as a FieldError."""

from __future__ import annotations

from collections.abc import Sequence

from igf_hub.core.errors import FieldError
from igf_hub.messages.content import IdAllocator, Paragraph, match_ids, normalise, split_body
from igf_hub.messages.schemas import TextIn


def source_paragraphs(
    data: TextIn, previous: Sequence[Paragraph], ids: IdAllocator
) -> tuple[list[Paragraph], list[FieldError]]:
    """A new authoritative text: ids continue the previous version's paragraphs where the text continues them."""
    errors: list[FieldError] = []
    if data.body is not None:
        texts = split_body(data.body)
        if not texts:
            return [], [FieldError("/body", "the body has no text")]
        return match_ids(texts, previous, ids), []
    known = {p.id for p in previous}
    result: list[Paragraph] = []
    used: set[str] = set()
    for i, given in enumerate(data.paragraphs or []):
        text = normalise(given.text)
        if not text:
            errors.append(FieldError(f"/paragraphs/{i}/text", "the paragraph has no text"))
        elif len(split_body(text)) > 1:
            errors.append(
                FieldError(f"/paragraphs/{i}/text", "a paragraph cannot contain a blank line: split it")
            )
        if given.id is None:
            result.append(Paragraph(ids.new(), text))
            continue
        if given.id not in known:
            errors.append(
                FieldError(
                    f"/paragraphs/{i}/id",
                    f"{given.id} is not a paragraph of the current text; omit id for a new one",
                )
            )
        elif given.id in used:
            errors.append(FieldError(f"/paragraphs/{i}/id", f"{given.id} is used twice"))
        used.add(given.id)
        result.append(Paragraph(given.id, text))
    return result, errors


def translation_paragraphs(
    data: TextIn, source: Sequence[Paragraph]
) -> tuple[list[Paragraph], list[FieldError]]:
    """A translation keeps the source's paragraph ids, paragraph for paragraph, so comments line up."""
    source_ids = [p.id for p in source]
    if data.body is not None:
        texts = split_body(data.body)
        if len(texts) != len(source_ids):
            return [], [
                FieldError(
                    "/body",
                    f"the translation has {len(texts)} paragraphs and the source has {len(source_ids)}: "
                    "translate it paragraph for paragraph",
                )
            ]
        return [Paragraph(pid, text) for pid, text in zip(source_ids, texts, strict=True)], []
    given = data.paragraphs or []
    errors: list[FieldError] = []
    if len(given) != len(source_ids):
        errors.append(
            FieldError("/paragraphs", f"{len(given)} paragraphs given; the source has {len(source_ids)}")
        )
    result = []
    for i, (paragraph, pid) in enumerate(zip(given, source_ids, strict=False)):
        text = normalise(paragraph.text)
        if not text or len(split_body(text)) > 1:
            errors.append(FieldError(f"/paragraphs/{i}/text", "one paragraph of text, without blank lines"))
        if paragraph.id is not None and paragraph.id != pid:
            errors.append(
                FieldError(f"/paragraphs/{i}/id", f"expected {pid}: the source's paragraphs, in order")
            )
        result.append(Paragraph(pid, text))
    return result, errors
