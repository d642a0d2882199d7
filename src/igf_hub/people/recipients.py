"""Who a notice goes to, by role: neutral helpers every domain may use with people/notices.py.

A domain names the role and, for a bound role, the object (an NRI's id for its coordinators, a donor's for its
funders, a consumer organisation's for its staff); the grant must be in force at ``now`` and the account
active. The domain decides what the object is; nothing here knows any domain.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from igf_hub.auth.principal import Role
from igf_hub.people.notices import Account
from igf_hub.people.recipients_repository import RecipientRepository


async def holders(
    conn: asyncpg.Connection, role: Role, now: datetime, *, bound_to: UUID | None = None
) -> list[Account]:
    """Everyone holding ``role`` now; with ``bound_to``, only those whose grant is bound to that object."""
    found = await RecipientRepository(conn).holders(role.value, now, resource_id=bound_to, chairs_only=False)
    return [Account(user_id) for user_id in found]


async def chairs(conn: asyncpg.Connection, role: Role, now: datetime) -> list[Account]:
    """Those holding ``role`` as its chair now (the MAG chair)."""
    found = await RecipientRepository(conn).holders(role.value, now, resource_id=None, chairs_only=True)
    return [Account(user_id) for user_id in found]
