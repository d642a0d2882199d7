"""SQL for Messages, their immutable versions, drafters and history (comments, ballots and session reports
have their own repository modules)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal
from igf_hub.messages.actors import public_role
from igf_hub.messages.content import Paragraph
from igf_hub.messages.schemas import HistoryEntry

MESSAGE_COLUMNS = """
id, year, theme, sub_theme, state, source_language, classification, provenance, current_version_number,
approved_version_number, approved_at, approved_by, published_at, public_since, supersedes, superseded_by,
withdrawn_reason, withdrawn_at, next_version_number, next_paragraph_number, languages, created_by, version,
created_at, updated_at, source_url, imported_at, imported_by, import_source"""

# Inserted at version 0: saving the first text (in the same transaction) makes it version 1.
INSERT_MESSAGE = f"""
INSERT INTO messages (year, theme, sub_theme, source_language, classification, provenance, supersedes, created_by,
                      created_at, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 0)
RETURNING {MESSAGE_COLUMNS}"""
SELECT_MESSAGE = f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1"
SELECT_MESSAGE_FOR_UPDATE = f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1 FOR UPDATE"
UPDATE_METADATA = f"""
UPDATE messages SET theme = $2, sub_theme = $3, classification = $4, provenance = $5, updated_at = $6,
                    version = version + 1
WHERE id = $1 RETURNING {MESSAGE_COLUMNS}"""
TOUCH_MESSAGE = (
    f"UPDATE messages SET updated_at = $2, version = version + 1 WHERE id = $1 RETURNING {MESSAGE_COLUMNS}"
)

# One statement for every transition: the columns each target state stamps.
UPDATE_STATE = f"""
UPDATE messages SET
    state = $2, updated_at = $3, version = version + 1,
    public_since = CASE WHEN $2 = 'public_comment' THEN coalesce(public_since, $3) ELSE public_since END,
    approved_version_number = CASE WHEN $2 = 'approved' THEN current_version_number ELSE approved_version_number END,
    approved_at = CASE WHEN $2 = 'approved' THEN $3 ELSE approved_at END,
    approved_by = CASE WHEN $2 = 'approved' THEN $4 ELSE approved_by END,
    published_at = CASE WHEN $2 = 'published' THEN $3 ELSE published_at END,
    withdrawn_at = CASE WHEN $2 = 'withdrawn' THEN $3 ELSE withdrawn_at END,
    withdrawn_reason = CASE WHEN $2 = 'withdrawn' THEN $5 ELSE withdrawn_reason END,
    superseded_by = CASE WHEN $2 = 'superseded' THEN $6 ELSE superseded_by END
WHERE id = $1
RETURNING {MESSAGE_COLUMNS}"""
# A Message from the archive: published on its real date at its source, marked as imported; never approved here.
MARK_ARCHIVED = f"""
UPDATE messages SET state = 'published', published_at = $2, public_since = $2, source_url = $3,
    imported_at = $4, imported_by = $5, import_source = $6, updated_at = $4, version = version + 1
WHERE id = $1
RETURNING {MESSAGE_COLUMNS}"""
SET_SUPERSEDES = f"""
UPDATE messages SET supersedes = $2, updated_at = $3, version = version + 1 WHERE id = $1
RETURNING {MESSAGE_COLUMNS}"""

VERSION_COLUMNS = """
id, message_id, number, language, title, paragraphs, body, content_sha256, is_machine_translation, translation_of,
created_by, created_at"""
# What readers get as a version's author: the role recorded with its "version_saved" history entry.
VERSION_OUT_COLUMNS = """
id, message_id, number, language, title, paragraphs, body, content_sha256, is_machine_translation, translation_of,
coalesce((SELECT h.actor_role FROM message_history h
          WHERE h.message_id = v.message_id AND h.kind = 'version_saved' AND h.version_number = v.number
          ORDER BY h.id LIMIT 1), 'IGF Hub') AS created_by, created_at"""
INSERT_VERSION = f"""
INSERT INTO message_versions (message_id, number, language, title, paragraphs, body, content_sha256,
                              is_machine_translation, translation_of, created_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
RETURNING {VERSION_COLUMNS}"""
# After a version: numbering advances, the current source version moves, and the search text follows.
AFTER_VERSION = f"""
UPDATE messages m SET
    next_version_number = $2 + 1,
    next_paragraph_number = greatest(next_paragraph_number, $3),
    current_version_number = CASE WHEN $4 THEN $2 ELSE current_version_number END,
    updated_at = $5, version = version + 1
WHERE id = $1
RETURNING {MESSAGE_COLUMNS}"""
# What a reader gets (the source text and translations of it) is what the language filter and ?q= see.
REFRESH_SEARCH = """
UPDATE messages m SET
    languages = coalesce((SELECT array_agg(DISTINCT v.language ORDER BY v.language) FROM message_versions v
                          WHERE v.message_id = m.id
                            AND (v.number = m.current_version_number OR v.translation_of = m.current_version_number)),
                         '{}'),
    search_text = concat_ws(' ', m.theme, m.sub_theme,
                            (SELECT string_agg(l.title || ' ' || l.body, ' ')
                             FROM (SELECT DISTINCT ON (v.language) v.title, v.body FROM message_versions v
                                   WHERE v.message_id = m.id
                                     AND (v.number = m.current_version_number
                                          OR v.translation_of = m.current_version_number)
                                   ORDER BY v.language, v.number DESC) l))
WHERE id = $1"""
SELECT_VERSION = f"SELECT {VERSION_OUT_COLUMNS} FROM message_versions v WHERE message_id = $1 AND number = $2"
LIST_VERSIONS = f"""
SELECT {VERSION_OUT_COLUMNS} FROM message_versions v
WHERE message_id = $1 AND ($2::text IS NULL OR language = $2) AND number > $3
ORDER BY number LIMIT $4"""
ALL_VERSIONS = f"SELECT {VERSION_OUT_COLUMNS} FROM message_versions v WHERE message_id = $1 ORDER BY number"
LATEST_OF_LANGUAGE = f"""
SELECT {VERSION_OUT_COLUMNS} FROM message_versions v WHERE message_id = $1 AND language = $2
ORDER BY number DESC LIMIT 1"""
# The texts a reader gets: the source version, and each language's latest translation of that same version.
SELECT_TEXTS = f"""
SELECT DISTINCT ON (language) {VERSION_OUT_COLUMNS} FROM message_versions v
WHERE message_id = $1 AND (number = $2 OR (language <> $3 AND translation_of = $2))
ORDER BY language, number DESC"""

SELECT_DRAFTERS = "SELECT user_id FROM message_drafters WHERE message_id = $1 ORDER BY user_id"
DELETE_DRAFTERS = "DELETE FROM message_drafters WHERE message_id = $1"
INSERT_DRAFTERS = """
INSERT INTO message_drafters (message_id, user_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING"""
DRAFTED_BY = """
SELECT d.message_id FROM message_drafters d JOIN messages m ON m.id = d.message_id
WHERE d.user_id = $1 ORDER BY m.updated_at DESC LIMIT $2"""
IS_DRAFTER = "SELECT EXISTS (SELECT 1 FROM message_drafters WHERE message_id = $1 AND user_id = $2)"

INSERT_HISTORY = """
INSERT INTO message_history (message_id, kind, from_state, to_state, version_number, reason, actor, actor_role, at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"""
# The public record names the actor's role (messages/actors.py), never the subject the audit log keeps.
# The latest $2 entries (NULL: all of them), oldest first.
SELECT_HISTORY = """
SELECT kind, from_state, to_state, version_number, reason, actor, at FROM (
  SELECT id, kind, from_state, to_state, version_number, reason, coalesce(actor_role, 'IGF Hub') AS actor, at
  FROM message_history WHERE message_id = $1 ORDER BY id DESC LIMIT $2
) latest ORDER BY id"""

LIST_MESSAGES = """
SELECT m.id, m.year, m.theme, m.sub_theme, m.state, m.source_language, m.languages, m.current_version_number,
       m.classification, m.created_at, m.updated_at,
       (SELECT v.title FROM message_versions v WHERE v.message_id = m.id AND v.number = m.current_version_number)
         AS title
FROM messages m
WHERE ($1::boolean OR m.public_since IS NOT NULL)
  AND ($2::int IS NULL OR m.year = $2)
  AND ($3::text IS NULL OR m.theme = $3)
  AND ($4::text IS NULL OR m.state = $4)
  AND ($5::text IS NULL OR m.classification @> jsonb_build_object('wsis_action_lines', jsonb_build_array($5::text)))
  AND ($6::int IS NULL OR m.classification @> jsonb_build_object('sdgs', jsonb_build_array($6::int)))
  AND ($7::int IS NULL OR m.classification @> jsonb_build_object('gdc_objectives', jsonb_build_array($7::int)))
  AND ($8::text IS NULL OR $8 = ANY(m.languages))
  AND ($9::text IS NULL OR m.search_text ILIKE '%' || $9 || '%')
  AND ($10::timestamptz IS NULL OR (m.created_at, m.id) < ($10, $11::uuid))
ORDER BY m.created_at DESC, m.id DESC
LIMIT $12"""
# The years and themes of the Messages a reader may list (the archive's filters).
SELECT_FACETS = """
SELECT DISTINCT year, theme FROM messages WHERE ($1::boolean OR public_since IS NOT NULL) ORDER BY year DESC, theme"""
SELECT_YEAR_IDS = """
SELECT id FROM messages WHERE year = $1 AND public_since IS NOT NULL ORDER BY theme, created_at, id"""


class MessageRow(msgspec.Struct, kw_only=True):
    id: UUID
    year: int
    theme: str
    sub_theme: str | None
    state: str
    source_language: str
    classification: dict[str, Any]
    provenance: list[dict[str, Any]]
    current_version_number: int
    approved_version_number: int | None
    approved_at: datetime | None
    approved_by: str | None
    published_at: datetime | None
    public_since: datetime | None
    supersedes: UUID | None
    superseded_by: UUID | None
    withdrawn_reason: str | None
    withdrawn_at: datetime | None
    next_version_number: int
    next_paragraph_number: int
    languages: list[str]
    created_by: str
    version: int
    created_at: datetime
    updated_at: datetime
    source_url: str | None = None
    imported_at: datetime | None = None
    imported_by: str | None = None
    import_source: str | None = None


class VersionRow(msgspec.Struct, kw_only=True):
    id: UUID
    message_id: UUID
    number: int
    language: str
    title: str
    paragraphs: list[Paragraph]
    body: str
    content_sha256: str
    is_machine_translation: bool
    translation_of: int | None
    created_by: str
    created_at: datetime


class SummaryRow(msgspec.Struct, kw_only=True):
    id: UUID
    year: int
    theme: str
    sub_theme: str | None
    state: str
    source_language: str
    languages: list[str]
    current_version_number: int
    classification: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    title: str | None


class MessageFilters(msgspec.Struct, kw_only=True):
    year: int | None = None
    theme: str | None = None
    state: str | None = None
    action_line: str | None = None
    sdg: int | None = None
    gdc_objective: int | None = None
    language: str | None = None
    q: str | None = None


def like_pattern(text: str | None) -> str | None:
    """Search text taken literally inside ILIKE (its own %, _ and \\ are not wildcards)."""
    if text is None:
        return None
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _version(record: asyncpg.Record) -> VersionRow:
    data = dict(record)
    data["paragraphs"] = [Paragraph(p["id"], p["text"]) for p in data["paragraphs"]]
    return VersionRow(**data)


def _message(record: asyncpg.Record | None) -> MessageRow | None:
    return MessageRow(**record) if record is not None else None


class MessageRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def insert(
        self,
        *,
        year: int,
        theme: str,
        sub_theme: str | None,
        language: str,
        classification: object,
        provenance: list[dict[str, Any]],
        supersedes: UUID | None,
        created_by: str,
        now: datetime,
    ) -> MessageRow:
        row = await self.conn.fetchrow(
            INSERT_MESSAGE,
            year,
            theme,
            sub_theme,
            language,
            classification,
            provenance,
            supersedes,
            created_by,
            now,
        )
        return MessageRow(**row)

    async def approved_ids(self) -> list[UUID]:
        """Every Message that has an approved version, oldest approval first (signing them: core/signing.py)."""
        rows = await self.conn.fetch(
            "SELECT id FROM messages WHERE approved_version_number IS NOT NULL ORDER BY approved_at, id"
        )
        return [r["id"] for r in rows]

    async def get(self, message_id: UUID, *, for_update: bool = False) -> MessageRow | None:
        return _message(
            await self.conn.fetchrow(SELECT_MESSAGE_FOR_UPDATE if for_update else SELECT_MESSAGE, message_id)
        )

    async def update_metadata(
        self,
        message_id: UUID,
        *,
        theme: str,
        sub_theme: str | None,
        classification: object,
        provenance: list[dict[str, Any]],
        now: datetime,
    ) -> MessageRow:
        row = await self.conn.fetchrow(
            UPDATE_METADATA, message_id, theme, sub_theme, classification, provenance, now
        )
        return MessageRow(**row)

    async def touch(self, message_id: UUID, now: datetime) -> MessageRow:
        return MessageRow(**await self.conn.fetchrow(TOUCH_MESSAGE, message_id, now))

    async def set_state(
        self,
        message_id: UUID,
        state: str,
        *,
        now: datetime,
        actor: Principal,
        reason: str | None = None,
        superseded_by: UUID | None = None,
    ) -> MessageRow:
        # an approval records the approver's role (public), not the subject (the audit log keeps that)
        row = await self.conn.fetchrow(
            UPDATE_STATE, message_id, state, now, public_role(actor), reason, superseded_by
        )
        return MessageRow(**row)

    async def set_supersedes(self, message_id: UUID, older: UUID, now: datetime) -> MessageRow:
        return MessageRow(**await self.conn.fetchrow(SET_SUPERSEDES, message_id, older, now))

    async def insert_version(
        self,
        *,
        message_id: UUID,
        number: int,
        language: str,
        title: str,
        paragraphs: Sequence[Paragraph],
        body: str,
        content_sha256: str,
        machine: bool,
        translation_of: int | None,
        created_by: str,
        now: datetime,
    ) -> VersionRow:
        row = await self.conn.fetchrow(
            INSERT_VERSION,
            message_id,
            number,
            language,
            title,
            [{"id": p.id, "text": p.text} for p in paragraphs],
            body,
            content_sha256,
            machine,
            translation_of,
            created_by,
            now,
        )
        return _version(row)

    async def after_version(
        self, message_id: UUID, *, number: int, next_paragraph: int, is_source: bool, now: datetime
    ) -> MessageRow:
        row = await self.conn.fetchrow(AFTER_VERSION, message_id, number, next_paragraph, is_source, now)
        await self.conn.execute(REFRESH_SEARCH, message_id)
        return MessageRow(**row)

    async def mark_archived(
        self,
        message_id: UUID,
        *,
        published_at: datetime,
        source_url: str,
        now: datetime,
        by: str,
        source: str,
    ) -> MessageRow:
        row = await self.conn.fetchrow(MARK_ARCHIVED, message_id, published_at, source_url, now, by, source)
        return MessageRow(**row)

    async def refresh_search(self, message_id: UUID) -> None:
        await self.conn.execute(REFRESH_SEARCH, message_id)

    async def version(self, message_id: UUID, number: int) -> VersionRow | None:
        row = await self.conn.fetchrow(SELECT_VERSION, message_id, number)
        return _version(row) if row else None

    async def versions(
        self, message_id: UUID, *, language: str | None, after: int, limit: int
    ) -> list[VersionRow]:
        return [_version(r) for r in await self.conn.fetch(LIST_VERSIONS, message_id, language, after, limit)]

    async def all_versions(self, message_id: UUID) -> list[VersionRow]:
        return [_version(r) for r in await self.conn.fetch(ALL_VERSIONS, message_id)]

    async def latest_of_language(self, message_id: UUID, language: str) -> VersionRow | None:
        row = await self.conn.fetchrow(LATEST_OF_LANGUAGE, message_id, language)
        return _version(row) if row else None

    async def texts(self, message_id: UUID, source_number: int, source_language: str) -> list[VersionRow]:
        return [
            _version(r)
            for r in await self.conn.fetch(SELECT_TEXTS, message_id, source_number, source_language)
        ]

    async def drafters(self, message_id: UUID) -> list[UUID]:
        return [r["user_id"] for r in await self.conn.fetch(SELECT_DRAFTERS, message_id)]

    async def drafted_by(self, user_id: UUID, limit: int) -> list[UUID]:
        return [r["message_id"] for r in await self.conn.fetch(DRAFTED_BY, user_id, limit)]

    async def replace_drafters(self, message_id: UUID, user_ids: Sequence[UUID]) -> None:
        await self.conn.execute(DELETE_DRAFTERS, message_id)
        if user_ids:
            await self.conn.execute(INSERT_DRAFTERS, message_id, list(user_ids))

    async def is_drafter(self, message_id: UUID, user_id: UUID) -> bool:
        found: bool = await self.conn.fetchval(IS_DRAFTER, message_id, user_id)
        return found

    async def add_history(
        self,
        message_id: UUID,
        kind: str,
        *,
        actor: Principal,
        at: datetime,
        from_state: str | None = None,
        to_state: str | None = None,
        version_number: int | None = None,
        reason: str | None = None,
    ) -> None:
        await self.conn.execute(
            INSERT_HISTORY,
            message_id,
            kind,
            from_state,
            to_state,
            version_number,
            reason,
            actor.subject,
            public_role(actor),
            at,
        )

    async def history(self, message_id: UUID, *, latest: int | None = None) -> list[HistoryEntry]:
        return [HistoryEntry(**r) for r in await self.conn.fetch(SELECT_HISTORY, message_id, latest)]

    async def page(
        self, filters: MessageFilters, *, see_all: bool, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[SummaryRow]:
        f = filters
        rows = await self.conn.fetch(
            LIST_MESSAGES,
            see_all,
            f.year,
            f.theme,
            f.state,
            f.action_line,
            f.sdg,
            f.gdc_objective,
            f.language,
            like_pattern(f.q),
            after[0] if after else None,
            after[1] if after else None,
            limit,
        )
        return [SummaryRow(**r) for r in rows]

    async def facets(self, *, see_all: bool) -> list[tuple[int, str]]:
        return [(r["year"], r["theme"]) for r in await self.conn.fetch(SELECT_FACETS, see_all)]

    async def public_ids_of_year(self, year: int) -> list[UUID]:
        return [r["id"] for r in await self.conn.fetch(SELECT_YEAR_IDS, year)]
