"""The site's main navigation, declared as data: each domain's ``pages.py`` lists its ``NavItem``s, app.py
collects them in ``NAVIGATION`` (``app.state.navigation``), and the layout shows them in every page's header."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from litestar import Request


@dataclass(frozen=True)
class NavItem:
    path: str  # without the language prefix, e.g. "/nris"
    label: str  # marked with N_(), translated when shown
    order: int = 100  # smaller first


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
