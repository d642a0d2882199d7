from __future__ import annotations

from typing import Any

import httpx
from litestar import Litestar, Request, Response, post

from igf_hub.core.errors import DomainError, to_problem
from igf_hub.core.queue import queue_lifespan
from igf_hub.core.ratelimit import rate_limit
from igf_hub.core.settings import Settings
from tests.conftest import running
from tests.support.asgi import asgi


async def test_a_caller_over_the_limit_gets_429_with_retry_after(settings: Settings) -> None:
    @post("/comments", guards=[rate_limit("comments", 3, 3600)], status_code=201)
    async def comment() -> dict[str, bool]:
        return {"ok": True}

    def as_problem(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
        return to_problem(exc).to_response(request)

    app = Litestar([comment], lifespan=[queue_lifespan], exception_handlers={DomainError: as_problem})
    app.state.settings = settings
    async with running(app):
        transport = httpx.ASGITransport(app=asgi(app), client=("192.0.2.1", 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            statuses = [(await client.post("/comments")).status_code for _ in range(4)]
            refused = await client.post("/comments")
        other = httpx.ASGITransport(app=asgi(app), client=("192.0.2.2", 1234))
        async with httpx.AsyncClient(transport=other, base_url="http://test") as client:
            elsewhere = await client.post("/comments")
    assert statuses == [201, 201, 201, 429]
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert refused.json()["type"] == "/problems/rate-limited"
    assert elsewhere.status_code == 201  # another address has its own allowance
