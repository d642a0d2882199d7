"""Notices to people: created in the transaction of the change that causes them, sent after commit by the worker.

A notice goes to an ``Account`` (it shows in that person's inbox, and goes by e-mail in their language as their
settings say: immediately, in a daily or weekly digest, or not by e-mail) or to a bare ``Address`` (someone with
no account yet: an invitation; e-mail only, at once). Each notice has an idempotency key: writing the same
notice twice is a no-op, and the e-mail that carries it has a Message-ID derived from that key.

How a domain adds a notice kind and its recipients
--------------------------------------------------
1. Declare the kind in ``<domain>/notices.py`` (the catalogs extract strings from it)::

       from igf_hub.people.notices import N_, NoticeKind

       SUBMITTED = NoticeKind(
           name="nri.submitted",
           label=N_("An NRI is submitted for recognition"),     # the settings page
           subject=N_("NRI submitted for recognition: %(name)s"),  # subject, inbox title; %(params)s
           template="nri/notices/submitted",                     # templates/nri/notices/submitted.txt + .html
       )
       NOTICE_KINDS = [SUBMITTED]

   ``security=True`` for a notice that cannot be turned off (verification, password reset, invitation, new
   sign-in): it goes at once and has no unsubscribe link.
2. Write the two body templates: ``{% extends "people/mail/notice.txt" %}{% block body %}…{% endblock %}`` and
   the same with ``notice.html``. They see ``params`` (the dict given to ``notify``), ``link`` (the absolute
   URL of the notice's ``link``, or None), ``lang`` and ``_()``. Run ``./dev i18n`` and translate.
3. List the kinds in the domain's ``Wiring(notice_kinds=NOTICE_KINDS)`` (wiring.py).
4. Create notices where the change happens, in its transaction: either in the service itself, or (to keep the
   service unaware of people) in an after-commit subscriber of the domain's event, also in ``Wiring``
   (``after_commit={"nri.submitted": [handler]}``), which the worker runs once per event in the transaction
   that marks it dispatched::

       async def notify_submitted(conn: asyncpg.Connection, event: Event) -> None:
           await notices.notify(
               conn,
               kind=SUBMITTED.name,
               recipients=await notices.secretariat(conn, event.occurred_at),
               key=f"nri.submitted:{event.event_id}",  # per event: a redelivery adds nothing
               params={"name": event.data["name"]},
               link=f"/nris/{event.subject}",
               now=event.occurred_at,
           )

   Recipients are ``Account(user_id)`` or ``Address("someone@example.org", language="fr")``; ``key`` is the
   idempotency key of the occasion, made unique per recipient here. Params must be JSON (strings, numbers).

Sending is people/mailer.py (the worker's ``notices_send`` job); digests are ``notices_digests``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.core.notice_kinds import DELIVERIES, Delivery, NoticeKind, registered
from igf_hub.people.repository import NoticeRepository
from igf_hub.web.i18n import LANGUAGES, N_

__all__ = [
    "DELIVERIES",
    "N_",
    "Account",
    "Address",
    "Delivery",
    "NoticeKind",
    "deliveries",
    "kind_named",
    "kinds",
    "notify",
    "secretariat",
    "set_delivery",
    "unsubscribe",
]


@dataclass(frozen=True)
class Account:
    """A person with an account: inbox, settings, their language."""

    user_id: UUID


@dataclass(frozen=True)
class Address:
    """Someone known only by an e-mail address (an invitation): e-mail only, in the language given."""

    email: str
    language: str = "en"


Recipient = Account | Address


def kinds() -> Mapping[str, NoticeKind]:
    """Every installed kind (the domains' Wiring), by name."""
    return registered()


def kind_named(name: str) -> NoticeKind:
    try:
        return registered()[name]
    except KeyError:
        raise ValueError(
            f"no notice kind {name!r} is installed (list it in a Wiring's notice_kinds)"
        ) from None


async def secretariat(conn: asyncpg.Connection, now: datetime) -> list[Recipient]:
    """Everyone who holds the Secretariat role now."""
    return [Account(user_id) for user_id in await NoticeRepository(conn).secretariat(now)]


async def delivery_for(repo: NoticeRepository, notice_kind: NoticeKind, user_id: UUID) -> Delivery:
    if notice_kind.security:
        return "immediately"
    chosen = await repo.setting(user_id, notice_kind.name)
    return chosen if chosen in DELIVERIES else notice_kind.default_delivery


def _recipient_key(key: str, recipient: Recipient) -> str:
    who = str(recipient.user_id) if isinstance(recipient, Account) else recipient.email.strip().lower()
    return f"{key}|{who}"


async def notify(
    conn: asyncpg.Connection,
    *,
    kind: str,
    recipients: Iterable[Recipient],
    key: str,
    now: datetime,
    params: Mapping[str, Any] | None = None,
    link: str | None = None,
) -> int:
    """Create one notice of ``kind`` per recipient in the caller's transaction; returns how many were new.

    ``key`` names the occasion (an event id, "invitation:<id>"): each recipient's notice is keyed
    ``<key>|<recipient>``, so calling again with the same key creates nothing. ``link`` is a path on this site
    ("/nris/…"). A deactivated or unknown account is skipped. E-mail is sent after commit by the worker."""
    notice_kind = kind_named(kind)
    if link is not None and (not link.startswith("/") or link.startswith("//")):
        raise ValueError(f"a notice's link is a path on this site, not {link!r}")
    data: dict[str, Any] = msgspec.to_builtins(dict(params or {}))
    repo = NoticeRepository(conn)
    created = 0
    for recipient in dict.fromkeys(recipients):
        notice_key = _recipient_key(key, recipient)
        if isinstance(recipient, Account):
            found = await repo.recipient(recipient.user_id)
            if found is None or not found[1]:
                continue
            language, user_id, address = found[0], recipient.user_id, None
            delivery = await delivery_for(repo, notice_kind, recipient.user_id)
        else:
            if not notice_kind.security:
                # Without an account there is nothing to unsubscribe from: only security notices go there.
                raise ValueError(f"{notice_kind.name} is not a security notice: it goes to accounts only")
            if "@" not in recipient.email:
                raise ValueError(f"not an e-mail address: {recipient.email!r}")
            language = recipient.language if recipient.language in LANGUAGES else "en"
            user_id, address, delivery = None, recipient.email.strip(), "immediately"
        notice_id = await repo.insert_notice(
            key=notice_key,
            kind=notice_kind.name,
            user_id=user_id,
            address=address,
            params=data,
            link=link,
            language=language,
            delivery=delivery,
            now=now,
        )
        if notice_id is None:
            continue  # this notice exists already
        created += 1
        if delivery == "immediately":
            await repo.insert_notice_mail(
                notice_id, key=notice_key, user_id=user_id, address=address, language=language, now=now
            )
    return created


# -- a person's settings ------------------------------------------------------------------------------------


async def deliveries(conn: asyncpg.Connection, user_id: UUID) -> dict[str, Delivery]:
    """How each installed kind reaches this person by e-mail (their choice, else the kind's default)."""
    chosen = await NoticeRepository(conn).settings(user_id)
    result: dict[str, Delivery] = {}
    for name, notice_kind in sorted(kinds().items()):
        value = chosen.get(name, notice_kind.default_delivery)
        result[name] = "immediately" if notice_kind.security else value  # type: ignore[assignment]
    return result


async def set_delivery(
    conn: asyncpg.Connection, user_id: UUID, kind: str, delivery: str, now: datetime
) -> None:
    """Set how ``kind`` reaches this person; security notices cannot be turned off or delayed."""
    notice_kind = kind_named(kind)
    if delivery not in DELIVERIES:
        raise ValueError(f"{delivery!r} is not one of {', '.join(DELIVERIES)}")
    if notice_kind.security:
        raise ValueError(f"{kind} is a security notice: it cannot be turned off or put in a digest")
    await NoticeRepository(conn).set_setting(user_id, kind, delivery, now)


async def unsubscribe(conn: asyncpg.Connection, user_id: UUID, what: str, now: datetime) -> list[str]:
    """Turn off e-mail of one kind (or, for ``digest:daily|weekly``, of every kind in that digest) for one
    person; returns the kinds turned off. Other kinds are left as they are."""
    if what.startswith("digest:"):
        form = what.removeprefix("digest:")
        names = [name for name, delivery in (await deliveries(conn, user_id)).items() if delivery == form]
    else:
        notice_kind = kinds().get(what)
        names = [what] if notice_kind is not None and not notice_kind.security else []
    for name in names:
        await NoticeRepository(conn).set_setting(user_id, name, "off", now)
    return names


# -- one-click unsubscribe (RFC 8058) -------------------------------------------------------------------------

_UNSUBSCRIBE = b"igf-hub unsubscribe v1\n"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unsubscribe_token(key: bytes, user_id: UUID, what: str) -> str:
    """A token that turns off e-mail of one kind (or one digest: ``digest:daily``) for one person, without
    signing in: the person and the kind, signed with the deployment's unsubscribe key (HMAC-SHA256)."""
    payload = f"{user_id}\n{what}".encode()
    mac = hmac.digest(key, _UNSUBSCRIBE + payload, hashlib.sha256)[:16]
    return f"{_b64(payload)}.{_b64(mac)}"


def read_unsubscribe_token(key: bytes, token: str) -> tuple[UUID, str] | None:
    """(person, kind) of a genuine token, None for anything else."""
    payload_text, _, mac_text = token.partition(".")
    try:
        payload = base64.urlsafe_b64decode(payload_text + "=" * (-len(payload_text) % 4))
        mac = base64.urlsafe_b64decode(mac_text + "=" * (-len(mac_text) % 4))
    except (ValueError, TypeError):
        return None
    expected = hmac.digest(key, _UNSUBSCRIBE + payload, hashlib.sha256)[:16]
    if not hmac.compare_digest(mac, expected):
        return None
    user_text, _, what = payload.decode(errors="replace").partition("\n")
    try:
        return UUID(user_text), what
    except ValueError:
        return None
