"""Every list takes the same paging parameters (core/params.py): ``limit`` from 1 to 100 and a ``cursor`` of at
most MAX_CURSOR_LENGTH characters; every ``year`` filter is an IGF year. Checked on the OpenAPI document (so a
new list cannot forget them) and on the wire."""

from __future__ import annotations

from typing import Any

import httpx

from igf_hub.app import create_app
from igf_hub.core.params import MAX_CURSOR_LENGTH, MAX_LIMIT
from igf_hub.core.settings import Settings


def _query_parameters() -> list[tuple[str, dict[str, Any]]]:
    paths = create_app(Settings()).openapi_schema.to_schema()["paths"]
    return [
        (f"{operation.get('operationId')} ({path})", parameter)
        for path, item in paths.items()
        for method, operation in item.items()
        if method == "get"
        for parameter in operation.get("parameters", [])
        if parameter.get("in") == "query"
    ]


def _bounds(parameter: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = parameter.get("schema", {})
    for option in schema.get("oneOf", []) + schema.get("anyOf", []):
        if option.get("type") != "null":
            return {**schema, **option}
    return schema


def test_every_cursor_limit_and_year_parameter_is_bounded() -> None:
    parameters = _query_parameters()
    assert sum(parameter["name"] == "cursor" for _, parameter in parameters) >= 30  # every list
    unbounded = []
    for operation, parameter in parameters:
        bounds = _bounds(parameter)
        name = parameter["name"]
        if name == "cursor" and bounds.get("maxLength") != MAX_CURSOR_LENGTH:
            unbounded.append(f"{operation}: cursor {bounds}")
        if name == "limit" and (bounds.get("minimum") != 1 or bounds.get("maximum") != MAX_LIMIT):
            unbounded.append(f"{operation}: limit {bounds}")
        if name == "year" and (bounds.get("minimum") != 2006 or bounds.get("maximum") != 2100):
            unbounded.append(f"{operation}: year {bounds}")
    assert not unbounded, unbounded


async def test_a_cursor_longer_than_any_issued_is_refused_naming_it(client: httpx.AsyncClient) -> None:
    for url in ["/v1/nris", "/v1/tracks", "/v1/messages", "/v1/session-reports", "/v1/mag/cycles"]:
        response = await client.get(url, params={"cursor": "A" * (MAX_CURSOR_LENGTH + 1)})
        assert response.status_code == 422, (url, response.text)
        assert [e["pointer"] for e in response.json()["errors"]] == ["query:cursor"], url
