"""The signed-in person's workspace, "My work" (``/workspace``): the entry points of the work their roles give
them, as the domains declare them (``WorkItem``s in each ``pages.py``'s ``WORKSPACE``, collected by app.py in
``app.state.workspace``). A signed-out reader is sent to sign in, then back here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar import Response, get

from igf_hub.auth.principal import AnyRequest
from igf_hub.core.caching import NO_STORE
from igf_hub.web import i18n
from igf_hub.web.access import sign_in_first, signed_in
from igf_hub.web.errors import PageController
from igf_hub.web.navigation import WorkItem, work_items
from igf_hub.web.templating import render


class WorkspacePage(PageController):
    path = "/workspace"

    @get("/", name="web:workspace", cache_control=NO_STORE)
    async def show(self, request: AnyRequest) -> Response[Any]:
        """The work the signed-in person's roles give them, one link per entry point."""
        language = i18n.request_language(request)
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, "/workspace")
        declared: Sequence[WorkItem] = getattr(request.app.state, "workspace", ())
        items = [
            {"href": i18n.path_in(language, item.path), "label": item.label, "description": item.description}
            for item in work_items(declared, person)
        ]
        return render(request, "workspace.html", {"items": items, "has_roles": bool(person.grants)})
