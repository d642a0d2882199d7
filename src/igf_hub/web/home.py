"""The home page: a frame of sections that the domains declare as data.

A domain's ``pages.py`` lists ``HomeSection``s; app.py collects them into ``HOME_SECTIONS`` and stores them on
``app.state.home_sections``. Each section loads its data through its own domain's service, on the request's
connection (never the JSON API over HTTP), and renders its own template inside the home page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from litestar import Request, Response, get
from litestar.response import Redirect

from igf_hub.auth.principal import ANONYMOUS, Principal
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.web import i18n
from igf_hub.web.errors import PageController
from igf_hub.web.templating import render


@dataclass(frozen=True)
class SectionContext:
    """What a section's loader is given: the request's connection, the reader (the same principal the API's
    guards check: anonymous, or the signed-in person), the clock, the reader's language and the settings."""

    conn: asyncpg.Connection
    actor: Principal
    clock: Clock
    language: str
    settings: Settings


@dataclass(frozen=True)
class HomeSection:
    key: str  # the section's id in the page (an anchor), e.g. "messages-open"
    title: str  # marked with N_(), translated when shown
    template: str  # the domain's template for the section's body, e.g. "messages/home_open.html"
    load: Callable[[SectionContext], Awaitable[Mapping[str, Any]]]  # its template's context
    order: int = 100  # smaller first


def home_sections(request: Request[Any, Any, Any]) -> Sequence[HomeSection]:
    sections: Sequence[HomeSection] = getattr(request.app.state, "home_sections", ())
    return sorted(sections, key=lambda section: (section.order, section.key))


class HomePage(PageController):
    @get("/", name="home")
    async def home(
        self, request: Request[Any, Any, Any], db: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Response[Any]:
        if i18n.prefixed_language(request.scope) is None:
            # The bare address picks a language (remembered, else the browser's) and sends the reader there.
            language = i18n.request_language(request)
            return Redirect(
                i18n.path_in(language, "/"), status_code=302, headers={"Vary": "Accept-Language, Cookie"}
            )
        actor: Principal = request.scope.get("user") or ANONYMOUS
        context = SectionContext(db, actor, clock, i18n.request_language(request), settings)
        sections = [(section, await section.load(context)) for section in home_sections(request)]
        return render(request, "home.html", {"sections": sections})
