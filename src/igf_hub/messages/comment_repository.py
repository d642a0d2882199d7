"""SQL for public comment rounds and comments with their dispositions."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
import msgspec

ROUND_COLUMNS = "id, message_id, number, version_number, opens_at, closes_at, closed_at, opened_by"
INSERT_ROUND = f"""
INSERT INTO message_comment_rounds (message_id, number, version_number, opens_at, closes_at, opened_by)
VALUES ($1, (SELECT coalesce(max(number), 0) + 1 FROM message_comment_rounds WHERE message_id = $1), $2, $3, $4, $5)
RETURNING {ROUND_COLUMNS}"""
SELECT_LATEST_ROUND = f"""
SELECT {ROUND_COLUMNS} FROM message_comment_rounds WHERE message_id = $1 ORDER BY number DESC LIMIT 1"""
SELECT_OPEN_ROUND = (
    f"SELECT {ROUND_COLUMNS} FROM message_comment_rounds WHERE message_id = $1 AND closed_at IS NULL"
)
CLOSE_ROUND = f"UPDATE message_comment_rounds SET closed_at = $2 WHERE id = $1 RETURNING {ROUND_COLUMNS}"
SELECT_DUE_ROUNDS = """
SELECT message_id FROM message_comment_rounds WHERE closed_at IS NULL AND closes_at <= $1 ORDER BY closes_at"""
# Open windows that close within the notice period (48 hours), with what a notice about one says.
SELECT_CLOSING_ROUNDS = """
SELECT r.message_id, r.number, r.closes_at, m.year, m.theme, v.title
FROM message_comment_rounds r JOIN messages m ON m.id = r.message_id
JOIN message_versions v ON v.message_id = r.message_id AND v.number = r.version_number
    AND v.language = m.source_language
WHERE r.closed_at IS NULL AND m.state = 'public_comment' AND r.closes_at > $1 AND r.closes_at <= $2
ORDER BY r.closes_at"""

COMMENT_COLUMNS = """
c.id, c.message_id, r.number AS round_number, c.version_number, c.paragraph_id, c.author_user_id,
c.stakeholder_group, c.country, c.language, c.display_name, c.body, c.created_at, c.disposition, c.rationale,
c.disposition_version_number, c.duplicate_of, c.disposed_by, c.disposed_at, c.version, c.hidden_at, c.hidden_reason"""
INSERT_COMMENT = """
INSERT INTO message_comments (message_id, round_id, version_number, paragraph_id, author_user_id, author_subject,
                              display_name, stakeholder_group, country, language, body, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
RETURNING id"""
SELECT_COMMENT = f"""
SELECT {COMMENT_COLUMNS} FROM message_comments c JOIN message_comment_rounds r ON r.id = c.round_id
WHERE c.message_id = $1 AND c.id = $2"""
FIND_COMMENT = """
SELECT id, message_id, paragraph_id, stakeholder_group, country FROM message_comments WHERE id = $1"""
LOCK_COMMENT = "SELECT id FROM message_comments WHERE message_id = $1 AND id = $2 FOR UPDATE"
LIST_COMMENTS = f"""
SELECT {COMMENT_COLUMNS} FROM message_comments c JOIN message_comment_rounds r ON r.id = c.round_id
WHERE c.message_id = $1
  AND ($2::int IS NULL OR r.number = $2)
  AND ($3::text IS NULL OR c.paragraph_id = $3)
  AND ($4::text IS NULL OR c.disposition = $4)
  AND ($5::boolean IS NULL OR (c.disposition IS NOT NULL) = $5)
  AND ($6::uuid IS NULL OR c.author_user_id = $6)
  AND ($7::timestamptz IS NULL OR (c.created_at, c.id) > ($7, $8::uuid))
ORDER BY c.created_at, c.id
LIMIT $9"""
ALL_COMMENTS = f"""
SELECT {COMMENT_COLUMNS} FROM message_comments c JOIN message_comment_rounds r ON r.id = c.round_id
WHERE c.message_id = $1 ORDER BY c.created_at, c.id"""
SELECT_UNDISPOSED = """
SELECT id FROM message_comments WHERE message_id = $1 AND disposition IS NULL ORDER BY created_at, id"""
COUNTS = """
SELECT count(*) AS total, count(*) FILTER (WHERE disposition IS NULL) AS undisposed
FROM message_comments WHERE message_id = $1"""
HIDE_COMMENT = """
UPDATE message_comments SET hidden_at = $3, hidden_reason = $4, hidden_by = $5, updated_at = $3, version = version + 1
WHERE message_id = $1 AND id = $2"""
SET_DISPOSITION = """
UPDATE message_comments SET disposition = $3, rationale = $4, disposition_version_number = $5, duplicate_of = $6,
                            disposed_by = $7, disposed_at = $8, updated_at = $8, version = version + 1
WHERE message_id = $1 AND id = $2"""


class RoundRow(msgspec.Struct, kw_only=True):
    id: UUID
    message_id: UUID
    number: int
    version_number: int
    opens_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    opened_by: str


class CommentRow(msgspec.Struct, kw_only=True):
    id: UUID
    message_id: UUID
    round_number: int
    version_number: int
    paragraph_id: str | None
    author_user_id: UUID | None
    stakeholder_group: str
    country: str
    language: str
    display_name: str | None
    body: str
    created_at: datetime
    disposition: str | None
    rationale: str | None
    disposition_version_number: int | None
    duplicate_of: UUID | None
    disposed_by: str | None
    disposed_at: datetime | None
    version: int
    hidden_at: datetime | None = None
    hidden_reason: str | None = None


class CommentLocator(msgspec.Struct, kw_only=True):
    id: UUID
    message_id: UUID
    paragraph_id: str | None
    stakeholder_group: str
    country: str


class CommentFilters(msgspec.Struct, kw_only=True):
    round_number: int | None = None
    paragraph_id: str | None = None
    disposition: str | None = None
    disposed: bool | None = None
    author: UUID | None = None


# A deleted account's published name leaves its comments (the comments stay): people/account_service.py.
FORGET_AUTHOR_NAME = """
UPDATE message_comments SET display_name = NULL WHERE author_user_id = $1 AND display_name IS NOT NULL"""


class CommentRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def forget_author_name(self, user_id: UUID) -> int:
        status: str = await self.conn.execute(FORGET_AUTHOR_NAME, user_id)
        return int(status.split()[-1])

    async def open_round(
        self,
        message_id: UUID,
        *,
        version_number: int,
        opens_at: datetime,
        closes_at: datetime,
        opened_by: str,
    ) -> RoundRow:
        row = await self.conn.fetchrow(
            INSERT_ROUND, message_id, version_number, opens_at, closes_at, opened_by
        )
        return RoundRow(**row)

    async def latest_round(self, message_id: UUID) -> RoundRow | None:
        row = await self.conn.fetchrow(SELECT_LATEST_ROUND, message_id)
        return RoundRow(**row) if row else None

    async def open_round_of(self, message_id: UUID) -> RoundRow | None:
        row = await self.conn.fetchrow(SELECT_OPEN_ROUND, message_id)
        return RoundRow(**row) if row else None

    async def close_round(self, round_id: UUID, now: datetime) -> RoundRow:
        return RoundRow(**await self.conn.fetchrow(CLOSE_ROUND, round_id, now))

    async def due_round_messages(self, now: datetime) -> list[UUID]:
        return [r["message_id"] for r in await self.conn.fetch(SELECT_DUE_ROUNDS, now)]

    async def closing_rounds(self, now: datetime, until: datetime) -> list[asyncpg.Record]:
        return list(await self.conn.fetch(SELECT_CLOSING_ROUNDS, now, until))

    async def insert(
        self,
        *,
        message_id: UUID,
        round_id: UUID,
        version_number: int,
        paragraph_id: str | None,
        author_user_id: UUID | None,
        author_subject: str,
        display_name: str | None,
        stakeholder_group: str,
        country: str,
        language: str,
        body: str,
        now: datetime,
    ) -> UUID:
        comment_id: UUID = await self.conn.fetchval(
            INSERT_COMMENT,
            message_id,
            round_id,
            version_number,
            paragraph_id,
            author_user_id,
            author_subject,
            display_name,
            stakeholder_group,
            country,
            language,
            body,
            now,
        )
        return comment_id

    async def get(self, message_id: UUID, comment_id: UUID, *, for_update: bool = False) -> CommentRow | None:
        if for_update and await self.conn.fetchval(LOCK_COMMENT, message_id, comment_id) is None:
            return None
        row = await self.conn.fetchrow(SELECT_COMMENT, message_id, comment_id)
        return CommentRow(**row) if row else None

    async def find(self, comment_id: UUID) -> CommentLocator | None:
        row = await self.conn.fetchrow(FIND_COMMENT, comment_id)
        return CommentLocator(**row) if row else None

    async def page(
        self, message_id: UUID, filters: CommentFilters, *, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[CommentRow]:
        f = filters
        rows = await self.conn.fetch(
            LIST_COMMENTS,
            message_id,
            f.round_number,
            f.paragraph_id,
            f.disposition,
            f.disposed,
            f.author,
            after[0] if after else None,
            after[1] if after else None,
            limit,
        )
        return [CommentRow(**r) for r in rows]

    async def all(self, message_id: UUID) -> list[CommentRow]:
        return [CommentRow(**r) for r in await self.conn.fetch(ALL_COMMENTS, message_id)]

    async def undisposed_ids(self, message_id: UUID) -> list[UUID]:
        return [r["id"] for r in await self.conn.fetch(SELECT_UNDISPOSED, message_id)]

    async def counts(self, message_id: UUID) -> tuple[int, int]:
        row = await self.conn.fetchrow(COUNTS, message_id)
        return row["total"], row["undisposed"]

    async def hide(
        self, message_id: UUID, comment_id: UUID, *, reason: str, actor: str, now: datetime
    ) -> None:
        await self.conn.execute(HIDE_COMMENT, message_id, comment_id, now, reason, actor)

    async def set_disposition(
        self,
        message_id: UUID,
        comment_id: UUID,
        *,
        outcome: str,
        rationale: str,
        version_number: int | None,
        duplicate_of: UUID | None,
        actor: str,
        now: datetime,
    ) -> None:
        await self.conn.execute(
            SET_DISPOSITION,
            message_id,
            comment_id,
            outcome,
            rationale,
            version_number,
            duplicate_of,
            actor,
            now,
        )
