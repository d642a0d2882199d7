"""Invitations SQL (table invitations, migration 0025)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from igf_hub.people.invitation_schemas import InvitationRow

COLUMNS = """id, email::text AS email, role, resource_id, is_chair, valid_from, valid_until, language, note,
invited_by, invited_by_name, created_at, expires_at, accepted_at, accepted_by, revoked_at"""
INSERT = f"""
INSERT INTO invitations (token_hash, email, role, resource_id, is_chair, valid_from, valid_until, language, note,
                         invited_by, invited_by_name, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
RETURNING {COLUMNS}"""
# Locked: two tabs accepting the same invitation cannot both grant.
SELECT_BY_TOKEN = f"SELECT {COLUMNS} FROM invitations WHERE token_hash = $1 FOR UPDATE"
SELECT_BY_ID = f"SELECT {COLUMNS} FROM invitations WHERE id = $1 FOR UPDATE"
ACCEPT = f"""
UPDATE invitations SET accepted_at = $2, accepted_by = $3
WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL RETURNING {COLUMNS}"""
REVOKE = f"""
UPDATE invitations SET revoked_at = $2, revoked_by = $3
WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL RETURNING {COLUMNS}"""
# The Secretariat sees every invitation; anyone else those of the (role, object) pairs they hold.
LIST = f"""
SELECT {COLUMNS} FROM invitations
WHERE $1 OR (role, resource_id) IN (SELECT * FROM unnest($2::text[], $3::uuid[]))
ORDER BY created_at DESC, id DESC LIMIT $4"""


class InvitationRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def insert(self, token_hash: str, **values: Any) -> InvitationRow:
        row = await self.conn.fetchrow(
            INSERT,
            token_hash,
            values["email"],
            values["role"],
            values["resource_id"],
            values["is_chair"],
            values["valid_from"],
            values["valid_until"],
            values["language"],
            values["note"],
            values["invited_by"],
            values["invited_by_name"],
            values["created_at"],
            values["expires_at"],
        )
        return InvitationRow(**row)

    async def by_token(self, token_hash: str) -> InvitationRow | None:
        row = await self.conn.fetchrow(SELECT_BY_TOKEN, token_hash)
        return InvitationRow(**row) if row else None

    async def by_id(self, invitation_id: UUID) -> InvitationRow | None:
        row = await self.conn.fetchrow(SELECT_BY_ID, invitation_id)
        return InvitationRow(**row) if row else None

    async def accept(self, invitation_id: UUID, user_id: UUID, now: datetime) -> InvitationRow | None:
        row = await self.conn.fetchrow(ACCEPT, invitation_id, now, user_id)
        return InvitationRow(**row) if row else None

    async def revoke(self, invitation_id: UUID, actor: str, now: datetime) -> InvitationRow | None:
        row = await self.conn.fetchrow(REVOKE, invitation_id, now, actor)
        return InvitationRow(**row) if row else None

    async def visible(
        self, *, everything: bool, bindings: list[tuple[str, UUID]], limit: int
    ) -> list[InvitationRow]:
        roles = [role for role, _ in bindings]
        resources = [resource for _, resource in bindings]
        rows = await self.conn.fetch(LIST, everything, roles, resources, limit)
        return [InvitationRow(**r) for r in rows]
