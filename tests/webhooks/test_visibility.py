"""A consumer receives an event only about what it could GET at that moment, in every event family: events of
objects the API still hides (draft Messages, unrecognised NRIs, draft outputs, nominations, grant applications)
reach neither its webhook nor the pull log, and the change that makes an object public brings its public state.

Each test drives a domain through its HTTP API, then compares what a real consumer on 127.0.0.1 received and
what the pull log serves with what an anonymous GET shows.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.webhooks.dispatcher import Dispatcher
from tests.funding.conftest import Ledger
from tests.mag.support import Mag
from tests.messages import support as messages
from tests.nri import helpers as nris
from tests.support.auth import Caller, TokenFactory
from tests.support.consumer import ConsumerServer
from tests.tracks.conftest import Tracks, if_match
from tests.webhooks import schemas
from tests.webhooks.conftest import UNGIS, verified_endpoint

Client = httpx.AsyncClient
Feed = list[tuple[str, str]]


class Watcher:
    """UNGIS, subscribed to every deliverable event: what its webhook got and what the pull log serves."""

    def __init__(
        self, client: Client, consumer: ConsumerServer, dispatcher: Dispatcher, member: Caller
    ) -> None:
        self.client, self.consumer, self.dispatcher, self.member = client, consumer, dispatcher, member

    @classmethod
    async def start(
        cls,
        client: Client,
        admin: Caller,
        consumer: ConsumerServer,
        dispatcher: Dispatcher,
        tokens: TokenFactory,
    ) -> Watcher:
        await verified_endpoint(client, admin, consumer, dispatcher, event_types=["*"])
        return cls(client, consumer, dispatcher, await tokens.user((Role.consumer, UNGIS)))

    async def pushed(self) -> list[dict[str, Any]]:
        await self.dispatcher.run_once()
        bodies = [r.json() for r in self.consumer.received]
        return [b for b in bodies if b["type"] != "webhook.ping"]

    async def pulled(self) -> list[dict[str, Any]]:
        self.member.headers = {"Authorization": f"Bearer {self.member.token}"}
        response = await self.client.get("/v1/events", params={"limit": 100}, headers=self.member.headers)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def feed(self) -> Feed:
        """The (type, subject) sequence, after checking that webhook and pull log agree on it and that every
        event's data matches the schema its ``dataschema`` URL names."""
        pushed = [(e["type"], e["subject"]) for e in await self.pushed()]
        events = await self.pulled()
        pulled = [(e["type"], e["subject"]) for e in events]
        assert sorted(pushed) == sorted(pulled)
        document = await schemas.openapi(self.client)
        for event in events:
            schemas.check_event(document, event)
        return pulled


async def test_message_events_wait_until_the_message_is_opened_for_comment(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    tokens: TokenFactory,
) -> None:
    watcher = await Watcher.start(client, admin, consumer, dispatcher, tokens)
    secretariat = await tokens.user(Role.secretariat)

    # A draft that is edited and withdrawn without ever being opened: 404 to everyone, nothing in the feed.
    hidden = (await messages.message(client, secretariat)).json()
    saved = await client.post(
        f"/v1/messages/{hidden['id']}/versions",
        json={"title": "Draft title", "body": "A private draft."},
        headers=messages.if_match(await messages.get(client, hidden["id"], secretariat), secretariat),
    )
    assert saved.status_code == 201, saved.text
    patched = await client.patch(
        f"/v1/messages/{hidden['id']}",
        json={"theme": "Another theme"},
        headers=messages.if_match(await messages.get(client, hidden["id"], secretariat), secretariat),
    )
    assert patched.status_code == 200, patched.text
    await messages.move(client, secretariat, hidden["id"], {"to": "withdrawn", "reason": "Merged elsewhere."})
    assert (await client.get(f"/v1/messages/{hidden['id']}")).status_code == 404
    assert await watcher.feed() == []

    # Opened for comment: one event with its whole public state, then its public life.
    shown = (await messages.message(client, secretariat)).json()
    await messages.move(client, secretariat, shown["id"], {"to": "public_comment"})
    public = (await client.get(f"/v1/messages/{shown['id']}")).json()
    await messages.comment(client, await tokens.user(), shown["id"])
    assert await watcher.feed() == [
        ("message.public_comment_opened", shown["id"]),
        ("message.comment_posted", shown["id"]),
    ]
    opened = next(e for e in await watcher.pulled() if e["type"] == "message.public_comment_opened")
    assert opened["data"] == public


async def test_nri_events_wait_until_the_nri_is_recognised(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    tokens: TokenFactory,
) -> None:
    watcher = await Watcher.start(client, admin, consumer, dispatcher, tokens)
    coordinator = await tokens.user()
    draft = await nris.register(client, coordinator, name="Ruritania IGF", countries=["RW"])
    edited = await client.patch(
        f"/v1/nris/{draft['id']}",
        json={"description": "Still a draft."},
        headers={**coordinator.headers, "If-Match": f'"{draft["version"]}"'},
    )
    assert edited.status_code == 200, edited.text
    submitted = await nris.act(
        client, coordinator, draft["id"], "submit", {"affirmed_principles": nris.PRINCIPLES}
    )
    assert submitted.status_code == 200, submitted.text
    assert (await client.get(f"/v1/nris/{draft['id']}")).status_code == 404
    assert await watcher.feed() == []

    recognised = await nris.recognised(client, await tokens.user(), admin)
    feed = await watcher.feed()
    assert feed == [("nri.recognised", recognised["id"])]  # registration, submission, review: held back
    event = (await watcher.pulled())[0]["data"]
    public = (await client.get(f"/v1/nris/{recognised['id']}")).json()
    assert event["nri"] == public  # its whole public state, as anyone reads it
    assert event["status"] == public["status"] == "recognised"
    assert {k: event[k] for k in ("id", "name", "type", "countries")} == {
        k: public[k] for k in ("id", "name", "type", "countries")
    }


async def test_track_events_are_public_and_draft_output_events_wait_for_the_comment_window(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    tokens: TokenFactory,
    clock: Clock,
) -> None:
    watcher = await Watcher.start(client, admin, consumer, dispatcher, tokens)
    tracks = Tracks(client, tokens, admin)
    track = await tracks.active(
        {"slug": "bpf-cybersecurity", "type": "bpf", "name": "BPF on Cybersecurity", "description": "Norms."}
    )
    facilitator = await tracks.facilitator("bpf-cybersecurity")
    body = {
        "title": "Best practices on cybersecurity norms",
        "kind": "report",
        "year": 2025,
        "languages": ["en"],
        "text": "Norms need capacity building.",
        "classification": {"wsis_action_lines": ["C5"], "sdgs": [16], "gdc_objectives": [3]},
    }
    created = await client.post(
        "/v1/tracks/bpf-cybersecurity/outputs", json=body, headers=facilitator.headers
    )
    assert created.status_code == 201, created.text
    output = created.json()
    patched = await client.patch(
        f"/v1/tracks/outputs/{output['id']}",
        json={"title": "Cybersecurity norms"},
        headers=if_match(facilitator, 1),
    )
    assert patched.status_code == 200, patched.text
    doomed = (
        await client.post("/v1/tracks/bpf-cybersecurity/outputs", json=body, headers=facilitator.headers)
    ).json()
    deleted = await client.delete(f"/v1/tracks/outputs/{doomed['id']}", headers=if_match(facilitator, 1))
    assert deleted.status_code == 204, deleted.text
    assert (await client.get(f"/v1/tracks/outputs/{output['id']}")).status_code == 404
    track_events = [
        ("track.proposed", track["id"]),
        ("track.activated", track["id"]),
        ("track.facilitator_added", track["id"]),
    ]
    assert await watcher.feed() == track_events  # a track is public from its proposal

    opened = await client.post(
        f"/v1/tracks/outputs/{output['id']}/comment-window",
        json={"closes_at": (clock.now() + timedelta(days=7)).isoformat()},
        headers=if_match(facilitator, 2),
    )
    assert opened.status_code == 200, opened.text
    public = (await client.get(f"/v1/tracks/outputs/{output['id']}")).json()
    assert await watcher.feed() == [*track_events, ("track_output.comment_window_opened", output["id"])]
    event = (await watcher.pulled())[-1]["data"]
    assert event["id"] == public["id"] and event["title"] == public["title"] == "Cybersecurity norms"


async def test_mag_nominations_never_reach_consumers_but_cycles_and_appointments_do(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    tokens: TokenFactory,
    clock: Clock,
) -> None:
    watcher = await Watcher.start(client, admin, consumer, dispatcher, tokens)
    mag = Mag(client, admin, tokens, clock)
    cycle = await mag.cycle(2027, status="call_open")
    nominee = {
        "nominee_name": "Nadia Nominee",
        "nominee_email": "nadia@example.org",
        "stakeholder_group": "civil_society",
        "country": "NP",
        "gender": "female",
        "nominated_by": {"kind": "organisation", "organisation": "Digital Rights Nepal"},
        "statement": "Ten years of community network work in rural Nepal.",
    }
    nominated = await client.post(
        "/v1/mag/cycles/2027/nominations", json=nominee, headers=(await tokens.user()).headers
    )
    assert nominated.status_code == 201, nominated.text
    assert (await client.get(f"/v1/mag/nominations/{nominated.json()['id']}")).status_code == 401
    feed = await watcher.feed()
    assert feed == [("mag.cycle.created", cycle["id"]), ("mag.cycle.status_changed", cycle["id"])]


async def test_funding_grants_reach_consumers_once_funded_and_exchange_rates_never(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    tokens: TokenFactory,
) -> None:
    watcher = await Watcher.start(client, admin, consumer, dispatcher, tokens)
    ledger = Ledger(client, admin)
    nri = (await nris.recognised(client, await tokens.user(), admin))["id"]  # funding learns of it by event
    applied = await client.post(
        "/v1/funding/nri-grants",
        headers=ledger.headers,
        json={
            "programme": "igf_secretariat",
            "nri_id": nri,
            "year": 2024,
            "amount_requested": "4000.00",
            "co_funding_evidence": "Host university covers the venue",
        },
    )
    assert applied.status_code == 201, applied.text
    grant = applied.json()
    rates = await ledger.rates(
        "currency,effective_on,usd_per_unit,source\r\nEUR,2024-03-01,1.0850,UN rate\r\n"
    )
    assert rates.status_code in (200, 201), rates.text
    assert await watcher.feed() == [("nri.recognised", nri)]

    approved = await client.post(
        f"/v1/funding/nri-grants/{grant['id']}/transitions",
        json={"to": "approved", "amount_approved": "4000.00", "reason": "meets the criteria"},
        headers={**ledger.headers, "If-Match": '"1"'},
    )
    assert approved.status_code == 200, approved.text
    public = (await client.get(f"/v1/transparency/nris/{nri}")).json()
    assert [g["id"] for g in public["grants"]] == [grant["id"]]
    assert await watcher.feed() == [("nri.recognised", nri), ("funding.nri_grant.approved", grant["id"])]


async def test_imported_nris_reach_consumers_without_what_the_public_view_redacts(
    client: Client,
    admin: Caller,
    consumer: ConsumerServer,
    dispatcher: Dispatcher,
    tokens: TokenFactory,
) -> None:
    watcher = await Watcher.start(client, admin, consumer, dispatcher, tokens)
    header = "type,name,countries,website,focal_point_name,focal_point_email"
    for line in (
        "national,Kenya IGF,KE,https://kigf.or.ke,Grace Mutung'u,grace@example.org",
        "national,Kenya IGF,KE,https://kigf.or.ke,Grace Mutung'u,grace.m@example.org",
    ):
        imported = await client.post(
            "/v1/nris/import",
            content=f"{header}\r\n{line}\r\n".encode(),
            headers={**admin.headers, "content-type": "text/csv"},
        )
        assert imported.status_code == 200, imported.text
    nri_id = imported.json()["rows"][0]["id"]
    public = (await client.get(f"/v1/nris/{nri_id}")).json()
    first = (await watcher.pulled())[0]["data"]["nri"]
    assert {k: v for k, v in first.items() if k not in ("version", "focal_points", "updated_at")} == {
        k: v for k, v in public.items() if k not in ("version", "focal_points", "updated_at")
    }  # its public state when imported (the second import changed its focal point)
    assert public["focal_points"][0]["email"] is None  # redacted
    assert await watcher.feed() == [("nri.imported", nri_id), ("nri.updated", nri_id)]
    pulled = await watcher.pulled()
    assert all(b"example.org" not in httpx.Response(200, json=e).content for e in pulled)
    assert pulled[1]["data"]["fields"] == ["focal_points"]
