"""Real funding values the API refused (issue 15): a regional youth IGF's grant ceiling, the mixed channel and
contributions reported by fiscal year."""

from __future__ import annotations

from typing import Any

from tests.funding.conftest import Client, Ledger, assert_problem

YOUTH = "type,youth_scope,name,countries,focal_point_name\r\n"


async def _youth_nri(client: Client, ledger: Ledger, scope: str, countries: str, name: str) -> str:
    """A youth NRI loaded through the NRI domain's import (funding learns of it from the NRI events)."""
    body = f'{YOUTH}youth,{scope},{name},"{countries}",Someone\r\n'.encode()
    response = await client.post(
        "/v1/nris/import", content=body, headers={**ledger.headers, "content-type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    nri_id: str = response.json()["rows"][0]["id"]
    return nri_id


async def _apply(client: Client, ledger: Ledger, nri_id: str, amount: str) -> Any:
    body = {
        "programme": "igf_secretariat",
        "nri_id": nri_id,
        "year": 2025,
        "amount_requested": amount,
        "co_funding_evidence": "A university hosts the meeting",
    }
    return await client.post("/v1/funding/nri-grants", json=body, headers=ledger.headers)


async def test_a_youth_nri_grant_ceiling_follows_the_level_it_is_organised_at(
    client: Client, ledger: Ledger
) -> None:
    regional = await _youth_nri(client, ledger, "regional", "KE;NG;ZA", "African Youth IGF")
    sub_regional = await _youth_nri(client, ledger, "sub_regional", "KE;UG;TZ", "East African Youth IGF")
    national = await _youth_nri(client, ledger, "national", "GH", "Youth IGF Ghana")

    granted = await _apply(client, ledger, regional, "12000.00")  # refused before: every youth NRI had 5,000
    assert granted.status_code == 201, granted.text
    assert granted.json()["ceiling_usd"] == "12000"
    assert (await _apply(client, ledger, sub_regional, "6000.00")).status_code == 201
    refused = assert_problem(await _apply(client, ledger, national, "5000.01"), 422, "invalid-nri-grant")
    assert refused["errors"][0]["detail"] == "above the USD 5000 ceiling for a national youth NRI"


async def test_mixed_channel_and_fiscal_year_contributions(client: Client, ledger: Ledger) -> None:
    donor = await ledger.donor(
        legal_name="Department for Science, Innovation and Technology",
        country="GB",
        stakeholder_group="government",
    )
    uk = await ledger.contribution(
        donor["id"], channel="mixed", years=[2019, 2020], fiscal_year_start_month=4
    )
    assert (uk["channel"], uk["fiscal_year_start_month"], uk["years"]) == ("mixed", 4, [2019, 2020])
    read = (await client.get(f"/v1/funding/contributions/{uk['id']}", headers=ledger.headers)).json()
    assert read["fiscal_year_start_month"] == 4
    bad = await client.post(
        "/v1/funding/contributions",
        json={
            "donor_id": donor["id"],
            "title": "Support",
            "channel": "mixed",
            "earmark": "core",
            "years": [2020],
            "fiscal_year_start_month": 13,
        },
        headers=ledger.headers,
    )
    assert assert_problem(bad, 422, "validation-failed")["errors"][0]["pointer"] == "/fiscal_year_start_month"
