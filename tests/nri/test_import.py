"""The Secretariat's bulk import of existing NRIs: all rows or none, a per-row report, idempotent re-imports."""

from __future__ import annotations

from typing import Any

import asyncpg

from igf_hub.auth.principal import Role
from tests.nri.helpers import Client, problem
from tests.support.audit import chain_audit
from tests.support.auth import Caller, TokenFactory

HEADER = "type,youth_scope,name,acronym,countries,website,languages,year_founded,focal_point_name,focal_point_email,coordinator_email"
ROWS = [
    "national,,Kenya IGF,KIGF,KE,https://kigf.or.ke,en;sw,2008,Grace Mutung'u,grace@example.org,{coordinator}",
    'sub_regional,,East African IGF,EAIGF,"KE;UG;TZ;RW",https://eaigf.example,en,2008,John Walubengo,,',
    "youth,national,Youth IGF Kenya,,KE,https://youth.kigf.or.ke,en,2016,Mercy Wanjau,,",
]


def csv_text(*rows: str, header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


async def _import(
    client: Client, caller: Caller, content: bytes, media_type: str = "text/csv"
) -> dict[str, Any]:
    response = await client.post(
        "/v1/nris/import", content=content, headers={**caller.headers, "content-type": media_type}
    )
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def _counts(db: asyncpg.Pool) -> tuple[int, int, int, int]:
    async with db.acquire() as conn:
        await chain_audit(conn)
        row = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM nris) AS nris, (SELECT coalesce(sum(version), 0) FROM nris) AS versions,"
            " (SELECT count(*) FROM audit_log) AS audit, (SELECT count(*) FROM outbox) AS events"
        )
    return row["nris"], row["versions"], row["audit"], row["events"]


async def test_import_creates_then_reimport_changes_nothing(
    client: Client, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    coordinator = await tokens.user(email="kigf-coordinator@example.org")
    content = csv_text(*(r.format(coordinator=coordinator.user.email) for r in ROWS))

    report = await _import(client, secretariat, content)
    assert (report["created"], report["updated"], report["unchanged"]) == (3, 0, 0)
    assert [(r["row"], r["name"], r["outcome"]) for r in report["rows"]] == [
        (2, "Kenya IGF", "created"),
        (3, "East African IGF", "created"),
        (4, "Youth IGF Kenya", "created"),
    ]

    # Imported NRIs are recognised and public, with derived regional groups.
    directory = (await client.get("/v1/nris")).json()["items"]
    assert [(n["name"], n["status"], n["countries"]) for n in directory] == [
        ("East African IGF", "recognised", ["KE", "RW", "TZ", "UG"]),
        ("Kenya IGF", "recognised", ["KE"]),
        ("Youth IGF Kenya", "recognised", ["KE"]),
    ]
    kenya_id = report["rows"][0]["id"]
    # The named coordinator now coordinates it.
    mine = await client.get(f"/v1/nris/{kenya_id}/coordinators", headers=coordinator.headers)
    assert [c["email"] for c in mine.json()] == ["kigf-coordinator@example.org"]

    before = await _counts(db)
    again = await _import(client, secretariat, content)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert [r["id"] for r in again["rows"]] == [r["id"] for r in report["rows"]]
    assert await _counts(db) == before  # no new NRI, version, audit row or event

    # A changed cell updates just that NRI, with a new version.
    edited = content.replace(b"https://eaigf.example", b"https://eaigf.org")
    third = await _import(client, secretariat, edited)
    assert (third["created"], third["updated"], third["unchanged"]) == (0, 1, 2)
    east = (await client.get(f"/v1/nris/{report['rows'][1]['id']}")).json()
    assert east["website"] == "https://eaigf.org" and east["version"] == 2


async def test_a_bad_row_imports_nothing_and_every_problem_is_reported(
    client: Client, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    rows = [
        ROWS[0].format(coordinator=""),
        "national,,Atlantis IGF,,XX,https://atlantis.example,en,2010,Someone,,",  # unknown country
        "national,,,,UG,https://ug.example,en,2010,Someone,,",  # no name
        "national,,Kenya again,,KE,https://kenya.example,en,2010,Someone,,",  # same key as line 2
        "national,,Rwanda IGF,,RW,https://rw.example,en,twenty,Someone,,",  # not a year
        "national,,Tanzania IGF,,TZ,https://tz.example,en,2010,Someone,,nobody@example.org",  # unknown user
        "national,,Short row,,BI",
    ]
    before = await _counts(db)
    response = await client.post(
        "/v1/nris/import",
        content=csv_text(*rows),
        headers={**secretariat.headers, "content-type": "text/csv"},
    )
    data = problem(response, 422, "nri-import-rejected")
    by_line = {e["pointer"].split("/")[2]: e for e in data["errors"]}
    assert sorted(by_line, key=int) == ["3", "4", "5", "6", "7", "8"]
    assert "XX" in by_line["3"]["detail"]
    assert by_line["4"]["pointer"] == "/rows/4/name"
    assert "same type and countries as line 2" in by_line["5"]["detail"]
    assert "year_founded: 'twenty' is not a year" in by_line["6"]["detail"]
    assert by_line["7"]["pointer"] == "/rows/7/coordinator_email"
    assert "number of cells" in by_line["8"]["detail"]
    assert data["rows_checked"] == 7
    assert await _counts(db) == before  # the good first row was not imported either

    # Fixing the rows imports them.
    good = [rows[0], rows[1].replace(",XX,", ",BW,"), rows[2].replace(",,,,UG", ",,Uganda IGF,,UG")]
    assert (await _import(client, secretariat, csv_text(*good)))["created"] == 3


async def test_import_refuses_unreadable_files(client: Client, tokens: TokenFactory) -> None:
    secretariat = await tokens.user(Role.secretariat)
    headers = {**secretariat.headers, "content-type": "text/csv"}
    unknown = await client.post(
        "/v1/nris/import", content=csv_text(header="type,name,countries,colour"), headers=headers
    )
    details = [e["detail"] for e in problem(unknown, 422, "nri-import-rejected")["errors"]]
    assert details == ["unknown column 'colour'", "the file has no rows"]
    missing = await client.post("/v1/nris/import", content=b"name\r\nKenya IGF\r\n", headers=headers)
    assert [e["detail"] for e in problem(missing, 422)["errors"]] == [
        "missing column 'type'",
        "missing column 'countries'",
    ]
    problem(
        await client.post("/v1/nris/import", content=b"\xff\xfe\x00", headers=headers),
        422,
        "nri-import-rejected",
    )
    as_json = await client.post("/v1/nris/import", json={"rows": []}, headers=secretariat.headers)
    problem(as_json, 415, "unsupported-media-type")


async def test_import_updates_an_nri_recognised_through_the_workflow(
    client: Client, tokens: TokenFactory
) -> None:
    from tests.nri.helpers import recognised

    secretariat = await tokens.user(Role.secretariat)
    nri = await recognised(client, await tokens.user(), secretariat)
    report = await _import(client, secretariat, csv_text(ROWS[0].format(coordinator=""), header=HEADER))
    assert report["rows"][0] == {"row": 2, "id": nri["id"], "name": "Kenya IGF", "outcome": "updated"}
    updated = (await client.get(f"/v1/nris/{nri['id']}")).json()
    # Columns in the file are taken from it; the rest (the committee, the meeting report) are kept.
    assert updated["name"] == "Kenya IGF" and updated["acronym"] == "KIGF"
    assert len(updated["committee"]) == 3 and updated["meeting_report_url"] == nri["meeting_report_url"]


async def test_an_exported_file_reads_back_with_human_headers_and_no_stray_apostrophe(
    client: Client, tokens: TokenFactory
) -> None:
    """nris.csv writes a formula-like acronym as '=FIB (so a spreadsheet shows it as text); importing that file
    stored the apostrophe. The import now reads the export's human headers and strips the escape."""
    secretariat = await tokens.user(Role.secretariat)
    content = "\ufeffType,Name,Acronym,Countries,Languages,Focal point name\r\nnational,Fórum Brasil,'=FIB,BR,pt,Ana\r\n".encode()
    report = await _import(client, secretariat, content)
    nri = (await client.get(f"/v1/nris/{report['rows'][0]['id']}")).json()
    assert (nri["name"], nri["acronym"]) == ("Fórum Brasil", "=FIB")
    exported = (await client.get("/v1/nris.csv")).text
    assert "'=FIB" in exported


async def test_each_row_reports_every_problem_by_column(client: Client, tokens: TokenFactory) -> None:
    # Issue 15: a row reported only its first error, so a file took one round trip per mistake.
    secretariat = await tokens.user(Role.secretariat)
    row = "national,,K,,KE,not-a-url,en,1800,Someone,,"  # name too short, website not a URL, year too early
    response = await client.post(
        "/v1/nris/import", content=csv_text(row), headers={**secretariat.headers, "content-type": "text/csv"}
    )
    errors = problem(response, 422, "nri-import-rejected")["errors"]
    assert sorted(e["pointer"] for e in errors) == ["/rows/2/name", "/rows/2/website", "/rows/2/year_founded"]
    by_pointer = {e["pointer"]: e["detail"] for e in errors}
    assert by_pointer["/rows/2/website"] == (
        "line 2: website: Must be a web address starting with http:// or https://"
    )
    assert all("regex" not in d and "^" not in d for d in by_pointer.values())


async def test_real_values_kosovo_a_2005_initiative_and_a_sub_regional_youth_igf(
    client: Client, tokens: TokenFactory
) -> None:
    # Issue 15: XK was refused in a regional NRI's countries, 2005 as a founding year, and a youth IGF could
    # only be national or regional.
    secretariat = await tokens.user(Role.secretariat)
    rows = [
        'regional,,South Eastern European Dialogue on Internet Governance,SEEDIG,"AL;BA;ME;MK;RS;XK",'
        "https://seedig.net,en,2014,Sorina Teleanu,,",
        'regional,,Caribbean Internet Governance Forum,CIGF,"BB;JM;TT",https://ctu.int,en,2005,Nigel Cassimire,,',
        'youth,sub_regional,West African Youth IGF,,"GH;NG;SN",https://youth.example,en,2019,Ama Owusu,,',
    ]
    report = await _import(client, secretariat, csv_text(*rows))
    assert report["created"] == 3
    seedig, cigf, youth = [(await client.get(f"/v1/nris/{r['id']}")).json() for r in report["rows"]]
    assert "XK" in seedig["countries"] and seedig["regional_groups"] == ["eastern_european"]
    assert cigf["year_founded"] == 2005
    assert youth["youth_scope"] == "sub_regional"


async def test_the_export_reimports_to_the_same_records_with_real_recognition_dates(
    client: Client, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    # Issue 15: nris.csv had five columns its import refused, and a formula-escaped name came back with a "'".
    secretariat = await tokens.user(Role.secretariat)
    header = f"{HEADER},recognised_on"
    rows = [
        ROWS[0].format(coordinator="") + ",2009-05-12",
        "national,,=Formula IGF,,UG,https://ug.example,en,2010,Someone,,,2012-01-30",
    ]
    report = await _import(client, secretariat, csv_text(*rows, header=header))
    first = (await client.get(f"/v1/nris/{report['rows'][0]['id']}")).json()
    assert first["recognised_on"] == "2009-05-12"
    assert first["import_source"] == "CSV import" and first["imported_at"] is not None
    assert first["imported_by"] is None  # who loaded it is shown to the Secretariat only
    assert (await client.get(f"/v1/nris/{first['id']}", headers=secretariat.headers)).json()["imported_by"]

    exported = await client.get("/v1/nris.csv", headers=secretariat.headers)
    assert "'=Formula IGF" in exported.text
    before = await _counts(db)
    again = await _import(client, secretariat, exported.content)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert await _counts(db) == before

    # Into an empty directory the same file recreates the same records.
    async with db.acquire() as conn:
        await conn.execute("DELETE FROM nris")
    recreated = await _import(client, secretariat, exported.content)
    assert recreated["created"] == 2
    names = sorted(n["name"] for n in (await client.get("/v1/nris")).json()["items"])
    assert names == ["=Formula IGF", "Kenya IGF"]
    dates = {n["name"]: n["recognised_on"] for n in (await client.get("/v1/nris")).json()["items"]}
    assert dates == {"=Formula IGF": "2012-01-30", "Kenya IGF": "2009-05-12"}


async def test_a_dry_run_reports_what_the_import_would_do_and_writes_nothing(
    client: Client, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    secretariat = await tokens.user(Role.secretariat)
    before = await _counts(db)
    response = await client.post(
        "/v1/nris/import?dry_run=true",
        content=csv_text(ROWS[1], ROWS[2]),
        headers={**secretariat.headers, "content-type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["dry_run"], report["created"], [r["id"] for r in report["rows"]]) == (
        True,
        2,
        [None, None],
    )
    assert await _counts(db) == before
