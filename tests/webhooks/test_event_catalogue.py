"""docs/consumers-events.md: one example per event type consumers receive, each valid against the schema the
OpenAPI document gives for that type's data, and the complete CloudEvent shown first valid as a whole body."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import jsonschema

from igf_hub.app import EVENT_CATALOGUE
from igf_hub.core.openapi import data_schema_url
from tests.webhooks import schemas

GUIDE = Path(__file__).parents[2] / "docs" / "consumers-events.md"
EXAMPLE = re.compile(r"^#### `(?P<type>[a-z_.]+)`\n.*?```json\n(?P<json>.*?)\n```", re.MULTILINE | re.DOTALL)
ENVELOPE = re.compile(r"^### A complete event\n.*?```json\n(?P<json>.*?)\n```", re.MULTILINE | re.DOTALL)


def examples() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for match in EXAMPLE.finditer(GUIDE.read_text()):
        assert match["type"] not in found, f"two examples of {match['type']}"
        found[match["type"]] = json.loads(match["json"])
    return found


async def test_the_catalogue_has_one_valid_example_per_event_type(client: httpx.AsyncClient) -> None:
    found = examples()
    assert set(found) == {doc.type for doc in EVENT_CATALOGUE}
    document = await schemas.openapi(client)
    for event_type, data in found.items():
        schema = schemas.resolve(document, data_schema_url("https://hub.example", event_type))
        jsonschema.Draft202012Validator(schema).validate(data)


async def test_the_complete_event_in_the_guide_is_a_valid_body(client: httpx.AsyncClient) -> None:
    match = ENVELOPE.search(GUIDE.read_text())
    assert match is not None
    event = json.loads(match["json"])
    document = await schemas.openapi(client)
    body = document["webhooks"][event["type"]]["post"]["requestBody"]["content"][
        "application/cloudevents+json"
    ]
    jsonschema.Draft202012Validator(body["schema"]).validate(event)
    schemas.check_event(document, event)
    assert event["data"] == examples()[event["type"]]
