"""Tracks SQL: tracks, DC formations, history, and what DC standing counts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.core.schemas import Classification
from igf_hub.tracks.schemas import (
    DcFormationCreate,
    HistoryEntry,
    OtherTrackSubtype,
    TrackCreate,
    TrackRow,
    TrackStatus,
    TrackSummary,
    TrackType,
)

TRACK_COLUMNS = """id, slug, type, subtype, name, description, status, status_reason, status_changed_at,
    activated_at, years_active, open_membership, mailing_list_url, mailing_list_archive_url, wsis_action_lines,
    sdgs, gdc_objectives, created_at, updated_at, version, acronym, predecessor_id,
    (SELECT p.slug FROM tracks p WHERE p.id = tracks.predecessor_id) AS predecessor,
    ARRAY(SELECT s.slug FROM tracks s WHERE s.predecessor_id = tracks.id ORDER BY s.slug) AS successors,
    imported_at, import_source, imported_by"""

INSERT_TRACK = f"""
INSERT INTO tracks (slug, type, subtype, name, description, years_active, open_membership, mailing_list_url,
                    mailing_list_archive_url, wsis_action_lines, sdgs, gdc_objectives, created_by,
                    status_changed_at, created_at, updated_at, acronym, predecessor_id, status, activated_at,
                    imported_at, imported_by, import_source)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $14, $15, $16,
        coalesce($17, 'proposed'), $18, $19, $20, $21)
RETURNING {TRACK_COLUMNS}"""
SELECT_TRACK_BY_SLUG = f"SELECT {TRACK_COLUMNS} FROM tracks WHERE slug = $1"
SELECT_ID_BY_SLUG = "SELECT id FROM tracks WHERE slug = $1"
SET_PREDECESSOR = "UPDATE tracks SET predecessor_id = $2 WHERE id = $1"
SELECT_PREDECESSOR_CHAIN = """
WITH RECURSIVE chain(id, depth) AS (
    SELECT predecessor_id, 1 FROM tracks WHERE id = $1 AND predecessor_id IS NOT NULL
    UNION ALL
    SELECT t.predecessor_id, c.depth + 1 FROM tracks t JOIN chain c ON t.id = c.id
    WHERE t.predecessor_id IS NOT NULL AND c.depth < 100
)
SELECT id FROM chain ORDER BY depth"""
SELECT_TRACK_BY_ID = f"SELECT {TRACK_COLUMNS} FROM tracks WHERE id = $1"
SELECT_TRACKS_BY_IDS = f"SELECT {TRACK_COLUMNS} FROM tracks WHERE id = ANY($1::uuid[])"
LOCK_TRACK_BY_SLUG = f"SELECT {TRACK_COLUMNS} FROM tracks WHERE slug = $1 FOR UPDATE"
LOCK_TRACK_BY_ID = f"SELECT {TRACK_COLUMNS} FROM tracks WHERE id = $1 FOR UPDATE"
UPDATE_TRACK = f"""
UPDATE tracks SET name = $2, subtype = $3, description = $4, years_active = $5, open_membership = $6,
    mailing_list_url = $7, mailing_list_archive_url = $8, wsis_action_lines = $9, sdgs = $10,
    gdc_objectives = $11, updated_at = $12, acronym = $13, predecessor_id = $14, version = version + 1
WHERE id = $1
RETURNING {TRACK_COLUMNS}"""
UPDATE_STATUS = f"""
UPDATE tracks SET status = $2, status_reason = $3, status_changed_at = $4, updated_at = $4,
    activated_at = coalesce(activated_at, $5), years_active = $6, version = version + 1
WHERE id = $1
RETURNING {TRACK_COLUMNS}"""
LIST_TRACKS = """
SELECT id, slug, type, subtype, name, status, years_active, wsis_action_lines, sdgs, gdc_objectives
FROM tracks
WHERE ($1::text IS NULL OR type = $1)
  AND ($2::text IS NULL OR status = $2)
  AND ($3::int IS NULL OR years_active @> ARRAY[$3::int])
  AND ($4::text IS NULL OR wsis_action_lines @> ARRAY[$4::text])
  AND ($5::int IS NULL OR sdgs @> ARRAY[$5::int])
  AND ($6::int IS NULL OR gdc_objectives @> ARRAY[$6::int])
  AND ($7::text IS NULL OR search @@ websearch_to_tsquery('english', $7))
  AND ($8::text IS NULL OR slug > $8)
ORDER BY slug
LIMIT $9"""

INSERT_FORMATION = """
INSERT INTO track_dc_formations (track_id, statement_of_need, action_plan, contact_persons, founding_members,
                                 submitted_by, submitted_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)"""
SELECT_FORMATION = """
SELECT statement_of_need, action_plan, contact_persons, founding_members, submitted_at
FROM track_dc_formations WHERE track_id = $1"""

INSERT_HISTORY = """
INSERT INTO track_history (track_id, occurred_at, action, from_status, to_status, reason, output_id)
VALUES ($1, $2, $3, $4, $5, $6, $7)"""
SELECT_HISTORY = """
SELECT occurred_at, action, from_status, to_status, reason, output_id FROM track_history
WHERE track_id = $1 ORDER BY id"""

# Years with a published (or since superseded) output: what "one report or output a year" counts.
SELECT_OUTPUT_YEARS = "SELECT DISTINCT year FROM track_outputs WHERE track_id = $1 AND status <> 'draft'"
SELECT_OUTPUT_YEARS_OF = """
SELECT DISTINCT track_id, year FROM track_outputs WHERE track_id = ANY($1::uuid[]) AND status <> 'draft'"""
# Active DCs recognised before the reporting year began that have no output for it.
SELECT_DCS_MISSING_REPORT = """
SELECT t.id FROM tracks t
WHERE t.type = 'dynamic_coalition' AND t.status = 'active' AND t.activated_at < $1
  AND NOT EXISTS (SELECT 1 FROM track_outputs o WHERE o.track_id = t.id AND o.year = $2 AND o.status <> 'draft')
ORDER BY t.slug"""


class ImportedTrack(msgspec.Struct, kw_only=True):
    status: TrackStatus
    activated_at: datetime | None
    source: str


class TrackFilters(msgspec.Struct, kw_only=True):
    type: TrackType | None = None
    status: TrackStatus | None = None
    year: int | None = None
    action_line: str | None = None
    sdg: int | None = None
    gdc_objective: int | None = None
    q: str | None = None


class FormationRow(msgspec.Struct, kw_only=True):
    statement_of_need: str
    action_plan: str
    contact_persons: list[dict[str, Any]]
    founding_members: list[dict[str, Any]]
    submitted_at: datetime


def classification_of(row: Mapping[str, Any]) -> Classification:
    return Classification(
        wsis_action_lines=list(row["wsis_action_lines"]),
        sdgs=list(row["sdgs"]),
        gdc_objectives=list(row["gdc_objectives"]),
    )


def classification_args(c: Classification) -> tuple[list[str], list[int], list[int]]:
    return list(c.wsis_action_lines), list(c.sdgs), list(c.gdc_objectives)


def _track(row: asyncpg.Record) -> TrackRow:
    return TrackRow(
        id=row["id"],
        slug=row["slug"],
        type=TrackType(row["type"]),
        subtype=OtherTrackSubtype(row["subtype"]) if row["subtype"] else None,
        name=row["name"],
        description=row["description"],
        status=TrackStatus(row["status"]),
        status_reason=row["status_reason"],
        status_changed_at=row["status_changed_at"],
        activated_at=row["activated_at"],
        years_active=list(row["years_active"]),
        open_membership=row["open_membership"],
        mailing_list_url=row["mailing_list_url"],
        mailing_list_archive_url=row["mailing_list_archive_url"],
        classification=classification_of(row),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
        acronym=row["acronym"],
        predecessor_id=row["predecessor_id"],
        predecessor=row["predecessor"],
        successors=list(row["successors"]),
        imported_at=row["imported_at"],
        import_source=row["import_source"],
        imported_by=row["imported_by"],
    )


def _summary(row: asyncpg.Record) -> TrackSummary:
    return TrackSummary(
        id=row["id"],
        slug=row["slug"],
        type=TrackType(row["type"]),
        subtype=OtherTrackSubtype(row["subtype"]) if row["subtype"] else None,
        name=row["name"],
        status=TrackStatus(row["status"]),
        years_active=list(row["years_active"]),
        classification=classification_of(row),
    )


class TrackRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    # -- tracks --------------------------------------------------------------------------------------

    async def insert(
        self,
        data: TrackCreate,
        *,
        created_by: str,
        now: datetime,
        predecessor_id: UUID | None = None,
        imported: ImportedTrack | None = None,
    ) -> TrackRow:
        """``imported``: a track loaded from the archive, with its real status and years and the import marks."""
        row = await self.conn.fetchrow(
            INSERT_TRACK,
            data.slug,
            data.type.value,
            data.subtype.value if data.subtype else None,
            data.name,
            data.description,
            sorted(set(data.years_active)),
            data.open_membership,
            data.mailing_list_url,
            data.mailing_list_archive_url,
            *classification_args(data.classification),
            created_by,
            now,
            data.acronym,
            predecessor_id,
            imported.status.value if imported else None,
            imported.activated_at if imported else None,
            now if imported else None,
            created_by if imported else None,
            imported.source if imported else None,
        )
        return _track(row)

    async def id_of(self, slug: str) -> UUID | None:
        found: UUID | None = await self.conn.fetchval(SELECT_ID_BY_SLUG, slug)
        return found

    async def set_predecessor(self, track_id: UUID, predecessor_id: UUID | None) -> None:
        await self.conn.execute(SET_PREDECESSOR, track_id, predecessor_id)

    async def predecessors_of(self, track_id: UUID) -> list[UUID]:
        """The chain of predecessors above a track, nearest first (to refuse a cycle)."""
        return [r["id"] for r in await self.conn.fetch(SELECT_PREDECESSOR_CHAIN, track_id)]

    async def get_by_slug(self, slug: str, *, for_update: bool = False) -> TrackRow | None:
        row = await self.conn.fetchrow(LOCK_TRACK_BY_SLUG if for_update else SELECT_TRACK_BY_SLUG, slug)
        return _track(row) if row else None

    async def get(self, track_id: UUID, *, for_update: bool = False) -> TrackRow | None:
        row = await self.conn.fetchrow(LOCK_TRACK_BY_ID if for_update else SELECT_TRACK_BY_ID, track_id)
        return _track(row) if row else None

    async def update(self, track: TrackRow, *, now: datetime) -> TrackRow:
        """Write every editable field of ``track`` (the service merged the patch into it)."""
        row = await self.conn.fetchrow(
            UPDATE_TRACK,
            track.id,
            track.name,
            track.subtype.value if track.subtype else None,
            track.description,
            track.years_active,
            track.open_membership,
            track.mailing_list_url,
            track.mailing_list_archive_url,
            *classification_args(track.classification),
            now,
            track.acronym,
            track.predecessor_id,
        )
        return _track(row)

    async def set_status(
        self,
        track_id: UUID,
        status: TrackStatus,
        *,
        reason: str | None,
        now: datetime,
        activated_at: datetime | None,
        years_active: list[int],
    ) -> TrackRow:
        row = await self.conn.fetchrow(
            UPDATE_STATUS, track_id, status.value, reason, now, activated_at, years_active
        )
        return _track(row)

    async def list_tracks(
        self, filters: TrackFilters, *, after_slug: str | None, limit: int
    ) -> list[TrackSummary]:
        rows = await self.conn.fetch(
            LIST_TRACKS,
            filters.type.value if filters.type else None,
            filters.status.value if filters.status else None,
            filters.year,
            filters.action_line,
            filters.sdg,
            filters.gdc_objective,
            filters.q,
            after_slug,
            limit,
        )
        return [_summary(r) for r in rows]

    # -- Dynamic Coalition formation -----------------------------------------------------------------

    async def insert_formation(
        self, track_id: UUID, formation: DcFormationCreate, *, submitted_by: str, now: datetime
    ) -> None:
        await self.conn.execute(
            INSERT_FORMATION,
            track_id,
            formation.statement_of_need,
            formation.action_plan,
            msgspec.to_builtins(formation.contact_persons),
            msgspec.to_builtins(formation.founding_members),
            submitted_by,
            now,
        )

    async def formation(self, track_id: UUID) -> FormationRow | None:
        row = await self.conn.fetchrow(SELECT_FORMATION, track_id)
        return FormationRow(**row) if row else None

    # -- history and reporting -----------------------------------------------------------------------

    async def add_history(
        self,
        track_id: UUID,
        action: str,
        *,
        now: datetime,
        from_status: str | None = None,
        to_status: str | None = None,
        reason: str | None = None,
        output_id: UUID | None = None,
    ) -> None:
        await self.conn.execute(
            INSERT_HISTORY, track_id, now, action, from_status, to_status, reason, output_id
        )

    async def history(self, track_id: UUID) -> list[HistoryEntry]:
        return [HistoryEntry(**r) for r in await self.conn.fetch(SELECT_HISTORY, track_id)]

    async def get_many(self, track_ids: list[UUID]) -> list[TrackRow]:
        return [_track(r) for r in await self.conn.fetch(SELECT_TRACKS_BY_IDS, track_ids)]

    async def output_years_of(self, track_ids: list[UUID]) -> dict[UUID, set[int]]:
        years: dict[UUID, set[int]] = {}
        for r in await self.conn.fetch(SELECT_OUTPUT_YEARS_OF, track_ids):
            years.setdefault(r["track_id"], set()).add(r["year"])
        return years

    async def output_years(self, track_id: UUID) -> set[int]:
        return {r["year"] for r in await self.conn.fetch(SELECT_OUTPUT_YEARS, track_id)}

    async def dcs_missing_report(self, *, recognised_before: datetime, year: int) -> list[UUID]:
        return [r["id"] for r in await self.conn.fetch(SELECT_DCS_MISSING_REPORT, recognised_before, year)]
