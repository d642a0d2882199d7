"""The per-request path does what a request needs and nothing it could have done once (issue 22, "Reads").
Behaviour only: what is done per request, never how long it takes."""

from __future__ import annotations

import contextvars
import uuid
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar._kwargs import kwargs_model
from litestar.routes import HTTPRoute
from structlog.contextvars import get_contextvars

from igf_hub.core.logging import bound

Client = httpx.AsyncClient


async def test_dependencies_are_resolved_without_a_task_group(
    client: Client, app: Litestar, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A handler whose service needs db, clock and settings (one level of three) gets them all, in turn.
    def no_task_group(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a request's dependencies were resolved in a task group")

    monkeypatch.setattr(kwargs_model, "create_task_group", no_task_group)
    response = await client.get(f"/v1/nris/{uuid.uuid4()}")
    assert response.status_code == 404, response.text
    assert response.json()["type"] == "/problems/nri-not-found"
    batches = [
        batch
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for _, model in route.route_handler_map.values()
        for batch in model.dependency_batches
    ]
    assert batches and all(len(batch) == 1 for batch in batches)


def test_bound_log_values_are_restored_after_the_block() -> None:
    def run() -> None:
        with bound(request_id="outer"):
            with bound(request_id="inner", principal="anonymous"):
                assert get_contextvars() == {"request_id": "inner", "principal": "anonymous"}
            assert get_contextvars() == {"request_id": "outer"}
            with pytest.raises(RuntimeError), bound(principal="user:1"):
                raise RuntimeError
            assert get_contextvars() == {"request_id": "outer"}
        assert get_contextvars() == {}

    contextvars.Context().run(run)  # an empty context: nothing bound before
