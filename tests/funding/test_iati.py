"""IATI 2.03 exports validate against the official XSD and the IATI rules the XSD leaves out; a deliberately
broken file fails both checkers, so the checks can fail."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import asyncpg
from lxml import etree

from igf_hub.core.clock import Clock
from tests.funding.conftest import Client, Ledger, announce_nri, assert_problem
from tests.funding.iati_rules import rule_errors, xsd_errors
from tests.funding.test_transparency import EUR_RATES, known_ledger


async def _ledger_with_everything(ledger: Ledger, db: asyncpg.Pool) -> dict[str, Any]:
    await ledger.rates(EUR_RATES)
    made = await known_ledger(ledger)
    nri_id = uuid.uuid4()
    await announce_nri(db, nri_id)
    hidden = await ledger.donor(
        legal_name="Quiet Giver GmbH",
        is_anonymous=True,
        country="AT",
        iati_org_type="70",
        iati_org_ref="AT-COA-99",
    )
    to_nri = await ledger.contribution(
        hidden["id"], channel="direct_to_nri", earmark="nri_support", nri_id=str(nri_id), years=[2024, 2025]
    )
    await ledger.event(to_nri["id"], kind="pledge", amount="900.00", currency="EUR", value_date="2024-03-02")
    await ledger.event(to_nri["id"], kind="receipt", amount="450.00", currency="EUR", value_date="2024-03-20")
    return {**made, "to_nri": to_nri, "hidden": hidden}


async def test_the_activity_and_organisation_files_validate(
    client: Client, ledger: Ledger, db: asyncpg.Pool, clock: Clock
) -> None:
    made = await _ledger_with_everything(ledger, db)
    today = clock.now().date()
    activities = await client.get("/v1/transparency/exports/iati-activities.xml")
    assert activities.status_code == 200 and activities.headers["content-type"].startswith("application/xml")
    assert xsd_errors(activities.content) == []
    assert rule_errors(activities.content, today=today) == []
    organisation = await client.get("/v1/transparency/exports/iati-organisation.xml")
    assert xsd_errors(organisation.content) == []
    assert rule_errors(organisation.content, today=today) == []

    root = etree.fromstring(activities.content)
    assert len(root.findall("iati-activity")) == 6  # one per contribution with events
    codes = {t.getparent().findtext("value") + ":" + t.get("code") for t in root.iter("transaction-type")}
    assert {"10000.00:13", "10000.00:11", "6000.00:1", "1000.00:1", "-500.00:1"} <= codes

    def earmarking(contribution_id: str) -> str:
        activity = next(
            a
            for a in root.findall("iati-activity")
            if a.findtext("iati-identifier").endswith(contribution_id)
        )
        code: str = activity.find("default-aid-type[@vocabulary='2']").get("code")
        return code

    assert earmarking(made["core"]["id"]) == "1"  # core → unearmarked
    assert earmarking(made["travel"]["id"]) == "3"  # travel grants → earmarked
    assert earmarking(made["to_nri"]["id"]) == "4"  # one named NRI → tightly earmarked
    nri_activity = next(
        a
        for a in root.findall("iati-activity")
        if a.findtext("iati-identifier").endswith(made["to_nri"]["id"])
    )
    # One budget in the year the pledge was made (900 EUR at 1.10), as every other figure counts it.
    assert [
        (b.find("period-start").get("iso-date"), b.find("value").text) for b in nri_activity.findall("budget")
    ] == [("2024-01-01", "990.00")]
    assert nri_activity.find("transaction/provider-org").get("ref") is None  # anonymous: no identifier either
    assert b"Quiet Giver" not in activities.content and b"AT-COA-99" not in activities.content

    only = await client.get(f"/v1/transparency/exports/iati-activities.xml?donor_id={made['a']['id']}")
    assert len(etree.fromstring(only.content).findall("iati-activity")) == 1
    assert_problem(
        await client.get("/v1/transparency/exports/iati-activities.xml?year=2031"), 404, "not-found"
    )


async def test_a_deliberately_broken_file_fails_the_checks(
    client: Client, ledger: Ledger, db: asyncpg.Pool, clock: Clock
) -> None:
    await _ledger_with_everything(ledger, db)
    today = clock.now().date()
    good = (await client.get("/v1/transparency/exports/iati-activities.xml")).content

    no_reporting_org = etree.fromstring(good)
    first = no_reporting_org.find("iati-activity")
    first.remove(first.find("reporting-org"))
    assert any("reporting-org" in e or "title" in e for e in xsd_errors(etree.tostring(no_reporting_org)))

    future = (today + timedelta(days=3)).isoformat()
    broken = etree.fromstring(good)
    broken.find(".//transaction-date").set("iso-date", future)
    broken.find(".//transaction-type").set("code", "99")
    budget = broken.find(".//budget")
    budget.find("period-end").set(
        "iso-date", f"{int(budget.find('period-start').get('iso-date')[:4]) + 2}-12-31"
    )
    broken.find(".//default-aid-type[@vocabulary='2']").set("code", "7")
    broken.find(".//participating-org").set("type", "12")
    broken_xml = etree.tostring(broken)
    assert xsd_errors(broken_xml) == []  # the XSD alone accepts all of this …
    errors = rule_errors(broken_xml, today=today)  # … the IATI rules do not
    assert any("transaction-date" in e and "future" in e for e in errors), errors
    assert any("transaction-type" in e for e in errors), errors
    assert any("longer than one year" in e for e in errors), errors
    assert any("default-aid-type" in e for e in errors), errors
    assert any("participating-org: type='12'" in e for e in errors), errors
