"""The NRI coordinator's workspace: "My initiatives", registering an NRI with the IGF criteria shown as the form
is filled in (live through htmx, and again on submit), editing with a merge when someone saved meanwhile, and
submitting (and re-submitting after the Secretariat asked for changes).

Pages are thin: each calls the NRI service the API calls (nri/service.py, nri/report_service.py,
nri/coordinator_service.py) with the signed-in person as the actor, and says its refusals as sentences in the
form (nri/workspace_forms.py). Each service call runs in a savepoint, so a refusal leaves nothing half-written
while the rest of the request (a saved draft before a refused submission) stands.
"""

from __future__ import annotations

import csv
import functools
import json
import unicodedata
from collections.abc import Mapping
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
from litestar import get, post
from litestar.response import Redirect, Template

from igf_hub.auth.principal import AnyRequest, Grant, Principal, Role
from igf_hub.core import countries, csvfile
from igf_hub.core.clock import Clock
from igf_hub.core.errors import DomainError, PreconditionFailed
from igf_hub.core.settings import Settings
from igf_hub.core.vocab import StakeholderGroup
from igf_hub.nri import criteria, notices
from igf_hub.nri.controllers import REGISTRATION_LIMIT
from igf_hub.nri.coordinator_service import CoordinatorService
from igf_hub.nri.errors import CriteriaNotMet, LastCoordinator, NotNriCoordinator, NriNotFound
from igf_hub.nri.pages import (
    FIELD_NAMES,
    STATUS_NAMES,
    TYPE_NAMES,
    YOUTH_SCOPE_NAMES,
    country_name,
    country_options,
    language_name,
)
from igf_hub.nri.report_service import ReportService
from igf_hub.nri.schemas import (
    CommitteeMember,
    IgfPrinciple,
    Nri,
    NriCreate,
    NriField,
    NriPatch,
    NriStatus,
    NriSubmit,
    NriType,
    YouthScope,
)
from igf_hub.nri.service import NriService, content_of
from igf_hub.nri.workflow import COORDINATOR_EDITABLE, TRANSITIONS
from igf_hub.nri.workspace_forms import (
    ADVISORY_TEXT,
    GENDER_NAMES,
    MEMBER_ERRORS,
    MEMBER_KEYS,
    PRINCIPLE_NAMES,
    NriForm,
    affirmed,
    committee_by_group,
    criteria_rows,
    dumps,
    provisional,
)
from igf_hub.web import i18n
from igf_hub.web.access import sign_in_first, signed_in
from igf_hub.web.errors import PageController
from igf_hub.web.i18n import N_, gettext
from igf_hub.web.navigation import WorkItem
from igf_hub.web.sessions import context_of
from igf_hub.web.templating import render
from igf_hub.web.vocabulary import REGIONAL_GROUP_NAMES, STAKEHOLDER_GROUP_NAMES

NO_STORE = {"Cache-Control": "no-store"}
BASE = "/my/initiatives"
NOTICES = {
    "removed": N_("The coordinator is removed."),
    "imported": N_("The organising committee is replaced by the file's members."),
    "last": N_("An initiative keeps at least one coordinator: invite another one before you leave."),
    "registered": N_("The initiative is saved as a draft. You can come back to it at any time."),
    "saved": N_("Your changes are saved."),
    "submitted": N_("The initiative is submitted for recognition. The IGF Secretariat will review it."),
}
STALE = N_(
    "Someone else saved this initiative while you were editing it. Their changes and yours are combined below. "
    "Where you both changed the same thing, choose which to keep, then save again."
)
NOT_SUBMITTED = N_(
    "Your changes are saved as a draft, but the initiative was not submitted: %(count)d of the IGF criteria "
    "are not met yet."
)
# The regional-group optgroups of the country list, in the vocabulary's order, then places without a group.
OTHER_PLACES = N_("Other territories")


def _page(request: AnyRequest, template: str, context: Mapping[str, Any], status_code: int = 200) -> Template:
    return render(request, template, context, status_code=status_code, headers=NO_STORE)


async def _token(request: AnyRequest, conn: asyncpg.Connection) -> str:
    session = context_of(request.scope).session
    if session is not None and session.csrf_token:
        return session.csrf_token
    return await context_of(request.scope).csrf_token(conn)


def country_groups(language: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The country list grouped by UN regional group, so the person sees each country's group."""
    groups: dict[str, list[tuple[str, str]]] = {code: [] for code in REGIONAL_GROUP_NAMES}
    other: list[tuple[str, str]] = []
    for code, name in country_options(language):
        known = countries.get(code)
        group = known.regional_group if known else None
        groups.get(group or "", other).append((code, name))
    named = [(gettext(language, REGIONAL_GROUP_NAMES[g]), options) for g, options in groups.items()]
    return [*named, (gettext(language, OTHER_PLACES), other)]


def display(field: str, value: Any, language: str) -> str:
    """A field's value in words, for the differences since submission and the merge."""
    _ = functools.partial(gettext, language)
    if value in (None, "", []):
        return "—"
    if field == "countries":
        return ", ".join(country_name(c, language) for c in value)
    if field == "languages":
        return ", ".join(language_name(t, language) for t in value)
    if field == "type":
        return _(TYPE_NAMES[NriType(value)])
    if field == "youth_scope":
        return _(YOUTH_SCOPE_NAMES[YouthScope(value)])
    if field == "committee":
        return "; ".join(
            f"{m['name']} ({_(STAKEHOLDER_GROUP_NAMES[StakeholderGroup(m['stakeholder_group'])])}, "
            f"{country_name(m['country'], language)})"
            for m in value
        )
    if field == "focal_points":
        return "; ".join(f["name"] + (f" <{f['email']}>" if f.get("email") else "") for f in value)
    return str(value)


class WorkspaceContext:
    """What the NRI form page shows, in the reader's language."""

    def __init__(self, request: AnyRequest, language: str) -> None:
        self.request = request
        self.language = language

    def options(self) -> dict[str, Any]:
        _ = functools.partial(gettext, self.language)
        return {
            "type_options": [("", _("Choose one"))] + [(t.value, _(TYPE_NAMES[t])) for t in NriType],
            "youth_options": [("", _("Not a youth initiative"))]
            + [(s.value, _(YOUTH_SCOPE_NAMES[s])) for s in YouthScope],
            "country_groups": country_groups(self.language),
            "group_options": [("", _("Choose one"))]
            + [(g.value, _(STAKEHOLDER_GROUP_NAMES[g])) for g in StakeholderGroup],
            "member_country_options": [("", _("Choose one")), *country_options(self.language)],
            "gender_options": [("", _("Not given"))] + [(g.value, _(n)) for g, n in GENDER_NAMES.items()],
            "principle_options": [(p.value, _(PRINCIPLE_NAMES[p])) for p in IgfPrinciple],
        }


def criteria_context(form: NriForm, language: str) -> dict[str, Any]:
    """The criteria panel: the API's check (nri/criteria.py, as ``submit`` runs it) on what the form says now."""
    evaluation = criteria.evaluate(provisional(form), affirmed(form))
    chosen = form.content.get("countries") or []
    return {
        "criteria": criteria_rows(evaluation),
        "unmet_count": len(evaluation.unmet),
        "advisories": [ADVISORY_TEXT[w.code] for w in evaluation.warnings if w.code in ADVISORY_TEXT],
        "by_group": [(STAKEHOLDER_GROUP_NAMES[g], n) for g, n in committee_by_group(form)],
        "regions": [REGIONAL_GROUP_NAMES.get(code, code) for code in countries.regional_groups(chosen)],
    }


def translated_errors(form: NriForm, language: str) -> dict[str, str]:
    """Each error in the reader's language; a state in its params is said as the state's name."""
    errors = {}
    for field, message in form.errors.items():
        params = dict(form.params.get(field, {}))
        if "status" in params:
            params["status"] = gettext(language, STATUS_NAMES[NriStatus(params["status"])]).lower()
        text = gettext(language, message)
        errors[field] = text % params if params else text
    return errors


class NriWorkspacePages(PageController):
    path = BASE

    # -- My initiatives --------------------------------------------------------------------------------

    @get("/", name="nri-workspace")
    async def mine(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Template | Redirect:
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, BASE)
        nris = NriService(db, clock, settings)
        overdue = (await ReportService(db, clock, settings).overdue()).items
        rows: list[dict[str, Any]] = []
        for nri_id in sorted(person.resources(Role.nri_coordinator)):
            try:
                nri = await nris.load(nri_id, actor=person)
            except NriNotFound:
                continue  # a grant on an NRI that is gone
            evaluation = criteria.evaluate(nri, set())
            rows.append(
                {
                    "nri": nri,
                    "status_name": STATUS_NAMES[nri.status],
                    # the principles are affirmed on submission, not kept with the NRI
                    "missing": [
                        r
                        for r in criteria_rows(evaluation)
                        if not r["met"] and r["code"] != "principles_affirmed"
                    ]
                    if nri.status in COORDINATOR_EDITABLE
                    else [],
                    "overdue": [o for o in overdue if o.nri_id == nri.id],
                    "reason": nri.status_reason if nri.status is NriStatus.changes_requested else None,
                }
            )
        rows.sort(key=lambda row: unicodedata.normalize("NFKD", row["nri"].name).casefold())
        year = clock.now().year
        return _page(request, "nri/workspace/mine.html", {"rows": rows, "report_years": (year - 1, year)})

    # -- registering -----------------------------------------------------------------------------------

    @get("/new", name="nri-workspace-new")
    async def new_page(self, request: AnyRequest, db: asyncpg.Connection) -> Template | Redirect:
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, f"{BASE}/new")
        form = NriForm.from_content({"type": "national"})
        return await self._form_page(request, db, form, None, await _token(request, db))

    @post("/new", name="nri-workspace-register", guards=[REGISTRATION_LIMIT], status_code=303)
    async def register(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Template | Redirect:
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, f"{BASE}/new")
        raw = await request.form()
        form = NriForm.from_request(raw)
        token = await _token(request, tx)
        if form.errors:
            return await self._form_page(request, tx, form, None, token, 422)
        nris = NriService(tx, clock, settings)
        try:
            async with tx.transaction():
                nri = await nris.register(msgspec.convert(form.content, NriCreate), actor=person)
        except DomainError as exc:
            form.refused(exc, NriStatus.draft)
            return await self._form_page(request, tx, form, None, token, 422)
        language = i18n.request_language(request)
        done = f"{i18n.path_in(language, f'{BASE}/{nri.id}')}?done=registered"
        if _text(raw, "action") != "submit":
            return Redirect(done, status_code=303)
        # The registering person is bound to it now: the service reads the grant from the principal.
        person = _with_grant(person, nri.id)
        return await self._submit(request, tx, nris, nri, form, person, token, done)

    # -- the criteria, live ----------------------------------------------------------------------------

    @post("/criteria", name="nri-workspace-criteria", status_code=200)
    async def check(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Template | Redirect:
        """The criteria panel for what the form says now (htmx swaps it in); without JavaScript, the "Check
        the criteria" and "More committee rows" buttons post here and get the whole form back, unsaved."""
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, f"{BASE}/new")
        raw = await request.form()
        form = NriForm.from_request(raw)
        language = i18n.request_language(request)
        if request.headers.get("hx-request") == "true":
            return _page(request, "nri/workspace/_criteria.html", criteria_context(form, language))
        if _text(raw, "action") == "more":
            form.more_rows()
            form.errors, form.params = {}, {}
        nri = None
        if nri_text := _text(raw, "nri_id"):
            try:
                nri = await NriService(db, clock, settings).get(UUID(nri_text), actor=person)
            except ValueError:
                raise NriNotFound(f"no NRI {nri_text}") from None
        token = await _token(request, db)
        extra = {"version": _text(raw, "version"), "base": _text(raw, "base")}
        return await self._form_page(request, db, form, nri, token, 200, extra=extra)

    # -- one initiative --------------------------------------------------------------------------------

    @get("/{nri_id:uuid}", name="nri-workspace-nri")
    async def nri_page(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        nri_id: UUID,
        done: str | None = None,
    ) -> Template | Redirect:
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, f"{BASE}/{nri_id}")
        nri = await NriService(db, clock, settings).get(nri_id, actor=person)
        form = NriForm.from_content(content_of(nri))
        notice = NOTICES.get(done or "")
        return await self._form_page(
            request, db, form, nri, await _token(request, db), notice=notice, clock=clock, settings=settings
        )

    @post("/{nri_id:uuid}", name="nri-workspace-save", status_code=303)
    async def save(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings, nri_id: UUID
    ) -> Template | Redirect:
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, f"{BASE}/{nri_id}")
        raw = await request.form()
        form = NriForm.from_request(raw)
        nris = NriService(tx, clock, settings)
        current = await nris.get(nri_id, actor=person)
        token = await _token(request, tx)
        version = _text(raw, "version")
        if form.errors:
            extra = {"version": version, "base": _text(raw, "base")}
            return await self._form_page(request, tx, form, current, token, 422, extra=extra)
        # Where the person chose "take theirs" in a merge, their value replaces what the form carries.
        for field in list(form.content):
            if _text(raw, f"resolve_{field}") == "theirs" and (theirs := _text(raw, f"theirs_{field}")):
                form.content[field] = json.loads(theirs)
        now = content_of(current)
        changes = {f: v for f, v in form.content.items() if f != "parent_nri_id" and v != now.get(f)}
        try:
            async with tx.transaction():
                nri = await nris.patch(
                    nri_id,
                    msgspec.convert(changes, NriPatch),
                    expected_version=int(version) if version.isdigit() else -1,
                    actor=person,
                )
        except PreconditionFailed:
            return await self._merge(request, tx, form, current, raw, token, clock, settings)
        except msgspec.ValidationError:
            form.error("name", NOT_SAVED)
            return await self._form_page(request, tx, form, current, token, 422)
        except (NotNriCoordinator, NriNotFound):
            raise
        except DomainError as exc:
            form.refused(exc, current.status)
            extra = {"version": version, "base": _text(raw, "base")}
            return await self._form_page(request, tx, form, current, token, 422, extra=extra)
        language = i18n.request_language(request)
        if _text(raw, "action") != "submit":
            return Redirect(f"{i18n.path_in(language, f'{BASE}/{nri.id}')}?done=saved", status_code=303)
        done = f"{i18n.path_in(language, f'{BASE}/{nri.id}')}?done=submitted"
        return await self._submit(request, tx, nris, nri, form, person, token, done)

    # -- co-coordinators -------------------------------------------------------------------------------

    @post("/{nri_id:uuid}/coordinators/remove", name="nri-workspace-remove-coordinator", status_code=303)
    async def remove_coordinator(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings, nri_id: UUID
    ) -> Redirect:
        """Remove a co-coordinator, or leave (removing oneself): the coordinator service's rules (an NRI keeps
        at least one coordinator)."""
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, f"{BASE}/{nri_id}")
        language = i18n.request_language(request)
        here = i18n.path_in(language, f"{BASE}/{nri_id}")
        try:
            user_id = UUID(_text(await request.form(), "user_id"))
        except ValueError:
            user_id = UUID(
                int=0
            )  # no one: the service still checks who may ask (403), then finds no one (404)
        try:
            async with tx.transaction():
                await CoordinatorService(tx, clock, settings).remove_coordinator(
                    nri_id, user_id, actor=person
                )
        except LastCoordinator:
            return Redirect(f"{here}?done=last", status_code=303)
        if user_id == person.user_id:  # left: the NRI is no longer theirs to open
            return Redirect(i18n.path_in(language, BASE), status_code=303)
        return Redirect(f"{here}?done=removed", status_code=303)

    # -- the committee from a CSV file -----------------------------------------------------------------

    @get("/{nri_id:uuid}/committee", name="nri-workspace-committee")
    async def committee_page(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings, nri_id: UUID
    ) -> Template | Redirect:
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, f"{BASE}/{nri_id}/committee")
        nri = await NriService(db, clock, settings).load_managed(nri_id, actor=person)
        return _page(
            request, "nri/workspace/committee.html", await _committee(request, db, nri, "", None, [])
        )

    @post("/{nri_id:uuid}/committee", name="nri-workspace-committee-import", status_code=200)
    async def committee_import(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings, nri_id: UUID
    ) -> Template | Redirect:
        """Preview the committee a CSV file gives, row by row, writing nothing; on confirmation, replace the
        committee with it through the NRI service (with the version the preview was made at)."""
        person = signed_in(request)
        if person is None:
            return sign_in_first(request, f"{BASE}/{nri_id}/committee")
        nris = NriService(tx, clock, settings)
        nri = await nris.load_managed(nri_id, actor=person)
        raw = await request.form()
        upload = raw.get("file")
        text = _text(raw, "csv")
        if upload is not None and not isinstance(upload, str) and not text:
            text = (await upload.read()).decode("utf-8", errors="replace")
        rows, members, problem = committee_rows(text)
        confirm = _text(raw, "action") == "confirm" and not problem and all(r["ok"] for r in rows)
        if confirm:
            version = _text(raw, "version")
            try:
                async with tx.transaction():
                    await nris.patch(
                        nri_id,
                        NriPatch(committee=msgspec.convert(members, list[CommitteeMember])),
                        expected_version=int(version) if version.isdigit() else -1,
                        actor=person,
                    )
            except PreconditionFailed:
                problem = IMPORT_STALE
            except (NotNriCoordinator, NriNotFound):
                raise
            except DomainError as exc:
                form = NriForm({})
                form.refused(exc, nri.status)
                problem = next(iter(form.errors.values()), IMPORT_STALE)
                return _page(
                    request,
                    "nri/workspace/committee.html",
                    await _committee(request, tx, nri, text, problem, rows, status=nri.status),
                    422,
                )
            else:
                language = i18n.request_language(request)
                return Redirect(
                    f"{i18n.path_in(language, f'{BASE}/{nri_id}')}?done=imported", status_code=303
                )
        status = 422 if problem or not all(r["ok"] for r in rows) else 200
        return _page(
            request,
            "nri/workspace/committee.html",
            await _committee(request, tx, nri, text, problem, rows),
            status,
        )

    # -- helpers ---------------------------------------------------------------------------------------

    async def _submit(
        self,
        request: AnyRequest,
        tx: asyncpg.Connection,
        nris: NriService,
        nri: Nri,
        form: NriForm,
        person: Principal,
        token: str,
        done: str,
    ) -> Template | Redirect:
        body = NriSubmit(affirmed_principles=sorted(affirmed(form)))
        try:
            async with tx.transaction():
                submitted = await nris.submit(nri.id, body, expected_version=nri.version, actor=person)
        except CriteriaNotMet as exc:
            unmet = list((exc.extra or {}).get("unmet_criteria") or [])
            form.errors, form.params = {}, {}
            for row in criteria_rows(criteria.evaluate(nri, affirmed(form))):
                if not row["met"]:
                    form.error(_criterion_anchor(row["field"]), row["title"])
            extra = {"not_submitted": len(unmet)}
            return await self._form_page(request, tx, form, nri, token, 422, extra=extra, actor=person)
        except DomainError as exc:
            form.errors, form.params = {}, {}
            form.refused(exc, nri.status)
            return await self._form_page(request, tx, form, nri, token, 422, actor=person)
        del submitted
        return Redirect(done.replace("done=registered", "done=submitted"), status_code=303)

    async def _merge(
        self,
        request: AnyRequest,
        tx: asyncpg.Connection,
        form: NriForm,
        current: Nri,
        raw: Any,
        token: str,
        clock: Clock,
        settings: Settings,
    ) -> Template:
        """Someone saved since the form was read: combine theirs and this person's, field by field."""
        language = i18n.request_language(request)
        theirs = content_of(current)
        try:
            base = json.loads(_text(raw, "base") or "{}")
        except ValueError:
            base = {}
        mine = form.content
        merged, conflicts, theirs_only = dict(theirs), [], []
        for field, value in mine.items():
            if field == "parent_nri_id":
                continue
            changed_by_me = value != base.get(field, theirs[field])
            changed_by_them = theirs[field] != base.get(field, theirs[field])
            if changed_by_me and changed_by_them and value != theirs[field]:
                conflicts.append(
                    {
                        "field": field,
                        "label": FIELD_NAMES.get(field, field),
                        "theirs": display(field, theirs[field], language),
                        "mine": display(field, value, language),
                        "theirs_json": dumps(theirs[field]),
                    }
                )
                merged[field] = value
            elif changed_by_me:
                merged[field] = value
            elif changed_by_them:
                theirs_only.append(
                    {
                        "label": FIELD_NAMES.get(field, field),
                        "theirs": display(field, theirs[field], language),
                    }
                )
        shown = NriForm.from_content(merged, principles=form.values["principles"])
        extra = {
            "version": str(current.version),
            "base": dumps(theirs),
            "conflicts": conflicts,
            "theirs_only": theirs_only,
            "stale": True,
        }
        return await self._form_page(
            request, tx, shown, current, token, 409, extra=extra, clock=clock, settings=settings
        )

    async def _form_page(
        self,
        request: AnyRequest,
        conn: asyncpg.Connection,
        form: NriForm,
        nri: Nri | None,
        token: str,
        status_code: int = 200,
        *,
        extra: Mapping[str, Any] | None = None,
        notice: str | None = None,
        clock: Clock | None = None,
        settings: Settings | None = None,
        actor: Principal | None = None,
    ) -> Template:
        language = i18n.request_language(request)
        actor = actor or request.user
        extra = dict(extra or {})
        state: dict[str, Any] = {}
        if nri is not None:
            clock = clock or request.app.state.clock
            settings = settings or request.app.state.settings
            nris = NriService(conn, clock, settings)
            since = await nris.changes_since_submission(nri.id, actor=actor)
            coordinators = await CoordinatorService(conn, clock, settings).coordinators(nri.id, actor=actor)
            state = {
                "nri": nri,
                "status_name": STATUS_NAMES[nri.status],
                "editable": nri.status in COORDINATOR_EDITABLE,
                "can_submit": NriStatus.submitted in TRANSITIONS[nri.status],
                "requested": nri.requested_changes if nri.status is NriStatus.changes_requested else [],
                # The Secretariat's reason per field (the review page's), in the form's order.
                "requested_fields": [
                    (notices.FIELD_NAMES[field], nri.requested_fields[field.value])
                    for field in NriField
                    if field.value in nri.requested_fields
                ]
                if nri.status is NriStatus.changes_requested
                else [],
                "reason": nri.status_reason,
                "submission": nri.latest_submission,
                "since": [
                    {
                        "label": FIELD_NAMES.get(field, field),
                        "then": display(field, then, language),
                        "now": display(field, now, language),
                    }
                    for field, (then, now) in sorted((since or {}).items())
                ],
                "coordinators": coordinators,
                "me": actor.user_id,
                "report_years": (clock.now().year - 1, clock.now().year)
                if nri.status in (NriStatus.recognised, NriStatus.inactive)
                else (),
            }
            extra.setdefault("version", str(nri.version))
            extra.setdefault("base", dumps(content_of(nri)))
        action = i18n.path_in(language, f"{BASE}/{nri.id}" if nri else f"{BASE}/new")
        return _page(
            request,
            "nri/workspace/form.html",
            {
                "form": form.values,
                "errors": translated_errors(form, language),
                "csrf_token": token,
                "action": action,
                "criteria_url": i18n.path_in(language, f"{BASE}/criteria"),
                "mine_url": i18n.path_in(language, BASE),
                "notice": notice,
                "new": nri is None,
                "version": extra.get("version", ""),
                "base": extra.get("base", ""),
                "conflicts": extra.get("conflicts", []),
                "theirs_only": extra.get("theirs_only", []),
                "stale": extra.get("stale", False),
                "not_submitted": extra.get("not_submitted"),
                "stale_text": STALE,
                "not_submitted_text": NOT_SUBMITTED,
                **state,
                **WorkspaceContext(request, language).options(),
                **criteria_context(form, language),
            },
            status_code,
        )


NOT_SAVED = N_("The initiative could not be saved as it is: check the fields and try again.")


IMPORT_STALE = N_("The initiative changed since the preview: preview the file again, then confirm.")
NO_ROWS = N_("Choose a CSV file, or paste its text, with a header row and one committee member per row.")
BAD_CSV = N_("The file could not be read as CSV: check its quotes.")
ROW_CELLS = N_("Line %(line)d has a different number of cells from the header.")
UNKNOWN_COLUMNS = N_("These columns are not known and were left out: %(columns)s.")
COLUMNS = {
    "name": "Name",
    "organisation": "Organisation",
    "stakeholder_group": "Stakeholder group",
    "country": "Country",
    "city": "City",
    "gender": "Gender",
}


def committee_rows(text: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str | None]:
    """Each row of a committee CSV file with its outcome (the member it gives, or a sentence per mistake,
    from CommitteeMember's own checks), the members, and a problem with the file as a whole."""
    if not text.strip():
        return [], [], NO_ROWS
    try:
        table = csvfile.read(text)
    except csv.Error:
        return [], [], BAD_CSV
    rows: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    for index, (line, record) in enumerate(table.records(), start=1):
        if record is None:
            rows.append({"line": line, "ok": False, "values": {}, "errors": [(ROW_CELLS, {"line": line})]})
            continue
        values = dict(csvfile.rename(record, COLUMNS))
        form = NriForm({})
        found = form.rows(
            "cm",
            [{k: values.get(k, "") for k in MEMBER_KEYS}],
            MEMBER_KEYS,
            CommitteeMember,
            MEMBER_ERRORS,
            {"country": str.upper},
        )
        errors = [(message, {"row": index}) for message in form.errors.values()]
        rows.append({"line": line, "ok": not errors, "values": values, "errors": errors})
        members += found
    unknown = [h for h in table.header if csvfile.field_of(h, COLUMNS) is None]
    if not rows:
        return [], [], NO_ROWS
    if unknown:
        rows.insert(
            0,
            {
                "line": 1,
                "ok": True,
                "values": {},
                "errors": [(UNKNOWN_COLUMNS, {"columns": ", ".join(unknown)})],
            },
        )
    return rows, members, None


async def _committee(
    request: AnyRequest,
    conn: asyncpg.Connection,
    nri: Nri,
    text: str,
    problem: str | None,
    rows: list[dict[str, Any]],
    *,
    status: NriStatus | None = None,
) -> dict[str, Any]:
    language = i18n.request_language(request)
    _ = functools.partial(gettext, language)
    params = {"status": _(STATUS_NAMES[status]).lower()} if status else {}
    return {
        "nri": nri,
        "csv": text,
        "problem": (_(problem) % params if params and "%(status)s" in problem else _(problem))
        if problem
        else None,
        "rows": [
            {**row, "sentences": [_(message) % params_ for message, params_ in row["errors"]]} for row in rows
        ],
        "ready": bool(rows) and not problem and all(r["ok"] for r in rows),
        "members": sum(1 for r in rows if r["ok"] and r["values"]),
        "version": str(nri.version),
        "csrf_token": await _token(request, conn),
        "action": i18n.path_in(language, f"{BASE}/{nri.id}/committee"),
        "nri_url": i18n.path_in(language, f"{BASE}/{nri.id}"),
        "mine_url": i18n.path_in(language, BASE),
        "group_names": STAKEHOLDER_GROUP_NAMES,
        "columns": ", ".join(COLUMNS.values()),
    }


def _text(raw: Any, name: str) -> str:
    return str(raw.get(name) or "").strip()


def _criterion_anchor(field: str) -> str:
    return {"committee": "cm0_name", "principles": "principles"}.get(field, field)


def _with_grant(person: Principal, nri_id: UUID) -> Principal:
    """The principal as its next request will load it: bound to the NRI it just registered."""
    grant = Grant(role=Role.nri_coordinator, resource_id=nri_id)
    return msgspec.structs.replace(person, grants=(*person.grants, grant))


# The coordinator's entry point in "My work" (app.py collects it).
WORKSPACE = [
    WorkItem(
        path=BASE,
        label=N_("My initiatives"),
        roles=frozenset({Role.nri_coordinator}),
        description=N_(
            "Your national and regional initiatives: where each stands, what is missing, what is due."
        ),
        order=10,
    ),
    WorkItem(
        path=f"{BASE}/new",
        label=N_("Register an initiative"),
        description=N_("Register a national or regional initiative and submit it for recognition."),
        order=11,
    ),
]
