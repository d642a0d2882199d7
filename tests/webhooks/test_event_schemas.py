"""The OpenAPI document's ``webhooks`` section: one entry per event type consumers receive, the schema of its
``data``, and the ``dataschema`` URL of every CloudEvent resolving to it; examples that look like real events."""

from __future__ import annotations

import re
from datetime import datetime
from uuid import UUID

import httpx

from igf_hub.app import EVENT_CATALOGUE
from igf_hub.auth.principal import Role
from igf_hub.webhooks.events import DELIVERABLE_FAMILIES, family
from tests.funding.conftest import Ledger
from tests.support.auth import TokenFactory
from tests.webhooks import schemas
from tests.webhooks.conftest import UNGIS


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


async def test_funding_events_match_their_schemas_named_or_anonymous(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    admin = await tokens.user(Role.secretariat)
    ledger = Ledger(client, admin)
    for donor in (await ledger.donor(), await ledger.donor(is_anonymous=True)):
        contribution = await ledger.contribution(donor["id"])
        await ledger.event(contribution["id"], kind="pledge", amount="5000.00", currency="USD")
    member = await tokens.user((Role.consumer, UNGIS))
    pulled = (await client.get("/v1/events", headers=member.headers)).json()["items"]
    assert [e["type"] for e in pulled] == [
        "funding.donor.created",
        "funding.contribution.created",
        "funding.event.recorded",
        "funding.contribution.created",
        "funding.event.recorded",
    ]  # the anonymous donor itself is not published
    document = await schemas.openapi(client)
    for event in pulled:
        schemas.check_event(document, event)
    assert pulled[-1]["data"]["donor_id"] is None and pulled[-1]["data"]["amount"] is None
