"""Follows: a person follows a public thing from its page and hears of it (people/notices.py).

What may be followed, by kind and key: a Message (``message``, its id), a theme of the Messages (``theme``, the
theme as written), the Messages of a year (``messages_of_year``, the year), a track (``track``, its slug) and
an NRI (``nri``, its id). This layer imports no domain: a page passes its subject's kind, key and name to
``button`` (the context of ``components/follow.html``), and a domain asks ``followers`` who follows any of the
subjects an event concerns.

A follow is personal data, not public record: it is not written to the audit log (which is never rewritten, so
a follow there would outlive the person's account), unfollowing deletes it, and deleting the account deletes
every follow with it. The name shown on /account/following is the one the page showed when the person
followed; only that person ever sees it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import asyncpg

from igf_hub.auth.principal import AnyRequest
from igf_hub.people.follow_repository import FollowRepository
from igf_hub.people.notices import Account
from igf_hub.web import i18n
from igf_hub.web.i18n import N_
from igf_hub.web.navigation import local_path
from igf_hub.web.sessions import context_of

MESSAGE = "message"
THEME = "theme"
MESSAGES_OF_YEAR = "messages_of_year"
TRACK = "track"
NRI = "nri"
KINDS = (MESSAGE, THEME, MESSAGES_OF_YEAR, TRACK, NRI)
# What each kind is, for the person's list of what they follow.
KIND_NAMES = {
    MESSAGE: N_("IGF Message"),
    THEME: N_("Messages on a theme"),
    MESSAGES_OF_YEAR: N_("Messages of a year"),
    TRACK: N_("Intersessional track"),
    NRI: N_("National or regional initiative"),
}
SHOWN = 500  # the most a person's list shows (the newest first)
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


class NotFollowable(ValueError):
    """A kind or key no page offers: the form was not ours."""


@dataclass(frozen=True)
class Followed:
    kind: str
    key: str
    label: str
    path: str  # the subject's page, unprefixed
    since: datetime


def subject(kind: str, key: str) -> tuple[str, str]:
    """The kind and the key in their one written form; NotFollowable names what is wrong."""
    key = key.strip()
    if kind not in KINDS:
        raise NotFollowable(f"kind must be one of {', '.join(KINDS)}")
    if kind in (MESSAGE, NRI):
        try:
            return kind, str(UUID(key))
        except ValueError:
            raise NotFollowable("key must be the id of the Message or NRI") from None
    if kind == MESSAGES_OF_YEAR:
        if not key.isascii() or not key.isdigit() or not 1900 <= int(key) <= 2999:
            raise NotFollowable("key must be a year between 1900 and 2999")
        return kind, str(int(key))
    if kind == TRACK:
        if not _SLUG.match(key):
            raise NotFollowable("key must be a track's slug")
        return kind, key
    if not 2 <= len(key) <= 200:
        raise NotFollowable("key must be a theme of 2 to 200 characters")
    return kind, key


def path_of(kind: str, key: str) -> str:
    """The public page of a subject (unprefixed)."""
    if kind == MESSAGE:
        return f"/messages/{key}"
    if kind == THEME:
        return "/messages?" + urlencode({"theme": key})
    if kind == MESSAGES_OF_YEAR:
        return "/messages?" + urlencode({"year": key})
    if kind == TRACK:
        return f"/tracks/{key}"
    return f"/nris/{key}"


async def follow(
    conn: asyncpg.Connection, user_id: UUID, kind: str, key: str, label: str, now: datetime
) -> bool:
    """Follow a subject (again: nothing changes); True when the person did not follow it yet."""
    kind, key = subject(kind, key)
    name = " ".join(label.split())[:300] or key
    return await FollowRepository(conn).add(user_id, kind, key, name, now)


async def unfollow(conn: asyncpg.Connection, user_id: UUID, kind: str, key: str) -> bool:
    kind, key = subject(kind, key)
    return await FollowRepository(conn).remove(user_id, kind, key)


async def following(conn: asyncpg.Connection, user_id: UUID) -> list[Followed]:
    """What the person follows, newest first."""
    rows = await FollowRepository(conn).of_person(user_id, SHOWN)
    return [
        Followed(
            kind=row["subject_kind"],
            key=row["subject_key"],
            label=row["label"],
            path=path_of(row["subject_kind"], row["subject_key"]),
            since=row["created_at"],
        )
        for row in rows
    ]


async def followers(conn: asyncpg.Connection, subjects: list[tuple[str, str]]) -> list[Account]:
    """Everyone (active) who follows any of these (kind, key) subjects, once each: a notice's recipients."""
    if not subjects:
        return []
    return [Account(user_id) for user_id in await FollowRepository(conn).followers(subjects)]


async def subjects_of(conn: asyncpg.Connection, user_id: UUID) -> set[tuple[str, str]]:
    """The (kind, key) of everything the person follows (their calendar adds these deadlines)."""
    return {(item.kind, item.key) for item in await following(conn, user_id)}


async def is_following(conn: asyncpg.Connection, user_id: UUID, kind: str, key: str) -> bool:
    return await FollowRepository(conn).is_following(user_id, *subject(kind, key))


async def button(
    request: AnyRequest, conn: asyncpg.Connection, kind: str, key: str, label: str
) -> dict[str, Any]:
    """The context of ``components/follow.html`` for this page's subject: a Follow or Unfollow form for a
    signed-in reader (back to this page after), else a link to sign in that comes back here."""
    kind, key = subject(kind, key)
    language = i18n.request_language(request)
    here = i18n.path_in(language, request.url.path) + (f"?{request.url.query}" if request.url.query else "")
    back = local_path(here) or i18n.path_in(language, "/")
    person = request.user
    if not person.is_authenticated or person.user_id is None:
        return {
            "signed_in": False,
            "signin_url": i18n.path_in(language, "/signin") + "?" + urlencode({"next": back}),
        }
    return {
        "signed_in": True,
        "following": await FollowRepository(conn).is_following(person.user_id, kind, key),
        "csrf_token": await context_of(request.scope).csrf_token(conn),
        "kind": kind,
        "key": key,
        "label": label,
        "next": back,
    }
