"""NRI SQL: initiatives, submissions, the directory, statistics and history (reports: report_repository.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.core import audit
from igf_hub.nri.schemas import (
    AwaitingReview,
    HistoryEntry,
    Nri,
    NriCreate,
    NriFilters,
    NriSummary,
    Submission,
)

NRI_COLUMNS = """id, type, youth_scope, parent_nri_id, name, acronym, countries, regional_groups, scope_note,
website, mailing_list_url, contact_email, languages, year_founded, description, committee, focal_points,
meeting_report_url, meeting_report_text, status, status_reason, requested_changes, requested_fields, recognised_at,
recognised_on, last_activity_on, imported_at, imported_by, import_source, version, created_at, updated_at"""
SUMMARY_COLUMNS = """n.id, n.type, n.youth_scope, n.name, n.acronym, n.countries, n.regional_groups, n.languages,
n.website, n.status, n.recognised_at, n.recognised_on, n.last_activity_on"""

# The content columns, in the order of ContentArgs below: $3 .. $20.
INSERT_NRI = f"""
INSERT INTO nris (status, created_by, type, youth_scope, parent_nri_id, name, acronym, countries, regional_groups,
                  scope_note, website, mailing_list_url, contact_email, languages, year_founded, description,
                  committee, focal_points, meeting_report_url, meeting_report_text,
                  recognised_at, last_activity_on, created_at, updated_at, recognised_on, imported_at, imported_by,
                  import_source)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
        $21, $22, $23, $23, $24, $25, $26, $27)
RETURNING {NRI_COLUMNS}"""
# Compare-and-swap on version: None back means someone else changed the NRI first.
UPDATE_CONTENT = f"""
UPDATE nris SET type = $3, youth_scope = $4, parent_nri_id = $5, name = $6, acronym = $7, countries = $8,
    regional_groups = $9, scope_note = $10, website = $11, mailing_list_url = $12, contact_email = $13,
    languages = $14, year_founded = $15, description = $16, committee = $17, focal_points = $18,
    meeting_report_url = $19, meeting_report_text = $20, updated_at = $21, version = version + 1
WHERE id = $1 AND version = $2
RETURNING {NRI_COLUMNS}"""
UPDATE_STATUS = f"""
UPDATE nris SET status = $3, status_reason = $4, requested_changes = $5, requested_fields = $9,
    recognised_at = coalesce(recognised_at, $6),
    recognised_on = coalesce(recognised_on, ($6::timestamptz AT TIME ZONE 'UTC')::date), last_activity_on = greatest(last_activity_on, $7),
    updated_at = $8, version = version + 1
WHERE id = $1 AND version = $2
RETURNING {NRI_COLUMNS}"""
# Reported activity is not an edit of the NRI: its version stays, so no coordinator's pending edit turns stale.
RECORD_ACTIVITY = "UPDATE nris SET last_activity_on = greatest(last_activity_on, $2) WHERE id = $1"
SELECT_NRI = f"SELECT {NRI_COLUMNS} FROM nris WHERE id = $1"
SELECT_NRI_FOR_UPDATE = f"SELECT {NRI_COLUMNS} FROM nris WHERE id = $1 FOR UPDATE"
SELECT_RECOGNISED_WITH_KEY = """
SELECT id, name FROM nris
WHERE type = $1 AND countries = $2::text[] AND status IN ('recognised', 'inactive') AND id IS DISTINCT FROM $3
LIMIT 1"""
SELECT_STALE = """
SELECT id FROM nris WHERE status = 'recognised' AND last_activity_on < $1 ORDER BY last_activity_on, id"""

# Who sees what ($1: sees everything, $2: the NRIs the caller coordinates), then the directory filters. ``q``
# ($9) matches the words as written in any NRI the caller sees, or ($10) the NRIs the site search finds for it:
# those are only the public ones, but with each language's stemming (core/search.py).
VISIBLE_AND_FILTERED = """
(n.recognised_at IS NOT NULL OR $1::boolean OR n.id = ANY($2::uuid[]))
AND ($3::text IS NULL OR n.type = $3)
AND ($4::text IS NULL OR n.status = $4)
AND ($5::text IS NULL OR n.countries @> ARRAY[$5::text])
AND ($6::text IS NULL OR n.regional_groups @> ARRAY[$6::text])
AND ($7::text IS NULL OR EXISTS (SELECT 1 FROM unnest(n.languages) l WHERE l = $7 OR l LIKE $7 || '-%'))
AND ($8::integer IS NULL OR EXISTS (SELECT 1 FROM nri_reports r
                                    WHERE r.nri_id = n.id AND r.year = $8 AND r.status = 'submitted'))
AND ($9::text IS NULL OR n.search @@ websearch_to_tsquery('simple', $9) OR n.id = ANY($10::uuid[]))"""
LIST_NRIS = f"""
SELECT {SUMMARY_COLUMNS} FROM nris n
WHERE {VISIBLE_AND_FILTERED}
  AND ($11::text IS NULL OR (n.name, n.id) > ($11::text, $12::uuid))
ORDER BY n.name, n.id
LIMIT $13"""
EXPORT_NRIS = f"""
SELECT {", ".join(f"n.{c.strip()}" for c in NRI_COLUMNS.split(","))} FROM nris n
WHERE {VISIBLE_AND_FILTERED}
ORDER BY n.name, n.id"""
NRI_STATS = f"""
WITH selected AS (SELECT n.id, n.type, n.status, n.regional_groups, n.year_founded FROM nris n
                  WHERE {VISIBLE_AND_FILTERED}),
     reports AS (SELECT r.nri_id, r.year, r.participants_total, r.participants_by_stakeholder,
                        r.participants_by_gender
                 FROM nri_reports r JOIN selected s ON s.id = r.nri_id WHERE r.status = 'submitted')
SELECT
  (SELECT count(*) FROM selected) AS total,
  (SELECT coalesce(jsonb_object_agg(k, c), '{{}}') FROM
     (SELECT type AS k, count(*) AS c FROM selected GROUP BY type) t) AS by_type,
  (SELECT coalesce(jsonb_object_agg(k, c), '{{}}') FROM
     (SELECT g AS k, count(*) AS c FROM selected, unnest(regional_groups) g GROUP BY g) t) AS by_regional_group,
  (SELECT coalesce(jsonb_object_agg(k, c), '{{}}') FROM
     (SELECT status AS k, count(*) AS c FROM selected GROUP BY status) t) AS by_status,
  (SELECT coalesce(jsonb_object_agg(k, c), '{{}}') FROM
     (SELECT year_founded::text AS k, count(*) AS c FROM selected WHERE year_founded IS NOT NULL
      GROUP BY year_founded) t) AS by_year_founded,
  (SELECT coalesce(jsonb_object_agg(k, c), '{{}}') FROM
     (SELECT year::text AS k, count(DISTINCT nri_id) AS c FROM reports GROUP BY year) t) AS reporting_by_year,
  (SELECT coalesce(jsonb_object_agg(k, c), '{{}}') FROM
     (SELECT key AS k, sum(value::bigint) AS c FROM reports, jsonb_each_text(participants_by_stakeholder)
      GROUP BY key) t) AS participants_by_stakeholder,
  (SELECT coalesce(jsonb_object_agg(k, c), '{{}}') FROM
     (SELECT key AS k, sum(value::bigint) AS c FROM reports, jsonb_each_text(participants_by_gender)
      GROUP BY key) t) AS participants_by_gender,
  (SELECT coalesce(sum(participants_total), 0) FROM reports) AS participants_total"""

SUBMISSION_COLUMNS = """id, nri_version, submitted_at, submitted_by, affirmed_principles, criteria_met, warnings,
review_started_at, review_started_by, decision, decision_reason, requested_changes, requested_fields, decided_at,
decided_by"""
INSERT_SUBMISSION = f"""
INSERT INTO nri_submissions (nri_id, nri_version, submitted_at, submitted_by, affirmed_principles, criteria_met,
                             warnings, snapshot)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING {SUBMISSION_COLUMNS}"""
SELECT_LATEST_SNAPSHOT = """
SELECT snapshot FROM nri_submissions WHERE nri_id = $1 ORDER BY submitted_at DESC, id LIMIT 1"""
SELECT_LATEST_SUBMISSION = f"""
SELECT {SUBMISSION_COLUMNS} FROM nri_submissions WHERE nri_id = $1 ORDER BY submitted_at DESC, id LIMIT 1"""
# The latest $2 submissions, oldest first.
LIST_SUBMISSIONS = f"""
SELECT * FROM (
  SELECT {SUBMISSION_COLUMNS} FROM nri_submissions WHERE nri_id = $1 ORDER BY submitted_at DESC, id DESC LIMIT $2
) latest ORDER BY submitted_at, id"""
START_REVIEW = """
UPDATE nri_submissions SET review_started_at = $2, review_started_by = $3
WHERE id = (SELECT id FROM nri_submissions WHERE nri_id = $1 ORDER BY submitted_at DESC, id LIMIT 1)"""
DECIDE = """
UPDATE nri_submissions SET decision = $2, decision_reason = $3, requested_changes = $4, decided_at = $5,
                           decided_by = $6, requested_fields = $7
WHERE id = (SELECT id FROM nri_submissions WHERE nri_id = $1 ORDER BY submitted_at DESC, id LIMIT 1)"""

# The NRIs waiting for the Secretariat, the longest-waiting first, with what their latest submission met.
AWAITING_REVIEW = """
SELECT n.id, n.name, n.acronym, n.type, n.countries, n.status, n.version, s.submitted_at, s.criteria_met,
       s.warnings
FROM nris n
JOIN LATERAL (SELECT submitted_at, criteria_met, warnings FROM nri_submissions
              WHERE nri_id = n.id ORDER BY submitted_at DESC, id LIMIT 1) s ON true
WHERE n.status IN ('submitted', 'under_review')
ORDER BY s.submitted_at, n.id
LIMIT $1"""

SELECT_HISTORY = """
SELECT seq, occurred_at, action, actor, data FROM audit_log
WHERE subject_type = 'nri' AND subject_id = $1 AND seq > $2
ORDER BY seq
LIMIT $3"""


class ContentArgs:
    """The content columns of an NRI as query arguments, in the order INSERT_NRI and UPDATE_CONTENT use."""

    @staticmethod
    def of(content: NriCreate, regional_groups: list[str]) -> tuple[Any, ...]:
        c = content
        return (
            c.type.value,
            c.youth_scope.value if c.youth_scope else None,
            c.parent_nri_id,
            c.name,
            c.acronym,
            c.countries,
            regional_groups,
            c.scope_note,
            c.website,
            c.mailing_list_url,
            c.contact_email,
            c.languages,
            c.year_founded,
            c.description,
            msgspec.to_builtins(c.committee),
            msgspec.to_builtins(c.focal_points),
            c.meeting_report_url,
            c.meeting_report_text,
        )


def _nri(row: asyncpg.Record) -> Nri:
    return msgspec.convert(dict(row), Nri)


def _filter_args(
    visible_all: bool, mine: list[UUID], f: NriFilters, found: Sequence[UUID]
) -> tuple[Any, ...]:
    return (
        visible_all,
        mine,
        f.type.value if f.type else None,
        f.status.value if f.status else None,
        f.country,
        f.regional_group,
        f.language,
        f.year_active,
        f.q,
        list(found),
    )


class NriRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def insert(
        self,
        content: NriCreate,
        regional_groups: list[str],
        *,
        status: str,
        created_by: str,
        now: datetime,
        recognised_at: datetime | None = None,
        last_activity_on: date | None = None,
        recognised_on: date | None = None,
        imported_source: str | None = None,
    ) -> Nri:
        """``imported_source`` marks the NRI as loaded from a record kept elsewhere (by ``created_by``, ``now``)."""
        imported = imported_source is not None
        row = await self.conn.fetchrow(
            INSERT_NRI,
            status,
            created_by,
            *ContentArgs.of(content, regional_groups),
            recognised_at,
            last_activity_on,
            now,
            recognised_on,
            now if imported else None,
            created_by if imported else None,
            imported_source,
        )
        return _nri(row)

    async def get(self, nri_id: UUID, *, for_update: bool = False) -> Nri | None:
        row = await self.conn.fetchrow(SELECT_NRI_FOR_UPDATE if for_update else SELECT_NRI, nri_id)
        return _nri(row) if row else None

    async def update_content(
        self, nri_id: UUID, version: int, content: NriCreate, regional_groups: list[str], now: datetime
    ) -> Nri | None:
        row = await self.conn.fetchrow(
            UPDATE_CONTENT, nri_id, version, *ContentArgs.of(content, regional_groups), now
        )
        return _nri(row) if row else None

    async def update_status(
        self,
        nri_id: UUID,
        version: int,
        *,
        status: str,
        reason: str | None,
        requested_changes: list[str],
        now: datetime,
        recognised_at: datetime | None = None,
        activity_on: date | None = None,
        requested_fields: dict[str, str] | None = None,
    ) -> Nri | None:
        row = await self.conn.fetchrow(
            UPDATE_STATUS,
            nri_id,
            version,
            status,
            reason,
            requested_changes,
            recognised_at,
            activity_on,
            now,
            requested_fields or {},
        )
        return _nri(row) if row else None

    async def record_activity(self, nri_id: UUID, on: date) -> None:
        await self.conn.execute(RECORD_ACTIVITY, nri_id, on)

    async def recognised_with_key(
        self, nri_type: str, countries: list[str], exclude: UUID | None = None
    ) -> asyncpg.Record | None:
        return await self.conn.fetchrow(SELECT_RECOGNISED_WITH_KEY, nri_type, countries, exclude)

    async def stale_recognised(self, before: date) -> list[UUID]:
        return [r["id"] for r in await self.conn.fetch(SELECT_STALE, before)]

    async def page(
        self,
        filters: NriFilters,
        *,
        visible_all: bool,
        mine: list[UUID],
        after: tuple[str, UUID] | None,
        limit: int,
        found: Sequence[UUID] = (),
    ) -> list[NriSummary]:
        name, last_id = after if after else (None, None)
        rows = await self.conn.fetch(
            LIST_NRIS, *_filter_args(visible_all, mine, filters, found), name, last_id, limit
        )
        return [NriSummary(**r) for r in rows]

    async def export(
        self, filters: NriFilters, *, visible_all: bool, mine: list[UUID], found: Sequence[UUID] = ()
    ) -> list[Nri]:
        args = _filter_args(visible_all, mine, filters, found)
        return [_nri(r) for r in await self.conn.fetch(EXPORT_NRIS, *args)]

    async def stats(
        self, filters: NriFilters, *, visible_all: bool, mine: list[UUID], found: Sequence[UUID] = ()
    ) -> dict[str, Any]:
        return dict(await self.conn.fetchrow(NRI_STATS, *_filter_args(visible_all, mine, filters, found)))

    # -- submissions ---------------------------------------------------------------------------------

    async def insert_submission(
        self,
        nri: Nri,
        *,
        submitted_at: datetime,
        submitted_by: str,
        affirmed: list[str],
        criteria_met: list[str],
        warnings: list[Any],
    ) -> Submission:
        row = await self.conn.fetchrow(
            INSERT_SUBMISSION,
            nri.id,
            nri.version,
            submitted_at,
            submitted_by,
            affirmed,
            criteria_met,
            msgspec.to_builtins(warnings),
            msgspec.to_builtins(nri),
        )
        return msgspec.convert(dict(row), Submission)

    async def latest_submission(self, nri_id: UUID) -> Submission | None:
        row = await self.conn.fetchrow(SELECT_LATEST_SUBMISSION, nri_id)
        return msgspec.convert(dict(row), Submission) if row else None

    async def latest_snapshot(self, nri_id: UUID) -> dict[str, Any] | None:
        """The NRI as it was when last submitted (what the Secretariat reviewed)."""
        found = await self.conn.fetchval(SELECT_LATEST_SNAPSHOT, nri_id)
        return dict(found) if found is not None else None

    async def submissions(self, nri_id: UUID, *, latest: int) -> list[Submission]:
        rows = await self.conn.fetch(LIST_SUBMISSIONS, nri_id, latest)
        return [msgspec.convert(dict(r), Submission) for r in rows]

    async def start_review(self, nri_id: UUID, at: datetime, by: str) -> None:
        await self.conn.execute(START_REVIEW, nri_id, at, by)

    async def decide(
        self,
        nri_id: UUID,
        *,
        decision: str,
        reason: str,
        changes: list[str],
        at: datetime,
        by: str,
        fields: dict[str, str] | None = None,
    ) -> None:
        await self.conn.execute(DECIDE, nri_id, decision, reason, changes, at, by, fields or {})

    async def awaiting_review(self, limit: int) -> list[AwaitingReview]:
        return [
            msgspec.convert(dict(r), AwaitingReview) for r in await self.conn.fetch(AWAITING_REVIEW, limit)
        ]

    # -- history -------------------------------------------------------------------------------------

    async def history(self, nri_id: UUID, *, after_seq: int, limit: int) -> list[HistoryEntry]:
        await audit.chain_pending(self.conn)  # the writes committed before this read are in it
        rows = await self.conn.fetch(SELECT_HISTORY, str(nri_id), after_seq, limit)
        return [HistoryEntry(**r) for r in rows]
