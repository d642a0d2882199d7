"""Each domain keeps its search documents in step with its objects, in the same transaction (core/search.py;
nri/, tracks/ and messages/ search_index.py): an object appears when it becomes public, follows its edits, and
is never found before."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from igf_hub.auth.principal import Grant, Principal, PrincipalKind, Role
from igf_hub.core import search
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.demo.loader import DemoReport
from igf_hub.messages.lifecycle_service import MessageLifecycle
from igf_hub.messages.schemas import OpenPublicComment
from igf_hub.nri.schemas import NriDecision, NriPatch
from igf_hub.nri.service import NriService
from igf_hub.tracks.output_schemas import OutputCreate, OutputKind
from igf_hub.tracks.output_service import OutputService

SECRETARIAT = Principal(
    kind=PrincipalKind.client, subject="client:tests", grants=(Grant(role=Role.secretariat),)
)


async def _found(conn: asyncpg.Connection, q: str, kind: str, language: str = "en") -> set[UUID]:
    results = await search.search(conn, q, language=language, kind=kind, offset=0, limit=50)
    return {hit.object_id for hit in results.hits}


async def test_an_nri_appears_when_recognised_and_follows_its_edits(
    db: asyncpg.Pool, demo: DemoReport, clock: Clock, settings: Settings
) -> None:
    async with db.acquire() as conn:
        nri_id = await conn.fetchval("SELECT id FROM nris WHERE name = 'Nepal Digital Dialogue'")
        assert await _found(conn, "Nepal", "nri") == set()  # under review: not public
        nris = NriService(conn, clock, settings)
        async with conn.transaction():
            await nris.recognise(
                nri_id, NriDecision(reason="Meets the criteria."), expected_version=None, actor=SECRETARIAT
            )
        assert await _found(conn, "Nepal", "nri") == {nri_id}
        version = (await nris.get(nri_id, actor=SECRETARIAT)).version
        async with conn.transaction():
            await nris.patch(
                nri_id,
                NriPatch(description="Yearly sessions on mountain connectivity."),
                expected_version=version,
                actor=SECRETARIAT,
            )
        assert await _found(conn, "mountains", "nri") == {nri_id}  # stemmed: the new text
        assert await _found(conn, "connectivity mountain", "nri") == {nri_id}


async def test_an_edit_rolled_back_leaves_the_index_as_it_was(
    db: asyncpg.Pool, demo: DemoReport, clock: Clock, settings: Settings
) -> None:
    async with db.acquire() as conn:
        nri_id = await conn.fetchval("SELECT id FROM nris WHERE name = 'Kenya Open Internet Dialogue'")
        nris = NriService(conn, clock, settings)
        version = (await nris.get(nri_id, actor=SECRETARIAT)).version
        tr = conn.transaction()
        await tr.start()
        await nris.patch(
            nri_id, NriPatch(description="Savannah broadband."), expected_version=version, actor=SECRETARIAT
        )
        assert await _found(conn, "savannah", "nri") == {nri_id}
        await tr.rollback()
        assert await _found(conn, "savannah", "nri") == set()
        assert await _found(conn, "Kenya", "nri") == {nri_id}


async def test_a_draft_message_appears_once_open_for_comment(
    db: asyncpg.Pool, demo: DemoReport, clock: Clock, settings: Settings
) -> None:
    async with db.acquire() as conn:
        draft = await conn.fetchrow(
            """SELECT m.id, v.title FROM messages m JOIN message_versions v ON v.message_id = m.id
               WHERE m.state = 'draft' AND m.public_since IS NULL ORDER BY m.created_at LIMIT 1"""
        )
        assert await _found(conn, f'"{draft["title"]}"', "message") == set()
        async with conn.transaction():
            await MessageLifecycle(conn, clock, settings).transition(
                draft["id"], OpenPublicComment(), actor=SECRETARIAT, expected_version=None
            )
        assert draft["id"] in await _found(conn, f'"{draft["title"]}"', "message")


async def test_an_output_appears_when_published(
    db: asyncpg.Pool, demo: DemoReport, clock: Clock, settings: Settings
) -> None:
    async with db.acquire() as conn:
        slug = await conn.fetchval(
            "SELECT slug FROM tracks WHERE status = 'active' AND type = 'dynamic_coalition' ORDER BY slug LIMIT 1"
        )
        outputs = OutputService(conn, clock, settings)
        async with conn.transaction():
            draft = await outputs.create(
                slug,
                OutputCreate(
                    title="Toolkit for quokka habitats",
                    kind=OutputKind.toolkit,
                    year=2026,
                    text="Quokkas online.",
                ),
                actor=SECRETARIAT,
            )
        assert await _found(conn, "quokka", "track_output") == set()
        async with conn.transaction():
            await outputs.publish(draft.id, expected_version=None, actor=SECRETARIAT)
        assert await _found(conn, "quokka", "track_output") == {draft.id}
