"""The Follow / Unfollow forms of the public pages, and the person's list of what they follow
(``/account/following``); people/follows.py says what may be followed and why a follow is not audited.

The forms are plain CSRF-checked posts (web/csrf.py) that work without JavaScript: they answer 303 back to the
page they came from (a path on this site only), else to the list. A signed-out post is sent to sign in.
"""

from __future__ import annotations

import asyncpg
from litestar import get, post
from litestar.exceptions import ValidationException
from litestar.response import Redirect, Template

from igf_hub.auth.principal import AnyRequest
from igf_hub.core.clock import Clock
from igf_hub.people import follows
from igf_hub.people.follows import KIND_NAMES, NotFollowable
from igf_hub.web import i18n
from igf_hub.web.access import sign_in_first, signed_in
from igf_hub.web.errors import PageController
from igf_hub.web.navigation import local_path
from igf_hub.web.sessions import context_of
from igf_hub.web.templating import render

NO_STORE = {"Cache-Control": "no-store"}
LIST = "/account/following"


async def _fields(request: AnyRequest) -> tuple[str, str, str, str | None]:
    form = await request.form()
    kind, key = str(form.get("kind") or ""), str(form.get("key") or "")
    try:
        kind, key = follows.subject(kind, key)
    except NotFollowable as exc:
        raise ValidationException(str(exc)) from None
    return kind, key, str(form.get("label") or ""), local_path(str(form.get("next") or ""))


class FollowPages(PageController):
    path = LIST

    @get("/", name="people:following")
    async def following(self, request: AnyRequest, db: asyncpg.Connection) -> Template | Redirect:
        """What the signed-in person follows, each with its page and an Unfollow button."""
        language = i18n.request_language(request)
        person = signed_in(request)
        if person is None or person.user_id is None:
            return sign_in_first(request, LIST)
        followed = await follows.following(db, person.user_id)
        token = await context_of(request.scope).csrf_token(db)
        return render(
            request,
            "people/following.html",
            {
                "followed": [
                    {
                        "kind": item.kind,
                        "key": item.key,
                        "kind_name": KIND_NAMES[item.kind],
                        "label": item.label,
                        "href": i18n.path_in(language, item.path),
                        "since": item.since,
                    }
                    for item in followed
                ],
                "csrf_token": token,
                "back": i18n.path_in(language, LIST),
            },
            headers=NO_STORE,
        )

    @post("/", name="people:follow", status_code=303)
    async def follow(self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock) -> Redirect:
        """Follow the page's subject, then go back to the page."""
        language = i18n.request_language(request)
        person = signed_in(request)
        if person is None or person.user_id is None:
            return sign_in_first(request, LIST)
        kind, key, label, back = await _fields(request)
        await follows.follow(tx, person.user_id, kind, key, label, clock.now())
        return Redirect(back or i18n.path_in(language, LIST), status_code=303)

    @post("/remove", name="people:unfollow", status_code=303)
    async def unfollow(self, request: AnyRequest, tx: asyncpg.Connection) -> Redirect:
        """Stop following (nothing happens if the person did not follow it), then go back."""
        language = i18n.request_language(request)
        person = signed_in(request)
        if person is None or person.user_id is None:
            return sign_in_first(request, LIST)
        kind, key, _, back = await _fields(request)
        await follows.unfollow(tx, person.user_id, kind, key)
        return Redirect(back or i18n.path_in(language, LIST), status_code=303)
