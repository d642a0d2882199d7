"""The OpenAPI document's ``webhooks`` section: one entry per event type consumers receive, the schema of its
``data``, and the ``dataschema`` URL of every CloudEvent resolving to it; examples that look like real events."""

from __future__ import annotations

import re
from datetime import datetime
from uuid import UUID

import httpx

from igf_hub.app import EVENT_CATALOGUE
from igf_hub.webhooks.events import DELIVERABLE_FAMILIES, family
from tests.webhooks import schemas


async def test_the_webhooks_section_documents_every_deliverable_family_and_nothing_else(
    client: httpx.AsyncClient,
) -> None:
    document = await schemas.openapi(client)
    assert document["openapi"].startswith("3.1")
    documented = set(document["webhooks"])
    assert documented == {doc.type for doc in EVENT_CATALOGUE}
    assert len(documented) == len(EVENT_CATALOGUE)  # one entry per type
    assert {family(t) for t in documented} == set(DELIVERABLE_FAMILIES)
    approved = document["webhooks"]["message.approved"]["post"]
    body = approved["requestBody"]["content"]["application/cloudevents+json"]["schema"]
    data = body["properties"]["data"]["anyOf"][0]
    assert data["title"] == "Message" and "languages" in data["required"]  # the Message as GET returns it
    assert "$ref" not in str(body)  # self-contained: nothing points at a component that is not there


async def test_cloudevent_examples_look_like_real_events(client: httpx.AsyncClient) -> None:
    document = await schemas.openapi(client)
    cloud_event = document["components"]["schemas"]["CloudEvent"]["properties"]
    example = {name: prop["examples"][0] for name, prop in cloud_event.items()}
    assert example["specversion"] == "1.0"
    UUID(example["id"]), UUID(example["subject"])
    assert example["type"] in document["webhooks"]
    assert datetime.fromisoformat(example["time"]).tzinfo is not None
    assert re.fullmatch(r"[0-9]{20}", example["sequence"])
    assert schemas.resolve(document, example["dataschema"]) is not None
    assert example["data"]["id"] == example["subject"]
