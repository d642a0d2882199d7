"""The OpenAPI document's ``webhooks`` section: one entry per event type consumers receive, the schema of its
``data``, and the ``dataschema`` URL of every CloudEvent resolving to it; examples that look like real events."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from uuid import UUID

import httpx

import igf_hub
from igf_hub.app import EVENT_CATALOGUE, WIRING
from igf_hub.auth.principal import Role
from igf_hub.webhooks.events import family
from tests.funding.conftest import Ledger
from tests.support.auth import TokenFactory
from tests.webhooks import schemas
from tests.webhooks.conftest import UNGIS

# What the domains declare in their wiring.py: the families consumers may subscribe to.
DELIVERABLE_FAMILIES = {family.name for declared in WIRING for family in declared.families}


async def test_the_webhooks_section_documents_every_deliverable_family_and_nothing_else(
    client: httpx.AsyncClient,
) -> None:
    document = await schemas.openapi(client)
    assert document["openapi"].startswith("3.1")
    documented = set(document["webhooks"])
    assert documented == {doc.type for doc in EVENT_CATALOGUE}
    assert len(documented) == len(EVENT_CATALOGUE)  # one entry per type
    assert {family(t) for t in documented} == DELIVERABLE_FAMILIES
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


# Types named in the code of deliverable families that consumers never receive: audit-log actions that publish
# nothing, and events of objects that are never public or not public yet when the event happens.
NEVER_DELIVERED = {
    "funding.contribution.imported",  # an audit action of the funding archive; no event is published
    "funding.overdue_pledges_notified",  # the log line of the worker's pledge-overdue notices job
    "nri.report_deadlines_notified",  # the log line of the worker's report-deadline notices job
    "audit.chain_crashed",  # the log lines of the worker's audit chainer
    "audit.chain_failed",
    "audit.checkpoint_refused",
    "audit.checkpoint_signed",
    "audit.sealing_started",
    "funding.funder.bound",
    "funding.rate.corrected",
    "funding.rates.uploaded",
    "mag.nomination.status_changed",
    "mag.nomination.submitted",
    "mag.person.created",
    "mag.person.updated",
    "message.comment_hidden",  # audited only: the comment stays in the record, with its public reason
    "message.created",
    "nri.inactivity_scanned",
    "nri.registered",
    "nri.report_created",
    "nri.report_updated",
    "report.drafted",  # a yearly report is the Secretariat's draft until report.published
    "report.version_saved",
    "track_output.created",
}


def test_every_event_type_named_in_the_code_is_documented_or_known_private() -> None:
    """A new event type in a deliverable family fails here until it has a schema in its domain's
    event_schemas.py (or is added above, with the reason consumers never get it)."""
    source = Path(igf_hub.__file__).parent
    families = "|".join(sorted(DELIVERABLE_FAMILIES))
    named = {
        match
        for path in source.rglob("*.py")
        for match in re.findall(rf'"((?:{families})(?:\.[a-z_]+)+)"', path.read_text())
    }
    named = {name for name in named if not name.endswith("_")}  # prefixes an index filter tests for
    notice_kinds = {kind.name for wiring in WIRING for kind in wiring.notice_kinds}  # notices to people
    queue_sources = {
        source.name for wiring in WIRING for source in wiring.work_queue
    }  # the work queue's parts
    documented = {doc.type for doc in EVENT_CATALOGUE}
    assert named - documented - NEVER_DELIVERED - notice_kinds - queue_sources == set()
    assert NEVER_DELIVERED & documented == set()
