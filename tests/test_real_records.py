"""Issue 15, "Done when": a realistic multi-year data set made for this test (several currencies including JPY,
multi-year pledges, a youth regional NRI, Kosovo, a 2005 initiative, a fiscal-year contribution, anonymous and
public donors, formula-like names, Arabic and Chinese names) loads through the archive and bulk imports, and then:
sums by year add up to all years for every figure; no public output (JSON, CSV, IATI, HTML) carries the anonymous
donor; every CSV opens with a BOM and escapes formula cells; both IATI files validate against the 2.03 schemas and
rules; the NRI export re-imports to the same records."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import asyncpg
import httpx

from igf_hub.auth.principal import Role
from igf_hub.core.clock import Clock
from tests.funding.iati_rules import rule_errors, xsd_errors
from tests.funding.test_anonymity import PUBLIC
from tests.support.auth import TokenFactory

ARABIC_DONOR = "\u0647\u064a\u0626\u0629 \u062a\u0646\u0638\u064a\u0645 \u0627\u0644\u0627\u062a\u0635\u0627\u0644\u0627\u062a"
ARABIC_NRI = "\u0645\u0646\u062a\u062f\u0649 \u062d\u0648\u0643\u0645\u0629 \u0627\u0644\u0625\u0646\u062a\u0631\u0646\u062a \u0627\u0644\u0639\u0631\u0628\u064a"
ANONYMOUS = "Quiet Philanthropy Trust"
FORMULA_DONOR = '=HYPERLINK("http://evil.example","Click")'
RATES = (
    "currency,effective_on,usd_per_unit,source\n"
    "EUR,2019-11-26,1.10,UN operational rate\nGBP,2020-06-15,1.25,UN operational rate\n"
    "CAD,2021-03-01,0.79,UN operational rate\nJPY,2021-04-01,0.0091,UN operational rate\n"
    "EUR,2022-05-02,1.05,UN operational rate\n"
)


def _donor(name: str, group: str, country: str | None, **extra: Any) -> dict[str, Any]:
    return {"legal_name": name, "stakeholder_group": group, "country": country, **extra}


def _contribution(
    donor: str, title: str, years: list[int], events: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    fields = {"title": title, "channel": "igf_trust_fund", "earmark": "core", "years": years, **extra}
    return {"donor": donor, "contribution": fields, "events": events}


def _event(kind: str, amount: str, currency: str, value_date: str) -> dict[str, Any]:
    return {"kind": kind, "amount": amount, "currency": currency, "value_date": value_date}


FUNDING = {
    "donors": [
        _donor("Federal Ministry for Digital and State Modernisation", "government", "DE"),
        _donor("Department for Science, Innovation and Technology", "government", "GB"),
        _donor("Innovation, Science and Economic Development Canada", "government", "CA"),
        _donor("総務省", "government", "JP", display_name="Ministry of Internal Affairs and Communications"),
        _donor("中国互联网络信息中心", "technical_community", "CN"),
        _donor(ARABIC_DONOR, "government", "AE"),
        _donor(FORMULA_DONOR, "private_sector", "CH"),
        _donor(ANONYMOUS, "civil_society", "US", is_anonymous=True),
    ],
    "contributions": [
        _contribution(
            "Federal Ministry for Digital and State Modernisation",
            "Support 2020-2022",
            [2020, 2021, 2022],
            [
                _event("pledge", "1000000", "EUR", "2019-11-26"),
                _event("receipt", "300000", "EUR", "2022-05-02"),
            ],
        ),
        _contribution(
            "Department for Science, Innovation and Technology",
            "UK support FY2020-21",
            [2020],
            [_event("receipt", "50000", "GBP", "2020-06-15")],
            channel="mixed",
            fiscal_year_start_month=4,
        ),
        _contribution(
            "Innovation, Science and Economic Development Canada",
            "Canada 2021",
            [2021],
            [_event("receipt", "20000", "CAD", "2021-03-01")],
        ),
        _contribution(
            "総務省",
            "Kyoto IGF",
            [2021],
            [_event("receipt", "5000000", "JPY", "2021-04-01")],
            earmark="host_country",
        ),
        _contribution(
            "中国互联网络信息中心",
            "Capacity building",
            [2022],
            [_event("receipt", "8000", "USD", "2022-05-02")],
            earmark="capacity_development",
        ),
        _contribution(
            ARABIC_DONOR, "Arab region support", [2022], [_event("receipt", "10000", "USD", "2022-05-02")]
        ),
        _contribution(FORMULA_DONOR, "Sponsorship", [2021], [_event("receipt", "5000", "USD", "2021-03-01")]),
        _contribution(
            ANONYMOUS,
            "Quiet support 2021-2022",
            [2021, 2022],
            [_event("pledge", "50000", "USD", "2021-03-01"), _event("receipt", "25000", "USD", "2022-05-02")],
        ),
    ],
}

NRI_HEADER = "type,youth_scope,name,acronym,countries,year_founded,focal_point_name,recognised_on"
NRIS = [
    'regional,,South Eastern European Dialogue on Internet Governance,SEEDIG,"AL;BA;ME;MK;RS;XK",2014,Ana,2015-03-01',
    'regional,,Caribbean Internet Governance Forum,CIGF,"BB;JM;TT",2005,Nigel,2006-06-01',
    'youth,regional,African Youth IGF,AYIGF,"GH;KE;NG;ZA",2019,Ama,2020-01-15',
    f'regional,,{ARABIC_NRI},ArabIGF,"EG;JO;LB;TN",2012,Hana,2012-10-01',
    "national,,中国互联网治理论坛,,CN,2016,Li,2017-01-01",
    "national,,=Formula Island IGF,,FJ,2018,Sione,2019-02-01",
]
TRACKS = (
    "slug,type,name,status,years_active,predecessor\r\n"
    "bpf-gender,bpf,BPF on Gender and Access,concluded,2015;2016;2017;2018;2019,\r\n"
    "dc-iot,dynamic_coalition,Dynamic Coalition on the Internet of Things,active,2008;2009;2010,\r\n"
    "dc-iot-data,dynamic_coalition,Dynamic Coalition on IoT and Data,active,2024,dc-iot\r\n"
)


async def _post(client: httpx.AsyncClient, path: str, headers: dict[str, str], **kw: Any) -> Any:
    response = await client.post(path, headers=headers, **kw)
    assert response.status_code == 200, (path, response.text)
    return response.json()


async def test_twenty_years_of_records_load_and_every_public_output_tells_the_truth(
    client: httpx.AsyncClient, tokens: TokenFactory, db: asyncpg.Pool, clock: Clock
) -> None:
    secretariat = (await tokens.user(Role.secretariat)).headers
    csv_headers = {**secretariat, "content-type": "text/csv"}
    rates = await client.post(
        "/v1/funding/exchange-rates/upload", content=RATES.encode(), headers=csv_headers
    )
    assert rates.status_code == 201, rates.text

    # Dry run first, then the loads themselves.
    nri_file = ("\r\n".join([NRI_HEADER, *NRIS]) + "\r\n").encode()
    assert (await _post(client, "/v1/nris/import?dry_run=true", csv_headers, content=nri_file))[
        "created"
    ] == 6
    assert (await _post(client, "/v1/nris/import?source=IGF%20NRI%20list", csv_headers, content=nri_file))[
        "created"
    ] == 6
    assert (
        await _post(client, "/v1/tracks/import?source=IGF%20website", csv_headers, content=TRACKS.encode())
    )["created"] == 3
    year = clock.now().year
    cycles = {
        "cycles": [
            {
                "year": y,
                "starts_on": f"{y}-01-01",
                "ends_on": f"{y}-12-31",
                "members": [
                    {"name": "Ana Pérez", "country": "AR", "stakeholder_group": "civil_society"},
                    {"name": "王芳", "country": "CN", "stakeholder_group": "technical_community"},
                ],
            }
            for y in (year - 2, year - 1)
        ]
    }
    await _post(client, "/v1/mag/cycles/archive", secretariat, json=cycles)
    messages = {
        "messages": [
            {
                "year": 2019,
                "theme": "Data governance",
                "title": "IGF 2019 Messages",
                "body": "Data flows need trust.\n\nTrust needs rules.",
                "published_on": "2019-12-20",
                "source_url": "https://www.intgovforum.org/en/content/igf-2019-messages",
            }
        ]
    }
    await _post(client, "/v1/messages/archive", secretariat, json=messages)
    assert (await _post(client, "/v1/funding/archive?dry_run=true", secretariat, json=FUNDING))[
        "events"
    ] == 10
    loaded = await _post(client, "/v1/funding/archive?source=UN%20DESA%20reports", secretariat, json=FUNDING)
    assert loaded["donors_created"] == 8 and loaded["events"] == 10

    # A regional youth IGF gets a regional grant ceiling.
    youth = next(n for n in (await client.get("/v1/nris?type=youth")).json()["items"])
    grant = await client.post(
        "/v1/funding/nri-grants",
        headers=secretariat,
        json={
            "programme": "igf_secretariat",
            "nri_id": youth["id"],
            "year": 2024,
            "amount_requested": "12000.00",
            "co_funding_evidence": "Host university covers the venue",
        },
    )
    assert grant.status_code == 201, grant.text

    # Sums by year add up to all years, for every figure of the summary.
    figures = (
        "pledged_usd",
        "committed_usd",
        "received_usd",
        "in_kind_usd",
        "outstanding_pledges_usd",
        "nri_grants_paid_usd",
        "balance_usd",
    )
    everything = (await client.get("/v1/transparency/summary")).json()
    by_year = [(await client.get(f"/v1/transparency/summary?year={y}")).json() for y in range(2006, year + 1)]
    for figure in figures:
        assert sum(Decimal(s[figure]) for s in by_year) == Decimal(everything[figure]), figure
    assert Decimal(everything["received_usd"]) > 0

    # No public output names the anonymous donor or carries its id.
    async with db.acquire() as conn:
        anonymous_id = str(await conn.fetchval("SELECT id FROM donors WHERE legal_name = $1", ANONYMOUS))
    for path in PUBLIC:
        response = await client.get(path)
        assert response.status_code == 200, (path, response.text)
        assert ANONYMOUS not in response.text and anonymous_id not in response.text, path

    # Every CSV opens with a BOM and escapes formula cells; Arabic and Chinese names come through intact.
    ledger_csv = await client.get("/v1/transparency/exports/ledger.csv")
    nris_csv = await client.get("/v1/nris.csv")
    for response in (ledger_csv, nris_csv):
        assert response.content.startswith("\ufeff".encode())
    assert "'=HYPERLINK" in ledger_csv.text and "\n=HYPERLINK" not in ledger_csv.text
    assert ",'=Formula Island IGF," in nris_csv.text
    assert ARABIC_DONOR in ledger_csv.text and "中国互联网络信息中心" in ledger_csv.text
    assert ARABIC_NRI in nris_csv.text and "XK" in nris_csv.text

    # Both IATI files validate against the 2.03 schemas and the IATI rules.
    today = clock.now().date()
    for path in (
        "/v1/transparency/exports/iati-activities.xml",
        "/v1/transparency/exports/iati-organisation.xml",
    ):
        xml = (await client.get(path)).content
        assert xsd_errors(xml) == [], path
        assert rule_errors(xml, today=today) == [], path

    # The NRI export re-imports to the same records: every row unchanged.
    again = await _post(client, "/v1/nris/import?dry_run=true", csv_headers, content=nris_csv.content)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 6)
