"""The balance of a known slate, checked by hand; the what-if preview equals the real result after appointing."""

from __future__ import annotations

from typing import Any

import httpx

from igf_hub.auth.principal import Role
from igf_hub.mag.rules import former_host_countries
from tests.mag.support import Mag, assert_problem, pointers
from tests.support.auth import TokenFactory

Client = httpx.AsyncClient

# (name, role, stakeholder group, country, gender) — the 2027 slate of the test below.
SLATE = [
    ("A Chair", "chair", "civil_society", "KE", "female"),
    ("B Host", "host_country_representative", "government", "BR", "male"),
    ("C Host", "host_country_representative", "government", "KE", "female"),
    ("D Government", "member", "government", "JP", "male"),
    ("E Business", "member", "private_sector", "DE", "female"),
    ("F Business", "member", "private_sector", "IN", "male"),
    ("G Technical", "member", "technical_community", "PL", "female"),
    ("H Academic", "member", "academia", "MX", "female"),
    ("I Civil", "member", "civil_society", "FR", "non_binary"),
    ("J Civil", "member", "civil_society", "US", None),
    ("K Observer", "observer", "intergovernmental", "CH", "male"),
]


def rule(balance: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in balance["rules"] if r["rule"] == name)
    return found


def without_basis(balance: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in balance.items() if k != "basis"}


async def test_a_known_slate_checked_by_hand_and_the_preview_matches_the_real_result(
    client: Client, mag: Mag
) -> None:
    await mag.cycle(2025)
    await mag.cycle(2026)
    await mag.cycle(2027, target_size=10, rule_overrides={"host_countries": ["KE", "BR"]})
    people = {name: (await mag.person(name))["id"] for name, *_ in SLATE}
    x = (await mag.person("X Former"))["id"]
    await mag.appoint(2025, people["D Government"], stakeholder_group="government", country="JP")
    for name in ("A Chair", "B Host"):
        await mag.appoint(2026, people[name])
    await mag.appoint(2026, x)

    entries = [
        {
            "person_id": people[name],
            "role": role,
            "stakeholder_group": group,
            "country": country,
            "gender": gender,
        }
        for name, role, group, country, gender in SLATE
    ]
    preview = await client.post(
        "/v1/mag/cycles/2027/balance:preview", json={"add": entries}, headers=mag.headers
    )
    assert preview.status_code == 200, preview.text
    for entry in entries:
        await mag.appoint(2027, **entry)
    real = await client.get("/v1/mag/cycles/2027/balance")
    assert real.headers["cache-control"] == "public, max-age=60"
    balance = real.json()
    assert preview.json()["basis"] == "preview" and balance["basis"] == "appointed"
    assert without_basis(preview.json()) == without_basis(balance)

    # By hand: K is an intergovernmental observer and does not count; 10 counted seats.
    assert (balance["seats"], balance["observers"], balance["target_size"]) == (10, 1, 10)
    assert balance["by_stakeholder_group"] == [
        {"group": "government", "seats": 3, "share": 0.3},  # B, C, D
        {"group": "private_sector", "seats": 2, "share": 0.2},  # E, F
        {"group": "civil_society", "seats": 3, "share": 0.3},  # A, I, J
        {"group": "technical_community", "seats": 2, "share": 0.2},  # G, and H (academia)
    ]
    assert balance["by_regional_group"] == [
        {"group": "african", "seats": 2, "share": 0.2},  # A, C
        {"group": "asia_pacific", "seats": 2, "share": 0.2},  # D, F
        {"group": "eastern_european", "seats": 1, "share": 0.1},  # G
        {"group": "latin_american_caribbean", "seats": 2, "share": 0.2},  # B, H
        {"group": "western_european_others", "seats": 3, "share": 0.3},  # E, I, J (the US sits in WEOG)
    ]
    assert balance["gender"] == {
        "declared": 9,  # J declared none
        "undeclared": 1,
        "groups": [
            {"group": "female", "seats": 5, "share": 0.5556},  # A, C, E, G, H of 9
            {"group": "male", "seats": 3, "share": 0.3333},  # B, D, F of 9
            {"group": "non_binary", "seats": 1, "share": 0.1111},
        ],
    }
    # A and B served in 2026; D served in 2025 only (a gap year); nobody else ever served.
    assert balance["rotation"] == {
        "previous_year": 2026,
        "returning": 2,
        "renewed": 8,
        "renewed_share": 0.8,
        "newcomers": 7,
        "newcomer_share": 0.7,
    }
    statuses = {r["rule"]: r["status"] for r in balance["rules"]}
    assert statuses == {
        "target_size": "pass",
        "government_share": "pass",
        "non_government_parity": "pass",
        "host_country_seats": "pass",
        "intergovernmental_observers": "pass",
        "regional_representation": "pass",
        "gender_band": "warn",  # men are 33.3 % of those who declared: below 40 %
        "term_limit": "pass",
    }
    assert balance["status"] == "warn"
    assert rule(balance, "government_share")["figures"] == {
        "government": 3,
        "seats": 10,
        "share": 0.3,
        "max_share": 0.4,
    }
    assert rule(balance, "non_government_parity")["figures"] == {
        "private_sector": 2,
        "civil_society": 3,
        "technical_community": 2,
        "spread": 1,
        "max_spread": 1,
    }
    assert rule(balance, "host_country_seats")["figures"]["represented"] == ["BR", "KE"]
    assert rule(balance, "gender_band")["figures"]["male_share"] == 0.3333
    assert rule(balance, "term_limit")["figures"]["longest_run"] == 2  # A and B: 2026, 2027

    # What-if: J (civil society, WEOG, undeclared) replaced by a newcomer man from the private sector in Egypt.
    roster = (await client.get("/v1/mag/cycles/2027/appointments", params={"limit": 100})).json()["items"]
    j = next(a["id"] for a in roster if a["person"]["name"] == "J Civil")
    swap = {
        "remove": [j],
        "add": [{"role": "member", "stakeholder_group": "private_sector", "country": "EG", "gender": "male"}],
    }
    better = (await client.post("/v1/mag/cycles/2027/balance:preview", json=swap, headers=mag.headers)).json()
    assert better["status"] == "pass"
    assert rule(better, "gender_band")["figures"] == {
        "female_share": 0.5,
        "male_share": 0.4,
        "min_share": 0.4,
        "max_share": 0.6,
        "declared": 10,
        "undeclared": 0,
    }
    assert rule(better, "non_government_parity")["figures"]["spread"] == 1  # CS 2, PS 3, TC 2
    assert better["rotation"]["newcomers"] == 7
    assert (await client.get("/v1/mag/cycles/2027/balance")).json() == balance  # a preview writes nothing


async def test_rules_flag_what_breaks_them(client: Client, mag: Mag) -> None:
    await mag.cycle(2026)
    empty = (await client.get("/v1/mag/cycles/2026/balance")).json()
    assert empty["seats"] == 0 and empty["status"] == "warn"
    assert empty["rotation"]["previous_year"] is None and empty["rotation"]["renewed"] is None
    hosts = rule(empty, "host_country_seats")["figures"]
    assert hosts["missing"] == former_host_countries(2026)  # default: every former IGF host country
    assert "NO" in hosts["missing"] and "GR" in hosts["missing"]
    assert len(rule(empty, "regional_representation")["figures"]["missing"]) == 5

    await mag.cycle(
        2027, target_size=3, rule_overrides={"government_max_share": 0.5, "host_countries": ["JP"]}
    )
    slate = [
        {"stakeholder_group": "government", "country": "DE", "role": "host_country_representative"},
        {"stakeholder_group": "government", "country": "FR"},
        {"stakeholder_group": "civil_society", "country": "NO"},
        {"stakeholder_group": "civil_society", "country": "NO"},
    ]
    result = (
        await client.post("/v1/mag/cycles/2027/balance:preview", json={"add": slate}, headers=mag.headers)
    ).json()
    checks = {r["rule"]: r for r in result["rules"]}
    assert checks["target_size"]["status"] == "warn"  # 4 for a target of 3
    assert checks["government_share"]["status"] == "pass"  # 2 of 4 = 50 %, allowed by this cycle
    assert (
        checks["non_government_parity"]["figures"]["spread"] == 2
        and checks["non_government_parity"]["status"] == "warn"
    )
    assert checks["host_country_seats"]["figures"]["missing"] == ["JP"]
    assert checks["host_country_seats"]["figures"]["not_host_country"] == ["DE"]
    assert checks["regional_representation"]["figures"]["missing"] == [
        "african",
        "asia_pacific",
        "eastern_european",
        "latin_american_caribbean",
    ]
    assert checks["gender_band"]["status"] == "warn" and checks["gender_band"]["figures"]["declared"] == 0


async def test_the_preview_judges_term_limits_like_an_appointment(client: Client, mag: Mag) -> None:
    for year in (2024, 2025, 2026, 2027):
        await mag.cycle(year)
    veteran = (await mag.person("Veteran"))["id"]
    for year in (2024, 2025, 2026):
        await mag.appoint(year, veteran)
    entry = {"person_id": veteran, "stakeholder_group": "civil_society", "country": "KE"}
    plain = (
        await client.post("/v1/mag/cycles/2027/balance:preview", json={"add": [entry]}, headers=mag.headers)
    ).json()
    assert rule(plain, "term_limit")["status"] == "warn"
    assert rule(plain, "term_limit")["figures"]["without_exception"] == 1
    excepted = {**entry, "term_limit_exception_reason": "Continuity of the working group on AI."}
    planned = (
        await client.post(
            "/v1/mag/cycles/2027/balance:preview", json={"add": [excepted]}, headers=mag.headers
        )
    ).json()
    assert rule(planned, "term_limit")["status"] == "pass"
    assert rule(planned, "term_limit")["figures"]["with_exception"] == 1


async def test_preview_refusals(client: Client, mag: Mag, tokens: TokenFactory) -> None:
    await mag.cycle(2027)
    seated = await mag.appoint(2027, (await mag.person("Seated Person"))["id"])
    url = "/v1/mag/cycles/2027/balance:preview"
    assert_problem(await client.post(url, json={}), 401)
    member = await tokens.user(Role.mag_member)
    assert_problem(await client.post(url, json={}, headers=member.headers), 403)
    assert_problem(
        await client.post("/v1/mag/cycles/2031/balance:preview", json={}, headers=mag.headers), 404
    )
    body = {
        "remove": ["00000000-0000-0000-0000-000000000001"],
        "add": [
            {
                "person_id": "00000000-0000-0000-0000-000000000002",
                "stakeholder_group": "civil_society",
                "country": "KE",
            },
            {"person_id": seated["person"]["id"], "stakeholder_group": "civil_society", "country": "XX"},
            {"stakeholder_group": "intergovernmental", "country": "CH"},
            {
                "stakeholder_group": "government",
                "country": "KE",
                "term_limit_exception_reason": "Not needed at all.",
            },
        ],
    }
    problem = assert_problem(
        await client.post(url, json=body, headers=mag.headers), 422, "mag-invalid-appointment"
    )
    assert sorted(pointers(problem)) == [
        "/add/0/person_id",
        "/add/1/country",
        "/add/1/person_id",
        "/add/2/role",
        "/add/3/term_limit_exception_reason",
        "/remove/0",
    ]
    missing = await client.post(url, json={"add": [{"country": "KE"}]}, headers=mag.headers)
    assert "stakeholder_group" in assert_problem(missing, 422, "validation-failed")["detail"]
    assert_problem(await client.get("/v1/mag/cycles/2031/balance"), 404, "mag-cycle-not-found")
