"""The site search page: ``/search?q=…&kind=…&page=…`` (and ``/<lang>/search``), over the index every domain
keeps of its public objects (core/search.py).

A GET form that works without JavaScript: the results in the reader's language first, then in the others, each
object once, with its matches marked; a count per kind that filters by it; simple previous and next links. What
the reader sent is read as plain text, so a bad value gives the form back with a sentence (400) instead of an
error page. The index holds only public objects, so the page has no visibility rule of its own.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any
from urllib.parse import urlencode

import asyncpg
from litestar import Request, Response, get
from litestar.params import Parameter

from igf_hub.core import search
from igf_hub.web import i18n
from igf_hub.web.errors import PageController
from igf_hub.web.i18n import N_
from igf_hub.web.templating import render

PAGE_SIZE = 20
MAX_PAGE = 50  # 1,000 results: past that, better words serve the reader better than more pages
KIND_NAMES = {
    "nri": N_("National and regional initiatives"),
    "track": N_("Intersessional work"),
    "track_output": N_("Intersessional outputs"),
    "message": N_("IGF Messages"),
}
KIND_NAME = {
    "nri": N_("Initiative"),
    "track": N_("Intersessional track"),
    "track_output": N_("Output"),
    "message": N_("IGF Message"),
}

Text = Annotated[str | None, Parameter(required=False)]


class SearchForm:
    """What the reader sent, and a sentence per field that cannot be used."""

    def __init__(self, q: str | None, kind: str | None, page: str | None) -> None:
        self.q = " ".join((q or "").split())
        self.kind = (kind or "").strip()
        self.page_text = (page or "").strip()
        self.errors: dict[str, str] = {}
        if len(self.q) > search.MAX_QUERY:
            self.errors["q"] = N_("Search for at most 200 characters.")
        if self.kind and self.kind not in search.KINDS:
            self.errors["kind"] = N_("Choose what to search from the list.")
        self.page = 1
        if self.page_text:
            if self.page_text.isascii() and self.page_text.isdigit() and 1 <= int(self.page_text) <= MAX_PAGE:
                self.page = int(self.page_text)
            else:
                self.errors["page"] = N_("Ask for a page from 1 to 50.")

    def url(self, base: str, **changes: Any) -> str:
        values = {"q": self.q, "kind": self.kind, "page": str(self.page) if self.page > 1 else ""}
        values.update({k: str(v) if v else "" for k, v in changes.items()})
        query = urlencode([(k, v) for k, v in values.items() if v])
        return f"{base}?{query}" if query else base


class SearchPage(PageController):
    path = "/search"

    @get("/", name="search")
    async def search(
        self,
        request: Request[Any, Any, Any],
        db: asyncpg.Connection,
        q: Text = None,
        kind: Text = None,
        page: Text = None,
    ) -> Response[Any]:
        language = i18n.request_language(request)
        _ = functools.partial(i18n.gettext, language)
        form = SearchForm(q, kind, page)
        base = i18n.path_in(language, "/search")
        results, counts = None, {}
        if form.q and not form.errors:
            counts = await search.counts(db, form.q)
            results = await search.search(
                db,
                form.q,
                language=language,
                kind=form.kind or None,
                offset=(form.page - 1) * PAGE_SIZE,
                limit=PAGE_SIZE,
            )
        total = sum(counts.values())
        return render(
            request,
            "search.html",
            {
                "form": form,
                "results": results,
                "action": base,
                "errors": {name: _(message) for name, message in form.errors.items()},
                "kind_options": [("", _("Everything"))] + [(k, _(name)) for k, name in KIND_NAMES.items()],
                "kinds": [
                    {
                        "label": _("Everything"),
                        "count": total,
                        "href": form.url(base, kind="", page=""),
                        "current": not form.kind,
                    },
                    *(
                        {
                            "label": _(name),
                            "count": counts.get(key, 0),
                            "href": form.url(base, kind=key, page=""),
                            "current": form.kind == key,
                        }
                        for key, name in KIND_NAMES.items()
                    ),
                ],
                "kind_name": KIND_NAME,
                "language_names": {code: lang.name for code, lang in i18n.LANGUAGES.items()},
                "href": lambda hit: i18n.path_in(language, hit.path),
                "first": (form.page - 1) * PAGE_SIZE + 1,
                "previous_url": form.url(base, page=form.page - 1) if form.page > 1 else None,
                "next_url": form.url(base, page=form.page + 1)
                if results and results.has_more and form.page < MAX_PAGE
                else None,
            },
            status_code=400 if form.errors else 200,
        )
