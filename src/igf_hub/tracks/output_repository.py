"""Track outputs SQL: drafts, publication and supersession, comment windows and comments."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.tracks.output_schemas import (
    Comment,
    CommentWindow,
    DissentingView,
    Output,
    OutputKind,
    OutputStatus,
    OutputSummary,
)
from igf_hub.tracks.repository import classification_of

_COLUMNS = """o.id, o.track_id, t.slug AS track_slug, o.series_id, o.output_version, o.supersedes,
    o.superseded_by, o.title, o.kind, o.year, o.languages, o.url, o.text, o.dissenting_views, o.wsis_action_lines,
    o.sdgs, o.gdc_objectives, o.status, o.citable_id, o.comments_open_at, o.comments_close_at, o.published_at,
    o.superseded_at, o.created_at, o.updated_at, o.version"""

# A new output's series is itself (the first version); a new version joins its predecessor's series.
INSERT_OUTPUT = f"""
WITH o AS (
    INSERT INTO track_outputs (id, track_id, series_id, output_version, supersedes, title, kind, year, languages,
                               url, text, dissenting_views, wsis_action_lines, sdgs, gdc_objectives, created_by,
                               created_at, updated_at)
    VALUES ($1::uuid, $2, coalesce($3::uuid, $1::uuid), $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
    RETURNING *
)
SELECT {_COLUMNS} FROM o JOIN tracks t ON t.id = o.track_id"""
SELECT_OUTPUT = f"SELECT {_COLUMNS} FROM track_outputs o JOIN tracks t ON t.id = o.track_id WHERE o.id = $1"
LOCK_OUTPUT = f"{SELECT_OUTPUT} FOR UPDATE OF o"
SELECT_BY_CITABLE_ID = (
    f"SELECT {_COLUMNS} FROM track_outputs o JOIN tracks t ON t.id = o.track_id WHERE o.citable_id = $1"
)
UPDATE_DRAFT = f"""
WITH o AS (
    UPDATE track_outputs SET title = $2, languages = $3, url = $4, text = $5, dissenting_views = $6,
        wsis_action_lines = $7, sdgs = $8, gdc_objectives = $9, updated_at = $10, version = version + 1
    WHERE id = $1 AND status = 'draft'
    RETURNING *
)
SELECT {_COLUMNS} FROM o JOIN tracks t ON t.id = o.track_id"""
UPDATE_COMMENT_WINDOW = f"""
WITH o AS (
    UPDATE track_outputs SET comments_open_at = $2, comments_close_at = $3, updated_at = $4, version = version + 1
    WHERE id = $1 AND status = 'draft'
    RETURNING *
)
SELECT {_COLUMNS} FROM o JOIN tracks t ON t.id = o.track_id"""
PUBLISH = f"""
WITH o AS (
    UPDATE track_outputs SET status = 'published', series_number = $2, citable_id = $3, published_at = $4,
        updated_at = $4, version = version + 1
    WHERE id = $1 AND status = 'draft'
    RETURNING *
)
SELECT {_COLUMNS} FROM o JOIN tracks t ON t.id = o.track_id"""
SUPERSEDE = f"""
WITH o AS (
    UPDATE track_outputs SET status = 'superseded', superseded_by = $2, superseded_at = $3, updated_at = $3,
        version = version + 1
    WHERE id = $1 AND status = 'published'
    RETURNING *
)
SELECT {_COLUMNS} FROM o JOIN tracks t ON t.id = o.track_id"""
DELETE_DRAFT = "DELETE FROM track_outputs WHERE id = $1 AND status = 'draft' RETURNING id"
SELECT_SERIES_NUMBER = "SELECT series_number FROM track_outputs WHERE id = $1"
# Called with the track row locked, so two publications in one track cannot take the same number.
NEXT_SERIES_NUMBER = """
SELECT coalesce(max(series_number), 0) + 1 FROM track_outputs WHERE track_id = $1 AND year = $2"""

# $2: the caller may see every draft of the track(s); otherwise drafts show once opened for comment.
LIST_OUTPUTS = f"""
SELECT {_COLUMNS} FROM track_outputs o JOIN tracks t ON t.id = o.track_id
WHERE ($1::uuid IS NULL OR o.track_id = $1)
  AND (o.status <> 'draft' OR $2::boolean OR (o.comments_open_at IS NOT NULL AND o.comments_open_at <= $3))
  AND ($4::text IS NULL OR o.kind = $4)
  AND ($5::int IS NULL OR o.year = $5)
  AND ($6::text IS NULL OR o.status = $6)
  AND ($7::text IS NULL OR o.wsis_action_lines @> ARRAY[$7::text])
  AND ($8::int IS NULL OR o.sdgs @> ARRAY[$8::int])
  AND ($9::int IS NULL OR o.gdc_objectives @> ARRAY[$9::int])
  AND ($10::text IS NULL OR o.search @@ websearch_to_tsquery('english', $10))
  AND ($11::text IS NULL OR o.languages @> ARRAY[$11::text])
  AND ($12::text IS NULL OR t.type = $12)
  AND ($13::timestamptz IS NULL OR (o.created_at, o.id) < ($13, $14))
ORDER BY o.created_at DESC, o.id DESC
LIMIT $15"""

INSERT_COMMENT = """
INSERT INTO track_output_comments (output_id, user_id, on_version, stakeholder_group, text, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id, output_id, on_version, stakeholder_group, text, created_at"""
LIST_COMMENTS = """
SELECT id, output_id, on_version, stakeholder_group, text, created_at FROM track_output_comments
WHERE output_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3))
ORDER BY created_at, id LIMIT $4"""


class OutputFilters(msgspec.Struct, kw_only=True):
    track_id: UUID | None = None
    kind: OutputKind | None = None
    year: int | None = None
    status: OutputStatus | None = None
    action_line: str | None = None
    sdg: int | None = None
    gdc_objective: int | None = None
    q: str | None = None
    language: str | None = None
    track_type: str | None = None


class OutputFields(msgspec.Struct, kw_only=True):
    """The content of a draft, as the service settled it."""

    title: str
    kind: OutputKind
    year: int
    languages: list[str]
    url: str | None
    text: str | None
    dissenting_views: list[DissentingView]
    wsis_action_lines: list[str]
    sdgs: list[int]
    gdc_objectives: list[int]


def _output(row: asyncpg.Record, now: datetime) -> Output:
    opens, closes = row["comments_open_at"], row["comments_close_at"]
    window = (
        CommentWindow(
            opens_at=opens, closes_at=closes, is_open=row["status"] == "draft" and opens <= now < closes
        )
        if opens is not None and closes is not None
        else None
    )
    return Output(
        id=row["id"],
        track_id=row["track_id"],
        track_slug=row["track_slug"],
        series_id=row["series_id"],
        output_version=row["output_version"],
        supersedes=row["supersedes"],
        superseded_by=row["superseded_by"],
        title=row["title"],
        kind=OutputKind(row["kind"]),
        year=row["year"],
        languages=list(row["languages"]),
        url=row["url"],
        text=row["text"],
        dissenting_views=msgspec.convert(row["dissenting_views"], list[DissentingView]),
        classification=classification_of(row),
        status=OutputStatus(row["status"]),
        citable_id=row["citable_id"],
        comment_window=window,
        published_at=row["published_at"],
        superseded_at=row["superseded_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


def summary_of(o: Output) -> OutputSummary:
    return OutputSummary(
        id=o.id,
        track_slug=o.track_slug,
        title=o.title,
        kind=o.kind,
        year=o.year,
        status=o.status,
        output_version=o.output_version,
        citable_id=o.citable_id,
        published_at=o.published_at,
        classification=o.classification,
    )


class OutputRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def insert(
        self,
        output_id: UUID,
        track_id: UUID,
        fields: OutputFields,
        *,
        created_by: str,
        now: datetime,
        series_id: UUID | None = None,
        output_version: int = 1,
        supersedes: UUID | None = None,
    ) -> Output:
        row = await self.conn.fetchrow(
            INSERT_OUTPUT,
            output_id,
            track_id,
            series_id,
            output_version,
            supersedes,
            fields.title,
            fields.kind.value,
            fields.year,
            fields.languages,
            fields.url,
            fields.text,
            msgspec.to_builtins(fields.dissenting_views),
            fields.wsis_action_lines,
            fields.sdgs,
            fields.gdc_objectives,
            created_by,
            now,
        )
        return _output(row, now)

    async def published_ids(self) -> list[UUID]:
        """Every output version ever published (superseded ones too), oldest first."""
        rows = await self.conn.fetch(
            "SELECT id FROM track_outputs WHERE status <> 'draft' AND published_at IS NOT NULL "
            "ORDER BY published_at, id"
        )
        return [r["id"] for r in rows]

    async def get(self, output_id: UUID, *, now: datetime, for_update: bool = False) -> Output | None:
        row = await self.conn.fetchrow(LOCK_OUTPUT if for_update else SELECT_OUTPUT, output_id)
        return _output(row, now) if row else None

    async def get_by_citable_id(self, citable_id: str, *, now: datetime) -> Output | None:
        row = await self.conn.fetchrow(SELECT_BY_CITABLE_ID, citable_id)
        return _output(row, now) if row else None

    async def update_draft(self, output_id: UUID, fields: OutputFields, *, now: datetime) -> Output | None:
        row = await self.conn.fetchrow(
            UPDATE_DRAFT,
            output_id,
            fields.title,
            fields.languages,
            fields.url,
            fields.text,
            msgspec.to_builtins(fields.dissenting_views),
            fields.wsis_action_lines,
            fields.sdgs,
            fields.gdc_objectives,
            now,
        )
        return _output(row, now) if row else None

    async def set_comment_window(
        self, output_id: UUID, *, opens_at: datetime, closes_at: datetime, now: datetime
    ) -> Output | None:
        row = await self.conn.fetchrow(UPDATE_COMMENT_WINDOW, output_id, opens_at, closes_at, now)
        return _output(row, now) if row else None

    async def next_series_number(self, track_id: UUID, year: int) -> int:
        number: int = await self.conn.fetchval(NEXT_SERIES_NUMBER, track_id, year)
        return number

    async def series_number(self, output_id: UUID) -> int | None:
        number: int | None = await self.conn.fetchval(SELECT_SERIES_NUMBER, output_id)
        return number

    async def publish(
        self, output_id: UUID, *, series_number: int, citable_id: str, now: datetime
    ) -> Output | None:
        row = await self.conn.fetchrow(PUBLISH, output_id, series_number, citable_id, now)
        return _output(row, now) if row else None

    async def supersede(self, output_id: UUID, *, by: UUID, now: datetime) -> Output | None:
        row = await self.conn.fetchrow(SUPERSEDE, output_id, by, now)
        return _output(row, now) if row else None

    async def delete_draft(self, output_id: UUID) -> bool:
        return await self.conn.fetchval(DELETE_DRAFT, output_id) is not None

    async def list_outputs(
        self,
        filters: OutputFilters,
        *,
        all_drafts: bool,
        now: datetime,
        before: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[Output]:
        rows = await self.conn.fetch(
            LIST_OUTPUTS,
            filters.track_id,
            all_drafts,
            now,
            filters.kind.value if filters.kind else None,
            filters.year,
            filters.status.value if filters.status else None,
            filters.action_line,
            filters.sdg,
            filters.gdc_objective,
            filters.q,
            filters.language,
            filters.track_type,
            before[0] if before else None,
            before[1] if before else None,
            limit,
        )
        return [_output(r, now) for r in rows]

    async def insert_comment(
        self,
        output_id: UUID,
        *,
        user_id: UUID | None,
        on_version: int,
        stakeholder_group: str | None,
        text: str,
        now: datetime,
    ) -> Comment:
        row = await self.conn.fetchrow(
            INSERT_COMMENT, output_id, user_id, on_version, stakeholder_group, text, now
        )
        return Comment(**row)

    async def list_comments(
        self, output_id: UUID, *, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[Comment]:
        rows = await self.conn.fetch(
            LIST_COMMENTS, output_id, after[0] if after else None, after[1] if after else None, limit
        )
        return [Comment(**r) for r in rows]
