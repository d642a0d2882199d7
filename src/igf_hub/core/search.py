"""Site search: the ``search_documents`` index every domain writes its public objects into, and its queries.

No domain owns the index, so it lives here (like the outbox). Each domain says what its objects' documents are
(``<domain>/search_index.py``) and rewrites them from its in-transaction outbox handler, so a document changes
in the same transaction as its object: a search never finds what the public may not read, and never misses a
change that committed. One row per object per language it has a text in; the tsvector is built in the
database with that language's text search configuration (migration 0022: ``search_document``, with Chinese cut
into bigrams). A query runs in each language's own configuration (``search_query``), so a French plural finds
its singular in French documents and a Chinese word finds any text that contains it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

import asyncpg
import msgspec

# The six UN languages, the ones the index has configurations for.
LANGUAGES = ("ar", "en", "es", "fr", "ru", "zh")
KINDS = ("nri", "track", "track_output", "message")
MAX_QUERY = 200  # characters: a longer "query" is a pasted document, not a search

# ts_headline marks matches between these; the text comes back as pieces (text, is it a match), which the page
# escapes like any text, so a document's own text can never be markup.
_START, _STOP = "\x02", "\x03"
_HEADLINE = (
    f'StartSel={_START}, StopSel={_STOP}, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=" … "'
)

DELETE_DOCUMENTS = "DELETE FROM search_documents WHERE kind = $1 AND object_id = $2"
INSERT_DOCUMENTS = """
INSERT INTO search_documents (kind, object_id, language, title, body, path, updated_at)
SELECT $1, $2, d.language, d.title, d.body, d.path, $3
FROM unnest($4::text[], $5::text[], $6::text[], $7::text[]) AS d (language, title, body, path)"""

# Each language's documents against the query in that language's configuration, written out per language so
# that every branch can use the GIN index.
_MATCH = " OR ".join(
    f"(d.language = '{code}' AND d.document @@ search_query('{code}', $1))" for code in LANGUAGES
)
MATCHING_IDS = f"SELECT DISTINCT d.object_id FROM search_documents d WHERE d.kind = $2 AND ({_MATCH})"
# The best document of each object: the reader's language first, then the best rank; then the page of those.
SEARCH = f"""
WITH best AS (
    SELECT DISTINCT ON (d.kind, d.object_id)
           d.kind, d.object_id, d.language, d.title, d.body, d.path,
           ts_rank(d.document, search_query(d.language, $1)) AS rank, d.language = $2 AS preferred
    FROM search_documents d
    WHERE ({_MATCH}) AND ($3::text IS NULL OR d.kind = $3)
    ORDER BY d.kind, d.object_id, d.language = $2 DESC, rank DESC, d.language
), page AS (
    SELECT * FROM best ORDER BY preferred DESC, rank DESC, title, kind, object_id OFFSET $4 LIMIT $5
)
SELECT kind, object_id, language, path, title, body, preferred,
       CASE WHEN language = 'zh' THEN NULL
            ELSE ts_headline(search_config(language), title, search_query(language, $1),
                             'HighlightAll=true, StartSel={_START}, StopSel={_STOP}') END AS title_marked,
       CASE WHEN language = 'zh' THEN NULL
            ELSE ts_headline(search_config(language), body, search_query(language, $1), '{_HEADLINE}') END
           AS body_marked
FROM page ORDER BY preferred DESC, rank DESC, title, kind, object_id"""
COUNT_BY_KIND = f"""
SELECT d.kind, count(DISTINCT d.object_id) AS found FROM search_documents d WHERE {_MATCH} GROUP BY d.kind"""


class Document(msgspec.Struct, frozen=True, kw_only=True):
    """One object's text in one language, as the public reads it, and where (a path without language)."""

    language: str
    title: str
    body: str
    path: str


Marked = list[tuple[str, bool]]  # a text in pieces, each a match of the query or not


class Hit(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    object_id: UUID
    language: str
    path: str
    title: Marked
    excerpt: Marked
    in_reader_language: bool


class Results(msgspec.Struct, frozen=True, kw_only=True):
    hits: list[Hit]
    has_more: bool


def languages_of(tags: Iterable[str]) -> list[str]:
    """The UN languages among language tags (``es``, ``fr-CA``), in the index's order; English when none: an
    object's text without a language we have a configuration for is searched as English."""
    found = {tag.split("-")[0].lower() for tag in tags}
    return [code for code in LANGUAGES if code in found] or ["en"]


async def replace(
    conn: asyncpg.Connection, kind: str, object_id: UUID, documents: Sequence[Document], *, now: datetime
) -> None:
    """The object's documents are now these (none: it is not, or no longer, public). In the caller's
    transaction."""
    await conn.execute(DELETE_DOCUMENTS, kind, object_id)
    if documents:
        await conn.execute(
            INSERT_DOCUMENTS,
            kind,
            object_id,
            now,
            [d.language for d in documents],
            [d.title for d in documents],
            [d.body for d in documents],
            [d.path for d in documents],
        )


async def matching_ids(conn: asyncpg.Connection, kind: str, q: str) -> list[UUID]:
    """The objects of one kind whose text in any language matches ``q``."""
    return [row["object_id"] for row in await conn.fetch(MATCHING_IDS, q, kind)]


async def search(
    conn: asyncpg.Connection, q: str, *, language: str, kind: str | None, offset: int, limit: int
) -> Results:
    """A page of the objects matching ``q``: those with a text in the reader's ``language`` first, each shown
    in that language when it has one, with its matches marked."""
    rows = await conn.fetch(SEARCH, q, language, kind, offset, limit + 1)
    hits = [
        Hit(
            kind=row["kind"],
            object_id=row["object_id"],
            language=row["language"],
            path=row["path"],
            title=_marked(row["title_marked"])
            if row["title_marked"] is not None
            else _han_marked(row["title"], q),
            excerpt=_marked(row["body_marked"])
            if row["body_marked"] is not None
            else _han_marked(_han_excerpt(row["body"], q), q),
            in_reader_language=row["preferred"],
        )
        for row in rows[:limit]
    ]
    return Results(hits=hits, has_more=len(rows) > limit)


async def counts(conn: asyncpg.Connection, q: str) -> dict[str, int]:
    """How many objects of each kind match ``q``."""
    return {row["kind"]: row["found"] for row in await conn.fetch(COUNT_BY_KIND, q)}


def _marked(headline: str) -> Marked:
    """ts_headline's text in pieces: its matches, and the text between them."""
    pieces: Marked = []
    for n, part in enumerate(re.split(f"[{_START}{_STOP}]", headline)):
        if part:
            pieces.append((part, n % 2 == 1))
    return pieces


def _han_terms(q: str) -> list[str]:
    return sorted({term for term in q.split() if term}, key=len, reverse=True)


def _han_excerpt(body: str, q: str, width: int = 60) -> str:
    """About ``width`` characters of a Chinese text around its first match (ts_headline knows no bigrams)."""
    flat = " ".join(body.split())
    at = min((i for term in _han_terms(q) if (i := flat.find(term)) >= 0), default=0)
    start = max(0, at - width // 3)
    end = start + width
    return ("… " if start else "") + flat[start:end] + (" …" if end < len(flat) else "")


def _han_marked(text: str, q: str) -> Marked:
    """``text`` in pieces: each occurrence of the query's words, and the text between them."""
    terms = _han_terms(q)
    if not terms:
        return [(text, False)] if text else []
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    pieces: Marked = []
    last = 0
    for found in pattern.finditer(text):
        if found.start() > last:
            pieces.append((text[last : found.start()], False))
        pieces.append((found.group(), True))
        last = found.end()
    if last < len(text):
        pieces.append((text[last:], False))
    return pieces
