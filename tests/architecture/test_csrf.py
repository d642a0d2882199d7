"""Every form a page accepts is CSRF-checked, unless the route opts out with its reason (web/csrf.py).

A page route is one the API document leaves out; the session middleware reads the browser session on those
routes only, and checks every state-changing request to them. This test builds the app as in production and
lists the page routes that accept a form: each is checked, or is named below with the reason it gives.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from igf_hub.app import create_app
from igf_hub.core.settings import Settings
from igf_hub.web import csrf
from igf_hub.web.sessions import SAFE_METHODS, WebSessionMiddleware, is_page

# "METHOD path" of the page routes that accept a form without a CSRF token: each must say why in its opt.
# The OAuth authorize form (its own state parameter), and RFC 8058 one-click unsubscribe: a mail provider posts
# it from the List-Unsubscribe header with no session, and the signed token in the URL is its authority.
EXEMPT = {"POST /oauth/authorize", "POST /unsubscribe/{token:str}"}


def _page_forms(data_dir: Path) -> tuple[list[str], list[str]]:
    app = create_app(Settings(data_dir=str(data_dir)))
    checked: list[str] = []
    exempt: list[str] = []
    for path, handlers in app.route_handler_method_map.items():
        for method, handler in handlers.items():
            if method in SAFE_METHODS or not is_page(handler):
                continue
            (exempt if csrf.is_exempt(handler) else checked).append(f"{method} {path}")
    return sorted(checked), sorted(exempt)


def test_every_page_form_is_checked_or_exempt_with_a_reason(tmp_path: Path) -> None:
    checked, exempt = _page_forms(tmp_path)
    assert exempt == sorted(EXEMPT), (
        "a page route accepts forms without a CSRF token: remove its csrf.exempt(...) or, if it must, name it in "
        "EXEMPT:\n" + "\n".join(exempt)
    )
    # The sign-in pages are among the checked ones: the rule is in force, not vacuous.
    assert {"POST /signin", "POST /signout", "POST /signout/everywhere", "POST /developer-access"} <= set(
        checked
    )


def test_the_session_middleware_is_installed(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=str(tmp_path)))
    assert any(isinstance(m, WebSessionMiddleware) for m in app.middleware)


def test_an_exemption_needs_a_reason() -> None:
    with pytest.raises(ValueError, match="reason"):
        csrf.exempt("  ")
