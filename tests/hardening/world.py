"""A small world for the authorization matrix and the fuzzing, built through the API as its users would.

Every object a route names exists and belongs to someone else than the callers of the matrix: NRI A has
its own coordinator (the matrix's coordinator runs NRI B), donor A is not the matrix funder's (donor B is),
consumer A (UNGIS) is not the matrix consumer's (CSTD is). So an object-level check has something to
refuse, and a 404 can only come from a route that hides the object, never from a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

from igf_hub.auth.principal import Role
from igf_hub.core.settings import Settings
from tests.funding.conftest import Ledger
from tests.mag.support import Mag
from tests.messages import support as messages
from tests.nri import helpers as nri
from tests.support.auth import Caller, TokenFactory
from tests.tracks.conftest import Tracks
from tests.webhooks.conftest import CSTD, UNGIS, register

ANONYMOUS = "anonymous"
COORDINATOR = "coordinator_of_another_nri"
FUNDER = "funder_of_another_donor"
CONSUMER = "consumer_of_another_org"
MAG_MEMBER = "mag_member"
SECRETARIAT = "secretariat"
ROLES = (ANONYMOUS, COORDINATOR, FUNDER, CONSUMER, MAG_MEMBER, SECRETARIAT)
OWN_COORDINATOR = "coordinator_of_nri_a"  # not a matrix role: the fuzzing's NRI coordinator, on its own NRI

TRACK = "bpf-matrix"
REPORT_YEAR = 2025  # NRI A's draft report
MAG_YEAR = 2026
HOOK = "http://127.0.0.1:9/hooks"  # never called: no dispatcher runs in the matrix's app


@dataclass
class World:
    callers: dict[str, Caller] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)  # names as in the route paths, plus a few extra

    def headers(self, role: str) -> dict[str, str]:
        return dict(self.callers[role].headers) if role in self.callers else {}

    def path_values(self, path: str) -> dict[str, str]:
        """The value of each placeholder of ``path`` (a route template such as /v1/nris/{nri_id})."""
        values = dict(self.ids)
        values["year"] = str(MAG_YEAR if path.startswith(("/v1/mag/", "/mag/")) else REPORT_YEAR)
        values |= {
            "number": "1",
            "name": "stakeholder-groups",
            "citable_id": "igf:nothing:2025:1:v1",
            "tree_size": "1",
            "passkey_id": "00000000-0000-4000-8000-000000000000",  # nobody's: removing it changes nothing
        }
        if path.startswith("/v1/funding/nri-grants/"):
            values["grant_id"] = self.ids["nri_grant_id"]
        if "/coordinators/" in path:
            values["user_id"] = self.ids["nri_coordinator_id"]
        elif "/facilitators/" in path:
            values["user_id"] = self.ids["facilitator_id"]
        elif "/mag-liaisons/" in path:
            values["user_id"] = self.ids["liaison_id"]
        if "/ballot" in path:
            values["message_id"] = self.ids["ballot_message_id"]
        if "{file_path}" in path:
            values["file_path"] = "favicon.svg"
        if path.startswith("/unsubscribe/"):
            values["token"] = "not-a-valid-token"  # the 404 page, to everyone alike
        if "{notice_id}" in path:
            values["notice_id"] = "1"
        if path.startswith("/dev/mailbox/"):
            values["key"] = "no-such-message"  # the page answers 404 for it, to everyone alike
        if path.startswith("/calendars/"):
            values["file"] = (
                "deadlines.ics"  # the combined calendar; as a person's secret address, a wrong one
            )
        values["token"] = "not-a-real-token"  # one-time links and invitations: a token no one was sent
        values["purpose"] = "verify_email"
        if path.startswith("/account/programs/"):
            values["client_id"] = "igf-hub-console"
        values["invitation_id"] = "00000000-0000-4000-8000-000000000001"  # no such invitation: 404 for all
        if path.startswith("/v1/signatures/"):  # a signature that does not exist: 404 for everyone
            values |= {"kind": "message", "record_id": "00000000-0000-0000-0000-000000000000", "version": "1"}
        return values

    def path(self, template: str) -> str:
        values = self.path_values(template)
        path = template
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        assert "{" not in path, path
        return path


def _ok(response: httpx.Response, *statuses: int) -> Any:
    assert response.status_code in (statuses or (200, 201)), response.text
    return response.json() if response.content else None


async def seed(client: httpx.AsyncClient, tokens: TokenFactory, settings: Settings) -> World:
    world = World()
    ids = world.ids
    secretariat = await tokens.user(Role.secretariat, email="matrix-secretariat@example.org")
    mag_member = await tokens.user(Role.mag_member, email="matrix-mag@example.org")
    clock = tokens.clock

    # -- IGF Messages first: reaching a ballot moves the clock three weeks on (tokens are minted after) --
    in_review = (await messages.message(client, secretariat, title="In MAG review")).json()["id"]
    await messages.to_review(client, tokens, clock, settings, secretariat, in_review)
    secretariat = Caller(secretariat.user, await tokens.token_for(secretariat.id))
    ids["ballot_message_id"] = in_review  # MAG review opened its ballot; the MAG member is on its roll

    message_id = (await messages.message(client, secretariat)).json()["id"]
    await messages.move(client, secretariat, message_id, {"to": "public_comment"})
    commenter = await tokens.user()
    comment = await messages.comment(client, commenter, message_id)
    ids |= {"message_id": message_id, "comment_id": comment.json()["id"]}
    report = await messages.report(client, commenter)
    ids["report_id"] = report["id"]

    # -- NRIs: A is recognised and has a draft report; B is the matrix coordinator's ---------------------
    coordinator_a = await tokens.user(email="coordinator-a@example.org")
    nri_a = await nri.recognised(client, coordinator_a, secretariat)
    start = date(REPORT_YEAR, 6, 1)
    report_body = {
        "year": REPORT_YEAR,
        "meeting_start": start.isoformat(),
        "meeting_end": (start + timedelta(days=1)).isoformat(),
        "format": "hybrid",
    }
    _ok(await client.post(f"/v1/nris/{nri_a['id']}/reports", json=report_body, headers=coordinator_a.headers))
    coordinator_b = await tokens.user(email="coordinator-b@example.org")
    await nri.register(
        client,
        coordinator_b,
        name="Ghana Internet Governance Forum",
        acronym="GHIGF",
        countries=["GH"],
        website="https://ghigf.example.org",
        contact_email="info@ghigf.example.org",
    )
    ids |= {"nri_id": nri_a["id"], "nri_coordinator_id": str(coordinator_a.id)}

    # -- funding: donor A with a contribution and an event; donor B is the matrix funder's ---------------
    ledger = Ledger(client, secretariat)
    donor_a = await ledger.donor()
    donor_b = await ledger.donor()
    contribution = await ledger.contribution(donor_a["id"])
    await ledger.event(contribution["id"])
    funder = await tokens.user(email="funder-b@example.org")
    bound = await client.post(
        f"/v1/funding/donors/{donor_b['id']}/funders",
        json={"user_id": str(funder.id)},
        headers=secretariat.headers,
    )
    _ok(bound)
    grant = await client.post(
        "/v1/funding/nri-grants",
        json={
            "programme": "igf_secretariat",
            "nri_id": nri_a["id"],
            "year": 2025,
            "amount_requested": "4000.00",
            "co_funding_evidence": "The host university covers the venue",
        },
        headers=secretariat.headers,
    )
    ids |= {
        "donor_id": donor_a["id"],
        "contribution_id": contribution["id"],
        "nri_grant_id": (_ok(grant))["id"],
    }

    # -- webhooks: UNGIS has an endpoint, its ping delivery and a recovery; CSTD is the matrix consumer's -
    endpoint = await register(client, secretariat, UNGIS, HOOK)
    base = f"/v1/consumers/{UNGIS}/endpoints/{endpoint['id']}"
    _ok(await client.post(f"{base}/ping", headers=secretariat.headers), 202)  # registration sends none itself
    deliveries = _ok(await client.get(f"/v1/consumers/{UNGIS}/deliveries", headers=secretariat.headers))
    recovery = await client.post(
        f"{base}/recoveries",
        json={"since": (clock.now() - timedelta(days=1)).isoformat()},
        headers=secretariat.headers,
    )
    events = _ok(await client.get("/v1/events", headers=secretariat.headers))
    consumer = await tokens.user(email="consumer-b@example.org")
    member = await client.post(
        f"/v1/consumers/{CSTD}/members", json={"user_id": str(consumer.id)}, headers=secretariat.headers
    )
    _ok(member)
    ids |= {
        "consumer_id": str(UNGIS),
        "endpoint_id": endpoint["id"],
        "delivery_id": deliveries["items"][0]["id"],
        "recovery_id": (_ok(recovery, 201, 202))["id"],
        "event_id": events["items"][0]["id"],
    }

    # -- MAG: a cycle with its call open, a person, an appointment and a nomination ---------------------
    mag = Mag(client, secretariat, tokens, clock)
    await mag.cycle(MAG_YEAR, status="call_open")
    person = await mag.person("Matrix Person")
    appointment = await mag.appoint(MAG_YEAR, person["id"])
    nominee = await tokens.user()
    nomination = await client.post(
        f"/v1/mag/cycles/{MAG_YEAR}/nominations",
        json={
            "nominee_name": "Nadia Nominee",
            "nominee_email": "nadia@example.org",
            "stakeholder_group": "civil_society",
            "country": "NP",
            "gender": "female",
            "nominated_by": {"kind": "self"},
            "statement": "Community networks in rural Nepal.",
        },
        headers=nominee.headers,
    )
    ids |= {
        "person_id": person["id"],
        "appointment_id": appointment["id"],
        "nomination_id": (_ok(nomination))["id"],
    }

    # -- tracks: an active BPF with its facilitator, a MAG liaison, a draft output open for comment, a call -
    tracks = Tracks(client, tokens, secretariat)
    await tracks.active({"slug": TRACK, "type": "bpf", "name": "BPF on the authorization matrix"})
    facilitator = await tracks.facilitator(TRACK)
    liaison = await client.post(
        f"/v1/tracks/{TRACK}/mag-liaisons", json={"user_id": str(mag_member.id)}, headers=secretariat.headers
    )
    _ok(liaison)
    output = _ok(
        await client.post(
            f"/v1/tracks/{TRACK}/outputs",
            json={"title": "Matrix report", "kind": "report", "year": 2025, "text": "Findings."},
            headers=facilitator.headers,
        )
    )
    window = await client.post(
        f"/v1/tracks/outputs/{output['id']}/comment-window",
        json={"closes_at": (clock.now() + timedelta(days=7)).isoformat()},
        headers={**facilitator.headers, "If-Match": f'"{output["version"]}"'},
    )
    _ok(window)
    opens = clock.now() - timedelta(minutes=1)
    call = await client.post(
        f"/v1/tracks/{TRACK}/calls",
        json={
            "title": "Input",
            "opens_at": opens.isoformat(),
            "closes_at": (opens + timedelta(days=14)).isoformat(),
        },
        headers=facilitator.headers,
    )
    ids |= {
        "slug": TRACK,
        "output_id": output["id"],
        "call_id": (_ok(call))["id"],
        "facilitator_id": str(facilitator.id),
        "liaison_id": str(mag_member.id),
    }

    # -- identity: a plain user holding one grant ----------------------------------------------------------
    someone = await tokens.user(email="someone@example.org")
    granted = await client.post(
        f"/v1/users/{someone.id}/grants", json={"role": "mag_member"}, headers=secretariat.headers
    )
    ids |= {"user_id": str(someone.id), "grant_id": (_ok(granted))["id"]}

    # The matrix's callers, with tokens minted now (the clock moved while seeding).
    for role, caller in (
        (COORDINATOR, coordinator_b),
        (FUNDER, funder),
        (CONSUMER, consumer),
        (MAG_MEMBER, mag_member),
        (SECRETARIAT, secretariat),
        (OWN_COORDINATOR, coordinator_a),
    ):
        world.callers[role] = Caller(caller.user, await tokens.token_for(caller.id))
    return world
