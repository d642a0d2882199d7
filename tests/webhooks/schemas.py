"""Check event bodies against the OpenAPI document the service serves: follow each CloudEvent's ``dataschema``
URL (the document, then the JSON Pointer in its fragment) and validate ``data`` with a JSON Schema validator."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import jsonschema


async def openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def resolve(document: dict[str, Any], url: str) -> dict[str, Any]:
    """The schema ``url`` points at: ``…/schema/openapi.json#/webhooks/<type>/…/data``."""
    parts = urlsplit(url)
    assert parts.path.endswith("/schema/openapi.json"), url
    node: Any = document
    for token in unquote(parts.fragment).lstrip("/").split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    assert isinstance(node, dict)
    return node


def check_event(document: dict[str, Any], event: dict[str, Any]) -> None:
    """The event's data validates against the schema its ``dataschema`` names, for its own type."""
    assert f"/webhooks/{event['type']}/" in event["dataschema"], event["dataschema"]
    schema = resolve(document, event["dataschema"])
    jsonschema.Draft202012Validator(schema).validate(event["data"])
