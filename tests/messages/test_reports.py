"""Session reports: organisers enter and edit their own; the Secretariat imports CSV or JSON in bulk (all rows or
none, every problem listed; importing again updates); everyone reads; Messages cite them."""

from __future__ import annotations

import asyncpg

from igf_hub.auth.principal import Role
from igf_hub.core import references
from tests.messages.support import REPORT, Client, assert_problem, report
from tests.support.auth import TokenFactory

CSV = (
    "year,session_ref,session_title,session_type,organisers,key_takeaways,calls_to_action,wsis_action_lines,sdgs,"
    "gdc_objectives\r\n"
    '2025,WS #7,AI in public services,workshop,UNDP; Access Now,"Transparency first.\nHumans stay in the loop.",'
    'Publish algorithm registers.,C7.1 C10,"16, 9",5\r\n'
    "2025,OF #12,Open forum on data flows,open_forum,OECD,Trust enables flows.,,C11,17,4\r\n"
)


async def test_organisers_own_their_reports(client: Client, tokens: TokenFactory) -> None:
    organiser = await tokens.user()
    other = await tokens.user()
    secretariat = await tokens.user(Role.secretariat)
    made = await report(client, organiser)
    assert made["source"] == "organiser" and made["classification"]["sdgs"] == [9] and made["version"] == 1
    fetched = await client.get(f"/v1/session-reports/{made['id']}")
    assert fetched.json() == made and fetched.headers["etag"] == '"1"'
    assert "public" in fetched.headers["cache-control"]

    path = f"/v1/session-reports/{made['id']}"
    refused = await client.patch(
        path, json={"session_title": "Mine"}, headers={**other.headers, "If-Match": '"1"'}
    )
    assert_problem(refused, 403, "forbidden")
    changed = await client.patch(
        path,
        json={"calls_to_action": ["License community spectrum now."]},
        headers={**organiser.headers, "If-Match": '"1"'},
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert changed.json()["key_takeaways"] == REPORT["key_takeaways"]
    stale = await client.patch(
        path, json={"session_title": "Again"}, headers={**secretariat.headers, "If-Match": '"1"'}
    )
    assert_problem(stale, 412, "stale-version")
    assert_problem(await client.patch(path, json={"session_title": "Again"}, headers=organiser.headers), 428)
    by_secretariat = await client.patch(
        path, json={"session_title": "Community networks"}, headers={**secretariat.headers, "If-Match": '"2"'}
    )
    assert by_secretariat.status_code == 200

    duplicate = await client.post("/v1/session-reports", json=REPORT, headers=other.headers)
    assert_problem(duplicate, 409, "session-report-exists")
    invalid = await client.post(
        "/v1/session-reports", json={**REPORT, "key_takeaways": []}, headers=other.headers
    )
    assert assert_problem(invalid, 422)["errors"][0]["pointer"] == "/key_takeaways"
    assert_problem(await client.get("/v1/session-reports/00000000-0000-4000-8000-000000000000"), 404)


async def test_csv_and_json_imports(client: Client, tokens: TokenFactory, db: asyncpg.Pool) -> None:
    secretariat = await tokens.user(Role.secretariat)
    organiser = await tokens.user()
    csv_headers = {**secretariat.headers, "content-type": "text/csv"}
    refused = await client.post(
        "/v1/session-reports/imports", content=CSV, headers={**organiser.headers, "content-type": "text/csv"}
    )
    assert_problem(refused, 403)

    imported = await client.post("/v1/session-reports/imports", content=CSV, headers=csv_headers)
    assert imported.status_code == 201, imported.text
    assert imported.json()["created"] == 2 and imported.json()["updated"] == 0
    first = (await client.get(f"/v1/session-reports/{imported.json()['ids'][0]}")).json()
    assert first["organisers"] == ["UNDP", "Access Now"]
    assert first["key_takeaways"] == ["Transparency first.", "Humans stay in the loop."]
    assert first["classification"] == {
        "wsis_action_lines": ["C10", "C7.1"],
        "sdgs": [9, 16],
        "gdc_objectives": [5],
    }
    assert first["source"] == "import"

    again = await client.post("/v1/session-reports/imports", content=CSV, headers=csv_headers)
    assert again.json() | {"ids": []} == {"created": 0, "updated": 2, "ids": []}
    assert again.json()["ids"] == imported.json()["ids"]

    broken = (
        CSV.replace("2025,OF #12", "1999,OF #12").replace("workshop", "karaoke")
        + "2025,WS #9,Fine row,workshop,XY Org,Takeaway here.,,,,\r\n"
    )
    problems = await client.post("/v1/session-reports/imports", content=broken, headers=csv_headers)
    errors = assert_problem(problems, 422, "invalid-content")["errors"]
    assert {e["pointer"] for e in errors} == {"/reports/0/session_type", "/reports/1/year"}
    assert all(e["detail"].startswith("line ") for e in errors)
    missing_column = await client.post(
        "/v1/session-reports/imports", content="year,session_title\r\n2025,x\r\n", headers=csv_headers
    )
    assert "missing column 'session_ref'" in assert_problem(missing_column, 422)["errors"][0]["detail"]

    dupes = await client.post(
        "/v1/session-reports/imports",
        json={
            "reports": [
                {**REPORT, "session_ref": "X 1"},
                {**REPORT, "session_ref": "X 1"},
                {**REPORT, "session_ref": None},
            ]
        },
        headers=secretariat.headers,
    )
    pointers = [e["pointer"] for e in assert_problem(dupes, 422)["errors"]]
    assert pointers == ["/reports/1/session_ref", "/reports/2/session_ref"]
    bad_json = await client.post(
        "/v1/session-reports/imports", json={"reports": [{**REPORT, "sdgs": 3}]}, headers=secretariat.headers
    )
    assert assert_problem(bad_json, 422)["errors"][0]["pointer"] == "/reports/0/sdgs"
    other_type = await client.post(
        "/v1/session-reports/imports",
        content=b"<xml/>",
        headers={**secretariat.headers, "content-type": "application/xml"},
    )
    assert_problem(other_type, 415, "unsupported-media-type")
    truncated = await client.post(
        "/v1/session-reports/imports",
        content=b'{"reports": [',
        headers={**secretariat.headers, "content-type": "application/json"},
    )
    assert_problem(truncated, 400, "malformed-body")
    async with db.acquire() as conn:
        assert (
            await conn.fetchval("SELECT count(*) FROM session_reports") == 2
        )  # refused imports wrote nothing


async def test_list_filters_and_references(client: Client, tokens: TokenFactory, db: asyncpg.Pool) -> None:
    secretariat = await tokens.user(Role.secretariat)
    await client.post(
        "/v1/session-reports/imports",
        content=CSV,
        headers={**secretariat.headers, "content-type": "text/csv"},
    )
    older = await report(client, secretariat, year=2024, session_ref="WS #1")
    listed = [r["session_ref"] for r in (await client.get("/v1/session-reports")).json()["items"]]
    assert sorted(listed[:2]) == ["OF #12", "WS #7"] and listed[2] == "WS #1"  # newest IGF first
    page = (await client.get("/v1/session-reports", params={"limit": 2})).json()
    rest = (
        await client.get("/v1/session-reports", params={"limit": 2, "cursor": page["next_cursor"]})
    ).json()
    assert [r["id"] for r in rest["items"]] == [older["id"]] and rest["next_cursor"] is None
    by: dict[str, str | int] = {
        "sdg": 16,
        "action_line": "C11",
        "gdc_objective": 4,
        "session_type": "open_forum",
        "year": 2024,
        "q": "ALGORITHM",
    }
    found = {
        k: [
            r["session_ref"] for r in (await client.get("/v1/session-reports", params={k: v})).json()["items"]
        ]
        for k, v in by.items()
    }
    assert found == {
        "sdg": ["WS #7"],
        "action_line": ["OF #12"],
        "gdc_objective": ["OF #12"],
        "session_type": ["OF #12"],
        "year": ["WS #1"],
        "q": ["WS #7"],
    }
    assert_problem(
        await client.get("/v1/session-reports", params={"cursor": "garbage!"}), 400, "invalid-cursor"
    )

    async with db.acquire() as conn:
        ref = await references.resolve(conn, "session_report", older["id"])
    assert (
        ref is not None
        and ref.citable_id == "IGF2024 WS #1"
        and ref.href == f"/v1/session-reports/{older['id']}"
    )
