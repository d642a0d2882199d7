"""The Secretariat's bulk import of existing NRIs: all rows or none, a per-row report, idempotent re-imports."""

from __future__ import annotations

import asyncpg

from igf_hub.auth.principal import Role
from tests.nri.helpers import Client, problem
from tests.support.auth import Caller, TokenFactory

HEADER = "type,youth_scope,name,acronym,countries,website,languages,year_founded,focal_point_name,focal_point_email,coordinator_email"
ROWS = [
    "national,,Kenya IGF,KIGF,KE,https://kigf.or.ke,en;sw,2008,Grace Mutung'u,grace@example.org,{coordinator}",
    'sub_regional,,East African IGF,EAIGF,"KE;UG;TZ;RW",https://eaigf.example,en,2008,John Walubengo,,',
    "youth,national,Youth IGF Kenya,,KE,https://youth.kigf.or.ke,en,2016,Mercy Wanjau,,",
]


def csv_text(*rows: str, header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


async def _import(client: Client, caller: Caller, content: bytes, media_type: str = "text/csv") -> dict:  # type: ignore[type-arg]
    response = await client.post(
        "/v1/nris/import", content=content, headers={**caller.headers, "content-type": media_type}
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def _counts(db: asyncpg.Pool) -> tuple[int, int, int, int]:
    async with db.acquire() as conn:
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
        (2, "Kenya IGF", "created"), (3, "East African IGF", "created"), (4, "Youth IGF Kenya", "created")
    ]  # fmt: skip

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
    assert "year_founded 'twenty'" in by_line["6"]["detail"]
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
    unknown = await client.post("/v1/nris/import", content=csv_text(header="type,name,countries,colour"),
                                headers=headers)  # fmt: skip
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
