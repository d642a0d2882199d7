"""Past MAG cycles load as history (issue 15): closed, marked as imported, publicly visible, and counted toward
term limits; all or nothing, dry run first, every problem named."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from igf_hub.core.clock import Clock
from tests.mag.support import Mag, assert_problem
from tests.support.audit import chain_audit


def _cycle(year: int, members: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "year": year,
        "starts_on": f"{year}-01-01",
        "ends_on": f"{year}-12-31",
        "members": members,
        **extra,
    }


ANA = {
    "name": "Ana Pérez",
    "affiliation": "Asociación Civil",
    "country": "AR",
    "stakeholder_group": "civil_society",
}
WANG = {"name": "王芳", "country": "CN", "stakeholder_group": "technical_community", "gender": "female"}


async def test_past_cycles_load_as_history_and_count_toward_term_limits(
    client: httpx.AsyncClient, mag: Mag, clock: Clock, db: asyncpg.Pool
) -> None:
    this_year = clock.now().year
    years = [this_year - 3, this_year - 2, this_year - 1]
    body = {
        "cycles": [
            _cycle(y, [ANA, WANG] if y != years[0] else [ANA], notes=f"{y}: 40 members") for y in years
        ]
    }

    dry = await client.post("/v1/mag/cycles/archive?dry_run=true", json=body, headers=mag.headers)
    assert dry.status_code == 200, dry.text
    assert [(c["year"], c["members"]) for c in dry.json()["cycles"]] == [
        (years[0], 1),
        (years[1], 2),
        (years[2], 2),
    ]
    assert (await client.get(f"/v1/mag/cycles/{years[0]}")).status_code == 404  # nothing written

    done = await client.post(
        "/v1/mag/cycles/archive?source=UN%20press%20releases", json=body, headers=mag.headers
    )
    assert done.status_code == 200, done.text
    assert sum(c["people_created"] for c in done.json()["cycles"]) == 2  # Ana is one person across years

    cycle = (await client.get(f"/v1/mag/cycles/{years[1]}")).json()  # public
    assert (cycle["status"], cycle["notes"], cycle["import_source"]) == (
        "closed",
        f"{years[1]}: 40 members",
        "UN press releases",
    )
    assert cycle["imported_at"] is not None
    roster = (await client.get(f"/v1/mag/cycles/{years[2]}/appointments")).json()["items"]
    assert {a["import_source"] for a in roster} == {"UN press releases"}
    assert sorted((a["person"]["name"], a["term_number"], a["status"]) for a in roster) == [
        ("Ana Pérez", 3, "ended"),
        ("王芳", 2, "ended"),
    ]
    async with db.acquire() as conn:
        await chain_audit(conn)
        audit = await conn.fetch(
            "SELECT data->>'source' AS source FROM audit_log WHERE action = 'mag.cycle.imported'"
        )
        marks = await conn.fetchval("SELECT count(*) FROM mag_appointments WHERE imported_by IS NOT NULL")
    assert [r["source"] for r in audit] == ["UN press releases"] * 3 and marks == 5

    # Ana served the three archived years in a row: a fourth consecutive term needs a recorded exception.
    await mag.cycle(this_year)
    ana = next(a for a in roster if a["person"]["name"] == "Ana Pérez")
    refused = await mag.try_appoint(this_year, ana["person"]["id"], country="AR")
    assert "/term_limit_exception_reason" in [e["pointer"] for e in assert_problem(refused, 422)["errors"]]

    # The same cycles cannot load twice.
    again = assert_problem(await client.post("/v1/mag/cycles/archive", json=body, headers=mag.headers), 422)
    assert [e["pointer"] for e in again["errors"]] == ["/cycles/0/year", "/cycles/1/year", "/cycles/2/year"]


async def test_a_csv_archive_names_every_problem_by_line_and_column(
    client: httpx.AsyncClient, mag: Mag, clock: Clock
) -> None:
    year = clock.now().year - 5
    header = "year,cycle_starts_on,cycle_ends_on,notes,name,country,stakeholder_group,gender,role"
    rows = [
        f"{year},{year}-01-01,{year}-12-31,renewed by a third,Ana Pérez,AR,civil_society,female,member",
        f"{year},{year}-01-01,{year}-12-31,,K,ke,royalty,,member",  # name too short, country in lower case, group
        f"{year},{year}-01-01,{year}-12-31,,Ana Pérez,AR,civil_society,,chair",  # listed twice
    ]
    content = ("\r\n".join([header, *rows]) + "\r\n").encode()
    headers = {**mag.headers, "content-type": "text/csv"}
    refused = assert_problem(
        await client.post("/v1/mag/cycles/archive", content=content, headers=headers), 422
    )
    pointers = sorted(e["pointer"] for e in refused["errors"])
    assert pointers == ["/rows/3/country", "/rows/3/name", "/rows/3/stakeholder_group"]
    assert all(e["detail"].startswith("line 3: ") for e in refused["errors"])

    good = content.replace(b",K,ke,royalty,", b",Kofi Mensah,GH,government,").replace(
        b",Ana P\xc3\xa9rez,AR,civil_society,,chair", b",Lena Berg,SE,private_sector,,chair"
    )
    loaded = await client.post("/v1/mag/cycles/archive", content=good, headers=headers)
    assert loaded.status_code == 200, loaded.text
    assert loaded.json()["cycles"] == [{"year": year, "members": 3, "people_created": 3}]
    assert (await client.get(f"/v1/mag/cycles/{year}")).json()["notes"] == "renewed by a third"
