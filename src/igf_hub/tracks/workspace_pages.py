"""The track facilitator's workspace: "My tracks", and for each track its description, people, participants,
standing, calls for input (open, read the submissions, close) and outputs (draft, version, publish, see who
cites them).

Every handler is thin: it parses the form, calls the service the API's controller calls (TrackService,
PeopleService, CallService, OutputService) with the signed-in person as the actor, and renders the result. The
rules are the services' and tracks/access.py's: a refusal comes back as a sentence in the form, in the page's
language, with the person's input kept; a person who does not manage the track gets the 403 page.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from litestar import get, post
from litestar.response import Redirect, Template

from igf_hub.auth.principal import AnyRequest, Principal, Role
from igf_hub.core.clock import Clock
from igf_hub.core.errors import DomainError, IllegalTransition, PreconditionFailed, convert_all
from igf_hub.core.schemas import dec_hook
from igf_hub.core.settings import Settings
from igf_hub.core.vocab import StakeholderGroup
from igf_hub.tracks.access import manages, require_manager
from igf_hub.tracks.call_schemas import CallCreate, CallState
from igf_hub.tracks.call_service import CallService
from igf_hub.tracks.errors import (
    CallClosed,
    CallNotOpen,
    DraftVersionExists,
    NotCurrentVersion,
    OutputImmutable,
    PublicationBlocked,
    TrackNotOpen,
)
from igf_hub.tracks.output_repository import OutputFilters
from igf_hub.tracks.output_schemas import (
    CommentWindowOpen,
    Output,
    OutputCreate,
    OutputKind,
    OutputPatch,
    OutputStatus,
)
from igf_hub.tracks.output_service import COMMENTED_TRACK_TYPES, OutputService
from igf_hub.tracks.pages import (
    CALL_STATE_NAMES,
    OUTPUT_KIND_NAMES,
    RULE_NAMES,
    STATUS_NAMES,
    TYPE_NAME,
    all_tracks,
)
from igf_hub.tracks.people_service import PeopleService
from igf_hub.tracks.schemas import TrackPatch, TrackType
from igf_hub.tracks.service import TrackService
from igf_hub.web import i18n
from igf_hub.web.access import sign_in_first, signed_in
from igf_hub.web.errors import PageController
from igf_hub.web.formatting import country_name
from igf_hub.web.i18n import N_, gettext
from igf_hub.web.navigation import WorkItem
from igf_hub.web.sessions import context_of
from igf_hub.web.templating import render
from igf_hub.web.vocabulary import STAKEHOLDER_GROUP_NAMES

BASE = "/workspace/tracks"
NO_STORE = {"Cache-Control": "no-store"}
LIST_SIZE = 100  # the API's largest page: a track's participants, calls, outputs and a call's submissions

# The facilitator's entry point on "My work" (web/workspace.py); the Secretariat manages every track.
WORKSPACE = [
    WorkItem(
        path=BASE,
        label=N_("My tracks"),
        roles=frozenset({Role.track_facilitator, Role.secretariat}),
        description=N_("Your tracks' description, people, calls for input and outputs."),
        order=30,
    )
]
OUTPUT_STATES = {
    OutputStatus.draft: N_("Draft"),
    OutputStatus.published: N_("Published"),
    OutputStatus.superseded: N_("Superseded by a later version"),
}
DONE = {
    "saved": N_("The track is saved."),
    "facilitator-removed": N_("The facilitator is removed from the track."),
    "call-opened": N_("The call for input is open."),
    "call-closed": N_("The call for input is closed: it takes no more input."),
    "draft-started": N_("The draft is saved. Only the track's facilitators and the Secretariat see it."),
    "draft-saved": N_("The draft is saved."),
    "published": N_("The output is published. Cite it by its citable id."),
    "version-started": N_("The next version is started as a draft."),
    "window-opened": N_("The draft is open for community comment until the date you chose."),
}
STALE = N_(
    "Someone changed this since you opened the page. The page now shows their version: check it, then make "
    "your change again."
)
# What each refusal of the services means, said to the person (the field it concerns, "" for the whole form).
REFUSALS: dict[type[DomainError], str] = {
    PreconditionFailed: STALE,
    TrackNotOpen: N_(
        "This track is not working now (it is proposed or concluded): it opens no calls for input and "
        "publishes no outputs."
    ),
    CallClosed: N_("This call for input is closed: it no longer changes."),
    CallNotOpen: N_("This call for input has not opened yet: there is nothing to close."),
    OutputImmutable: N_("A published output never changes: start a new version instead."),
    PublicationBlocked: N_(
        "Drafts of Best Practice Forums and Policy Networks are published only after a community comment "
        "window that has closed."
    ),
    DraftVersionExists: N_("A draft of the next version already exists: edit that draft instead."),
    NotCurrentVersion: N_("Only the current published version of an output can get a new version."),
    IllegalTransition: N_("This output is no longer a draft: it cannot be published again."),
}
# The services' field errors (FieldError pointers), said as what to do.
POINTERS = {
    "/closes_at": N_("Choose a closing date and time in the future, after the opening."),
    "/opens_at": N_("An open call keeps its opening date."),
    "/predecessor": N_("Choose an existing track that this one continues."),
    "": N_("An output needs a web address, a text, or both."),
}
# What a field that does not parse must hold (msgspec's errors name the field: ``at `$.title```).
FIELDS = {
    "name": N_("Enter a name of 2 to 200 characters."),
    "description": N_("Keep the description under 100,000 characters."),
    "mailing_list_url": N_("Enter a web address that starts with https:// or http://."),
    "mailing_list_archive_url": N_("Enter a web address that starts with https:// or http://."),
    "title": N_("Enter a title of 2 to 300 characters."),
    "opens_at": N_("Enter the opening date and time, like 2027-03-01 09:00, or leave it empty to open now."),
    "closes_at": N_("Enter the closing date and time, like 2027-03-31 17:00."),
    "kind": N_("Choose the kind of output."),
    "year": N_("Enter the year the output is for, between 2006 and 2100."),
    "languages": N_("Enter the languages as codes separated by commas, like en, fr."),
    "url": N_("Enter a web address that starts with https:// or http://."),
    "text": N_("Keep the text under 100,000 characters."),
}


class FormRefused(Exception):
    """A form that cannot be sent to the service as it is: its errors, field by field (untranslated)."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("form refused")
        self.errors = dict(errors)


def done(request: AnyRequest, path: str, what: str, anchor: str = "") -> Redirect:
    return Redirect(
        i18n.path_in(i18n.request_language(request), path) + f"?done={what}{anchor}", status_code=303
    )


def refusal_errors(exc: DomainError, default_field: str, prefix: str = "") -> dict[str, str]:
    """The service's refusal as the form's errors: its field errors where it names them, else one sentence.
    ``prefix``: what the form's field names add to the API's (``call_`` + ``closes_at``)."""
    errors: dict[str, str] = {}
    for error in exc.errors:
        text = POINTERS.get(error.pointer)
        field = error.pointer.strip("/").split("/")[0]
        name = prefix + field if field else default_field
        if text is not None:
            errors.setdefault(name, text)
    if not errors:
        text = next((t for cls, t in REFUSALS.items() if isinstance(exc, cls)), None)
        if text is None:
            raise exc  # not a refusal of the form's content (403, 404 …): its error page
        errors[default_field] = text
    return errors


def parse(data: Mapping[str, Any], into: type[Any], default_field: str, prefix: str = "") -> Any:
    """``data`` as the API body ``into`` (decoded as the API decodes it), or FormRefused naming every field that
    does not parse."""
    parsed, problems = convert_all(data, into, dec_hook=dec_hook)
    if parsed is None:
        errors: dict[str, str] = {}
        for problem in problems:
            name = problem.pointer.strip("/").split("/")[0]
            errors.setdefault(prefix + name if name else default_field, FIELDS.get(name, POINTERS[""]))
        raise FormRefused(errors)
    return parsed


def moment(text: str) -> str | None:
    """A ``datetime-local`` field (``2027-03-31T17:00``), taken as UTC, as the RFC 3339 text the API reads."""
    text = text.strip().replace(" ", "T")
    if not text:
        return None
    return text + (":00" if text.count(":") == 1 else "") + "+00:00"


def field_text(form: Mapping[str, Any], name: str) -> str:
    return str(form.get(name) or "").strip()


def version_of(form: Mapping[str, Any]) -> int | None:
    text = field_text(form, "version")
    return int(text) if text.isdigit() else None


def output_body(form: Mapping[str, str]) -> dict[str, Any]:
    """The output fields every version may change, as the API's body (empty ones left out)."""
    languages = [code.strip() for code in form["languages"].replace(";", ",").split(",") if code.strip()]
    if not languages:
        raise FormRefused({"languages": FIELDS["languages"]})
    return {
        "title": form["title"],
        "url": form["url"] or None,
        "text": form["text"] or None,
        "languages": languages,
    }


def output_form_of(output: Output) -> dict[str, str]:
    return {
        "title": output.title,
        "url": output.url or "",
        "text": output.text or "",
        "languages": ", ".join(output.languages),
        "kind": output.kind.value,
        "year": str(output.year),
    }


def translated(language: str, errors: Mapping[str, str]) -> dict[str, str]:
    return {name: gettext(language, text) for name, text in errors.items()}


def local_input(value: datetime | None) -> str:
    """A time as a ``datetime-local`` field shows it (UTC, to the minute)."""
    return value.strftime("%Y-%m-%dT%H:%M") if value else ""


OUTPUT_FIELDS = ("title", "url", "text", "languages", "kind", "year")
CALL_FIELDS = ("call_title", "call_description", "call_opens_at", "call_closes_at")


class TrackWorkspacePages(PageController):
    path = BASE

    # -- My tracks ----------------------------------------------------------------------------------------

    @get("/", operation_id="MyTracksPage")
    async def my_tracks(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Template | Redirect:
        """The tracks the person manages (every track for the Secretariat), with what each needs."""
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, request.url.path)
        service = TrackService(db, clock, settings)
        mine = [t for t in await all_tracks(service) if manages(person, t.id)]
        rows = []
        for listed in await service.listing(mine):
            calls = await CallService(db, clock, settings).list_for_track(
                listed.track.slug, current_only=True, cursor=None, limit=LIST_SIZE
            )
            rows.append(
                {
                    "track": listed.track,
                    "participants": listed.participants,
                    "standing": listed.in_good_standing,
                    "open_calls": sum(1 for c in calls.items if c.state is CallState.open),
                }
            )
        return render(
            request,
            "tracks/workspace/my_tracks.html",
            {
                "rows": rows,
                "type_names": TYPE_NAME,
                "status_names": STATUS_NAMES,
                "secretariat": person.has_role(Role.secretariat),
            },
            headers=NO_STORE,
        )

    # -- one track ----------------------------------------------------------------------------------------

    @get("/{slug:str}", operation_id="ManageTrackPage")
    async def manage(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        slug: str,
        done: str | None = None,
    ) -> Template | Redirect:
        """A track as its facilitators manage it (403 for anyone else, as the API's participant list)."""
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, request.url.path)
        csrf = await context_of(request.scope).csrf_token(db)
        return await self._manage(request, db, clock, settings, person, slug, csrf, done=done)

    async def _manage(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        person: Principal,
        slug: str,
        csrf: str,
        *,
        done: str | None = None,
        form: Mapping[str, str] | None = None,
        errors: Mapping[str, str] | None = None,
        call_form: Mapping[str, str] | None = None,
        call_errors: Mapping[str, str] | None = None,
        output_form: Mapping[str, str] | None = None,
        output_errors: Mapping[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        language = i18n.request_language(request)
        people = PeopleService(db, clock, settings)
        # The API's guard for who sees participants is the page's: 403 for anyone who does not manage it.
        participants = await people.list_participants(slug, actor=person, cursor=None, limit=LIST_SIZE)
        service = TrackService(db, clock, settings)
        track = await service.row(slug)
        detail = await service.detail(slug, actor=person)
        standing = due = None
        if track.type is TrackType.dynamic_coalition and detail.activated_at is not None:
            standing = await service.evaluate(track)
            due = await service.next_due(track)
        calls = await CallService(db, clock, settings).list_for_track(
            slug, current_only=False, cursor=None, limit=LIST_SIZE
        )
        outputs = await OutputService(db, clock, settings).list_outputs(
            OutputFilters(track_id=track.id), actor=person, cursor=None, limit=LIST_SIZE
        )
        summary = detail.participants
        notice = DONE.get(done or "")
        return render(
            request,
            "tracks/workspace/manage.html",
            {
                "track": detail,
                "type_name": TYPE_NAME[detail.type],
                "status_name": STATUS_NAMES[detail.status],
                "csrf_token": csrf,
                "notice": gettext(language, notice) if notice else None,
                "form": form
                or {
                    "name": detail.name,
                    "description": detail.description,
                    "mailing_list_url": detail.mailing_list_url or "",
                    "mailing_list_archive_url": detail.mailing_list_archive_url or "",
                    "open_membership": "on" if detail.open_membership else "",
                    "version": str(detail.version),
                },
                "errors": dict(errors or {}),
                "call_form": call_form or {},
                "call_errors": dict(call_errors or {}),
                "output_form": output_form or {"year": str(clock.now().year), "languages": language},
                "output_errors": dict(output_errors or {}),
                "secretariat": person.has_role(Role.secretariat),
                "me": person.user_id,
                "by_group": [
                    (STAKEHOLDER_GROUP_NAMES[g], summary.by_stakeholder_group.get(g.value, 0))
                    for g in StakeholderGroup
                ],
                "participants": [
                    {
                        "group": STAKEHOLDER_GROUP_NAMES[p.stakeholder_group],
                        "country": country_name(p.country, language),
                        "joined_at": p.joined_at,
                    }
                    for p in participants.items
                ],
                "more_participants": participants.next_cursor is not None,
                "standing": standing,
                "due": due,
                "rule_names": RULE_NAMES,
                "calls": calls.items,
                "call_state_names": CALL_STATE_NAMES,
                "outputs": outputs.items,
                "output_states": OUTPUT_STATES,
                "kind_names": OUTPUT_KIND_NAMES,
                "kind_options": [("", gettext(language, N_("Choose one")))]
                + [(k.value, gettext(language, OUTPUT_KIND_NAMES[k])) for k in OutputKind],
                "working": track.status.value in ("active", "inactive"),
            },
            status_code=status_code,
            headers=NO_STORE,
        )

    @post("/{slug:str}", operation_id="UpdateTrackForm", status_code=303)
    async def update(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings, slug: str
    ) -> Template | Redirect:
        """Save the track's description (TrackService.patch, as ``PATCH /v1/tracks/{slug}``)."""
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, request.url.path)
        raw = await request.form()
        form = {
            n: field_text(raw, n)
            for n in ("name", "description", "mailing_list_url", "mailing_list_archive_url", "version")
        }
        form["open_membership"] = "on" if raw.get("open_membership") else ""
        body = {
            "name": form["name"],
            "description": form["description"],
            "mailing_list_url": form["mailing_list_url"] or None,
            "mailing_list_archive_url": form["mailing_list_archive_url"] or None,
            "open_membership": bool(form["open_membership"]),
        }
        try:
            patch = parse(body, TrackPatch, "name")
            async with tx.transaction():  # a savepoint: a refusal leaves nothing written
                await TrackService(tx, clock, settings).patch(
                    slug, patch, expected_version=version_of(raw), actor=person
                )
        except (FormRefused, DomainError) as exc:
            errors = exc.errors if isinstance(exc, FormRefused) else refusal_errors(exc, "name")
            if isinstance(exc, PreconditionFailed):  # keep their input, against the version there is now
                form["version"] = str((await TrackService(tx, clock, settings).row(slug)).version)
            return await self._refused(request, tx, clock, settings, person, slug, form=form, errors=errors)
        return done(request, f"{BASE}/{slug}", "saved")

    async def _refused(
        self,
        request: AnyRequest,
        conn: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        person: Principal,
        slug: str,
        **forms: Any,
    ) -> Template:
        """The page again with the form's errors (422), nothing written: the request's transaction is the
        service's, and a refused form changed nothing in it."""
        language = i18n.request_language(request)
        for key in ("errors", "call_errors", "output_errors"):
            if key in forms:
                forms[key] = translated(language, forms[key])
        session = context_of(request.scope).session
        csrf = session.csrf_token if session is not None else ""
        return await self._manage(
            request, conn, clock, settings, person, slug, csrf, status_code=422, **forms
        )

    @post(
        "/{slug:str}/facilitators/{user_id:uuid}/remove",
        operation_id="RemoveTrackFacilitatorForm",
        status_code=303,
    )
    async def remove_facilitator(
        self,
        request: AnyRequest,
        tx: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        slug: str,
        user_id: UUID,
    ) -> Redirect:
        """Remove a facilitator (PeopleService.remove_facilitator, as the API's DELETE)."""
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, request.url.path)
        await PeopleService(tx, clock, settings).remove_facilitator(slug, user_id, actor=person)
        if user_id == person.user_id and not person.has_role(Role.secretariat):
            return done(request, BASE, "facilitator-removed")  # they left: the track is no longer theirs
        return done(request, f"{BASE}/{slug}", "facilitator-removed", "#people")

    # -- calls for input ----------------------------------------------------------------------------------

    @post("/{slug:str}/calls", operation_id="OpenTrackCallForm", status_code=303)
    async def open_call(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings, slug: str
    ) -> Template | Redirect:
        """Open a call for input (CallService.create, as ``POST /v1/tracks/{slug}/calls``); without an opening
        time it opens now."""
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, request.url.path)
        raw = await request.form()
        form = {n: field_text(raw, n) for n in CALL_FIELDS}
        try:
            if not form["call_closes_at"]:
                raise FormRefused({"call_closes_at": FIELDS["closes_at"]})
            body = {
                "title": form["call_title"],
                "description": form["call_description"],
                "opens_at": moment(form["call_opens_at"]) or clock.now().isoformat(),
                "closes_at": moment(form["call_closes_at"]),
            }
            data = parse(body, CallCreate, "call_title", prefix="call_")
            async with tx.transaction():
                call = await CallService(tx, clock, settings).create(slug, data, actor=person)
        except (FormRefused, DomainError) as exc:
            errors = (
                exc.errors if isinstance(exc, FormRefused) else refusal_errors(exc, "call_title", "call_")
            )
            return await self._refused(
                request, tx, clock, settings, person, slug, call_form=form, call_errors=errors
            )
        return done(request, f"{BASE}/calls/{call.id}", "call-opened")

    @get("/calls/{call_id:uuid}", operation_id="TrackCallWorkspacePage")
    async def call_page(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        call_id: UUID,
        done: str | None = None,
    ) -> Template | Redirect:
        """A call for input with the submissions it received, and closing it while it is open."""
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, request.url.path)
        csrf = await context_of(request.scope).csrf_token(db)
        return await self._call_page(request, db, clock, settings, person, call_id, csrf, done=done)

    async def _call_page(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        person: Principal,
        call_id: UUID,
        csrf: str,
        *,
        done: str | None = None,
        errors: Mapping[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        language = i18n.request_language(request)
        calls = CallService(db, clock, settings)
        call = await calls.get(call_id)
        track = await TrackService(db, clock, settings).row(call.track_slug)
        require_manager(
            person, track
        )  # the workspace is its managers' (the API's guard for every call write)
        submissions = await calls.list_submissions(call_id, cursor=None, limit=LIST_SIZE)
        notice = DONE.get(done or "")
        return render(
            request,
            "tracks/workspace/call.html",
            {
                "call": call,
                "track": track,
                "state_name": CALL_STATE_NAMES[call.state],
                "csrf_token": csrf,
                "notice": gettext(language, notice) if notice else None,
                "errors": translated(language, errors or {}),
                "submissions": [
                    {
                        "id": s.id,
                        "group": STAKEHOLDER_GROUP_NAMES[s.stakeholder_group],
                        "country": country_name(s.country, language) if s.country else None,
                        "organisation": s.organisation,
                        "text": s.text,
                        "url": s.url,
                        "submitted_at": s.submitted_at,
                    }
                    for s in submissions.items
                ],
                "more_submissions": submissions.next_cursor is not None,
            },
            status_code=status_code,
            headers=NO_STORE,
        )

    @post("/calls/{call_id:uuid}/close", operation_id="CloseTrackCallForm", status_code=303)
    async def close_call(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings, call_id: UUID
    ) -> Template | Redirect:
        """Close an open call now (CallService.close, as ``POST /v1/tracks/calls/{id}/close``)."""
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, request.url.path)
        raw = await request.form()
        try:
            async with tx.transaction():
                await CallService(tx, clock, settings).close(
                    call_id, expected_version=version_of(raw), actor=person
                )
        except DomainError as exc:
            errors = refusal_errors(exc, "close")
            session = context_of(request.scope).session
            csrf = session.csrf_token if session is not None else ""
            return await self._call_page(
                request, tx, clock, settings, person, call_id, csrf, errors=errors, status_code=422
            )
        return done(request, f"{BASE}/calls/{call_id}", "call-closed")

    # -- outputs ----------------------------------------------------------------------------------------

    @post("/{slug:str}/outputs", operation_id="StartTrackOutputForm", status_code=303)
    async def start_output(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings, slug: str
    ) -> Template | Redirect:
        """Start a draft output (OutputService.create, as ``POST /v1/tracks/{slug}/outputs``)."""
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, request.url.path)
        raw = await request.form()
        form = {n: field_text(raw, n) for n in OUTPUT_FIELDS}
        try:
            body = output_body(form)
            if not form["year"].isdigit():
                raise FormRefused({"year": FIELDS["year"]})
            body |= {"kind": form["kind"], "year": int(form["year"])}
            async with tx.transaction():
                output = await OutputService(tx, clock, settings).create(
                    slug, parse(body, OutputCreate, "url"), actor=person
                )
        except (FormRefused, DomainError) as exc:
            errors = exc.errors if isinstance(exc, FormRefused) else refusal_errors(exc, "url")
            return await self._refused(
                request, tx, clock, settings, person, slug, output_form=form, output_errors=errors
            )
        return done(request, f"{BASE}/outputs/{output.id}", "draft-started")

    @get("/outputs/{output_id:uuid}", operation_id="TrackOutputWorkspacePage")
    async def output_page(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        output_id: UUID,
        done: str | None = None,
    ) -> Template | Redirect:
        """An output: edit and publish a draft, start the next version of a published one, and see the public
        IGF Messages that cite it."""
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, request.url.path)
        csrf = await context_of(request.scope).csrf_token(db)
        return await self._output_page(request, db, clock, settings, person, output_id, csrf, done=done)

    async def _output_page(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        person: Principal,
        output_id: UUID,
        csrf: str,
        *,
        done: str | None = None,
        form: Mapping[str, str] | None = None,
        errors: Mapping[str, str] | None = None,
        publish_errors: Mapping[str, str] | None = None,
        window_form: Mapping[str, str] | None = None,
        window_errors: Mapping[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        language = i18n.request_language(request)
        outputs = OutputService(db, clock, settings)
        output = await outputs.get(output_id, actor=person)  # a draft is 404 to whoever may not see it
        track = await TrackService(db, clock, settings).row(output.track_slug)
        require_manager(person, track)
        notice = DONE.get(done or "")
        window = output.comment_window
        return render(
            request,
            "tracks/workspace/output.html",
            {
                "output": output,
                "track": track,
                "state_name": OUTPUT_STATES[output.status],
                "kind_name": OUTPUT_KIND_NAMES[output.kind],
                "csrf_token": csrf,
                "notice": gettext(language, notice) if notice else None,
                "output_form": form or output_form_of(output),
                "output_errors": translated(language, errors or {}),
                "publish_errors": translated(language, publish_errors or {}),
                "window_form": window_form
                or {"window_closes_at": local_input(window.closes_at if window else None)},
                "window_errors": translated(language, window_errors or {}),
                "needs_window": track.type in COMMENTED_TRACK_TYPES,
                "window": window,
                "citations": await outputs.cited_by(output.id, actor=person),
                "draft": output.status is OutputStatus.draft,
                "current": output.status is OutputStatus.published,
            },
            status_code=status_code,
            headers=NO_STORE,
        )

    async def _output_refused(
        self,
        request: AnyRequest,
        tx: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        person: Principal,
        output_id: UUID,
        **forms: Any,
    ) -> Template:
        session = context_of(request.scope).session
        csrf = session.csrf_token if session is not None else ""
        return await self._output_page(
            request, tx, clock, settings, person, output_id, csrf, status_code=422, **forms
        )

    @post("/outputs/{output_id:uuid}", operation_id="SaveTrackOutputForm", status_code=303)
    async def save_output(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings, output_id: UUID
    ) -> Template | Redirect:
        """Save a draft (OutputService.patch, as ``PATCH /v1/tracks/outputs/{id}``)."""
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, request.url.path)
        raw = await request.form()
        form = {n: field_text(raw, n) for n in OUTPUT_FIELDS}
        try:
            patch = parse(output_body(form), OutputPatch, "url")
            async with tx.transaction():
                await OutputService(tx, clock, settings).patch(
                    output_id, patch, expected_version=version_of(raw), actor=person
                )
        except (FormRefused, DomainError) as exc:
            errors = exc.errors if isinstance(exc, FormRefused) else refusal_errors(exc, "url")
            return await self._output_refused(
                request, tx, clock, settings, person, output_id, form=form, errors=errors
            )
        return done(request, f"{BASE}/outputs/{output_id}", "draft-saved")

    @post("/outputs/{output_id:uuid}/publish", operation_id="PublishTrackOutputForm", status_code=303)
    async def publish(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings, output_id: UUID
    ) -> Template | Redirect:
        """Publish a draft with its citable id (OutputService.publish, as the API's publish)."""
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, request.url.path)
        raw = await request.form()
        try:
            async with tx.transaction():
                await OutputService(tx, clock, settings).publish(
                    output_id, expected_version=version_of(raw), actor=person
                )
        except DomainError as exc:
            errors = refusal_errors(exc, "publish")
            return await self._output_refused(
                request, tx, clock, settings, person, output_id, publish_errors=errors
            )
        return done(request, f"{BASE}/outputs/{output_id}", "published")

    @post("/outputs/{output_id:uuid}/versions", operation_id="NewTrackOutputVersionForm", status_code=303)
    async def new_version(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings, output_id: UUID
    ) -> Template | Redirect:
        """Start the next version of a published output as a draft (OutputService.new_version)."""
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, request.url.path)
        raw = await request.form()
        form = {n: field_text(raw, n) for n in OUTPUT_FIELDS}
        try:
            patch = parse(output_body(form), OutputPatch, "url")
            async with tx.transaction():
                draft = await OutputService(tx, clock, settings).new_version(output_id, patch, actor=person)
        except (FormRefused, DomainError) as exc:
            errors = exc.errors if isinstance(exc, FormRefused) else refusal_errors(exc, "url")
            return await self._output_refused(
                request, tx, clock, settings, person, output_id, form=form, errors=errors
            )
        return done(request, f"{BASE}/outputs/{draft.id}", "version-started")

    @post(
        "/outputs/{output_id:uuid}/comment-window",
        operation_id="OpenOutputCommentWindowForm",
        status_code=303,
    )
    async def open_window(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings, output_id: UUID
    ) -> Template | Redirect:
        """Open (or extend) a draft's community comment window (OutputService.open_comment_window)."""
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, request.url.path)
        raw = await request.form()
        form = {"window_closes_at": field_text(raw, "window_closes_at")}
        try:
            if not form["window_closes_at"]:
                raise FormRefused({"window_closes_at": FIELDS["closes_at"]})
            data = parse(
                {"closes_at": moment(form["window_closes_at"])},
                CommentWindowOpen,
                "window_closes_at",
                "window_",
            )
            async with tx.transaction():
                await OutputService(tx, clock, settings).open_comment_window(
                    output_id, data, expected_version=version_of(raw), actor=person
                )
        except (FormRefused, DomainError) as exc:
            errors = (
                exc.errors
                if isinstance(exc, FormRefused)
                else refusal_errors(exc, "window_closes_at", "window_")
            )
            return await self._output_refused(
                request, tx, clock, settings, person, output_id, window_form=form, window_errors=errors
            )
        return done(request, f"{BASE}/outputs/{output_id}", "window-opened")
