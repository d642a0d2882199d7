"""The e-mails accounts send: security notices of the notices pipeline (people/notices.py), created in the caller's
transaction and sent by the worker after commit, at once, in the recipient's language, never turned off.

They go to the address (``Address``), not to an inbox: a verification or reset link belongs in the mailbox whose
owner it proves, and someone who cannot sign in has no inbox to read. The link in a notice is the only copy of
its token outside the e-mail: account_links and invitations keep only the token's hash.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from igf_hub.core.clock import Clock
from igf_hub.core.notice_kinds import NoticeKind
from igf_hub.people import notices
from igf_hub.web.i18n import N_

VERIFY_EMAIL = NoticeKind(
    name="account.verify_email",
    label=N_("Confirm your e-mail address"),
    subject=N_("Confirm your e-mail address for IGF Hub"),
    template="people/notices/verify_email",
    security=True,
)
ALREADY_REGISTERED = NoticeKind(
    name="account.already_registered",
    label=N_("Someone signed up with your address"),
    subject=N_("You already have an IGF Hub account"),
    template="people/notices/already_registered",
    security=True,
)
RESET_PASSWORD = NoticeKind(
    name="account.reset_password",
    label=N_("Choose a new password"),
    subject=N_("Choose a new password for IGF Hub"),
    template="people/notices/reset_password",
    security=True,
)
PASSWORD_CHANGED = NoticeKind(
    name="account.password_changed",
    label=N_("Your password was changed"),
    subject=N_("Your IGF Hub password was changed"),
    template="people/notices/password_changed",
    security=True,
)
INVITATION = NoticeKind(
    name="account.invitation",
    label=N_("An invitation to take part"),
    subject=N_("%(inviter)s invites you to take part in IGF Hub as %(role)s"),
    template="people/notices/invitation",
    security=True,
)
NOTICE_KINDS = [VERIFY_EMAIL, ALREADY_REGISTERED, RESET_PASSWORD, PASSWORD_CHANGED, INVITATION]


def notice_key(key: str, email: str) -> str:
    """The stored key of the notice ``send`` made for ``key`` and ``email`` (people/notices.py's rule)."""
    return f"{key}|{email.strip().lower()}"


async def send(
    conn: asyncpg.Connection,
    clock: Clock,
    kind: NoticeKind,
    *,
    email: str,
    language: str,
    key: str,
    link: str | None = None,
    params: dict[str, Any] | None = None,
) -> None:
    """Queue ``kind`` for ``email`` in ``conn``'s transaction; ``link`` is a path on this site without the
    language (the mail adds the recipient's); ``key`` makes a second call for the same occasion a no-op."""
    await notices.notify(
        conn,
        kind=kind.name,
        recipients=[notices.Address(email, language=language)],
        key=key,
        now=clock.now(),
        params=params,
        link=link,
    )
