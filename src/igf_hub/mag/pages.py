"""The Secretariat's MAG pages: the cycles, a cycle's call for nominations and its nominations (private: only the
Secretariat sees them), a nomination, and appointing its nominee with the what-if of the balance beside the form.

Thin like the API's controllers (mag/controllers.py): each handler parses the form into the API's own body
(``msgspec.convert`` to CycleCreate / AppointmentCreate, so the same field rules), calls the same service with the
same guard, and shows a refusal as a sentence in the page's language at the field it concerns, the input kept. A
write and everything it records happen in a savepoint of the request transaction, so a refused form leaves
nothing behind. The balance's words and pictures: mag/balance_pages.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
from litestar import Response, get, post
from litestar.response import Redirect

from igf_hub.auth.guards import requires_secretariat
from igf_hub.auth.principal import AnyRequest, Role
from igf_hub.core import countries
from igf_hub.core.clock import Clock
from igf_hub.core.errors import FieldError, IllegalTransition, PreconditionFailed
from igf_hub.core.schemas import dec_hook
from igf_hub.core.settings import Settings
from igf_hub.core.vocab import StakeholderGroup
from igf_hub.mag.appointment_service import AppointmentService
from igf_hub.mag.balance_pages import comparison, improvements, pictures, warnings
from igf_hub.mag.balance_service import BalanceService, WhatIf
from igf_hub.mag.enums import AppointmentRole, CycleStatus, Gender, NominationStatus
from igf_hub.mag.errors import (
    AlreadyAppointed,
    ChairTaken,
    CycleExists,
    CycleNotOpen,
    InvalidAppointment,
    TransitionGuard,
)
from igf_hub.mag.nomination_service import NominationService
from igf_hub.mag.schemas import AppointmentCreate, CycleCreate, Nomination, PersonCreate, SlateEntry
from igf_hub.mag.service import CycleService, PersonService
from igf_hub.web import i18n
from igf_hub.web.errors import PageController
from igf_hub.web.formatting import country_name
from igf_hub.web.i18n import N_, gettext
from igf_hub.web.navigation import WorkItem
from igf_hub.web.sessions import context_of
from igf_hub.web.templating import render
from igf_hub.web.vocabulary import STAKEHOLDER_GROUP_NAMES

NO_STORE = {"Cache-Control": "no-store"}
WORKSPACE = [
    WorkItem(
        path="/mag/cycles",
        label=N_("MAG cycles"),
        roles=frozenset({Role.secretariat}),
        description=N_("Open a cycle's call, process the nominations and appoint, with the balance in view."),
        order=40,
    )
]
CYCLE_STATUS_NAMES = {
    CycleStatus.planning: N_("Planning"),
    CycleStatus.call_open: N_("Call for nominations open"),
    CycleStatus.appointed: N_("Appointed"),
    CycleStatus.closed: N_("Closed"),
}
CYCLE_STEPS = {
    CycleStatus.call_open: N_("Open the call for nominations"),
    CycleStatus.appointed: N_("Mark the MAG as appointed"),
    CycleStatus.closed: N_("Close the cycle"),
}
NOMINATION_STATUS_NAMES = {
    NominationStatus.submitted: N_("Submitted"),
    NominationStatus.shortlisted: N_("Shortlisted"),
    NominationStatus.not_selected: N_("Not selected"),
    NominationStatus.withdrawn: N_("Withdrawn"),
    NominationStatus.appointed: N_("Appointed"),
}
NOMINATION_STEPS = {
    NominationStatus.shortlisted: N_("Shortlist"),
    NominationStatus.not_selected: N_("Set aside: not selected"),
    NominationStatus.withdrawn: N_("Record that it was withdrawn"),
    NominationStatus.submitted: N_("Back to submitted"),
}
ROLE_NAMES = {
    AppointmentRole.member: N_("Member"),
    AppointmentRole.chair: N_("Chair"),
    AppointmentRole.host_country_representative: N_("Host country representative"),
    AppointmentRole.observer: N_("Observer"),
}
NOT_DECLARED = N_("Not declared")
# One person's self-declared gender (the balance counts "Women", "Men": balance_pages.GENDER_NAMES).
PERSON_GENDER_NAMES = {
    Gender.female: N_("Woman"),
    Gender.male: N_("Man"),
    Gender.non_binary: N_("Non-binary"),
}
NEW_PERSON = "new"

# The cycle form's fields: what to say when the API's body (CycleCreate) refuses one.
CYCLE_FIELD_ERRORS = {
    "year": N_("Enter the cycle's year, from 2006 to 2100, such as 2027."),
    "starts_on": N_("Enter the first day of the cycle as a date, such as 2027-01-01."),
    "ends_on": N_("Enter the last day of the cycle as a date after its first day, such as 2027-12-31."),
    "target_size": N_("Enter the number of seats the MAG should have, from 1 to 200."),
}
CYCLE_EXISTS = N_("There is already a cycle for %(year)s.")
# The appoint form's fields and the service's refusals, in words.
CHOOSE_PERSON = N_("Choose who the nominee is: one of the people on record, or a new person record.")
OTHER_PERSON = N_("The nomination names another person on record: appoint that person.")
CHOOSE_ROLE = N_("Choose a role from the list.")
CHOOSE_GROUP = N_("Choose a stakeholder group from the list.")
CHOOSE_COUNTRY = N_("Choose a country from the list.")
NO_REGION = N_(
    "This country is in no UN regional group, so its seat cannot be counted: choose another country."
)
OBSERVERS_ONLY = N_(
    "Intergovernmental organisations sit on the MAG as observers only: choose the observer role."
)
CHOOSE_GENDER = N_("Choose a gender from the list, or not declared.")
SHORTLIST_FIRST = N_("Only a shortlisted nomination can be appointed: shortlist it first.")
NEEDS_EXCEPTION = N_(
    "%(name)s would serve %(number)s consecutive terms, more than the limit of %(limit)s: write the reason for "
    "an exception to appoint anyway."
)
NEEDS_EXCEPTION_SHORT = N_(
    "This appointment is beyond the term limit: write the reason for an exception to appoint anyway."
)
NO_EXCEPTION_NEEDED = N_("No exception is needed for this appointment: leave the reason empty.")
REASON_LENGTH = N_("Write the reason for the exception in at least 3 and at most 2,000 characters.")
OUTSIDE_CYCLE = N_("The appointment's dates must fall within the cycle's.")
CHAIR_TAKEN = N_("The %(year)s cycle already has a Chair.")
ALREADY_APPOINTED = N_("This person already holds a seat in the %(year)s cycle.")
CYCLE_CLOSED = N_("The %(year)s cycle is closed: nothing about it can change any more.")
# Steps of a cycle or a nomination that the service refused.
STALE = N_(
    "Someone changed this since you opened the page. It is shown as it is now: check it and try again."
)
NOT_FROM_HERE = N_("This step is not possible from the current status.")
NO_APPOINTMENTS = N_("Appoint at least one member before marking the MAG as appointed.")
NOT_ENDED = N_("The cycle runs until %(date)s: close it after that day.")
NOTE_LENGTH = N_("Write the note in at most 500 characters.")
DONE = {
    "created": N_("The cycle is created, in planning."),
    "status": N_("The cycle's status is changed."),
    "nomination": N_("The nomination's status is changed."),
    "appointed": N_("The nominee is appointed."),
}
_AT = re.compile(r"`\$\.(\w+)")
_MISSING = re.compile(r"required field `(\w+)`")


def language_of(request: AnyRequest) -> str:
    return i18n.request_language(request)


def _t(language: str, message: str, **values: Any) -> str:
    text = gettext(language, message)
    return text % values if values else text


def field_text(form: Mapping[str, Any], name: str) -> str:
    return str(form.get(name) or "").strip()


def refused_field(exc: msgspec.ValidationError, default: str) -> str:
    """The field a body's validation names (``$.year``), or ``default`` for a check of the whole body."""
    text = str(exc)
    found = _AT.search(text) or _MISSING.search(text)
    return found.group(1) if found else default


def _version(form: Mapping[str, Any]) -> int | None:
    text = field_text(form, "version")
    return int(text) if text.isdigit() else None


def _done(language: str, done: str | None) -> str | None:
    message = DONE.get(done or "")
    return gettext(language, message) if message else None


def _redirect(request: AnyRequest, path: str) -> Redirect:
    return Redirect(i18n.path_in(language_of(request), path), status_code=303)


def page(
    request: AnyRequest, template: str, context: Mapping[str, Any], status_code: int = 200
) -> Response[Any]:
    return render(request, template, context, status_code=status_code, headers=NO_STORE)


def _country_options(language: str) -> list[tuple[str, str]]:
    named = sorted(((c, country_name(c, language)) for c in countries.COUNTRIES), key=lambda c: c[1])
    return [("", gettext(language, N_("Choose a country"))), *named]


class MagCyclePages(PageController):
    """The cycles and their nominations (the Secretariat only, as the API's nomination routes)."""

    guards = [requires_secretariat]

    # -- the cycles ----------------------------------------------------------------------------------------

    @get("/mag/cycles", operation_id="MagCyclesPage")
    async def cycles(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        done: str | None = None,
    ) -> Response[Any]:
        """Every MAG cycle, newest first, and the form that starts the planning of a new one."""
        csrf = await context_of(request.scope).csrf_token(db)
        return await self._cycles_page(request, db, clock, settings, csrf, {}, {}, done=done)

    @post("/mag/cycles", operation_id="CreateMagCycleForm", status_code=303)
    async def create_cycle(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Response[Any]:
        raw = await request.form()
        form = {name: field_text(raw, name) for name in ("year", "starts_on", "ends_on", "target_size")}
        language = language_of(request)
        errors: dict[str, str] = {}
        try:
            body = {name: value for name, value in form.items() if value}
            data = msgspec.convert(body, CycleCreate, strict=False, dec_hook=dec_hook)
        except msgspec.ValidationError as exc:
            field = refused_field(exc, "ends_on")
            errors[field] = gettext(language, CYCLE_FIELD_ERRORS.get(field, CYCLE_FIELD_ERRORS["ends_on"]))
        else:
            try:
                async with tx.transaction():
                    await CycleService(tx, clock, settings).create(data, actor=request.user)
            except CycleExists:
                errors["year"] = _t(language, CYCLE_EXISTS, year=data.year)
        if errors:
            csrf = await context_of(request.scope).csrf_token(tx)
            return await self._cycles_page(request, tx, clock, settings, csrf, form, errors, status_code=422)
        return _redirect(request, f"/mag/cycles/{data.year}?done=created")

    async def _cycles_page(
        self,
        request: AnyRequest,
        conn: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        csrf: str,
        form: Mapping[str, str],
        errors: Mapping[str, str],
        *,
        done: str | None = None,
        status_code: int = 200,
    ) -> Response[Any]:
        language = language_of(request)
        listed = await CycleService(conn, clock, settings).list_page(status=None, cursor=None, limit=100)
        rows = [
            {
                "year": c.year,
                "status": c.status.value,
                "status_name": gettext(language, CYCLE_STATUS_NAMES[c.status]),
                "starts_on": c.starts_on,
                "ends_on": c.ends_on,
                "target_size": c.target_size,
                "imported": c.imported_at is not None,
            }
            for c in listed.items
        ]
        return page(
            request,
            "mag/cycles.html",
            {
                "cycles": rows,
                "csrf_token": csrf,
                "form": form,
                "errors": dict(errors),
                "notice": _done(language, done),
            },
            status_code,
        )

    # -- one cycle -----------------------------------------------------------------------------------------

    @get("/mag/cycles/{year:int}", operation_id="MagCyclePage")
    async def cycle(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        year: int,
        status: str | None = None,
        done: str | None = None,
    ) -> Response[Any]:
        """A cycle: its status and next step, its nominations (filtered by status) and its roster."""
        csrf = await context_of(request.scope).csrf_token(db)
        shown = NominationStatus(status) if status in set(NominationStatus) else None
        return await self._cycle_page(request, db, clock, settings, year, csrf, shown, {}, done=done)

    @post("/mag/cycles/{year:int}/status", operation_id="TransitionMagCycleForm", status_code=303)
    async def transition_cycle(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings, year: int
    ) -> Response[Any]:
        raw = await request.form()
        language = language_of(request)
        to_text = field_text(raw, "to")
        errors: dict[str, str] = {}
        status_code = 409
        service = CycleService(tx, clock, settings)
        if to_text not in set(CycleStatus):
            errors["status"], status_code = gettext(language, NOT_FROM_HERE), 422
        else:
            to = CycleStatus(to_text)
            try:
                async with tx.transaction():
                    await service.transition(year, to, expected_version=_version(raw), actor=request.user)
            except PreconditionFailed:
                errors["status"], status_code = gettext(language, STALE), 412
            except IllegalTransition:
                errors["status"] = gettext(language, NOT_FROM_HERE)
            except TransitionGuard:
                cycle = await service.get(year)
                errors["status"] = (
                    gettext(language, NO_APPOINTMENTS)
                    if to is CycleStatus.appointed
                    else _t(language, NOT_ENDED, date=cycle.ends_on.isoformat())
                )
        if errors:
            csrf = await context_of(request.scope).csrf_token(tx)
            return await self._cycle_page(
                request, tx, clock, settings, year, csrf, None, errors, status_code=status_code
            )
        return _redirect(request, f"/mag/cycles/{year}?done=status")

    async def _cycle_page(
        self,
        request: AnyRequest,
        conn: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        year: int,
        csrf: str,
        shown: NominationStatus | None,
        errors: Mapping[str, str],
        *,
        done: str | None = None,
        status_code: int = 200,
    ) -> Response[Any]:
        language = language_of(request)
        actor = request.user
        cycle = await CycleService(conn, clock, settings).get(year)
        nominations = NominationService(conn, clock, settings)
        listed = await nominations.list_page(
            year,
            actor=actor,
            status=shown,
            stakeholder_group=None,
            regional_group=None,
            cursor=None,
            limit=100,
        )
        summary = await nominations.summary(year)
        roster = await AppointmentService(conn, clock, settings).roster(year, actor=actor, limit=100)
        return page(
            request,
            "mag/cycle.html",
            {
                "cycle": cycle,
                "status_name": gettext(language, CYCLE_STATUS_NAMES[cycle.status]),
                "steps": [(to.value, gettext(language, CYCLE_STEPS[to])) for to in cycle.allowed_transitions],
                "nominations": [_nomination_row(n, language) for n in listed.items],
                "more_nominations": listed.next_cursor is not None,
                "filter_options": [
                    ("", gettext(language, N_("Every status"))),
                    *((s.value, gettext(language, NOMINATION_STATUS_NAMES[s])) for s in NominationStatus),
                ],
                "shown": shown.value if shown else "",
                "counts": [
                    (gettext(language, NOMINATION_STATUS_NAMES[s]), summary.by_status.get(s.value, 0))
                    for s in NominationStatus
                ],
                "roster": [
                    {
                        "name": a.person.name,
                        "role": gettext(language, ROLE_NAMES[a.role]),
                        "group": gettext(language, STAKEHOLDER_GROUP_NAMES[a.stakeholder_group]),
                        "country": country_name(a.country, language),
                        "term": a.term_number,
                        "exception": a.term_limit_exception.reason if a.term_limit_exception else None,
                        "status": a.status.value,
                    }
                    for a in roster.items
                ],
                "more_roster": roster.next_cursor is not None,
                "csrf_token": csrf,
                "errors": dict(errors),
                "notice": _done(language, done),
            },
            status_code,
        )

    # -- one nomination ------------------------------------------------------------------------------------

    @get("/mag/nominations/{nomination_id:uuid}", operation_id="MagNominationPage")
    async def nomination(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        nomination_id: UUID,
        done: str | None = None,
    ) -> Response[Any]:
        """A nomination in full (private: the Secretariat only), with the steps allowed from its status."""
        csrf = await context_of(request.scope).csrf_token(db)
        return await self._nomination_page(
            request, db, clock, settings, nomination_id, csrf, {}, {}, done=done
        )

    @post(
        "/mag/nominations/{nomination_id:uuid}/status",
        operation_id="TransitionMagNominationForm",
        status_code=303,
    )
    async def transition_nomination(
        self,
        request: AnyRequest,
        tx: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        nomination_id: UUID,
    ) -> Response[Any]:
        raw = await request.form()
        language = language_of(request)
        form = {"note": field_text(raw, "note")}
        to_text = field_text(raw, "to")
        errors: dict[str, str] = {}
        status_code = 409
        service = NominationService(tx, clock, settings)
        current = await service.get(nomination_id, actor=request.user)
        if len(form["note"]) > 500:
            errors["note"], status_code = gettext(language, NOTE_LENGTH), 422
        elif to_text not in set(NominationStatus):
            errors["status"], status_code = gettext(language, NOT_FROM_HERE), 422
        else:
            try:
                async with tx.transaction():
                    await service.transition(
                        nomination_id,
                        NominationStatus(to_text),
                        form["note"] or None,
                        expected_version=_version(raw),
                        actor=request.user,
                    )
            except PreconditionFailed:
                errors["status"], status_code = gettext(language, STALE), 412
            except IllegalTransition:
                errors["status"] = gettext(language, NOT_FROM_HERE)
            except CycleNotOpen:
                errors["status"] = _t(language, CYCLE_CLOSED, year=current.cycle_year)
        if errors:
            csrf = await context_of(request.scope).csrf_token(tx)
            return await self._nomination_page(
                request, tx, clock, settings, nomination_id, csrf, form, errors, status_code=status_code
            )
        return _redirect(request, f"/mag/nominations/{nomination_id}?done=nomination")

    async def _nomination_page(
        self,
        request: AnyRequest,
        conn: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        nomination_id: UUID,
        csrf: str,
        form: Mapping[str, str],
        errors: Mapping[str, str],
        *,
        done: str | None = None,
        status_code: int = 200,
    ) -> Response[Any]:
        language = language_of(request)
        nomination = await NominationService(conn, clock, settings).get(nomination_id, actor=request.user)
        return page(
            request,
            "mag/nomination.html",
            {
                "nomination": nomination,
                "row": _nomination_row(nomination, language),
                "steps": [
                    (to.value, gettext(language, NOMINATION_STEPS[to]))
                    for to in nomination.allowed_transitions
                    if to in NOMINATION_STEPS
                ],
                "may_appoint": nomination.status is NominationStatus.shortlisted,
                "csrf_token": csrf,
                "form": form,
                "errors": dict(errors),
                "notice": _done(language, done),
            },
            status_code,
        )

    # -- appointing a nominee ------------------------------------------------------------------------------

    @get("/mag/nominations/{nomination_id:uuid}/appoint", operation_id="AppointMagNomineePage")
    async def appoint_page(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        nomination_id: UUID,
    ) -> Response[Any]:
        """The appointment form, filled from the nomination, beside the what-if: the cycle's balance now and with
        this person appointed, with a sentence for each rule it would break and for the term limit."""
        csrf = await context_of(request.scope).csrf_token(db)
        nomination = await NominationService(db, clock, settings).get(nomination_id, actor=request.user)
        candidates = await self._candidates(db, clock, settings, request, nomination)
        form = {
            "person": str(nomination.person_id)
            if nomination.person_id
            else ("" if candidates else NEW_PERSON),
            "role": AppointmentRole.member.value,
            "stakeholder_group": nomination.stakeholder_group.value,
            "country": nomination.country,
            "gender": nomination.gender.value if nomination.gender else "",
            "reason": "",
        }
        return await self._appoint_form(request, db, clock, settings, nomination, candidates, csrf, form, {})

    @post(
        "/mag/nominations/{nomination_id:uuid}/appoint", operation_id="AppointMagNomineeForm", status_code=303
    )
    async def appoint(
        self,
        request: AnyRequest,
        tx: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        nomination_id: UUID,
    ) -> Response[Any]:
        """The "Show the effect" button (``preview``) shows the what-if of the form as filled in; "Appoint" (``appoint``)
        appoints."""
        raw = await request.form()
        fields = ("person", "role", "stakeholder_group", "country", "gender", "reason")
        form = {name: field_text(raw, name) for name in fields}
        form["country"] = form["country"].upper()
        language = language_of(request)
        actor = request.user
        nomination = await NominationService(tx, clock, settings).get(nomination_id, actor=actor)
        candidates = await self._candidates(tx, clock, settings, request, nomination)
        csrf = await context_of(request.scope).csrf_token(tx)
        entry, errors = _entry(form, nomination, language)
        if errors or entry is None or not field_text(raw, "appoint"):
            return await self._appoint_form(
                request,
                tx,
                clock,
                settings,
                nomination,
                candidates,
                csrf,
                form,
                errors,
                422 if errors else 200,
            )
        year = nomination.cycle_year
        status_code = 422
        try:
            async with tx.transaction():
                person_id = entry.person_id
                if person_id is None:  # a new person record, with the nominee's name and country
                    person = await PersonService(tx, clock, settings).create(
                        PersonCreate(name=nomination.nominee_name, country=nomination.country), actor=actor
                    )
                    person_id = person.id
                data = AppointmentCreate(
                    person_id=person_id,
                    role=entry.role,
                    stakeholder_group=entry.stakeholder_group,
                    country=entry.country,
                    gender=entry.gender,
                    nomination_id=nomination.id,
                    term_limit_exception_reason=entry.term_limit_exception_reason,
                )
                await AppointmentService(tx, clock, settings).appoint(year, data, actor=actor)
        except InvalidAppointment as exc:
            errors = _appointment_errors(exc.errors, form, nomination, language)
        except ChairTaken:
            errors, status_code = {"role": _t(language, CHAIR_TAKEN, year=year)}, 409
        except AlreadyAppointed:
            errors, status_code = {"person": _t(language, ALREADY_APPOINTED, year=year)}, 409
        except CycleNotOpen:
            errors, status_code = {"person": _t(language, CYCLE_CLOSED, year=year)}, 409
        if errors:
            return await self._appoint_form(
                request, tx, clock, settings, nomination, candidates, csrf, form, errors, status_code
            )
        return _redirect(request, f"/mag/cycles/{year}?done=appointed")

    async def _candidates(
        self,
        conn: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        request: AnyRequest,
        nomination: Nomination,
    ) -> list[tuple[str, str]]:
        """The people on record the nominee may be (the one the nomination names, or those with that name), each
        with the years they served: a returning member must be appointed as themselves, or their terms would
        start again at one."""
        people = PersonService(conn, clock, settings)
        if nomination.person_id is not None:
            ids = [nomination.person_id]
        else:
            found = await people.list_page(
                actor=request.user, name=nomination.nominee_name, cursor=None, limit=20
            )
            ids = [p.id for p in found.items]
        language = language_of(request)
        options = []
        for person_id in ids:
            person = await people.get(person_id, actor=request.user)
            years = ", ".join(str(a.cycle_year) for a in person.appointments)
            label = person.name + (f" ({person.affiliation})" if person.affiliation else "")
            label += " · " + (
                _t(language, N_("served %(years)s"), years=years)
                if years
                else gettext(language, N_("never appointed"))
            )
            options.append((str(person.id), label))
        return options

    async def _appoint_form(
        self,
        request: AnyRequest,
        conn: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        nomination: Nomination,
        candidates: list[tuple[str, str]],
        csrf: str,
        form: dict[str, str],
        errors: dict[str, str],
        status_code: int = 200,
    ) -> Response[Any]:
        language = language_of(request)
        what_if: WhatIf | None = None
        entry, entry_errors = _entry(form, nomination, language)
        if entry is not None and not entry_errors and nomination.status is NominationStatus.shortlisted:
            try:
                what_if = await BalanceService(conn, clock, settings).what_if(
                    nomination.cycle_year, entry, actor=request.user
                )
            except InvalidAppointment as exc:  # the what-if validates the seat as an appointment would
                for name, text in _appointment_errors(exc.errors, form, nomination, language).items():
                    errors.setdefault(name, text)
                status_code = 422
        if what_if is not None and "reason" in errors and what_if.beyond_term_limit:
            # The service's refusal in words with the figures of the what-if (the same term number).
            errors["reason"] = _t(
                language,
                NEEDS_EXCEPTION,
                name=nomination.nominee_name,
                number=what_if.term_number,
                limit=what_if.after.config.max_consecutive_terms,
            )
        person_options = [("", gettext(language, N_("Choose one")))] if len(candidates) != 1 else []
        person_options += candidates
        if nomination.person_id is None:
            person_options.append((NEW_PERSON, gettext(language, N_("A new person record"))))
        return page(
            request,
            "mag/appoint.html",
            {
                "nomination": nomination,
                "csrf_token": csrf,
                "form": form,
                "errors": errors,
                "shortlisted": nomination.status is NominationStatus.shortlisted,
                "person_options": person_options,
                "role_options": [(r.value, gettext(language, ROLE_NAMES[r])) for r in AppointmentRole],
                "group_options": [
                    (g.value, gettext(language, STAKEHOLDER_GROUP_NAMES[g])) for g in StakeholderGroup
                ],
                "country_options": _country_options(language),
                "gender_options": [
                    ("", gettext(language, NOT_DECLARED)),
                    *((g.value, gettext(language, PERSON_GENDER_NAMES[g])) for g in Gender),
                ],
                "what_if": what_if,
                "warnings": warnings(what_if, nomination.nominee_name, language) if what_if else [],
                "improvements": improvements(what_if, language) if what_if else [],
                "comparison": comparison(what_if, language) if what_if else [],
                "pictures": pictures([what_if.now, what_if.after], language) if what_if else None,
                "term_number": what_if.term_number if what_if else None,
            },
            status_code,
        )


def _nomination_row(n: Nomination, language: str) -> dict[str, Any]:
    return {
        "id": n.id,
        "name": n.nominee_name,
        "status": n.status.value,
        "status_name": gettext(language, NOMINATION_STATUS_NAMES[n.status]),
        "group": gettext(language, STAKEHOLDER_GROUP_NAMES[n.stakeholder_group]),
        "country": country_name(n.country, language),
        "gender": gettext(language, PERSON_GENDER_NAMES[n.gender] if n.gender else NOT_DECLARED),
        "nominated_by": n.nominated_by.organisation or gettext(language, N_("Self-nominated")),
        "rarely_represented": n.country_rarely_represented,
        "submitted": n.created_at,
    }


def _entry(
    form: Mapping[str, str], nomination: Nomination, language: str
) -> tuple[SlateEntry | None, dict[str, str]]:
    """The form as the seat it proposes (the API's SlateEntry, so the same field rules), or the errors."""
    errors: dict[str, str] = {}
    person_id: UUID | None = None
    if form["person"] != NEW_PERSON:
        try:
            person_id = UUID(form["person"])
        except ValueError:
            errors["person"] = gettext(language, CHOOSE_PERSON)
        else:
            if nomination.person_id is not None and person_id != nomination.person_id:
                errors["person"] = gettext(language, OTHER_PERSON)
    elif nomination.person_id is not None:
        errors["person"] = gettext(language, OTHER_PERSON)
    body: dict[str, Any] = {
        "person_id": str(person_id) if person_id else None,
        "role": form["role"],
        "stakeholder_group": form["stakeholder_group"],
        "country": form["country"],
        "gender": form["gender"] or None,
        "term_limit_exception_reason": form["reason"] or None,
    }
    try:
        entry = msgspec.convert(body, SlateEntry, strict=False, dec_hook=dec_hook)
    except msgspec.ValidationError as exc:
        field = {
            "role": "role",
            "stakeholder_group": "stakeholder_group",
            "country": "country",
            "gender": "gender",
            "term_limit_exception_reason": "reason",
        }.get(refused_field(exc, "reason"), "reason")
        errors[field] = gettext(
            language,
            {
                "role": CHOOSE_ROLE,
                "stakeholder_group": CHOOSE_GROUP,
                "country": CHOOSE_COUNTRY,
                "gender": CHOOSE_GENDER,
                "reason": REASON_LENGTH,
            }[field],
        )
        return None, errors
    return (None if errors else entry), errors


def _appointment_errors(
    found: list[FieldError],
    form: Mapping[str, str],
    nomination: Nomination,
    language: str,
) -> dict[str, str]:
    """The service's field errors (``/country``, or ``/add/0/country`` from the what-if), each said in words at
    its field."""
    errors: dict[str, str] = {}
    for error in found:
        name = error.pointer.rsplit("/", 1)[-1]
        if name == "country":
            errors["country"] = gettext(language, CHOOSE_COUNTRY)
        elif name == "regional_group":
            errors["country"] = gettext(language, NO_REGION)
        elif name == "role":
            errors["role"] = gettext(language, OBSERVERS_ONLY)
        elif name == "person_id":
            errors["person"] = gettext(language, OTHER_PERSON if nomination.person_id else CHOOSE_PERSON)
        elif name == "nomination_id":
            errors["person"] = gettext(language, SHORTLIST_FIRST)
        elif name == "term_limit_exception_reason":
            # term_errors refuses either a missing reason beyond the limit or a needless one.
            errors["reason"] = gettext(
                language, NO_EXCEPTION_NEEDED if form["reason"] else NEEDS_EXCEPTION_SHORT
            )
        else:
            errors.setdefault("person", gettext(language, OUTSIDE_CYCLE))
    return errors
