"""The site search index (core/search.py, migration 0022): each language's stemming, Chinese bigrams, the order
of the reader's language, marks that are never markup, and the migration's backfill writing what the live path
writes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import pytest

from igf_hub.core import search
from igf_hub.demo.loader import DemoReport

NOW = datetime(2026, 3, 1, tzinfo=UTC)
MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "0022_search.sql"


async def _index(conn: asyncpg.Connection, language: str, title: str, body: str, kind: str = "nri") -> UUID:
    object_id = uuid4()
    doc = search.Document(language=language, title=title, body=body, path=f"/nris/{object_id}")
    await search.replace(conn, kind, object_id, [doc], now=NOW)
    return object_id


async def _found(conn: asyncpg.Connection, q: str, language: str = "en") -> set[UUID]:
    results = await search.search(conn, q, language=language, kind=None, offset=0, limit=50)
    return {hit.object_id for hit in results.hits}


@pytest.mark.parametrize(
    ("language", "title", "body", "query"),
    [
        ("en", "Community networks", "Dialogues on rural connectivity.", "dialogue"),
        ("fr", "Forum national", "Autour des langues locales et de la confiance numérique.", "langue locale"),
        ("es", "Foro nacional", "Sesiones en las provincias sobre conectividad rural.", "provincia"),
        ("ru", "Российский диалог", "Площадка для диалога государства и бизнеса.", "диалогом"),
        ("ar", "المبادرات الوطنية", "منتدى لحوكمة الإنترنت.", "المبادرة"),
        ("zh", "中国互联网治理对话", "讨论普遍接入、数据治理和网络安全。", "治理"),
    ],
)
async def test_each_language_finds_another_form_of_a_word(
    db: asyncpg.Pool, language: str, title: str, body: str, query: str
) -> None:
    async with db.acquire() as conn:
        wanted = await _index(conn, language, title, body)
        other = await _index(conn, language, "Unrelated", "Nothing here to see.")
        found = await _found(conn, query, language)
    assert wanted in found
    assert other not in found


async def test_chinese_finds_any_substring_and_one_character(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        dialogue = await _index(conn, "zh", "中国互联网治理对话", "一个年度对话平台。")
        security = await _index(conn, "zh", "网络安全论坛", "讨论数据保护。")
        assert await _found(conn, "互联网治理", "zh") == {dialogue}
        assert await _found(conn, "联网治", "zh") == {dialogue}  # not a word: a substring all the same
        assert await _found(conn, "话", "zh") == {dialogue}  # the last character of a run
        assert await _found(conn, "网", "zh") == {dialogue, security}
        assert await _found(conn, "治理 平台", "zh") == {dialogue}  # every word required
        assert await _found(conn, "治理对论", "zh") == set()  # characters in another order are another word


async def test_the_readers_language_comes_first_and_each_object_once(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        english, spanish = uuid4(), uuid4()
        await search.replace(
            conn,
            "message",
            english,
            [search.Document(language="en", title="Internet forum", body="", path="/a")],
            now=NOW,
        )
        await search.replace(
            conn,
            "message",
            spanish,
            [
                search.Document(language="en", title="Internet forum", body="", path="/b?text=en"),
                search.Document(language="es", title="Foro de Internet", body="", path="/b?text=es"),
            ],
            now=NOW,
        )
        results = await search.search(conn, "internet", language="es", kind=None, offset=0, limit=10)
    assert [(h.object_id, h.language, h.in_reader_language) for h in results.hits] == [
        (spanish, "es", True),
        (english, "en", False),
    ]


async def test_matches_come_back_as_pieces_of_plain_text(db: asyncpg.Pool) -> None:
    """The page escapes every piece (templates/search.html): a document's own markup stays text."""
    async with db.acquire() as conn:
        await _index(conn, "en", "<script>alert(1)</script> forum", "A <b>forum</b> & more")
        await _index(conn, "zh", "<i>论坛</i>", "关于论坛的<b>说明</b>")
        hits = (await search.search(conn, "forum", language="en", kind=None, offset=0, limit=5)).hits
        zh = (await search.search(conn, "论坛", language="zh", kind=None, offset=0, limit=5)).hits
    assert hits[0].title == [("<script>alert(1)</script> ", False), ("forum", True)]
    # ts_headline leaves a body's tags out of an excerpt
    assert [(text.strip(), match) for text, match in hits[0].excerpt] == [("forum", True), ("& more", False)]
    assert zh[0].title == [("<i>", False), ("论坛", True), ("</i>", False)]
    assert zh[0].excerpt == [("关于", False), ("论坛", True), ("的<b>说明</b>", False)]


async def test_pages_and_kinds(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        for n in range(3):
            await _index(conn, "en", f"Forum {n}", "", kind="track")
        await _index(conn, "en", "Forum of an NRI", "", kind="nri")
        first = await search.search(conn, "forum", language="en", kind="track", offset=0, limit=2)
        second = await search.search(conn, "forum", language="en", kind="track", offset=2, limit=2)
        assert await search.counts(conn, "forum") == {"track": 3, "nri": 1}
    assert len(first.hits) == 2 and first.has_more
    assert len(second.hits) == 1 and not second.has_more
    assert {h.kind for h in first.hits + second.hits} == {"track"}


def _backfill() -> str:
    text = MIGRATION.read_text()
    found = re.search(r"-- backfill:begin\n(.*)-- backfill:end", text, re.S)
    assert found
    return found.group(1)


async def test_the_backfill_writes_what_the_services_wrote(db: asyncpg.Pool, demo: DemoReport) -> None:
    """The demo is loaded through the services (the live path); the migration's backfill, run over the same
    rows, writes the same documents."""
    columns = (
        "SELECT kind, object_id, language, title, body, path, document FROM search_documents ORDER BY 1, 2, 3"
    )
    async with db.acquire() as conn:
        live = [tuple(r) for r in await conn.fetch(columns)]
        async with conn.transaction():
            await conn.execute("DELETE FROM search_documents")
            await conn.execute(_backfill())
        backfilled = [tuple(r) for r in await conn.fetch(columns)]
    assert {r[0] for r in live} == {"nri", "track", "track_output", "message"}
    assert backfilled == live


async def test_nothing_private_is_indexed(db: asyncpg.Pool, demo: DemoReport) -> None:
    async with db.acquire() as conn:
        private = await conn.fetch(
            """
            SELECT d.kind, d.title FROM search_documents d
            LEFT JOIN nris n ON d.kind = 'nri' AND n.id = d.object_id
            LEFT JOIN track_outputs o ON d.kind = 'track_output' AND o.id = d.object_id
            LEFT JOIN messages m ON d.kind = 'message' AND m.id = d.object_id
            WHERE (d.kind = 'nri' AND n.recognised_at IS NULL)
               OR (d.kind = 'track_output' AND o.status <> 'published')
               OR (d.kind = 'message' AND m.public_since IS NULL)"""
        )
        drafts = await conn.fetchval("SELECT count(*) FROM messages WHERE public_since IS NULL")
        registrations = await conn.fetchval("SELECT count(*) FROM nris WHERE recognised_at IS NULL")
    assert private == []
    assert drafts and registrations  # the demo has both: the check above means something
