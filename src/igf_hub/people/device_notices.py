"""A new sign-in from an unknown device → the person (a security notice: always sent, never turned off).

"Unknown device", kept simple: a device is the browser's User-Agent together with its network (the IPv4 /24 or
IPv6 /48 it signs in from), stored only as a SHA-256 fingerprint. A sign-in is from an unknown device when the
person has signed in before from some device within the last KNOWN_FOR days and never from this one in that
time. The first device a person ever signs in from is no news to them, so it tells nothing. Every browser sign-in
goes through web/sessions.SessionContext.sign_in, which calls ``signed_in`` here.
"""

from __future__ import annotations

import hashlib
import ipaddress
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from igf_hub.core.notice_kinds import NoticeKind
from igf_hub.people import notices
from igf_hub.people.device_repository import DeviceRepository
from igf_hub.web.i18n import N_

NEW_DEVICE_SIGN_IN = NoticeKind(
    name="account.new_device_sign_in",
    label=N_("A sign-in to your account from a new device"),
    subject=N_("New sign-in to your IGF Hub account"),
    template="people/notices/new_device_sign_in",
    security=True,
)

NOTICE_KINDS = [NEW_DEVICE_SIGN_IN]

# How long a device stays known without a sign-in from it.
KNOWN_FOR = timedelta(days=90)


def network_of(host: str) -> str:
    """The network a sign-in comes from: IPv4 /24, IPv6 /48 (an address that is not an IP stays as it is)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def fingerprint(user_agent: str, client_host: str) -> str:
    return hashlib.sha256(f"{user_agent.strip()}\n{network_of(client_host)}".encode()).hexdigest()


async def signed_in(
    conn: asyncpg.Connection, user_id: UUID, *, user_agent: str, client_host: str, now: datetime
) -> bool:
    """Remember this device for the person and, if it is new to them, tell them (in the sign-in's transaction).
    Returns whether they were told."""
    repo = DeviceRepository(conn)
    device = fingerprint(user_agent, client_host)
    known = await repo.recent(user_id, now - KNOWN_FOR)
    await repo.remember(user_id, device, now)
    if not known or device in known:
        return False
    await notices.notify(
        conn,
        kind=NEW_DEVICE_SIGN_IN.name,
        recipients=[notices.Account(user_id)],
        key=f"{NEW_DEVICE_SIGN_IN.name}:{device}:{now.isoformat()}",
        params={
            "device": user_agent.strip()[:200],
            "network": network_of(client_host),
            "at": now.strftime("%Y-%m-%d %H:%M UTC"),
        },
        link="/account",
        now=now,
    )
    return True
