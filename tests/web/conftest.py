"""A real server for the page tests, with a few test-only routes registered on it: a page and an API route that
say who the caller is, a page guarded like a Secretariat API route, and two forms that contain no CSRF code."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from litestar import Litestar, Request, get, post

from igf_hub.auth.guards import requires_secretariat
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.web import csrf
from tests.support.auth import TokenFactory
from tests.support.web import Site, serve

PASSWORD = "correct horse battery staple"


def add_test_routes(app: Litestar) -> None:
    @get("/test/whoami", include_in_schema=False)
    async def page_whoami(request: Request[Any, Any, Any]) -> dict[str, Any]:
        return msgspec.to_builtins(request.user, order="sorted")  # type: ignore[no-any-return]

    @get("/test/api-whoami", operation_id="TestWhoAmI")
    async def api_whoami(request: Request[Any, Any, Any]) -> dict[str, Any]:
        """Who the API says the caller is (tests only)."""
        return msgspec.to_builtins(request.user, order="sorted")  # type: ignore[no-any-return]

    @get("/test/secretariat-page", include_in_schema=False, guards=[requires_secretariat])
    async def secretariat_page() -> str:
        return "secretariat only"

    @post("/test/form", include_in_schema=False, status_code=200)
    async def page_form(request: Request[Any, Any, Any]) -> dict[str, Any]:
        form = await request.form()
        return {"note": form.get("note"), "user": request.user.subject}

    @post("/test/exempt-form", include_in_schema=False, status_code=200, opt=csrf.exempt("a test"))
    async def exempt_form() -> str:
        return "accepted"

    for handler in (page_whoami, api_whoami, secretariat_page, page_form, exempt_form):
        app.register(handler)


@pytest.fixture
async def site(settings: Settings, clock: Clock, tokens: TokenFactory) -> AsyncIterator[Site]:
    async with serve(settings, clock, prepare=add_test_routes) as served:
        yield served
