"""The Secretariat's MAG pages over HTTP (mag/pages.py, mag/balance_pages.py): who may open them, and every rule and
refusal as the pages show it: the same services as the API, a sentence in the page's language at the field, the
input kept, and nothing written when a form is refused.

The callers present API tokens, as the authorization matrix does (a page accepts the token's principal and, no
browser being involved, does not ask for a CSRF token); the browser journey is test_workspace_browser.py.
"""

from __future__ import annotations

import html

import asyncpg
import httpx

from igf_hub.auth.principal import Role
from igf_hub.demo.loader import DemoReport
from tests.mag.support import Mag
from tests.mag.workspace import government_at_the_limit, nominate, nomination_ids, returning_member
from tests.support.auth import Caller, TokenFactory

YEAR = 2026


def text(response: httpx.Response) -> str:
    return html.unescape(response.text)


async def _version(client: httpx.AsyncClient, path: str, caller: Caller) -> str:
    return str((await client.get(path, headers=caller.headers)).json()["version"])


async def test_the_workflow_pages_are_the_secretariat_s_and_the_balance_is_public(
    client: httpx.AsyncClient, mag: Mag, tokens: TokenFactory
) -> None:
    await mag.cycle(YEAR, status="call_open")
    nominee = await tokens.user()
    nomination = await nominate(client, nominee, YEAR, "Nadia Nominee")
    member = await tokens.user(Role.mag_member)
    private = [
        "/en/mag/cycles",
        f"/en/mag/cycles/{YEAR}",
        f"/en/mag/nominations/{nomination['id']}",
        f"/en/mag/nominations/{nomination['id']}/appoint",
    ]
    for path in private:
        assert (await client.get(path)).status_code == 401, path
        refused = await client.get(path, headers=nominee.headers)  # the nominee cannot read it either
        assert refused.status_code == 403, path
        assert refused.headers["content-type"].startswith("text/html")
        assert "Nadia" not in refused.text
        assert (await client.get(path, headers=member.headers)).status_code == 403, path
        assert (await client.get(path, headers=mag.headers)).status_code == 200, path
    posted = await client.post(
        f"/en/mag/nominations/{nomination['id']}/status", data={"to": "shortlisted"}, headers=member.headers
    )
    assert posted.status_code == 403
    assert (await client.get(f"/v1/mag/nominations/{nomination['id']}", headers=mag.headers)).json()[
        "status"
    ] == "submitted"
    balance = await client.get(f"/en/mag/cycles/{YEAR}/balance")
    assert balance.status_code == 200
    assert "Nadia" not in balance.text  # nominations never reach the public page
    assert (await client.get("/en/mag/cycles/1999/balance")).status_code == 404


async def test_plan_a_cycle_and_open_its_call(client: httpx.AsyncClient, mag: Mag, db: asyncpg.Pool) -> None:
    h = mag.headers
    bad = await client.post(
        "/en/mag/cycles", data={"year": "1990", "starts_on": "2027-01-01", "ends_on": "2027-12-31"}, headers=h
    )
    assert bad.status_code == 422
    assert "Enter the cycle's year, from 2006 to 2100, such as 2027." in text(bad)
    assert 'value="2027-12-31"' in bad.text  # the input kept
    backwards = await client.post(
        "/en/mag/cycles", data={"year": "2027", "starts_on": "2027-12-31", "ends_on": "2027-01-01"}, headers=h
    )
    assert backwards.status_code == 422
    assert "as a date after its first day" in text(backwards)
    assert await db.fetchval("SELECT count(*) FROM mag_cycles") == 0
    made = await client.post(
        "/en/mag/cycles",
        data={"year": "2027", "starts_on": "2027-01-01", "ends_on": "2027-12-31", "target_size": "5"},
        headers=h,
    )
    assert made.status_code == 303
    assert made.headers["location"] == "/en/mag/cycles/2027?done=created"
    again = await client.post(
        "/fr/mag/cycles", data={"year": "2027", "starts_on": "2027-01-01", "ends_on": "2027-12-31"}, headers=h
    )
    assert again.status_code == 422
    assert "Il existe déjà un cycle pour 2027." in text(again)

    page = await client.get("/en/mag/cycles/2027?done=created", headers=h)
    assert "The cycle is created, in planning." in text(page)
    assert "Open the call for nominations" in page.text
    version = await _version(client, "/v1/mag/cycles/2027", mag.caller)
    stale = await client.post(
        "/en/mag/cycles/2027/status", data={"to": "call_open", "version": str(int(version) + 1)}, headers=h
    )
    assert stale.status_code == 412
    assert "Someone changed this since you opened the page" in text(stale)
    skipped = await client.post(
        "/en/mag/cycles/2027/status", data={"to": "closed", "version": version}, headers=h
    )
    assert skipped.status_code == 409
    assert "This step is not possible from the current status." in text(skipped)
    opened = await client.post(
        "/en/mag/cycles/2027/status", data={"to": "call_open", "version": version}, headers=h
    )
    assert opened.status_code == 303
    assert (await client.get("/v1/mag/cycles/2027")).json()["status"] == "call_open"
    empty = await client.post(
        "/en/mag/cycles/2027/status",
        data={"to": "appointed", "version": await _version(client, "/v1/mag/cycles/2027", mag.caller)},
        headers=h,
    )
    assert empty.status_code == 409
    assert "Appoint at least one member before marking the MAG as appointed." in text(empty)
    listed = await client.get("/en/mag/cycles", headers=h)
    assert "Call for nominations open" in listed.text and "/en/mag/cycles/2027/balance" in listed.text


async def test_nominations_are_processed_on_their_page(
    client: httpx.AsyncClient, mag: Mag, tokens: TokenFactory
) -> None:
    h = mag.headers
    await mag.cycle(YEAR, status="call_open")
    first = await nominate(
        client, await tokens.user(), YEAR, "Amina Activist", nominee_email="amina@example.org"
    )
    second = await nominate(
        client, await tokens.user(), YEAR, "Bruno Builder", stakeholder_group="private_sector"
    )
    cycle = await client.get(f"/en/mag/cycles/{YEAR}", headers=h)
    assert nomination_ids(cycle.text) == [first["id"], second["id"]]
    one = await client.get(f"/en/mag/nominations/{first['id']}", headers=h)
    assert "amina@example.org" in one.text and "Amina Activist would bring community networks" in one.text
    path = f"/en/mag/nominations/{first['id']}/status"
    long_note = await client.post(
        path, data={"to": "shortlisted", "note": "x" * 501, "version": "1"}, headers=h
    )
    assert long_note.status_code == 422
    assert "Write the note in at most 500 characters." in text(long_note)
    stale = await client.post(path, data={"to": "shortlisted", "version": "7"}, headers=h)
    assert stale.status_code == 412
    done = await client.post(
        path, data={"to": "shortlisted", "note": "Strong record", "version": "1"}, headers=h
    )
    assert done.status_code == 303
    shown = await client.get(done.headers["location"], headers=h)
    assert "The nomination's status is changed." in text(shown)
    assert "Strong record" in shown.text and f"/mag/nominations/{first['id']}/appoint" in shown.text
    appointed_already = await client.post(path, data={"to": "appointed", "version": "2"}, headers=h)
    assert appointed_already.status_code == 409  # only an appointment makes a nomination appointed
    filtered = await client.get(f"/en/mag/cycles/{YEAR}?status=shortlisted", headers=h)
    assert nomination_ids(filtered.text) == [first["id"]]
    set_aside = await client.post(
        f"/en/mag/nominations/{second['id']}/status", data={"to": "not_selected", "version": "1"}, headers=h
    )
    assert set_aside.status_code == 303
    appoint_page = await client.get(f"/en/mag/nominations/{second['id']}/appoint", headers=h)
    assert "Only a shortlisted nomination can be appointed: shortlist it first." in text(appoint_page)
    refused = await client.post(
        f"/en/mag/nominations/{second['id']}/appoint",
        data={"person": "new", "role": "member", "stakeholder_group": "private_sector", "country": "KE"}
        | {"appoint": "1"},
        headers=h,
    )
    assert refused.status_code == 422
    assert "Only a shortlisted nomination can be appointed" in text(refused)


async def _shortlist(client: httpx.AsyncClient, mag: Mag, nomination_id: str) -> None:
    response = await client.post(
        f"/en/mag/nominations/{nomination_id}/status", data={"to": "shortlisted"}, headers=mag.headers
    )
    assert response.status_code == 303, response.text


def _form(nomination: dict[str, object], action: str, **extra: str) -> dict[str, str]:
    return {
        "person": str(nomination["person_id"] or "new"),
        "role": "member",
        "stakeholder_group": str(nomination["stakeholder_group"]),
        "country": str(nomination["country"]),
        "gender": str(nomination["gender"] or ""),
        "reason": "",
        action: "1",  # the button pressed: "preview" (Show the effect) or "appoint"
        **extra,
    }


async def test_a_fourth_consecutive_term_is_warned_of_refused_without_a_reason_and_published_with_one(
    client: httpx.AsyncClient, mag: Mag, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    h = mag.headers
    veteran = await returning_member(mag, "Vera Veteran", range(YEAR - 3, YEAR))
    await mag.cycle(YEAR, status="call_open")
    nomination = await nominate(client, await tokens.user(), YEAR, "Vera Veteran", person_id=veteran["id"])
    await _shortlist(client, mag, nomination["id"])
    path = f"/en/mag/nominations/{nomination['id']}/appoint"

    page = await client.get(path, headers=h)
    assert page.status_code == 200
    assert (
        "Vera Veteran would serve 4 consecutive terms, more than the limit of 3. To appoint anyway, record an "
        "exception with its reason: it is published with the appointment." in text(page)
    )
    assert "This would be consecutive term 4." in text(page)
    french = await client.get(path.replace("/en/", "/fr/"), headers=h)
    assert "Vera Veteran exercerait 4 mandats consécutifs" in text(french)

    refused = await client.post(path, data=_form(nomination, "appoint"), headers=h)
    assert refused.status_code == 422
    assert (
        "Vera Veteran would serve 4 consecutive terms, more than the limit of 3: write the reason for an "
        "exception to appoint anyway." in text(refused)
    )
    assert (
        await db.fetchval(
            "SELECT count(*) FROM mag_appointments a JOIN mag_cycles c ON c.id = a.cycle_id "
            "WHERE c.year = $1",
            YEAR,
        )
        == 0
    )
    assert (await client.get(f"/v1/mag/nominations/{nomination['id']}", headers=h)).json()[
        "status"
    ] == "shortlisted"

    reason = "Continuity of the Chair's working group on AI governance"
    previewed = await client.post(path, data=_form(nomination, "preview", reason=reason), headers=h)
    assert previewed.status_code == 200  # a preview writes nothing
    assert f"{reason}</textarea>" in text(previewed)
    assert await db.fetchval("SELECT count(*) FROM mag_people WHERE name = 'Vera Veteran'") == 1

    appointed = await client.post(path, data=_form(nomination, "appoint", reason=reason), headers=h)
    assert appointed.status_code == 303
    assert appointed.headers["location"] == f"/en/mag/cycles/{YEAR}?done=appointed"
    exceptions = (await client.get(f"/v1/mag/term-limit-exceptions?year={YEAR}")).json()["items"]
    assert [
        (e["person"]["name"], e["term_number"], e["term_limit_exception"]["reason"]) for e in exceptions
    ] == [("Vera Veteran", 4, reason)]
    public = await client.get(f"/en/mag/cycles/{YEAR}/balance")
    assert f"Vera Veteran, consecutive term 4: {reason}" in text(public)
    assert (await client.get(f"/v1/mag/nominations/{nomination['id']}", headers=h)).json()[
        "status"
    ] == "appointed"

    needless = await nominate(client, await tokens.user(), YEAR, "Nia Newcomer", country="GH")
    await _shortlist(client, mag, needless["id"])
    too_much = await client.post(
        f"/en/mag/nominations/{needless['id']}/appoint",
        data=_form(needless, "appoint", reason="Because we like her"),
        headers=h,
    )
    assert too_much.status_code == 422
    assert "No exception is needed for this appointment: leave the reason empty." in text(too_much)
    assert (
        await db.fetchval("SELECT count(*) FROM mag_people WHERE name = 'Nia Newcomer'") == 0
    )  # nothing half-made


async def test_the_what_if_warns_before_the_government_share_passes_40_percent(
    client: httpx.AsyncClient, mag: Mag, tokens: TokenFactory
) -> None:
    h = mag.headers
    await mag.cycle(YEAR, status="call_open", target_size=6)
    await government_at_the_limit(mag, YEAR)
    minister = await nominate(
        client,
        await tokens.user(),
        YEAR,
        "Omar Official",
        stakeholder_group="government",
        country="EG",
        gender="male",
    )
    await _shortlist(client, mag, minister["id"])
    page = await client.get(f"/en/mag/nominations/{minister['id']}/appoint", headers=h)
    assert (
        "Appointing Omar Official would take the government share from 40% to 50%, past the limit of 40%."
        in text(page)
    )
    assert 'aria-label="Seats by stakeholder group"' in page.text  # the picture, its numbers in the table
    assert "<caption>Now and with this appointment</caption>" in page.text

    # As an observer the seat is not counted: the same form previewed says so, and the share stays put.
    observer = await client.post(
        f"/en/mag/nominations/{minister['id']}/appoint",
        data=_form(minister, "preview", role="observer"),
        headers=h,
    )
    assert observer.status_code == 200
    assert "government share from" not in text(observer)

    dashboard = await client.get(f"/en/mag/cycles/{YEAR}/balance", headers=h)
    assert "The government share, 40%, is within its limit of 40%." in text(dashboard)
    appointed = await client.post(
        f"/en/mag/nominations/{minister['id']}/appoint", data=_form(minister, "appoint"), headers=h
    )
    assert appointed.status_code == 303  # a warning is not a refusal: the API appoints too
    after = await client.get(f"/en/mag/cycles/{YEAR}/balance")
    assert "The government share, 50%, is past its limit of 40%." in text(after)
    assert "Government holds 3 of 6 counted seats (50%); the limit is 40%." in text(after)
    api = (await client.get(f"/v1/mag/cycles/{YEAR}/balance")).json()
    assert next(r for r in api["rules"] if r["rule"] == "government_share")["status"] == "warn"


async def test_a_new_person_record_comes_only_with_the_appointment(
    client: httpx.AsyncClient, mag: Mag, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    h = mag.headers
    await mag.cycle(YEAR, status="call_open")
    igo = await nominate(
        client, await tokens.user(), YEAR, "Ines Igo", stakeholder_group="intergovernmental", country="CH"
    )
    await _shortlist(client, mag, igo["id"])
    path = f"/en/mag/nominations/{igo['id']}/appoint"
    refused = await client.post(path, data=_form(igo, "appoint"), headers=h)
    assert refused.status_code == 422
    assert (
        "Intergovernmental organisations sit on the MAG as observers only: choose the observer role."
        in text(refused)
    )
    assert await db.fetchval("SELECT count(*) FROM mag_people") == 0
    done = await client.post(path, data=_form(igo, "appoint", role="observer"), headers=h)
    assert done.status_code == 303
    roster = (await client.get(f"/v1/mag/cycles/{YEAR}/appointments")).json()["items"]
    assert [(a["person"]["name"], a["role"]) for a in roster] == [("Ines Igo", "observer")]


async def test_a_namesake_on_record_must_be_chosen_or_declined(
    client: httpx.AsyncClient, mag: Mag, tokens: TokenFactory
) -> None:
    h = mag.headers
    earlier = await returning_member(mag, "Sam Same", range(YEAR - 1, YEAR))
    await mag.cycle(YEAR, status="call_open")
    nomination = await nominate(client, await tokens.user(), YEAR, "Sam Same")  # names no person record
    await _shortlist(client, mag, nomination["id"])
    path = f"/en/mag/nominations/{nomination['id']}/appoint"
    page = await client.get(path, headers=h)
    assert f'value="{earlier["id"]}"' in page.text and f"served {YEAR - 1}" in page.text
    assert 'id="what-if"' not in page.text  # no what-if until the Secretariat says who this is
    unchosen = await client.post(path, data=_form(nomination, "appoint", person=""), headers=h)
    assert unchosen.status_code == 422
    assert "Choose who the nominee is: one of the people on record, or a new person record." in text(unchosen)
    chosen = await client.post(path, data=_form(nomination, "preview", person=earlier["id"]), headers=h)
    assert "This would be consecutive term 2." in text(chosen)
    bogus = await client.post(path, data=_form(nomination, "preview", country="XX"), headers=h)
    assert bogus.status_code == 422
    assert "Choose a country from the list." in text(bogus)


async def test_the_what_if_judges_by_the_cycle_s_own_rules(
    client: httpx.AsyncClient, mag: Mag, tokens: TokenFactory
) -> None:
    """The warnings come from the service with the cycle's overrides, not from a copy of the defaults: with at
    most two consecutive terms and a 50 % government share, a third term warns and 50 % does not."""
    h = mag.headers
    second_timer = await returning_member(mag, "Tara Twice", range(YEAR - 2, YEAR))
    await mag.cycle(
        YEAR,
        status="call_open",
        target_size=7,
        rule_overrides={"max_consecutive_terms": 2, "government_max_share": 0.5},
    )
    await government_at_the_limit(mag, YEAR)
    tara = await nominate(client, await tokens.user(), YEAR, "Tara Twice", person_id=second_timer["id"])
    minister = await nominate(
        client,
        await tokens.user(),
        YEAR,
        "Omar Official",
        stakeholder_group="government",
        country="EG",
        gender="male",
    )
    for nomination in (tara, minister):
        await _shortlist(client, mag, nomination["id"])
    third = await client.get(f"/en/mag/nominations/{tara['id']}/appoint", headers=h)
    assert "Tara Twice would serve 3 consecutive terms, more than the limit of 2." in text(third)
    half = await client.get(f"/en/mag/nominations/{minister['id']}/appoint", headers=h)
    assert "government share" not in text(half).split('id="warnings"')[1].split("</p>")[0]
    assert "This appointment breaks no rule that is met now" in text(half)
    refused = await client.post(
        f"/en/mag/nominations/{tara['id']}/appoint", data=_form(tara, "appoint"), headers=h
    )
    assert refused.status_code == 422  # the service's refusal, with the same limit
    assert "more than the limit of 2: write the reason for an exception" in text(refused)


async def test_every_page_opens_on_the_demonstration_data(
    client: httpx.AsyncClient, tokens: TokenFactory, demo: DemoReport
) -> None:
    """The archive's closed cycles and the current one, each page in two languages: nothing fails on real data."""
    secretariat = await tokens.user(Role.secretariat)
    cycles = (await client.get("/v1/mag/cycles?limit=100")).json()["items"]
    assert cycles
    for language in ("en", "ar"):
        listed = await client.get(f"/{language}/mag/cycles", headers=secretariat.headers)
        assert listed.status_code == 200
        for cycle in cycles:
            for path in (f"/mag/cycles/{cycle['year']}", f"/mag/cycles/{cycle['year']}/balance"):
                answer = await client.get(f"/{language}{path}", headers=secretariat.headers)
                assert answer.status_code == 200, (path, answer.text[-500:])
                for nomination_id in nomination_ids(answer.text):
                    for page in (
                        f"/mag/nominations/{nomination_id}",
                        f"/mag/nominations/{nomination_id}/appoint",
                    ):
                        opened = await client.get(f"/{language}{page}", headers=secretariat.headers)
                        assert opened.status_code == 200, page


async def test_a_second_chair_and_a_closed_cycle_are_refused_in_the_form(
    client: httpx.AsyncClient, mag: Mag, tokens: TokenFactory, db: asyncpg.Pool
) -> None:
    h = mag.headers
    last_year = YEAR - 1  # its last day is past, so it can be closed
    await mag.cycle(last_year, status="call_open")
    chair = await mag.person("Chloe Chair", country="NO")
    await mag.appoint(last_year, chair["id"], role="chair", country="NO")
    second = await nominate(client, await tokens.user(), last_year, "Sergio Second", country="AR")
    late = await nominate(client, await tokens.user(), last_year, "Lena Late", country="LT")
    for nomination in (second, late):
        await _shortlist(client, mag, nomination["id"])
    two_chairs = await client.post(
        f"/en/mag/nominations/{second['id']}/appoint", data=_form(second, "appoint", role="chair"), headers=h
    )
    assert two_chairs.status_code == 409
    assert f"The {last_year} cycle already has a Chair." in text(two_chairs)
    assert "selected>Chair</option>" in two_chairs.text  # the input kept
    assert await db.fetchval("SELECT count(*) FROM mag_people WHERE name = 'Sergio Second'") == 0

    await mag.transition(last_year, "appointed")
    await mag.transition(last_year, "closed")
    closed = await client.post(
        f"/en/mag/nominations/{late['id']}/appoint", data=_form(late, "appoint"), headers=h
    )
    assert closed.status_code == 409
    assert f"The {last_year} cycle is closed: nothing about it can change any more." in text(closed)
    set_aside = await client.post(
        f"/en/mag/nominations/{late['id']}/status", data={"to": "not_selected"}, headers=h
    )
    assert set_aside.status_code == 409
    assert f"The {last_year} cycle is closed" in text(set_aside)
    assert (await client.get(f"/v1/mag/nominations/{late['id']}", headers=h)).json()[
        "status"
    ] == "shortlisted"
