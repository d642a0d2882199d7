"""Who sees what: a funder sees its own donor in full and nobody else's; the public never sees an anonymous
donor's name, in any response or export."""

from __future__ import annotations

from typing import Any

from igf_hub.auth.principal import Role
from tests.funding.conftest import Client, Ledger, assert_problem
from tests.support.auth import TokenFactory

SECRET_NAME = "Zyxwv Discreet Holdings AG"


async def test_funder_a_cannot_read_funder_b_private_data(
    client: Client, ledger: Ledger, tokens: TokenFactory
) -> None:
    donor_a = await ledger.donor(legal_name="Donor A SA", private_notes="A's notes")
    donor_b = await ledger.donor(legal_name="Donor B SA", private_notes="B's notes")
    contribution_a = await ledger.contribution(donor_a["id"], private_notes="A's terms")
    contribution_b = await ledger.contribution(
        donor_b["id"],
        private_notes="B's terms",
        documents=[{"title": "B letter", "url": "https://example.org/b.pdf"}],
    )
    await ledger.event(contribution_b["id"])

    # The Secretariat binds a user to donor A through the API (IdentityService grant, source "funding").
    user = await tokens.user()
    bound = await client.post(
        f"/v1/funding/donors/{donor_a['id']}/funders", json={"user_id": str(user.id)}, headers=ledger.headers
    )
    assert bound.status_code == 201, bound.text
    funder_a = {"Authorization": f"Bearer {await tokens.token_for(user.id)}"}

    own = await client.get(f"/v1/funding/contributions/{contribution_a['id']}", headers=funder_a)
    assert own.status_code == 200 and own.json()["private_notes"] == "A's terms"
    own_donor = await client.get(f"/v1/funding/donors/{donor_a['id']}", headers=funder_a)
    assert own_donor.json()["private_notes"] == "A's notes"

    for url in (
        f"/v1/funding/donors/{donor_b['id']}",
        f"/v1/funding/contributions/{contribution_b['id']}",
        f"/v1/funding/contributions/{contribution_b['id']}/events",
        f"/v1/funding/contributions?donor_id={donor_b['id']}",
    ):
        response = await client.get(url, headers=funder_a)
        body = assert_problem(response, 403, "not-your-donor")
        assert "B's" not in response.text and body["status"] == 403

    listed = (await client.get("/v1/funding/contributions", headers=funder_a)).json()
    assert [c["id"] for c in listed["items"]] == [contribution_a["id"]]
    donors = (await client.get("/v1/funding/donors", headers=funder_a)).json()
    assert [d["id"] for d in donors["items"]] == [donor_a["id"]]

    # Nobody else sees private details: other roles are refused, anonymous callers must sign in.
    coordinator = await tokens.user(Role.nri_coordinator)
    assert_problem(
        await client.get(f"/v1/funding/contributions/{contribution_a['id']}", headers=coordinator.headers),
        403,
        "forbidden",
    )
    assert_problem(await client.get(f"/v1/funding/contributions/{contribution_a['id']}"), 401, "unauthorized")

    # Unknown user → 404; binding twice → 409.
    unknown = await client.post(
        f"/v1/funding/donors/{donor_a['id']}/funders",
        json={"user_id": "00000000-0000-0000-0000-000000000001"},
        headers=ledger.headers,
    )
    assert unknown.status_code == 404
    twice = await client.post(
        f"/v1/funding/donors/{donor_a['id']}/funders", json={"user_id": str(user.id)}, headers=ledger.headers
    )
    assert twice.status_code == 409


async def _anonymous_ledger(ledger: Ledger) -> dict[str, Any]:
    intermediary = await ledger.donor(
        legal_name=f"{SECRET_NAME} Intermediary",
        is_anonymous=True,
        stakeholder_group="civil_society",
        country="GB",
    )
    donor = await ledger.donor(
        legal_name=SECRET_NAME,
        display_name=f"{SECRET_NAME} display",
        is_anonymous=True,
        country="LI",
        iati_org_type="70",
        iati_org_ref="LI-REG-12345",
    )
    named = await ledger.donor(legal_name="Open Telecom plc", display_name="Open Telecom", country="GB")
    secret = await ledger.contribution(donor["id"], via_donor_id=intermediary["id"], years=[2024])
    await ledger.event(secret["id"], kind="pledge", amount="5000.00", value_date="2024-01-10")
    await ledger.event(secret["id"], kind="receipt", amount="3000.00", value_date="2024-02-10")
    receipt = await ledger.event(secret["id"], kind="receipt", amount="100.00", value_date="2024-02-11")
    await ledger.event(
        secret["id"],
        kind="reversal",
        reverses=receipt["id"],
        reason="duplicate",
        value_date="2024-02-12",
        amount=None,
        currency=None,
    )
    open_one = await ledger.contribution(named["id"])
    await ledger.event(open_one["id"], amount="2000.00")
    return {"donor": donor, "named": named, "intermediary": intermediary}


async def test_anonymous_donors_are_never_named_in_any_public_response_or_export(
    client: Client, ledger: Ledger
) -> None:
    made = await _anonymous_ledger(ledger)
    public = [
        "/v1/transparency/summary",
        "/v1/transparency/summary?year=2024",
        "/v1/transparency/pledges",
        "/v1/transparency/ledger",
        f"/v1/transparency/ledger?donor_id={made['donor']['id']}",
        "/v1/transparency/corrections",
        "/v1/transparency/exports/ledger.csv",
        "/v1/transparency/exports/ledger.json",
        "/v1/transparency/exports/iati-activities.xml",
        "/v1/transparency/exports/iati-organisation.xml",
        "/transparency",
        "/transparency?year=2024",
    ] + [
        f"/v1/transparency/aggregates?by={by}"
        for by in (
            "year",
            "donor",
            "stakeholder_group",
            "country",
            "earmark",
            "channel",
            "intermediary",
            "currency",
        )
    ]
    for url in public:
        response = await client.get(url)  # no sign-in
        assert response.status_code == 200, (url, response.text)
        raw = response.text
        assert SECRET_NAME not in raw and "Zyxwv" not in raw, url
        assert "LI-REG-12345" not in raw, url  # its IATI identifier would name it too
        assert response.headers["cache-control"] == "max-age=60, public", url

    rows = (await client.get("/v1/transparency/ledger")).json()["items"]
    secret_rows = [r for r in rows if r["donor_name"] == "Anonymous (private sector)"]
    assert len(secret_rows) == 4 and {r["donor_id"] for r in secret_rows} == {None}  # its id is withheld too
    assert {r["donor_name"] for r in secret_rows} == {"Anonymous (private sector)"}
    assert {r["via_donor_name"] for r in secret_rows} == {"Anonymous (civil society)"}
    assert {r["country"] for r in secret_rows} == {None}  # its country is withheld too
    by_country = (await client.get("/v1/transparency/aggregates?by=country")).json()["rows"]
    assert "LI" not in {r["key"] for r in by_country}
    # A country filter cannot be used to find it either.
    assert (await client.get("/v1/transparency/ledger?country=LI")).json()["items"] == []
