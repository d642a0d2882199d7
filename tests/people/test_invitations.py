"""Invitations (issue 18): who may invite whom, the e-mail and its link, accepting with a new account or the one
signed in (asked which when the addresses differ), and every refusal: another NRI or track, a role not theirs to
give, expired, used, withdrawn, unknown. Mail is read from a real SMTP server on 127.0.0.1."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.people import mailer
from tests.people.test_account_mail import link_in
from tests.support.audit import chain_audit
from tests.support.auth import Caller, TokenFactory
from tests.support.smtp import SmtpServer
from tests.support.web import Site

GOOD = "a quiet river under the old bridge"


async def _invite(client: httpx.AsyncClient, who: Caller, **body: object) -> httpx.Response:
    return await client.post(
        "/v1/invitations", json={"email": "guest@example.org", **body}, headers=who.headers
    )


async def _token(db: asyncpg.Pool, settings: Settings, smtp: SmtpServer, clock: Clock, address: str) -> str:
    await mailer.send_due(db, settings, clock)
    mails = smtp.to(address)
    assert mails, f"no mail to {address}"
    return link_in(mails[-1]).rsplit("/", 1)[1]


async def _grants(db: asyncpg.Pool, email: str) -> list[tuple[str, UUID | None, str]]:
    rows = await db.fetch(
        "SELECT g.role, g.resource_id, g.source FROM role_grants g JOIN users u ON u.id = g.user_id "
        "WHERE u.email = $1 ORDER BY g.role",
        email,
    )
    return [(r["role"], r["resource_id"], r["source"]) for r in rows]


async def test_a_coordinator_invites_a_co_coordinator_of_their_own_nri_only(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    own, other = uuid4(), uuid4()
    coordinator = await tokens.user((Role.nri_coordinator, own))
    allowed = await _invite(client, coordinator, role="nri_coordinator", resource_id=str(own))
    assert allowed.status_code == 201, allowed.text
    assert allowed.json()["state"] == "open" and "token" not in allowed.text
    wrong_nri = await _invite(client, coordinator, role="nri_coordinator", resource_id=str(other))
    assert wrong_nri.status_code == 403 and wrong_nri.json()["type"].endswith("/invitation-not-allowed")
    other_role = await _invite(client, coordinator, role="funder", resource_id=str(own))
    assert other_role.status_code == 403
    secretariat_role = await _invite(client, coordinator, role="secretariat")
    assert secretariat_role.status_code == 403


async def test_a_facilitator_invites_co_facilitators_of_their_own_track_only(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    track, other = uuid4(), uuid4()
    facilitator = await tokens.user((Role.track_facilitator, track))
    assert (
        await _invite(client, facilitator, role="track_facilitator", resource_id=str(track))
    ).status_code == 201
    assert (
        await _invite(client, facilitator, role="track_facilitator", resource_id=str(other))
    ).status_code == 403
    assert (
        await _invite(client, facilitator, role="nri_coordinator", resource_id=str(track))
    ).status_code == 403


async def test_the_secretariat_invites_to_any_role_and_a_bound_role_names_its_object(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    admin = await tokens.user(Role.secretariat)
    unbound = await _invite(client, admin, role="funder")
    assert unbound.status_code == 422 and unbound.json()["errors"][0]["pointer"] == "/resource_id"
    for role in ("funder", "consumer", "track_facilitator"):
        assert (await _invite(client, admin, role=role, resource_id=str(uuid4()))).status_code == 201
    mag = await _invite(
        client,
        admin,
        role="mag_member",
        is_chair=False,
        valid_from="2026-01-01T00:00:00Z",
        valid_until="2027-01-01T00:00:00Z",
    )
    assert mag.status_code == 201, mag.text
    assert (
        await _invite(client, admin, role="funder", is_chair=True, resource_id=str(uuid4()))
    ).status_code == 422
    assert (
        await client.post("/v1/invitations", json={"email": "x@example.org", "role": "funder"})
    ).status_code == 401


async def test_accepting_with_a_new_account_grants_the_bound_role_and_signs_in(
    site: Site,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    db: asyncpg.Pool,
    mail_settings: Settings,
    smtp: SmtpServer,
    clock: Clock,
) -> None:
    nri = uuid4()
    coordinator = await tokens.user((Role.nri_coordinator, nri))
    invited = await _invite(client, coordinator, role="nri_coordinator", resource_id=str(nri), language="es")
    assert invited.status_code == 201
    token = await _token(db, mail_settings, smtp, clock, "guest@example.org")
    (mail,) = smtp.to("guest@example.org")
    assert mail.subject.endswith(
        "le invita a participar en IGF Hub como Coordinador de una iniciativa nacional o regional"
    )
    async with site.browser() as browser:
        shown = await browser.get(f"/es/invitation/{token}")
        assert shown.status_code == 200 and "guest@example.org" in shown.text
        csrf = await browser.token(f"/es/invitation/{token}")
        weak = await browser.post(
            f"/es/invitation/{token}",
            {"csrf_token": csrf, "display_name": "Guest", "language": "es", "password": "short"},
        )
        assert weak.status_code == 422 and "al menos 15 caracteres" in weak.text
        done = await browser.post(
            f"/es/invitation/{token}",
            {"csrf_token": csrf, "display_name": "Guest Person", "language": "es", "password": GOOD},
        )
        assert done.headers["location"] == "/es/account?done=invitation-accepted"
        account = await browser.get("/es/account?done=invitation-accepted")
        assert account.status_code == 200 and "Guest Person" in account.text
        again = await browser.get(f"/es/invitation/{token}")
        assert again.status_code == 409
    assert await _grants(db, "guest@example.org") == [("nri_coordinator", nri, "invitation")]
    assert await db.fetchval("SELECT count(*) FROM notices WHERE link LIKE '%' || $1", token) == 0
    verified = await db.fetchval("SELECT email_verified_at FROM users WHERE email = 'guest@example.org'")
    await chain_audit(db)
    actions = {r["action"] for r in await db.fetch("SELECT action FROM audit_log")}
    assert verified is not None
    assert {"invitation.created", "invitation.accepted", "role.granted", "user.created"} <= actions


async def test_a_person_signed_in_with_another_address_is_asked_which_account(
    site: Site,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    db: asyncpg.Pool,
    mail_settings: Settings,
    smtp: SmtpServer,
    clock: Clock,
) -> None:
    admin = await tokens.user(Role.secretariat)
    other = await tokens.user(email="work@example.org", password=GOOD)
    donor = uuid4()
    await _invite(client, admin, role="funder", resource_id=str(donor))
    token = await _token(db, mail_settings, smtp, clock, "guest@example.org")
    async with site.browser() as browser:
        await browser.sign_in(other.user.email, GOOD)
        page = await browser.get(f"/en/invitation/{token}")
        assert (
            "You are signed in as work@example.org, but the invitation was sent to guest@example.org."
            in page.text
        )
        assert (
            "Accept as work@example.org" in page.text
            and "Sign out, to accept with guest@example.org" in page.text
        )
        accepted = await browser.post(
            f"/en/invitation/{token}", {"csrf_token": await browser.token("/en/account")}
        )
        assert accepted.headers["location"] == "/en/account?done=invitation-accepted"
    assert await _grants(db, "work@example.org") == [("funder", donor, "invitation")]
    assert await _grants(db, "guest@example.org") == []


@pytest.mark.parametrize("refusal", ["expired", "used", "revoked", "unknown"])
async def test_every_refusal_to_accept(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    db: asyncpg.Pool,
    mail_settings: Settings,
    smtp: SmtpServer,
    clock: Clock,
    refusal: str,
) -> None:
    admin = await tokens.user(Role.secretariat)
    first = await tokens.user(email="first@example.org")
    second = await tokens.user(email="second@example.org")
    invited = await _invite(client, admin, role="consumer", resource_id=str(uuid4()))
    token = await _token(db, mail_settings, smtp, clock, "guest@example.org")
    if refusal == "expired":
        clock.advance(timedelta(days=14, seconds=1))
        second = await tokens.user(email="late@example.org")  # a token minted on the moved clock
    elif refusal == "used":
        assert (
            await client.post("/v1/invitations/accept", json={"token": token}, headers=first.headers)
        ).status_code == 200
    elif refusal == "revoked":
        withdrawn = await client.delete(f"/v1/invitations/{invited.json()['id']}", headers=admin.headers)
        assert withdrawn.status_code == 204
    else:
        token = "a-token-no-one-was-sent"
    answer = await client.post("/v1/invitations/accept", json={"token": token}, headers=second.headers)
    expected = {
        "expired": (410, "invitation-expired"),
        "used": (409, "invitation-used"),
        "revoked": (409, "invitation-revoked"),
        "unknown": (404, "invitation-not-found"),
    }[refusal]
    assert (answer.status_code, answer.json()["type"].rsplit("/", 1)[1]) == expected
    assert await _grants(db, second.user.email) == []


async def test_withdrawing_is_for_the_secretariat_or_a_holder_of_the_same_binding(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    nri = uuid4()
    inviter = await tokens.user((Role.nri_coordinator, nri))
    co = await tokens.user((Role.nri_coordinator, nri))
    stranger = await tokens.user((Role.nri_coordinator, uuid4()))
    invitation = (await _invite(client, inviter, role="nri_coordinator", resource_id=str(nri))).json()
    listed = await client.get("/v1/invitations", headers=co.headers)
    assert [i["id"] for i in listed.json()] == [invitation["id"]]
    assert (await client.get("/v1/invitations", headers=stranger.headers)).json() == []
    refused = await client.delete(f"/v1/invitations/{invitation['id']}", headers=stranger.headers)
    assert refused.status_code == 404
    assert (await client.delete(f"/v1/invitations/{invitation['id']}", headers=co.headers)).status_code == 204
    again = await client.delete(f"/v1/invitations/{invitation['id']}", headers=co.headers)
    assert again.status_code == 409
