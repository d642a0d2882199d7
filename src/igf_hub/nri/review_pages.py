"""The Secretariat's NRI review pages: the NRIs waiting for review (the longest-waiting first, with what their
submission met), and one NRI's submission beside the recognition criteria, with the decisions: start the
review, ask for changes with a reason per field, recognise, or decline with a reason.

Each decision calls the NriService method the API's controller calls (audited and notified there), inside a
savepoint of the request transaction: a refusal leaves nothing half-written and comes back as a sentence in the
form, with what the reviewer wrote kept. The page adds no rule of its own: the reasons are checked by the API's
own body types (``NriDecision``, ``NriChangesRequest``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
from litestar import get, post
from litestar.response import Redirect, Template

from igf_hub.auth.guards import requires_secretariat
from igf_hub.auth.principal import AnyRequest, Principal, Role
from igf_hub.core.clock import Clock
from igf_hub.core.errors import DomainError, IllegalTransition, PreconditionFailed
from igf_hub.core.settings import Settings
from igf_hub.nri import criteria
from igf_hub.nri.errors import NriDuplicate
from igf_hub.nri.notices import FIELD_NAMES
from igf_hub.nri.pages import STATUS_NAMES, TYPE_NAMES, YOUTH_SCOPE_NAMES
from igf_hub.nri.schemas import (
    IgfPrinciple,
    Nri,
    NriChangesRequest,
    NriDecision,
    NriField,
    NriStatus,
)
from igf_hub.nri.service import NriService
from igf_hub.web import i18n
from igf_hub.web.errors import PageController
from igf_hub.web.i18n import N_, gettext
from igf_hub.web.navigation import WorkItem
from igf_hub.web.sessions import context_of
from igf_hub.web.templating import render
from igf_hub.web.vocabulary import STAKEHOLDER_GROUP_NAMES

NO_STORE = {"Cache-Control": "no-store"}
LIST = "/secretariat/nris"

# The criteria and advisories of nri/criteria.py, in words for the reviewer.
CRITERION_NAMES = {
    "multistakeholder_committee": N_("A multistakeholder organising committee (at least three groups)"),
    "public_channel": N_("A public website or mailing list"),
    "meeting_report": N_("A report of the founding or most recent meeting"),
    "principles_affirmed": N_("The IGF principles affirmed"),
}
ADVISORY_NAMES = {
    "regional_diversity": N_("The committee comes from one place only (regional diversity)"),
    "gender_diversity": N_("The committee does not show gender diversity"),
}
PRINCIPLE_NAMES = {
    IgfPrinciple.open_and_transparent: N_("Open and transparent"),
    IgfPrinciple.inclusive: N_("Inclusive"),
    IgfPrinciple.bottom_up: N_("Bottom-up"),
    IgfPrinciple.multistakeholder: N_("Multistakeholder"),
    IgfPrinciple.non_commercial: N_("Non-commercial"),
}
WORKSPACE = [
    WorkItem(
        path=LIST,
        label=N_("NRIs awaiting review"),
        roles=frozenset({Role.secretariat}),
        description=N_(
            "Review the initiatives submitted for recognition: ask for changes, recognise or decline."
        ),
        order=11,
    )
]
NOTICES = {
    "review-started": N_("The review has started. Decide below."),
    "changes-requested": N_(
        "The coordinators are asked for changes; they are told by e-mail and in their inbox."
    ),
    "recognised": N_("The NRI is recognised: it is now in the public directory. Its coordinators are told."),
    "declined": N_("The NRI is declined. Its coordinators are told."),
}
GIVE_REASON = N_("Give the reason for your decision: between 3 and 5,000 characters.")
FIELD_REASON_TOO_LONG = N_("Keep each field's reason under 500 characters.")
CHANGE_TOO_LONG = N_("Keep each change on its own line, under 500 characters, and at most 50 of them.")
NAME_A_CHANGE = N_("Give a reason for at least one field, or list another change.")
STALE = N_("Someone changed this NRI since you opened the page. Read it again below, then decide.")
NOT_NOW = N_("This cannot be done while the NRI is “%(status)s”. The page now shows where it stands.")
DUPLICATE = N_("%(name)s is already the recognised NRI of this type for these countries.")
NOT_DONE = N_("The decision could not be recorded: %(detail)s")


def _age_days(since: datetime, now: datetime) -> int:
    return max((now - since).days, 0)


def _version(form: Mapping[str, Any]) -> int | None:
    text = str(form.get("version") or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _field_rows(nri: Nri) -> list[dict[str, Any]]:
    """The submission's fields, in the form's order, each with what the reviewer may comment on."""
    rows = []
    for field in NriField:
        value = getattr(nri, field.value)
        if field is NriField.youth_scope and value is None:
            continue
        if field is NriField.parent_nri_id and value is None:
            continue
        rows.append({"name": field.value, "label": FIELD_NAMES[field], "value": value})
    return rows


class ReviewForm:
    """What the reviewer wrote in the three decision forms: kept to show back after a refusal."""

    def __init__(self, raw: Mapping[str, Any] | None = None) -> None:
        raw = raw or {}
        self.values = {
            name: str(raw.get(name) or "").strip()
            for name in ("reason", "changes", "recognise_reason", "decline_reason")
        }
        self.fields = {
            field.value: str(raw.get(f"field_{field.value}") or "").strip()
            for field in NriField
            if str(raw.get(f"field_{field.value}") or "").strip()
        }


class NriReviewPages(PageController):
    guards = [requires_secretariat]

    @get(LIST, operation_id="NriReviewListPage")
    async def list_page(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Template:
        """The NRIs waiting for review, the longest-waiting first, with their criteria result."""
        waiting = await NriService(db, clock, settings).awaiting_review(actor=request.user)
        now = clock.now()
        rows = [
            {
                "id": item.id,
                "name": item.name,
                "acronym": item.acronym,
                "type": TYPE_NAMES[item.type],
                "countries": item.countries,
                "status": item.status.value,
                "status_name": STATUS_NAMES[item.status],
                "submitted_at": item.submitted_at,
                "days": _age_days(item.submitted_at, now),
                "met": len(item.criteria_met),
                "of": len(criteria.CRITERIA),
                "warnings": [ADVISORY_NAMES.get(w.code, w.code) for w in item.warnings],
            }
            for item in waiting
        ]
        return render(request, "nri/review/list.html", {"rows": rows}, headers=NO_STORE)

    @get(f"{LIST}/{{nri_id:uuid}}", operation_id="NriReviewPage")
    async def review_page(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        nri_id: UUID,
        done: str | None = None,
    ) -> Template:
        """One NRI's submission beside the criteria, with the decision forms."""
        csrf = await context_of(request.scope).csrf_token(db)
        return await self._page(request, db, clock, settings, nri_id, csrf, ReviewForm(), {}, done=done)

    @post(f"{LIST}/{{nri_id:uuid}}/start-review", operation_id="StartNriReviewForm", status_code=303)
    async def start_review(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings, nri_id: UUID
    ) -> Template | Redirect:
        """Take a submitted NRI into review (POST /v1/nris/{id}/start-review)."""
        raw = await request.form()
        service = NriService(tx, clock, settings)
        return await self._decide(
            request,
            tx,
            clock,
            settings,
            nri_id,
            ReviewForm(raw),
            {},
            lambda: service.start_review(nri_id, expected_version=_version(raw), actor=request.user),
            "review-started",
            "start",
        )

    @post(f"{LIST}/{{nri_id:uuid}}/request-changes", operation_id="RequestNriChangesForm", status_code=303)
    async def request_changes(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings, nri_id: UUID
    ) -> Template | Redirect:
        """Ask the coordinators for changes, with a reason per field (POST /v1/nris/{id}/request-changes)."""
        raw = await request.form()
        form = ReviewForm(raw)
        errors: dict[str, str] = {}
        body: NriChangesRequest | None = None
        try:
            body = msgspec.convert(
                {
                    "reason": form.values["reason"],
                    "changes": _lines(form.values["changes"]),
                    "fields": form.fields,
                },
                NriChangesRequest,
            )
        except msgspec.ValidationError as exc:
            errors = _changes_errors(str(exc), form)
        service = NriService(tx, clock, settings)
        checked = body
        return await self._decide(
            request,
            tx,
            clock,
            settings,
            nri_id,
            form,
            errors,
            lambda: service.request_changes(
                nri_id, _required(checked), expected_version=_version(raw), actor=request.user
            ),
            "changes-requested",
            "reason",
        )

    @post(f"{LIST}/{{nri_id:uuid}}/recognise", operation_id="RecogniseNriForm", status_code=303)
    async def recognise(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings, nri_id: UUID
    ) -> Template | Redirect:
        """Recognise the NRI, with a reason (POST /v1/nris/{id}/recognise)."""
        raw = await request.form()
        form = ReviewForm(raw)
        body, errors = _decision(form.values["recognise_reason"], "recognise_reason")
        service = NriService(tx, clock, settings)
        return await self._decide(
            request,
            tx,
            clock,
            settings,
            nri_id,
            form,
            errors,
            lambda: service.recognise(
                nri_id, _required(body), expected_version=_version(raw), actor=request.user
            ),
            "recognised",
            "recognise_reason",
        )

    @post(f"{LIST}/{{nri_id:uuid}}/decline", operation_id="DeclineNriForm", status_code=303)
    async def decline(
        self, request: AnyRequest, tx: asyncpg.Connection, clock: Clock, settings: Settings, nri_id: UUID
    ) -> Template | Redirect:
        """Decline the NRI, with a reason (POST /v1/nris/{id}/decline)."""
        raw = await request.form()
        form = ReviewForm(raw)
        body, errors = _decision(form.values["decline_reason"], "decline_reason")
        service = NriService(tx, clock, settings)
        return await self._decide(
            request,
            tx,
            clock,
            settings,
            nri_id,
            form,
            errors,
            lambda: service.decline(
                nri_id, _required(body), expected_version=_version(raw), actor=request.user
            ),
            "declined",
            "decline_reason",
        )

    async def _decide(
        self,
        request: AnyRequest,
        tx: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        nri_id: UUID,
        form: ReviewForm,
        errors: dict[str, str],
        act: Any,
        done: str,
        where: str,
    ) -> Template | Redirect:
        language = i18n.request_language(request)
        errors = {name: gettext(language, text) for name, text in errors.items()}
        if not errors:
            try:
                async with tx.transaction():  # a savepoint: a refusal leaves nothing written
                    await act()
            except PreconditionFailed:
                errors[where] = gettext(language, STALE)
            except IllegalTransition as exc:
                current = NriStatus(str(exc.extra["current_state"]))
                errors[where] = gettext(language, NOT_NOW) % {
                    "status": gettext(language, STATUS_NAMES[current])
                }
            except NriDuplicate as exc:
                duplicate = exc.extra.get("duplicate_of") or {}
                errors[where] = gettext(language, DUPLICATE) % {"name": duplicate.get("name", "")}
            except DomainError as exc:
                if exc.status == 404:
                    raise
                errors[where] = gettext(language, NOT_DONE) % {"detail": exc.detail}
        if errors:
            session = context_of(request.scope).session
            csrf = session.csrf_token if session is not None else ""
            return await self._page(request, tx, clock, settings, nri_id, csrf, form, errors, status_code=422)
        return Redirect(i18n.path_in(language, f"{LIST}/{nri_id}") + f"?done={done}", status_code=303)

    async def _page(
        self,
        request: AnyRequest,
        conn: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        nri_id: UUID,
        csrf_token: str,
        form: ReviewForm,
        errors: Mapping[str, str],
        *,
        done: str | None = None,
        status_code: int = 200,
    ) -> Template:
        language = i18n.request_language(request)
        actor: Principal = request.user
        nri = await NriService(conn, clock, settings).get(nri_id, actor=actor)
        submission = nri.latest_submission
        affirmed = set(submission.affirmed_principles) if submission else set()
        evaluation = criteria.evaluate(nri, affirmed)
        notice = NOTICES.get(done or "")
        context = {
            "nri": nri,
            "status_name": STATUS_NAMES[nri.status],
            "type_name": TYPE_NAMES[nri.type],
            "youth_scope_name": YOUTH_SCOPE_NAMES[nri.youth_scope] if nri.youth_scope else None,
            "stakeholder_names": STAKEHOLDER_GROUP_NAMES,
            "submission": submission,
            "principles": [(PRINCIPLE_NAMES[p], p in affirmed) for p in IgfPrinciple],
            "criteria": [
                {"name": CRITERION_NAMES[c.code], "met": c.code in evaluation.met} for c in criteria.CRITERIA
            ],
            "warnings": [ADVISORY_NAMES.get(w.code, w.code) for w in evaluation.warnings],
            "fields": _field_rows(nri),
            "requested_fields": [
                (FIELD_NAMES[f], nri.requested_fields[f.value])
                for f in NriField
                if f.value in nri.requested_fields
            ],
            "may_start": nri.status is NriStatus.submitted,
            "may_decide": nri.status is NriStatus.under_review and actor.has_role(Role.secretariat),
            "form": form.values,
            "field_reasons": form.fields,
            "errors": dict(errors),
            "csrf_token": csrf_token,
            "notice": gettext(language, notice) if notice else None,
        }
        return render(request, "nri/review/review.html", context, status_code=status_code, headers=NO_STORE)


def _required(body: Any) -> Any:
    assert body is not None  # _decide calls only when the form had no errors
    return body


def _decision(reason: str, name: str) -> tuple[NriDecision | None, dict[str, str]]:
    try:
        return msgspec.convert({"reason": reason}, NriDecision), {}
    except msgspec.ValidationError:
        return None, {name: GIVE_REASON}


def _changes_errors(message: str, form: ReviewForm) -> dict[str, str]:
    """msgspec names where the API's body type refused (``$.reason``, ``$.fields``, ``$.changes``): say it."""
    if "$.reason" in message:
        return {"reason": GIVE_REASON}
    if "$.fields" in message:
        too_long = [name for name, text in form.fields.items() if len(text) > 500]
        return {f"field_{name}": FIELD_REASON_TOO_LONG for name in too_long} or {
            "reason": FIELD_REASON_TOO_LONG
        }
    if "$.changes" in message:
        return {"changes": CHANGE_TOO_LONG}
    return {"reason": NAME_A_CHANGE}
