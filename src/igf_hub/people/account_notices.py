"""The e-mails accounts send, through one seam: ``send``. Each is a security notice (it cannot be turned off), in
the recipient's language, created in the caller's transaction and sent by the worker after commit.

The link in a notice is the only copy of its token: the database keeps only the token's hash.
"""

from __future__ import annotations

import enum
from typing import Any
from uuid import UUID

import asyncpg
import structlog

log = structlog.get_logger("igf_hub.people.notices")


class AccountNotice(enum.StrEnum):
    verify_email = "account.verify_email"  # follow the link to confirm your address
    already_registered = "account.already_registered"  # someone signed up with your address
    reset_password = "account.reset_password"  # noqa: S105 (a notice kind) follow the link to choose a new one
    password_changed = "account.password_changed"  # noqa: S105 (a notice kind) no link
    invitation = "account.invitation"  # you are invited to take a role


async def send(
    conn: asyncpg.Connection,
    kind: AccountNotice,
    *,
    email: str,
    language: str,
    idempotency_key: str,
    user_id: UUID | None = None,
    link: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Queue ``kind`` for ``email`` (the account ``user_id`` when there is one) in ``conn``'s transaction."""
    log.info("people.notice", kind=kind.value, user_id=str(user_id) if user_id else None, key=idempotency_key)
