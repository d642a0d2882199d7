"""The Secretariat's people and roles page over HTTP: who holds what, granting a role with dates and revoking it
through IdentityService (audited as the API does), and every refusal a sentence in the form, nothing written."""

from __future__ import annotations

from uuid import uuid4

import asyncpg
import httpx
from lxml import html

from igf_hub.auth.principal import Role
from tests.support.audit import chain_audit
from tests.support.auth import TokenFactory

PATH = "/en/secretariat/people"


def _errors(answer: httpx.Response) -> list[str]:
    document = html.fromstring(answer.text)
    return [" ".join(li.text_content().split()) for li in document.xpath("//div[@class='error-summary']//li")]


async def test_the_secretariat_grants_a_role_with_dates_sees_it_and_revokes_it(
    client: httpx.AsyncClient, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    person = await tokens.user(email="amina@example.org")
    track = str(uuid4())
    granted = await client.post(
        f"{PATH}/grant",
        data={
            "email": "amina@example.org",
            "role": "track_facilitator",
            "resource_id": track,
            "valid_from": "2027-01-01",
            "valid_until": "2027-12-31",
        },
        headers=secretariat.headers,
    )
    assert granted.status_code == 303 and granted.headers["location"] == f"{PATH}?done=granted"
    row = await db.fetchrow("SELECT * FROM role_grants WHERE user_id = $1", person.id)
    assert (row["role"], str(row["resource_id"])) == ("track_facilitator", track)
    assert (row["valid_from"].date().isoformat(), row["valid_until"].date().isoformat()) == (
        "2027-01-01",
        "2027-12-31",
    )
    await chain_audit(db)
    assert (
        await db.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'role.granted' AND subject_id = $1", str(person.id)
        )
        == 1
    )

    page = await client.get(f"{PATH}?done=granted", headers=secretariat.headers)
    document = html.fromstring(page.text)
    rows = [" ".join(tr.text_content().split()) for tr in document.xpath("//tbody/tr")]
    (amina,) = [r for r in rows if "amina@example.org" in r]
    assert (
        "Intersessional track facilitator" in amina and "January 1, 2027 December 31, 2027 No Revoke" in amina
    )
    assert "The role is granted." in page.text

    revoke = document.xpath(f"//form[contains(@action, '/grants/{row['id']}/revoke')]/@action")[0]
    assert (await client.post(revoke, headers=secretariat.headers)).status_code == 303
    assert await db.fetchval("SELECT count(*) FROM role_grants WHERE id = $1", row["id"]) == 0
    await chain_audit(db)
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'role.revoked'") == 1
    again = await client.post(revoke, headers=secretariat.headers)
    assert again.status_code == 422
    assert "someone revoked it already" in again.text


async def test_every_refusal_to_grant_is_a_sentence_and_writes_nothing(
    client: httpx.AsyncClient, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    await tokens.user(Role.mag_member, email="member@example.org")
    before = await db.fetchval("SELECT count(*) FROM role_grants")
    cases = [
        ({"email": "nobody@example.org", "role": "funder"}, "email", "No account has this e-mail address."),
        ({"email": "member@example.org", "role": "king"}, "role", "Choose a role from the list."),
        (
            {"email": "member@example.org", "role": "funder", "resource_id": "abc"},
            "resource_id",
            "Enter the identifier",
        ),
        (
            {"email": "member@example.org", "role": "funder", "valid_from": "31/01/2027"},
            "valid_from",
            "Enter a date like",
        ),
        (
            {
                "email": "member@example.org",
                "role": "funder",
                "valid_from": "2027-02-01",
                "valid_until": "2027-01-01",
            },
            "valid_until",
            "The end date must be after the start date.",
        ),
        (
            {"email": "member@example.org", "role": "funder", "is_chair": "on"},
            "is_chair",
            "Only a MAG member can be the Chair.",
        ),
        ({"email": "member@example.org", "role": "mag_member"}, "role", "already holds this role"),
    ]
    for form, field, sentence in cases:
        answer = await client.post(f"{PATH}/grant", data=form, headers=secretariat.headers)
        assert answer.status_code == 422, form
        assert sentence in " ".join(_errors(answer)), (form, _errors(answer))
        document = html.fromstring(answer.text)
        assert document.xpath(f"//*[@id='field-{field}' and @aria-invalid='true']"), field
        assert document.xpath("//input[@name='email']/@value") == [form["email"]]
    assert await db.fetchval("SELECT count(*) FROM role_grants") == before
    french = await client.post(
        f"{PATH.replace('/en/', '/fr/')}/grant",
        data={"email": "x@example.org", "role": "funder"},
        headers=secretariat.headers,
    )
    assert "Aucun compte n" in french.text and "Invitez plutôt la personne" in french.text


async def test_only_the_secretariat_manages_roles(
    client: httpx.AsyncClient, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    assert (await client.get(PATH)).status_code == 401
    coordinator = await tokens.user((Role.nri_coordinator, uuid4()), email="c@example.org")
    assert (await client.get(PATH, headers=coordinator.headers)).status_code == 403
    refused = await client.post(
        f"{PATH}/grant", data={"email": "c@example.org", "role": "secretariat"}, headers=coordinator.headers
    )
    assert refused.status_code == 403
    assert (
        await db.fetchval(
            "SELECT count(*) FROM role_grants WHERE role = 'secretariat' AND user_id = $1", coordinator.id
        )
        == 0
    )
