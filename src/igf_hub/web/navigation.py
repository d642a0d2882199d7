"""The site's main navigation, declared as data: each domain's ``pages.py`` lists its ``NavItem``s, app.py
collects them in ``NAVIGATION`` (``app.state.navigation``), and the layout shows them in every page's header.
The header also says who is signed in (``account``), from components/header_account.html.

A signed-in person's workspace ("My work", ``/workspace``, web/workspace.py) is declared the same way: each
domain lists ``WorkItem``s beside its ``NAVIGATION`` in a ``WORKSPACE`` list, app.py collects them in
``app.state.workspace``, and the page shows the ones the person's roles give them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from litestar import Request

from igf_hub.auth.principal import Principal, Role
from igf_hub.web import i18n


@dataclass(frozen=True)
class NavItem:
    path: str  # without the language prefix, e.g. "/nris"
    label: str  # marked with N_(), translated when shown
    order: int = 100  # smaller first


@dataclass(frozen=True)
class WorkItem:
    """An entry point of a role's work, e.g. the Secretariat's queue. A link, not a permission: the page it
    leads to checks the same guards as the API."""

    path: str  # without the language prefix, e.g. "/secretariat/queue"
    label: str  # marked with N_(), translated when shown
    roles: frozenset[Role] = frozenset()  # who is shown it; empty: every signed-in person
    description: str = ""  # one sentence, marked with N_()
    order: int = 100  # smaller first


def work_items(items: Sequence[WorkItem], person: Principal) -> list[WorkItem]:
    """The items ``person``'s roles give them, in order."""
    roles = person.roles
    shown = [item for item in items if not item.roles or item.roles & roles]
    return sorted(shown, key=lambda item: (item.order, item.path))


def navigation(request: Request[Any, Any, Any], language: str) -> list[dict[str, Any]]:
    """The items for this page: the link in the page's language, and which one the reader is in."""
    items: Sequence[NavItem] = getattr(request.app.state, "navigation", ())
    path = request.url.path
    return [
        {
            "href": f"/{language}{item.path}",
            "label": item.label,
            "current": path == item.path or path.startswith(item.path.rstrip("/") + "/"),
        }
        for item in sorted(items, key=lambda item: (item.order, item.path))
    ]


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def local_path(value: str | None) -> str | None:
    """``value`` when it is a path on this site (where to go after signing in), else None: never another site."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if len(value) > 2000 or _CONTROL.search(value):  # a control character (C0 or DEL)
        return None
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else None


def account(request: Request[Any, Any, Any], language: str) -> dict[str, Any]:
    """The header's sign-in state: the signed-in person's name and the token of the sign-out form, or where the
    "Sign in" link leads (the sign-in page, then back to this page: a path on this site only)."""
    # Imported here: sessions -> csrf -> templating -> navigation would be a cycle at import time.
    from igf_hub.web.sessions import STATE_KEY, SessionContext

    context = (request.scope.get("state") or {}).get(STATE_KEY)
    session = context.session if isinstance(context, SessionContext) else None
    person = request.scope.get("user")
    if (
        session is not None
        and session.user_id is not None
        and isinstance(person, Principal)
        and person.user_id == session.user_id
    ):
        return {"name": person.display_name or person.email or "", "csrf_token": session.csrf_token}
    path = request.url.path
    query = request.url.query
    back_to = (
        None
        if path in ("/signin", "/signout")
        else local_path(i18n.path_in(language, path) + (f"?{query}" if query else ""))
    )
    signin = i18n.path_in(language, "/signin") + (f"?{urlencode({'next': back_to})}" if back_to else "")
    return {"name": None, "csrf_token": None, "signin_href": signin}
