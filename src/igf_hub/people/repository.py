"""Notice SQL: notices, the mails that carry them (claims under a lease, fenced results), digests, settings,
the inbox and the send log (migration 0024)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

INSERT_NOTICE = """
INSERT INTO notices (idempotency_key, kind, user_id, address, params, link, language, delivery, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING id"""
# A notice that goes immediately gets its own mail, under the notice's key.
INSERT_NOTICE_MAIL = """
WITH mail AS (
    INSERT INTO notice_mails (idempotency_key, form, user_id, address, language, due_at, created_at)
    VALUES ($2, 'notice', $3, $4, $5, $6, $6)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id
)
UPDATE notices SET mail_id = mail.id FROM mail WHERE notices.id = $1
RETURNING mail.id"""
RECIPIENT = "SELECT preferred_language, is_active AND deleted_at IS NULL AS active FROM users WHERE id = $1"
SETTING = "SELECT delivery FROM notice_settings WHERE user_id = $1 AND kind = $2"
SETTINGS = "SELECT kind, delivery FROM notice_settings WHERE user_id = $1"
UPSERT_SETTING = """
INSERT INTO notice_settings (user_id, kind, delivery, updated_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (user_id, kind) DO UPDATE SET delivery = EXCLUDED.delivery, updated_at = EXCLUDED.updated_at"""
SECRETARIAT = """
SELECT DISTINCT u.id FROM users u JOIN role_grants g ON g.user_id = u.id
WHERE g.role = 'secretariat' AND u.is_active AND u.deleted_at IS NULL
  AND (g.valid_from IS NULL OR g.valid_from <= $1) AND (g.valid_until IS NULL OR g.valid_until > $1)
ORDER BY u.id"""

# Claim what is due under a lease: SKIP LOCKED keeps concurrent workers apart while they claim, the committed
# lease keeps them apart while one sends. The attempt is counted at the claim, so a killed worker's counts too.
CLAIM = """
WITH due AS (
    SELECT id FROM notice_mails
    WHERE state = 'pending' AND due_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
    ORDER BY due_at, id
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
UPDATE notice_mails m SET lease_until = $1 + make_interval(secs => $3), attempts = m.attempts + 1
FROM due WHERE m.id = due.id
RETURNING m.id, m.idempotency_key, m.form, m.user_id, m.language, m.attempts, m.lease_until,
    coalesce(m.address::text, (SELECT u.email::text FROM users u WHERE u.id = m.user_id AND u.is_active AND u.deleted_at IS NULL))
        AS recipient,
    (SELECT u.display_name FROM users u WHERE u.id = m.user_id) AS display_name"""
MAIL_NOTICES = """
SELECT id, kind, params, link, created_at FROM notices WHERE mail_id = $1 ORDER BY created_at, id"""
# Results are fenced by the lease they were claimed under: a mail reclaimed after its lease ran out belongs to
# the worker that reclaimed it.
FINISH = """
UPDATE notice_mails SET state = $3::text, sent_at = CASE WHEN $3::text = 'sent' THEN $4::timestamptz END,
    lease_until = NULL, due_at = coalesce($5::timestamptz, due_at), last_error = $6::text
WHERE id = $1 AND lease_until = $2 AND state = 'pending'
RETURNING id"""
LOG = """
INSERT INTO notice_send_log (mail_id, attempt, attempted_at, outcome, message_id, recipient, detail)
VALUES ($1, $2, $3, $4, $5, $6, $7)"""
UNSUBSCRIBE_KEY = "SELECT unsubscribe_key FROM notice_keys WHERE id = 1"

# Digests: every notice of a person waiting for this form and created before the cutoff goes into one mail
# whose key names the person, the form and the cutoff (a second run for the same cutoff adds nothing).
DIGEST = """
WITH waiting AS (
    SELECT DISTINCT n.user_id FROM notices n JOIN users u ON u.id = n.user_id AND u.is_active AND u.deleted_at IS NULL
    WHERE n.mail_id IS NULL AND n.delivery = $1 AND n.created_at < $2
), mails AS (
    INSERT INTO notice_mails (idempotency_key, form, user_id, language, due_at, created_at)
    SELECT 'digest:' || $1 || ':' || w.user_id || ':' || $3, $1, w.user_id, u.preferred_language, $4, $4
    FROM waiting w JOIN users u ON u.id = w.user_id
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id, user_id
), attached AS (
    UPDATE notices n SET mail_id = m.id FROM mails m
    WHERE n.user_id = m.user_id AND n.mail_id IS NULL AND n.delivery = $1 AND n.created_at < $2
    RETURNING n.id
)
SELECT (SELECT count(*) FROM mails) AS mails, (SELECT count(*) FROM attached) AS notices"""

INBOX = """
SELECT id, kind, params, link, created_at, read_at FROM notices
WHERE user_id = $1
ORDER BY created_at DESC, id DESC
LIMIT $2 OFFSET $3"""
INBOX_TOTAL = "SELECT count(*) FROM notices WHERE user_id = $1"
UNREAD = "SELECT count(*) FROM notices WHERE user_id = $1 AND read_at IS NULL"
MARK_READ = "UPDATE notices SET read_at = $3 WHERE user_id = $1 AND id = $2 AND read_at IS NULL RETURNING id"
MARK_ALL_READ = "UPDATE notices SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL"
SEND_LOG = """
SELECT l.id, l.mail_id, l.attempt, l.attempted_at, l.outcome, l.message_id, l.recipient::text, l.detail,
       m.form, m.state,
       (SELECT n.kind FROM notices n WHERE n.mail_id = m.id ORDER BY n.id LIMIT 1) AS kind
FROM notice_send_log l JOIN notice_mails m ON m.id = l.mail_id
ORDER BY l.attempted_at DESC, l.id DESC
LIMIT $1 OFFSET $2"""
SEND_LOG_TOTAL = "SELECT count(*) FROM notice_send_log"


class ClaimedMail(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    key: str
    form: str  # notice | daily | weekly
    user_id: UUID | None
    language: str
    attempt: int
    lease_until: datetime
    recipient: str | None  # None: the account is gone or deactivated
    display_name: str


class StoredNotice(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    kind: str
    params: dict[str, Any]
    link: str | None
    created_at: datetime
    read_at: datetime | None = None


class LogEntry(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    mail_id: int
    attempt: int
    attempted_at: datetime
    outcome: str
    message_id: str
    recipient: str
    detail: str
    form: str
    state: str
    kind: str | None


class NoticeRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def recipient(self, user_id: UUID) -> tuple[str, bool] | None:
        row = await self.conn.fetchrow(RECIPIENT, user_id)
        return None if row is None else (row["preferred_language"], row["active"])

    async def setting(self, user_id: UUID, kind: str) -> str | None:
        delivery: str | None = await self.conn.fetchval(SETTING, user_id, kind)
        return delivery

    async def settings(self, user_id: UUID) -> dict[str, str]:
        return {r["kind"]: r["delivery"] for r in await self.conn.fetch(SETTINGS, user_id)}

    async def set_setting(self, user_id: UUID, kind: str, delivery: str, now: datetime) -> None:
        await self.conn.execute(UPSERT_SETTING, user_id, kind, delivery, now)

    async def secretariat(self, now: datetime) -> list[UUID]:
        return [r["id"] for r in await self.conn.fetch(SECRETARIAT, now)]

    async def insert_notice(
        self,
        *,
        key: str,
        kind: str,
        user_id: UUID | None,
        address: str | None,
        params: dict[str, Any],
        link: str | None,
        language: str,
        delivery: str,
        now: datetime,
    ) -> int | None:
        """The new notice's id, None when a notice with this key exists already."""
        notice_id: int | None = await self.conn.fetchval(
            INSERT_NOTICE, key, kind, user_id, address, params, link, language, delivery, now
        )
        return notice_id

    async def insert_notice_mail(
        self,
        notice_id: int,
        *,
        key: str,
        user_id: UUID | None,
        address: str | None,
        language: str,
        now: datetime,
    ) -> None:
        await self.conn.fetchval(INSERT_NOTICE_MAIL, notice_id, key, user_id, address, language, now)

    async def claim(self, now: datetime, limit: int, lease_seconds: float) -> list[ClaimedMail]:
        rows = await self.conn.fetch(CLAIM, now, limit, float(lease_seconds))
        return [
            ClaimedMail(
                id=r["id"],
                key=r["idempotency_key"],
                form=r["form"],
                user_id=r["user_id"],
                language=r["language"],
                attempt=r["attempts"],
                lease_until=r["lease_until"],
                recipient=r["recipient"],
                display_name=r["display_name"] or "",
            )
            for r in rows
        ]

    async def mail_notices(self, mail_id: int) -> list[StoredNotice]:
        return [StoredNotice(**dict(r)) for r in await self.conn.fetch(MAIL_NOTICES, mail_id)]

    async def finish(
        self,
        mail: ClaimedMail,
        *,
        state: str,
        now: datetime,
        due_at: datetime | None,
        error: str | None,
        outcome: str,
        message_id: str,
    ) -> bool:
        """Record an attempt in the send log and, if this worker still holds the mail's lease, its new state.
        False: the lease was lost (another worker reclaimed the mail)."""
        held = await self.conn.fetchval(FINISH, mail.id, mail.lease_until, state, now, due_at, error)
        await self.conn.execute(
            LOG, mail.id, mail.attempt, now, outcome, message_id, mail.recipient or "", (error or "")[:1000]
        )
        return held is not None

    async def unsubscribe_key(self) -> bytes:
        key: bytes = await self.conn.fetchval(UNSUBSCRIBE_KEY)
        return key

    async def make_digests(self, form: str, cutoff: datetime, label: str, now: datetime) -> tuple[int, int]:
        row = await self.conn.fetchrow(DIGEST, form, cutoff, label, now)
        return row["mails"], row["notices"]

    async def inbox(self, user_id: UUID, limit: int, offset: int) -> tuple[list[StoredNotice], int]:
        rows = await self.conn.fetch(INBOX, user_id, limit, offset)
        total: int = await self.conn.fetchval(INBOX_TOTAL, user_id)
        return [StoredNotice(**dict(r)) for r in rows], total

    async def unread(self, user_id: UUID) -> int:
        count: int = await self.conn.fetchval(UNREAD, user_id)
        return count

    async def mark_read(self, user_id: UUID, notice_id: int, now: datetime) -> bool:
        return await self.conn.fetchval(MARK_READ, user_id, notice_id, now) is not None

    async def mark_all_read(self, user_id: UUID, now: datetime) -> None:
        await self.conn.execute(MARK_ALL_READ, user_id, now)

    async def send_log(self, limit: int, offset: int) -> tuple[list[LogEntry], int]:
        rows = await self.conn.fetch(SEND_LOG, limit, offset)
        total: int = await self.conn.fetchval(SEND_LOG_TOTAL)
        return [LogEntry(**dict(r)) for r in rows], total
